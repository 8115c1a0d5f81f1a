//! The GP against scikit-learn (tests/oracles/gp_reference.py, one regressor per output):
//! log marginal likelihoods and predictions at fixed hyper-parameters to 1e-9 relative, and
//! optimised likelihoods at least scikit-learn's minus 1e-6.

use ferrolab::gp::{GaussianProcess, GpParams};
use ndarray::Array2;
use serde_json::Value;

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * b.abs().max(1e-3)
}

#[test]
fn matches_scikit_learn() {
    let reference: Value =
        serde_json::from_str(include_str!("../oracles/gp_reference.json")).unwrap();
    let x = matrix(&reference["x"]);
    let y = matrix(&reference["y"]);
    let xq = matrix(&reference["xq"]);
    for case in reference["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let word = case["kernel"].as_str().unwrap();
        let params = GpParams {
            kernel: word.parse().unwrap(),
            signal_variance: case["signal_variance"].as_f64().unwrap(),
            length_scales: serde_json::from_value(case["length_scale"].clone()).unwrap(),
            optimize: case["optimize"].as_bool().unwrap(),
            normalize_y: case["normalize_y"].as_bool().unwrap(),
            ..GpParams::default()
        };
        let gp = GaussianProcess::fit(x.view(), y.view(), &params).unwrap();
        let (mean, std) = gp.predict(xq.view()).unwrap();
        for (j, out) in case["outputs"].as_array().unwrap().iter().enumerate() {
            let theirs = out["log_marginal_likelihood"].as_f64().unwrap();
            let ours = gp.outputs()[j].log_marginal_likelihood;
            if params.optimize {
                assert!(
                    ours >= theirs - 1e-6,
                    "{name} output {j}: LML {ours} < scikit-learn's {theirs}"
                );
                continue;
            }
            assert!(
                close(ours, theirs, 1e-9),
                "{name} output {j}: LML {ours} vs {theirs}"
            );
            let their_mean: Vec<f64> = serde_json::from_value(out["mean"].clone()).unwrap();
            let their_std: Vec<f64> = serde_json::from_value(out["std"].clone()).unwrap();
            let cov = gp
                .predict_covariance(xq.slice(ndarray::s![..4, ..]), j)
                .unwrap();
            let their_cov = matrix(&out["cov_first_4"]);
            for ((a, b), c) in cov.indexed_iter() {
                assert!(
                    close(*c, their_cov[(a, b)], 1e-9),
                    "{name} cov[{a}, {b}] output {j}: {c} vs {}",
                    their_cov[(a, b)]
                );
            }
            for q in 0..xq.nrows() {
                assert!(
                    close(mean[(q, j)], their_mean[q], 1e-9),
                    "{name} mean[{q}, {j}]: {} vs {}",
                    mean[(q, j)],
                    their_mean[q]
                );
                assert!(
                    close(std[(q, j)], their_std[q], 1e-9),
                    "{name} std[{q}, {j}]: {} vs {}",
                    std[(q, j)],
                    their_std[q]
                );
            }
        }
    }
}

#[test]
fn posterior_samples_have_the_predicted_mean_and_covariance() {
    let x = ndarray::array![[0.0], [0.7], [1.5], [2.2], [3.0]];
    let y = ndarray::array![[0.1], [0.6], [1.0], [0.7], [0.2]];
    let gp = GaussianProcess::fit(x.view(), y.view(), &GpParams::default()).unwrap();
    let xq = ndarray::array![[0.3], [1.1], [2.6]];
    let (mean, _) = gp.predict(xq.view()).unwrap();
    let cov = gp.predict_covariance(xq.view(), 0).unwrap();
    let n = 20_000;
    let draws = gp.sample_posterior(xq.view(), 0, n, 7).unwrap();
    for a in 0..3 {
        let m = draws.column(a).sum() / n as f64;
        let se = (cov[(a, a)] / n as f64).sqrt();
        assert!(
            (m - mean[(a, 0)]).abs() < 5.0 * se,
            "mean {a}: {m} vs {}",
            mean[(a, 0)]
        );
        for b in 0..3 {
            let mb = draws.column(b).sum() / n as f64;
            let c: f64 = draws
                .column(a)
                .iter()
                .zip(draws.column(b))
                .map(|(u, v)| (u - m) * (v - mb))
                .sum::<f64>()
                / n as f64;
            let scale = (cov[(a, a)] * cov[(b, b)]).sqrt();
            assert!(
                (c - cov[(a, b)]).abs() < 0.05 * scale,
                "cov[{a}, {b}]: {c} vs {}",
                cov[(a, b)]
            );
        }
    }
}

#[test]
fn directly_built_parameters_are_checked_by_key() {
    let x = ndarray::array![[0.0], [1.0]];
    let y = ndarray::array![[0.0], [1.0]];
    for (params, key) in [
        (
            GpParams {
                length_scales: vec![-1.0],
                ..GpParams::default()
            },
            "gp.length_scale",
        ),
        (
            GpParams {
                signal_variance: f64::NAN,
                ..GpParams::default()
            },
            "gp.signal_variance",
        ),
        (
            GpParams {
                noise_variance: -0.1,
                ..GpParams::default()
            },
            "gp.noise_variance",
        ),
    ] {
        let err = GaussianProcess::fit(x.view(), y.view(), &params)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains(key), "{err}");
    }
}
