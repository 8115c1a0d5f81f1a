//! Statistics against NumPy reference values (scripts in tests/oracles/).

use ndarray::{Array1, Array2, Axis, stack};

#[test]
fn pearson_matrix_matches_numpy_corrcoef() {
    let i = Array1::from_iter((0..50).map(f64::from));
    let a = stack![
        Axis(1),
        i.mapv(|v| (0.7 * v).sin()),
        i.mapv(|v| (1.3 * v).cos() + 0.5 * (0.7 * v).sin()),
        i.mapv(|v| v / 49.0)
    ];
    let b = stack![
        Axis(1),
        i.mapv(|v| (-v / 20.0).exp()),
        i.mapv(|v| (v % 7.0) - 3.0)
    ];
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/pearson_reference.txt"
    ))
    .unwrap();
    let reference: Vec<f64> = text
        .split_whitespace()
        .map(|t| t.parse().unwrap())
        .collect();
    let reference = Array2::from_shape_vec((3, 2), reference).unwrap();
    let r = ferrolab::analysis::pearson_matrix(a.view(), b.view()).unwrap();
    for (x, y) in r.iter().zip(reference.iter()) {
        assert!((x - y).abs() < 1e-14, "{x} vs numpy {y}");
    }
}
