//! SHO fitting against SciPy and against known synthetic parameters.

use ferrolab::beps::{ShoFlag, SyntheticSpec, fit_spectra, sho, synthetic_beps};
use ferrolab::progress::Progress;

/// The same least-squares minimum as scipy.optimize.least_squares started from the truth
/// (tests/oracles/sho_reference.py), from ferrolab's own initial guess.
#[test]
fn fits_match_scipy_least_squares() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/sho_reference.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let f: Vec<f64> = serde_json::from_value(v["freq_hz"].clone()).unwrap();
    for (k, case) in v["cases"].as_array().unwrap().iter().enumerate() {
        let re: Vec<f64> = serde_json::from_value(case["re"].clone()).unwrap();
        let im: Vec<f64> = serde_json::from_value(case["im"].clone()).unwrap();
        let reference: Vec<f64> = serde_json::from_value(case["scipy"].clone()).unwrap();
        let s = sho::fit(&f, &re, &im);
        assert_eq!(s.flag, ShoFlag::Ok, "case {k}");
        let got = [s.amplitude, s.frequency, s.quality];
        for (j, (a, b)) in got.iter().zip(&reference).enumerate() {
            assert!(
                (a - b).abs() <= 1e-6 * b.abs(),
                "case {k} parameter {j}: {a} vs scipy {b}"
            );
        }
        let dphi = (s.phase - reference[3] + std::f64::consts::PI)
            .rem_euclid(std::f64::consts::TAU)
            - std::f64::consts::PI;
        assert!(
            dphi.abs() < 1e-6,
            "case {k} phase {} vs {}",
            s.phase,
            reference[3]
        );
        // The same residual: SSR = (1 - R^2) SST against SciPy's cost.
        let n = re.len() as f64;
        let (mr, mi) = (re.iter().sum::<f64>() / n, im.iter().sum::<f64>() / n);
        let sst: f64 = re
            .iter()
            .zip(&im)
            .map(|(a, b)| (a - mr).powi(2) + (b - mi).powi(2))
            .sum();
        let cost = case["cost"].as_f64().unwrap();
        let ssr = (1.0 - s.r2) * sst;
        assert!(
            (ssr - cost).abs() <= 1e-8 * cost,
            "case {k}: SSR {ssr} vs scipy {cost}"
        );
    }
}

/// On synthetic spectra with known parameters and noise, the errors match the reported
/// standard errors: their normalised squares average about 1 (chi-square with many degrees
/// of freedom), and every fit converges.
#[test]
fn synthetic_parameters_are_recovered_within_their_standard_errors() {
    let spec = SyntheticSpec {
        rows: 4,
        cols: 4,
        steps: 24,
        snr: 20.0,
        ..Default::default()
    };
    let data = synthetic_beps(&spec).unwrap();
    let fits = fit_spectra(
        &data.freq_hz,
        data.re.view(),
        data.im.view(),
        &Progress::new(),
    )
    .unwrap();
    assert_eq!(fits.len(), 4 * 4 * 24);
    let mut chi2 = [0.0f64; 3];
    for (i, s) in fits.iter().enumerate() {
        assert_eq!(s.flag, ShoFlag::Ok, "spectrum {i}");
        let truth = data.truth.row(i);
        for (j, (got, se)) in [s.amplitude, s.frequency, s.quality]
            .iter()
            .zip(&s.std_errors)
            .enumerate()
        {
            chi2[j] += ((got - truth[j]) / se).powi(2);
        }
    }
    for (j, c) in chi2.iter().enumerate() {
        let mean = c / fits.len() as f64;
        assert!(
            (0.6..1.6).contains(&mean),
            "parameter {j}: mean normalised square {mean}"
        );
    }
}

#[test]
fn batch_fit_rejects_mismatched_shapes_and_can_be_cancelled() {
    let data = synthetic_beps(&SyntheticSpec {
        rows: 2,
        cols: 2,
        steps: 200,
        ..Default::default()
    })
    .unwrap();
    let short = &data.freq_hz[..10];
    assert!(fit_spectra(short, data.re.view(), data.im.view(), &Progress::new()).is_err());
    let progress = Progress::new();
    progress.request_cancel();
    let err = fit_spectra(&data.freq_hz, data.re.view(), data.im.view(), &progress).unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
}

/// The 9-parameter loop fit, from ferrolab's own data-driven start, reaches SciPy's minimum
/// (tests/oracles/loop_reference.py, SciPy started from the truth) or a lower one.
#[test]
fn loop_fits_match_scipy_least_squares() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/loop_reference.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let voltage: Vec<f64> = serde_json::from_value(v["voltage"].clone()).unwrap();
    for (k, case) in v["cases"].as_array().unwrap().iter().enumerate() {
        let response: Vec<f64> = serde_json::from_value(case["loop"].clone()).unwrap();
        let reference: Vec<f64> = serde_json::from_value(case["scipy"].clone()).unwrap();
        let cost = case["cost"].as_f64().unwrap();
        let fit = ferrolab::beps::fit_loop(&voltage, &response, None);
        let ssr: f64 = ferrolab::beps::loop_function(&voltage, &fit.params)
            .iter()
            .zip(&response)
            .map(|(f, r)| (f - r).powi(2))
            .sum();
        assert!(
            ssr <= cost * (1.0 + 1e-6),
            "case {k}: SSR {ssr} vs scipy {cost}"
        );
        // Floor, height and coercive voltages agree with SciPy's.
        for (j, (got, want)) in fit.params.iter().zip(&reference).take(4).enumerate() {
            assert!(
                (got - want).abs() < 1e-3 * (1.0 + want.abs()),
                "case {k} a{j}: {got} vs scipy {want}"
            );
        }
    }
}

/// Switching parameters against BGlib's definitions (closed forms with erfinv, computed by
/// tests/oracles/switching_reference.py with BGlib's branch order).
#[test]
fn switching_parameters_match_bglib_definitions() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/oracles/switching_reference.json"
    ))
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["nuc_threshold"], ferrolab::beps::NUCLEATION_FRACTION);
    // Ferrolab's order: rising branch first.
    let voltage: Vec<f64> = (0..200)
        .map(|k| {
            if k < 100 {
                -8.0 + 16.0 * k as f64 / 99.0
            } else {
                8.0 - 16.0 * (k - 100) as f64 / 99.0
            }
        })
        .collect();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);
    for case in cases {
        let params: [f64; 9] = serde_json::from_value(case["params"].clone()).unwrap();
        let fit = ferrolab::beps::LoopFit {
            params,
            r2: 1.0,
            converged: true,
        };
        let s = ferrolab::beps::loop_parameters(&voltage, &fit);
        let expect = |name: &str| case[name].as_f64().unwrap();
        for (ours, name) in [
            (s.v_plus, "v_plus"),
            (s.v_minus, "v_minus"),
            (s.imprint, "imprint"),
            (s.r_plus, "r_plus"),
            (s.r_minus, "r_minus"),
            (s.switchable, "switchable"),
        ] {
            assert!(
                (ours - expect(name)).abs() < 1e-9,
                "{name}: {ours} vs BGlib {}",
                expect(name)
            );
        }
        // Nucleation biases: equal where BGlib's closed form is a root of the branch; where it
        // used the width of the wrong side of the coercive voltage, ours is still a root.
        for (ours, name, branch, target) in [
            (s.nucleation_1, "nucleation_rising", 0, 0.03),
            (s.nucleation_2, "nucleation_falling", 1, 0.97),
        ] {
            let bglib = expect(name);
            if case[format!("{name}_consistent")].as_bool().unwrap() {
                assert!(
                    (ours - bglib).abs() < 1e-9,
                    "{name}: {ours} vs BGlib {bglib}"
                );
            } else {
                // Point `branch` of the two-point cycle [v, v] lies on that branch.
                let f = ferrolab::beps::loop_function(&[ours, ours], &params)[branch];
                let shape = (f - params[0] - params[4] * ours) / params[1];
                assert!(
                    (shape - target).abs() < 1e-9,
                    "{name}: shape {shape} at {ours}"
                );
                assert!(
                    (ours - bglib).abs() > 1e-3,
                    "{name}: {ours} vs BGlib {bglib}"
                );
            }
        }
    }
}
