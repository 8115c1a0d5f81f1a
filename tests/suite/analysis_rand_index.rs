//! The Rand and adjusted Rand indices against scikit-learn 1.9.1
//! (tests/oracles/rand_index_reference.py writes the JSON read here).

use ferrolab::analysis::{adjusted_rand_score, rand_score};
use serde_json::Value;

#[test]
fn rand_indices_equal_scikit_learns() {
    let reference: Value =
        serde_json::from_str(include_str!("../oracles/rand_index_reference.json")).unwrap();
    let cases = reference["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 9);
    for case in cases {
        let labels = |k: &str| -> Vec<usize> { serde_json::from_value(case[k].clone()).unwrap() };
        let (a, b) = (labels("a"), labels("b"));
        let name = case["name"].as_str().unwrap();
        let ari = adjusted_rand_score(&a, &b).unwrap();
        let want = case["adjusted_rand"].as_f64().unwrap();
        assert!((ari - want).abs() < 1e-14, "{name}: {ari} vs {want}");
        let ri = rand_score(&a, &b).unwrap();
        let want = case["rand"].as_f64().unwrap();
        assert!((ri - want).abs() < 1e-14, "{name}: {ri} vs {want}");
        // Symmetric in its arguments.
        assert_eq!(adjusted_rand_score(&b, &a).unwrap(), ari, "{name}");
    }
    let e = adjusted_rand_score(&[0, 1, 2], &[0, 1])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("labels_true has 3 samples and labels_pred 2"),
        "{e}"
    );
}
