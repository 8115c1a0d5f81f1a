//! Orthogonal matching pursuit against scikit-learn 1.9.1 (tests/oracles/omp_reference.py
//! writes the dictionaries, data and scikit-learn's codes to omp_reference.json), and the
//! dictionary's default transform (scikit-learn's rule for the number of non-zeros) against
//! `SparseCoder(transform_algorithm='omp')`.
//!
//! Measured when written (x86-64, release): the codes agree with `orthogonal_mp_gram` to
//! 5e-14 relative (largest difference over all cases and n); asserted 1e-10 relative to the
//! largest code of the case.

use ferrolab::analysis::{
    Dictionary, DictionaryParams, DictionaryTransform, LassoSettings, omp_nonzero_rule,
    orthogonal_mp, sparse_encode,
};
use ndarray::Array2;
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(include_str!("../oracles/omp_reference.json")).unwrap()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

/// Largest |a - b| over the largest |b|.
fn relative_difference(a: &Array2<f64>, b: &Array2<f64>) -> f64 {
    assert_eq!(a.dim(), b.dim());
    let scale = b.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

#[test]
fn omp_codes_match_scikit_learn() {
    let r = reference();
    let cases = r["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 3);
    let mut worst = 0.0_f64;
    for (name, case) in cases {
        let atoms = matrix(&case["dictionary"]);
        let x = matrix(&case["x"]);
        for (n, codes) in case["codes"].as_object().unwrap() {
            let n: usize = n.parse().unwrap();
            let ours = orthogonal_mp(x.view(), atoms.view(), n).unwrap();
            let theirs = matrix(codes);
            let diff = relative_difference(&ours, &theirs);
            worst = worst.max(diff);
            assert!(diff < 1e-10, "{name}, n = {n}: codes differ by {diff}");
            // The same atoms are chosen (coefficients that are not rounding noise).
            for (i, (a, b)) in ours.rows().into_iter().zip(theirs.rows()).enumerate() {
                let chosen = |row: ndarray::ArrayView1<f64>| -> Vec<usize> {
                    (0..row.len()).filter(|&j| row[j].abs() > 1e-9).collect()
                };
                assert_eq!(chosen(a), chosen(b), "{name}, n = {n}, row {i}");
            }
        }
        // scikit-learn's default number of non-zeros.
        let rule = case["default_nonzero"].as_u64().unwrap() as usize;
        assert_eq!(omp_nonzero_rule(x.ncols(), atoms.nrows()), rule, "{name}");
        let default = orthogonal_mp(x.view(), atoms.view(), rule).unwrap();
        assert!(relative_difference(&default, &matrix(&case["default_codes"])) < 1e-10);
    }
    println!("largest relative difference from scikit-learn: {worst:.2e}");
}

/// The rules of paper 001: 2 of 3 atoms for its 25-step toy spectra, 5 of 5 for its 192-value
/// BEPS loops.
#[test]
fn paper_rule_counts() {
    let r = reference();
    assert_eq!(r["cases"]["toy"]["default_nonzero"], 2);
    assert_eq!(r["cases"]["beps"]["default_nonzero"], 5);
    assert_eq!(omp_nonzero_rule(25, 3), 2);
    assert_eq!(omp_nonzero_rule(192, 5), 5);
}

/// A learnt dictionary's default transform is OMP with the rule on its own atoms (the standardised
/// data coded by `orthogonal_mp`), the lasso rule gives the codes of the learning objective, and
/// the key selects between them.
#[test]
fn dictionary_transform_rules() {
    let r = reference();
    let x = matrix(&r["cases"]["toy"]["x"]);
    let params = DictionaryParams {
        standardise: true,
        ..DictionaryParams::new(3, 0.57)
    };
    let dl = Dictionary::fit(x.view(), &params).unwrap();
    assert_eq!(
        dl.transform_rule(),
        DictionaryTransform::Omp { n_nonzero: None }
    );
    let (mean, scale) = dl.standardisation();
    let z = (&x - &mean) / scale;
    let expected = orthogonal_mp(z.view(), dl.atoms(), 2).unwrap();
    let codes = dl.transform(x.view()).unwrap();
    assert!(relative_difference(&codes, &expected) < 1e-12);
    assert!(
        codes
            .rows()
            .into_iter()
            .all(|g| g.iter().filter(|v| **v != 0.0).count() <= 2)
    );
    // Errors per row: the mean over rows is the MSE; three atoms by OMP fit better than two.
    let omp2 = dl
        .reconstruction_errors(x.view(), DictionaryTransform::default())
        .unwrap();
    let omp3 = dl
        .reconstruction_errors(x.view(), DictionaryTransform::Omp { n_nonzero: Some(3) })
        .unwrap();
    assert!((omp2.mean().unwrap() - dl.reconstruction_mse(x.view()).unwrap()).abs() < 1e-15);
    assert!(omp3.iter().zip(&omp2).all(|(a, b)| *a <= b + 1e-12));
    let lasso = dl
        .transform_with(x.view(), DictionaryTransform::Lasso)
        .unwrap();
    let direct = sparse_encode(z.view(), dl.atoms(), 0.57, LassoSettings::default()).unwrap();
    assert!(relative_difference(&lasso, &direct) < 1e-12);
    // The key: "lasso" and an explicit count.
    let mut cfg = ferrolab::config::Config::new();
    cfg.set(
        "dictionary.transform",
        ferrolab::config::Value::Str("lasso".into()),
    )
    .unwrap();
    let p = DictionaryParams::from_config(&cfg, 3, 0.57).unwrap();
    assert_eq!(p.transform, DictionaryTransform::Lasso);
    let mut cfg = ferrolab::config::Config::new();
    cfg.set(
        "dictionary.transform_nonzero",
        ferrolab::config::Value::I64(3),
    )
    .unwrap();
    let p = DictionaryParams::from_config(&cfg, 3, 0.57).unwrap();
    assert_eq!(p.transform, DictionaryTransform::Omp { n_nonzero: Some(3) });
    // More non-zeros than atoms is refused at fit time, naming the setting.
    let p = DictionaryParams::from_config(&cfg, 2, 0.57).unwrap();
    let e = Dictionary::fit(x.view(), &p).unwrap_err().to_string();
    assert!(
        e.contains("transform") && e.contains("n_nonzero = 3"),
        "{e}"
    );
}
