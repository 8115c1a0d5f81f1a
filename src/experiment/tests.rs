//! Tests of the simulated sample (models.md 3.5) at the paper's size.

use super::*;
use crate::config::{Config, Value};
use ndarray::s;

fn sample(seed: u64) -> Sample {
    Sample::generate(&SampleSettings {
        seed,
        ..SampleSettings::default()
    })
    .unwrap()
}

fn bytes(s: &Sample) -> Vec<u8> {
    let mut out = Vec::new();
    for x in s.image.iter().chain(&s.loops).chain(&s.loops_clean) {
        out.extend(x.to_le_bytes());
    }
    out.extend(s.anomaly.iter().map(|&a| u8::from(a)));
    out.extend(s.mask.iter().map(|&a| u8::from(a)));
    out
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let (a, b, c) = (sample(5), sample(5), sample(6));
    assert_eq!(bytes(&a), bytes(&b));
    assert_ne!(bytes(&a), bytes(&c));
    assert_ne!(a.mask, c.mask);
    assert_ne!(a.anomaly_centres, c.anomaly_centres);
}

#[test]
fn shapes_voltage_and_noise() {
    let s = sample(0);
    assert_eq!(s.image.dim(), (60, 60));
    assert_eq!(s.loops.dim(), (60, 60, 64));
    assert_eq!(s.voltage.len(), 64);
    assert_eq!(
        (s.voltage[0], s.voltage[16], s.voltage[48]),
        (0.0, 12.0, -12.0)
    );
    assert_eq!(
        (s.branch[16], s.branch[17], s.branch[48], s.branch[49]),
        (1.0, -1.0, -1.0, 1.0)
    );
    // noisy - noiseless has variance sigma_n^2 = 0.01 (230,400 draws: 0.3 % standard error).
    let residual = &s.loops - &s.loops_clean;
    let n = residual.len() as f64;
    let mean = residual.sum() / n;
    let var = residual.mapv(|e| (e - mean).powi(2)).sum() / n;
    assert!(mean.abs() < 1e-3, "{mean}");
    assert!((var / 0.01 - 1.0).abs() < 0.02, "{var}");
    // The image: 1 over c domains, 0.2 over a domains, before blur and noise.
    let (mut a, mut c) = (Vec::new(), Vec::new());
    for ((i, j), &m) in s.mask.indexed_iter() {
        if m {
            a.push(s.image[[i, j]])
        } else {
            c.push(s.image[[i, j]])
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    assert!(
        mean(&a) < 0.5 && mean(&c) > 0.8,
        "{} {}",
        mean(&a),
        mean(&c)
    );
}

/// Vertical lamellae cover 2-4 of every 10-16 columns (about 13 to 40 %); horizontal ones add
/// as much again in the upper half.
#[test]
fn the_a_domain_fraction_is_plausible() {
    for seed in 0..4 {
        let s = sample(seed);
        let upper = s.mask.slice(s![..30, ..]).iter().filter(|&&m| m).count() as f64 / 1800.0;
        let lower = s.mask.slice(s![30.., ..]).iter().filter(|&&m| m).count() as f64 / 1800.0;
        eprintln!("seed {seed}: a fraction {upper:.3} in rows < 30, {lower:.3} below");
        assert!((0.1..0.45).contains(&lower), "seed {seed}: lower {lower}");
        assert!(upper > lower && upper < 0.7, "seed {seed}: upper {upper}");
        // Every lower row is the same (vertical lamellae only).
        assert!((31..60).all(|i| s.mask.row(i) == s.mask.row(30)));
        let f = &s.descriptors.fraction_a;
        assert!(f.iter().all(|x| (0.0..=1.0).contains(x)));
        // f_a = 1 (A = 0: no switching) only where the disc is clipped by an edge.
        for ((i, j), &x) in f.indexed_iter() {
            let inner = (3..57).contains(&i) && (3..57).contains(&j);
            assert!(x < 1.0 || !inner, "seed {seed}: f_a = 1 at ({i}, {j})");
        }
    }
}

/// The anomalies lie in the test region, inside the image and inside the w = 8 window range,
/// are 3 disjoint discs of 29 pixels (radius 3), and every anomalous pixel's loop differs from
/// the loop its structure predicts by far more than the noise (MSE > 10 sigma_n^2).
#[test]
fn anomalies_are_in_the_test_region_and_visible() {
    for seed in 0..4 {
        let s = sample(seed);
        assert_eq!(s.anomaly_centres.len(), 3);
        assert_eq!(
            s.anomaly.iter().filter(|&&a| a).count(),
            3 * 29,
            "seed {seed}"
        );
        let mut smallest = f64::INFINITY;
        for ((i, j), &a) in s.anomaly.indexed_iter() {
            let clean = s.loops_clean.slice(s![i, j, ..]).to_vec();
            let expected = s.structure_loop([i, j]);
            let diff = mse(&clean, &expected).unwrap();
            if a {
                assert!(
                    j > 42 && (4..=56).contains(&i) && j <= 56,
                    "seed {seed}: ({i}, {j})"
                );
                smallest = smallest.min(diff);
            } else {
                assert_eq!(diff, 0.0);
            }
        }
        assert!(smallest > 10.0 * 0.01, "seed {seed}: {smallest}");
        // How much of the test region could hold a visible anomaly pixel at all.
        let test_pixels: Vec<[usize; 2]> = (0..60)
            .flat_map(|i| (43..60).map(move |j| [i, j]))
            .collect();
        let visible = test_pixels
            .iter()
            .filter(|&&p| {
                anomalies::shift_contrast(&s.settings, &s.descriptors, p, &s.voltage, &s.branch)
                    >= 0.1
            })
            .count();
        eprintln!(
            "seed {seed}: anomaly centres {:?}, smallest anomaly MSE {smallest:.3}, test-region \
             pixels where the shift is visible (MSE >= 10 sigma_n^2): {visible} of {}",
            s.anomaly_centres,
            test_pixels.len()
        );
    }
}

/// The mean-loop baseline on the paper's split (w = 8, train j <= 42): far above the noise
/// floor, so a model has room to beat it.
#[test]
fn mean_loop_baseline_on_the_split() {
    for seed in 0..4 {
        let s = sample(seed);
        let centres = window_centres(60, 60, 8).unwrap();
        let split = spatial_split(&centres, 42);
        let pick = |idx: &[usize]| -> Vec<[usize; 2]> { idx.iter().map(|&k| centres[k]).collect() };
        let train = loops_at(s.loops.view(), &pick(&split.train)).unwrap();
        let test = loops_at(s.loops.view(), &pick(&split.test)).unwrap();
        let baseline = mean_loop_baseline_mse(train.view(), test.view()).unwrap();
        eprintln!("seed {seed}: mean-loop baseline test MSE {baseline:.4}");
        assert!(baseline > 30.0 * 0.01, "seed {seed}: {baseline}");
    }
}

#[test]
fn keys_set_the_settings_and_bad_settings_name_their_key() {
    let mut cfg = Config::new();
    cfg.set("sample.rows", Value::I64(20)).unwrap();
    cfg.set("sample.cols", Value::I64(30)).unwrap();
    cfg.set("sample.split_col", Value::I64(10)).unwrap();
    cfg.set("sample.anomaly_count", Value::I64(1)).unwrap();
    let s = Sample::from_config(&cfg).unwrap();
    assert_eq!((s.image.dim(), s.anomaly_centres.len()), ((20, 30), 1));
    let err = |settings: SampleSettings| Sample::generate(&settings).unwrap_err().to_string();
    let d = SampleSettings::default;
    assert!(
        err(SampleSettings {
            split_col: 60,
            ..d()
        })
        .contains("sample.split_col")
    );
    assert!(
        err(SampleSettings {
            split_col: 55,
            ..d()
        })
        .contains("no room")
    );
    assert!(
        err(SampleSettings {
            anomaly_window_px: 7,
            ..d()
        })
        .contains("sample.anomaly_window_px")
    );
    assert!(err(SampleSettings { steps: 2, ..d() }).contains("sample.steps"));
    assert!(
        err(SampleSettings {
            rows: 1 << 20,
            cols: 1 << 20,
            ..d()
        })
        .contains("sample.rows")
    );
    // No a domains at all: every pixel has the same structure-predicted loop.
    let plain = Sample::generate(&SampleSettings {
        width_px: [0.0, 0.0],
        ..d()
    })
    .unwrap();
    assert!(!plain.mask.iter().any(|&m| m));
    assert!(
        plain
            .descriptors
            .boundary_distance
            .iter()
            .all(|x| x.is_infinite())
    );
    let crowded = SampleSettings {
        anomaly_count: 40,
        ..d()
    };
    assert!(err(crowded).contains("sample.anomaly_count = 40"));
    assert_eq!(
        crate::find_key("sample.loop_noise").unwrap().default,
        Value::F64(0.1)
    );
}

/// The best an im2spec model can do: predicting each test loop by the true structure mapping
/// ([`Sample::structure_loop`]). Off the anomalies its MSE is the noise, sigma_n^2, far below
/// 0.3 x the mean-loop baseline (the note's target); its per-pixel MSE ranks the anomalies
/// first (ROC-AUC about 1), so the planted anomalies are findable from the errors.
#[test]
fn the_true_mapping_reaches_the_noise_floor_and_finds_the_anomalies() {
    for seed in 0..4 {
        let s = sample(seed);
        let centres = window_centres(60, 60, 8).unwrap();
        let split = spatial_split(&centres, 42);
        let (mut errors, mut labels, mut normal) = (Vec::new(), Vec::new(), Vec::new());
        for &k in &split.test {
            let [i, j] = centres[k];
            let measured = s.loops.slice(s![i, j, ..]).to_vec();
            let e = mse(&s.structure_loop([i, j]), &measured).unwrap();
            errors.push(e);
            labels.push(s.anomaly[[i, j]]);
            if !s.anomaly[[i, j]] {
                normal.push(e);
            }
        }
        let floor = normal.iter().sum::<f64>() / normal.len() as f64;
        let auc = roc_auc(&errors, &labels).unwrap();
        eprintln!(
            "seed {seed}: true-mapping test MSE off the anomalies {floor:.5}, ROC-AUC {auc:.4}"
        );
        assert!((floor / 0.01 - 1.0).abs() < 0.05, "seed {seed}: {floor}");
        assert!(auc > 0.99, "seed {seed}: {auc}");
    }
}
