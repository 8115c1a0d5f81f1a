//! Circular statistics against SciPy 1.17.1 (tests/oracles/circular_reference.py writes the JSON
//! read here): wrap, circular mean, variance, standard deviation, resultant length and angle
//! histograms of single samples on periods 2 pi, pi and pi/2; the aligned angle error of
//! models.md 2.6 and the Jammalamadaka-SenGupta and Fisher-Lee correlations of paired samples.

use ferrolab::analysis::{
    aligned_angle_error, aligned_errors, angle_histogram, circular_correlation, circular_mean,
    circular_std, circular_variance, fisher_lee_correlation, resultant_length, wrap,
};
use serde_json::Value;
use std::sync::LazyLock;

static REFERENCE: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../oracles/circular_reference.json")).unwrap()
});

fn vector(v: &Value) -> Vec<f64> {
    serde_json::from_value(v.clone()).unwrap()
}

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// Both `single` and `pairs` cases, each with its name and period.
fn cases(kind: &str) -> Vec<(&'static Value, String, f64)> {
    REFERENCE[kind]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c,
                c["name"].as_str().unwrap().to_owned(),
                number(&c["period"]),
            )
        })
        .collect()
}

/// |a - b| for two angles on period `p`, the shorter way round.
fn angular(a: f64, b: f64, p: f64) -> f64 {
    wrap(a - b, p).abs()
}

#[test]
fn wrap_matches_numpy() {
    for (case, name, p) in cases("single") {
        let angles = vector(&case["angles"]);
        for (a, want) in angles.iter().zip(vector(&case["wrap"])) {
            let got = wrap(*a, p);
            assert!((-p / 2.0..p / 2.0).contains(&got), "{name}: {got}");
            assert!(
                angular(got, want, p) < 1e-12,
                "{name}: wrap({a}) = {got}, NumPy {want}"
            );
        }
    }
}

#[test]
fn mean_variance_std_and_resultant_length_match_scipy() {
    for (case, name, p) in cases("single") {
        let a = vector(&case["angles"]);
        let mean = circular_mean(&a, p).unwrap();
        assert!(
            angular(mean, number(&case["mean"]), p) < 1e-12,
            "{name}: mean {mean}"
        );
        let r = resultant_length(&a, p).unwrap();
        assert!(
            (r - number(&case["resultant_length"])).abs() < 1e-12,
            "{name}: R {r}"
        );
        let var = circular_variance(&a, p).unwrap();
        assert!(
            (var - number(&case["variance"])).abs() < 1e-12,
            "{name}: variance {var}"
        );
        let sd = circular_std(&a, p).unwrap();
        let want = number(&case["std"]);
        assert!(
            (sd - want).abs() < 1e-12 * want.max(1.0),
            "{name}: std {sd} vs {want}"
        );
    }
}

#[test]
fn histograms_match_numpy() {
    for (case, name, p) in cases("single") {
        let a = vector(&case["angles"]);
        for h in case["histograms"].as_array().unwrap() {
            let bins = h["bins"].as_u64().unwrap() as usize;
            let (counts, edges) = angle_histogram(&a, p, bins).unwrap();
            let want: Vec<usize> = serde_json::from_value(h["counts"].clone()).unwrap();
            assert_eq!(counts, want, "{name}, {bins} bins");
            for (e, w) in edges.iter().zip(vector(&h["edges"])) {
                assert!(
                    (e - w).abs() < 1e-15,
                    "{name}, {bins} bins: edge {e} vs {w}"
                );
            }
        }
    }
}

#[test]
fn aligned_angle_error_matches_its_definition_in_scipy() {
    for (case, name, p) in cases("pairs") {
        let (theta, phi) = (vector(&case["theta"]), vector(&case["phi"]));
        let (error, sign, offset) = aligned_angle_error(&phi, &theta, p).unwrap();
        assert!(
            (error - number(&case["aligned_error"])).abs() < 1e-12,
            "{name}: {error}"
        );
        assert_eq!(sign, number(&case["sign"]), "{name}");
        assert!(
            angular(offset, number(&case["offset"]), p) < 1e-12,
            "{name}: offset {offset}"
        );
        let errors = aligned_errors(&phi, &theta, sign, offset, p).unwrap();
        for (e, w) in errors.iter().zip(vector(&case["errors"])) {
            assert!((e - w).abs() < 1e-12, "{name}: error {e} vs {w}");
        }
    }
}

#[test]
fn circular_correlations_match_the_reference_formulas() {
    for (case, name, p) in cases("pairs") {
        let (theta, phi) = (vector(&case["theta"]), vector(&case["phi"]));
        let js = circular_correlation(&theta, &phi, p).unwrap();
        let want = number(&case["circular_correlation"]);
        assert!(
            (js - want).abs() < 1e-12,
            "{name}: Jammalamadaka-SenGupta {js} vs {want}"
        );
        let fl = fisher_lee_correlation(&theta, &phi, p).unwrap();
        let want = number(&case["fisher_lee"]);
        assert!(
            (fl - want).abs() < 1e-10,
            "{name}: Fisher-Lee {fl} vs {want}"
        );
    }
}

#[test]
fn the_reference_covers_what_the_metrics_must_tell_apart() {
    // A reflection is found (s = -1) and an independent pair scores near 0.
    let by_name = |n: &str| cases("pairs").into_iter().find(|c| c.1 == n).unwrap().0;
    assert_eq!(number(&by_name("reflected_2pi")["sign"]), -1.0);
    assert!(number(&by_name("reflected_2pi")["fisher_lee"]) < -0.95);
    assert!(number(&by_name("independent_2pi")["fisher_lee"]).abs() < 0.1);
    // The outliers move the median error little: 10 % of the pairs are random.
    assert!(number(&by_name("outliers_half_pi")["aligned_error"]) < 0.05);
}
