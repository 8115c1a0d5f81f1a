//! The experiment module's metrics against scikit-image, scikit-learn and NumPy
//! (tests/oracles/ssim_auc_reference.py writes tests/oracles/ssim_auc_reference.json).
//!
//! Measured when written (x86-64, release): SSIM agrees with `structural_similarity` to
//! 4.4e-16 at worst (asserted 1e-10); ROC-AUC equals the exact fraction rounded once in every
//! case, and `roc_auc_score` exactly in 3 of 4 (1 ulp apart in the fourth, whose class counts
//! are not powers of two: scikit-learn's trapezoid sum rounds);
//! nrms, MSE and the loop-area error equal NumPy's (difference 0; asserted 1e-12 relative).

use ferrolab::experiment::{area_error, loop_area, mse, nrms, roc_auc, ssim};
use ndarray::Array2;
use serde_json::Value;

fn reference() -> Value {
    serde_json::from_str(include_str!("../oracles/ssim_auc_reference.json")).unwrap()
}

fn reals(v: &Value) -> Vec<f64> {
    serde_json::from_value(v.clone()).unwrap()
}

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

#[test]
fn ssim_matches_scikit_image() {
    let r = reference();
    let cases = r["ssim"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    let mut worst = 0.0_f64;
    for case in cases {
        let (a, b) = (matrix(&case["a"]), matrix(&case["b"]));
        let range = case["data_range"].as_f64().unwrap();
        let want = case["ssim"].as_f64().unwrap();
        let got = ssim(a.view(), b.view(), range).unwrap();
        let diff = (got - want).abs();
        worst = worst.max(diff);
        assert!(diff < 1e-10, "{}: {got} vs {want}", case["name"]);
    }
    eprintln!("SSIM: largest difference from scikit-image {worst:.1e}");
}

/// Our AUC is the exact Mann-Whitney fraction rounded once: equal to the reference's exact
/// fraction in every case, and to scikit-learn's floating-point trapezoids exactly where those
/// are exact (power-of-two class counts), within 1 ulp elsewhere (case "many").
#[test]
fn roc_auc_matches_scikit_learn_exactly() {
    let r = reference();
    let cases = r["auc"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let score = reals(&case["score"]);
        let mask: Vec<bool> = serde_json::from_value(case["mask"].clone()).unwrap();
        let got = roc_auc(&score, &mask).unwrap();
        assert_eq!(got, case["auc_exact"].as_f64().unwrap(), "{name}");
        let sklearn = case["auc"].as_f64().unwrap();
        if name == "many" {
            assert!(
                (got - sklearn).abs() <= f64::EPSILON * got,
                "{name}: {got} vs {sklearn}"
            );
        } else {
            assert_eq!(got, sklearn, "{name}");
        }
    }
}

#[test]
fn loop_errors_match_numpy() {
    let r = reference();
    let cases = r["loops"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    let mut worst = 0.0_f64;
    for case in cases {
        let (v, y, yhat) = (
            reals(&case["voltage"]),
            reals(&case["y"]),
            reals(&case["yhat"]),
        );
        let got = [
            nrms(&yhat, &y).unwrap(),
            mse(&yhat, &y).unwrap(),
            loop_area(&v, &y).unwrap(),
            area_error(&v, &yhat, &y).unwrap(),
        ];
        for (key, got) in ["nrms", "mse", "area_y", "area_error"].iter().zip(got) {
            let want = case[key].as_f64().unwrap();
            let rel = (got - want).abs() / want.abs();
            worst = worst.max(rel);
            assert!(rel < 1e-12, "{} {key}: {got} vs {want}", case["name"]);
        }
    }
    eprintln!("loop errors: largest relative difference from NumPy {worst:.1e}");
}
