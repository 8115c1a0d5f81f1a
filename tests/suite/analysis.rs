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

#[test]
fn rgb_toy_function_matches_pytorch() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/rgb_toy_reference.txt"
    ))
    .unwrap();
    let mut count = 0;
    for line in text.lines() {
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        let f = ferrolab::analysis::rgb_toy_value(v[0], v[1], v[2], v[3]);
        assert!((f - v[4]).abs() < 1e-14, "{line}: {f}");
        count += 1;
    }
    assert_eq!(count, 40);
    // The default grid is the paper code's linspace(-1, 1, 25): the tanh switch at
    // t = 2 (R - 0.5) lies inside it, at least 0.1 from either end (|tanh| >= tanh(2) there),
    // for every colour with 0.05 <= R <= 0.95; the extreme colours switch at the ends.
    let toy = ferrolab::analysis::rgb_toy(&ferrolab::analysis::RgbToySpec {
        spectra: 200,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (toy.t.len(), toy.t[0], toy.t[12], toy.t[24]),
        (25, -1.0, 0.0, 1.0)
    );
    for (colour, row) in toy.rgb.rows().into_iter().zip(toy.spectra.rows()) {
        let tanh_first = (20.0 * (toy.t[0] - 2.0 * (colour[0] - 0.5))).tanh();
        let tanh_last = (20.0 * (toy.t[24] - 2.0 * (colour[0] - 0.5))).tanh();
        if (0.05..=0.95).contains(&colour[0]) {
            assert!(
                tanh_first <= -2f64.tanh() && tanh_last >= 2f64.tanh(),
                "{colour}"
            );
        }
        assert!(row.iter().all(|v| v.is_finite()));
    }
}
