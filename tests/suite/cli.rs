//! The `ferrolab` command line as a user runs it.

use std::process::Command;

fn ferrolab(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ferrolab"))
        .args(args)
        .output()
        .expect("the CLI runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn help_and_version() {
    let (ok, out, _) = ferrolab(&["--help"]);
    assert!(
        ok && out.contains("structure") && out.contains("keys"),
        "{out}"
    );
    let (ok, out, _) = ferrolab(&["--version"]);
    assert!(
        ok && out.starts_with(&format!("ferrolab {}", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
}

#[test]
fn keys_lists_the_registry() {
    let (ok, out, _) = ferrolab(&["keys", "pf."]);
    assert!(ok);
    let pf_keys = ferrolab::keys()
        .iter()
        .filter(|k| k.name.starts_with("pf."))
        .count();
    assert_eq!(out.lines().count(), pf_keys);
    assert!(out.contains(
        "pf.grain_diameter_nm: a real number, unit nm, valid (0, 100000], default 16.2."
    ));
    let (ok, _, err) = ferrolab(&["keys", "zz."]);
    assert!(
        !ok && err.contains("no configuration key starts with \"zz.\""),
        "{err}"
    );
}

#[test]
fn structure_writes_maps_and_reports_counts() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-{}", std::process::id()));
    let (ok, out, err) = ferrolab(&[
        "structure",
        "--set",
        "pf.grain_diameter_nm=5",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    assert!(out.starts_with("65 grains"), "{out}");
    for file in [
        "structure.png",
        "classes.npy",
        "grains.npy",
        "orientation_rad.npy",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_settings_name_the_key() {
    for (setting, fragment) in [
        (
            "pf.polar_fraction=1.5",
            "\"pf.polar_fraction\": value 1.5 is outside its valid range [0, 1]",
        ),
        (
            "pf.grain_diametre_nm=5",
            "did you mean \"pf.grain_diameter_nm\"?",
        ),
        ("pf.seed=abc", "--set pf.seed=abc: an integer"),
        ("pf.seed", "expected key=value"),
        (
            "pf.cells_thickness=0",
            "\"pf.cells_thickness\": value 0 is outside",
        ),
    ] {
        let (ok, _, err) = ferrolab(&["structure", "--set", setting, "--out", "/nonexistent/x"]);
        assert!(!ok && err.contains(fragment), "{setting}: {err}");
    }
}

#[test]
fn simulate_writes_a_loop_that_matches_the_rust_api() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-loop-{}", std::process::id()));
    let settings = [
        "pf.cells_width=32",
        "pf.points=40",
        "pf.hold_steps=10",
        "pf.seed=3",
    ];
    let mut args = vec!["simulate", "--out", dir.to_str().unwrap()];
    for s in &settings {
        args.extend(["--set", s]);
    }
    let (ok, out, err) = ferrolab(&args);
    assert!(ok, "{err}");
    assert!(out.contains("points x 10 steps"), "{out}");
    let csv = std::fs::read_to_string(dir.join("loop.csv")).unwrap();
    let polarization: Vec<f64> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let mut cfg = ferrolab::config::Config::new();
    use ferrolab::config::Value::I64;
    for (key, value) in [
        ("pf.cells_width", 32),
        ("pf.points", 40),
        ("pf.hold_steps", 10),
        ("pf.seed", 3),
    ] {
        cfg.set(key, I64(value)).unwrap();
    }
    let params = ferrolab::phasefield::params::PhaseFieldParams::from_config(&cfg).unwrap();
    let run = ferrolab::phasefield::pv_loop::simulate_loop(&params).unwrap();
    assert_eq!(polarization.len(), 40);
    for (a, b) in polarization.iter().zip(&run.polarization) {
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1e-3), "{a} vs {b}");
    }
    for file in ["loop.npy", "loop.png", "features.csv", "structure.png"] {
        assert!(dir.join(file).is_file(), "{file} missing");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn gp_fit_and_predict_on_csv_files() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-gp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let xs: Vec<f64> = (0..20).map(|i| i as f64 / 4.0).collect();
    let x_csv: String = std::iter::once("x\n".to_owned())
        .chain(xs.iter().map(|x| format!("{x}\n")))
        .collect();
    let y_csv: String = xs
        .iter()
        .map(|x| format!("{},{}\n", x.sin(), x.cos()))
        .collect();
    std::fs::write(dir.join("x.csv"), x_csv).unwrap();
    std::fs::write(dir.join("y.csv"), y_csv).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_owned();
    let (ok, out, err) = ferrolab(&[
        "gp",
        "fit",
        "--x",
        &path("x.csv"),
        "--y",
        &path("y.csv"),
        "--out",
        &path("m.gp"),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("fitted 2 output(s) on 20 x 1 inputs"), "{out}");
    std::fs::write(dir.join("q.csv"), "1.1\n2.2\n").unwrap();
    let (ok, _, err) = ferrolab(&[
        "gp",
        "predict",
        "--model",
        &path("m.gp"),
        "--x",
        &path("q.csv"),
        "--out",
        &path("p"),
    ]);
    assert!(ok, "{err}");
    let mean =
        ferrolab::io::npy::parse_npy(&std::fs::read(dir.join("p_mean.npy")).unwrap()).unwrap();
    let mean = mean.to_vec::<f64>().unwrap();
    // A smooth function sampled densely: the GP interpolates it closely.
    assert!(
        (mean[0] - 1.1f64.sin()).abs() < 0.02 && (mean[3] - 2.2f64.cos()).abs() < 0.02,
        "{mean:?}"
    );
    let (ok, _, err) = ferrolab(&["gp", "fit", "--x", &path("x.csv"), "--y", &path("q.csv")]);
    assert!(!ok && err.contains("y is 2 x 1, x has 20 rows"), "{err}");
    // An output that cannot be written is named in the error.
    let (ok, _, err) = ferrolab(&[
        "gp",
        "predict",
        "--model",
        &path("m.gp"),
        "--x",
        &path("q.csv"),
        "--out",
        "/proc/no-such-dir/p",
    ]);
    assert!(!ok && err.contains("/proc/no-such-dir/p_mean.npy"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn train_writes_a_model_that_reproduces_the_rust_api() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-train-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let loops = ferrolab::nn::synthetic_loops(200, 30, 6);
    let data = dir.join("loops.npy");
    ferrolab::io::npy::write_npy(&data, &loops).unwrap();
    let out = dir.join("vae");
    let (ok, stdout, stderr) = ferrolab(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "vae.epochs=4",
        "--set",
        "vae.hidden=[32]",
    ]);
    assert!(ok, "{stdout}\n{stderr}");
    assert!(stdout.contains("4 epochs"), "{stdout}");
    for f in [
        "model.safetensors",
        "history.csv",
        "loss.png",
        "latent.png",
        "latent.npy",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    assert!(!out.join("checkpoint.safetensors").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("history.csv"))
            .unwrap()
            .lines()
            .count(),
        5
    );
    // The same training through the Rust API gives the same weights.
    let mut settings = ferrolab::nn::VaeSettings {
        hidden: vec![32],
        ..Default::default()
    };
    settings.epochs = 4;
    let mut vae = ferrolab::nn::MlpVae::new(&settings, 30).unwrap();
    vae.train(loops.view(), &ferrolab::progress::Progress::new())
        .unwrap();
    let saved = ferrolab::nn::MlpVae::load(&out.join("model.safetensors")).unwrap();
    assert_eq!(saved.parameters(), vae.parameters());
    let (ok, _, stderr) = ferrolab(&["train", "--data", "no-such.npy"]);
    assert!(!ok && stderr.contains("no-such.npy"), "{stderr}");
    let (ok, _, stderr) = ferrolab(&[
        "train",
        "--data",
        data.to_str().unwrap(),
        "--set",
        "vae.reconstruction=l1",
    ]);
    assert!(!ok && stderr.contains("vae.reconstruction"), "{stderr}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn beps_synthetic_then_fit_recovers_the_map() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-beps-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("syn.npz");
    let (ok, out, err) = ferrolab(&[
        "beps",
        "synthetic",
        "--out",
        data.to_str().unwrap(),
        "--size",
        "6",
        "6",
        "4",
    ]);
    assert!(ok, "{out}{err}");
    let fit = dir.join("fit");
    let (ok, out, err) = ferrolab(&[
        "beps",
        "fit",
        "--data",
        data.to_str().unwrap(),
        "--out",
        fit.to_str().unwrap(),
        "--step",
        "1",
    ]);
    assert!(ok && out.contains("144 converged"), "{out}{err}");
    assert!(fit.join("map_resonance_hz.png").exists());
    let npz = ferrolab::io::npz::read_npz(&std::fs::read(fit.join("fit.npz")).unwrap()).unwrap();
    let truth = ferrolab::io::npz::read_npz(&std::fs::read(&data).unwrap()).unwrap();
    assert_eq!(npz["params"].shape, vec![6, 6, 4, 4]);
    assert_eq!(npz["switching"].shape, vec![6, 6, 10]);
    let got = npz["params"].to_vec::<f64>().unwrap();
    let want = truth["truth"].to_vec::<f64>().unwrap();
    // Resonance frequencies within 0.2 % (SNR 20, 64 bins over 20 kHz).
    for (g, w) in got.chunks(4).zip(want.chunks(4)) {
        assert!((g[1] - w[1]).abs() < 2e-3 * w[1], "{} vs {}", g[1], w[1]);
    }
    // The fit output read back as paper 001's two channels: one loop, `all`, of every step.
    assert_eq!(
        std::fs::read_to_string(fit.join("loop_groups.txt")).unwrap(),
        "all\n"
    );
    let loops = ferrolab::beps::read_fit_loops(&fit, &[]).unwrap();
    assert_eq!((loops.label.as_str(), loops.grid), ("all", (6, 6)));
    assert_eq!(loops.steps, vec![0, 1, 2, 3]);
    assert_eq!(
        loops.voltage.as_deref(),
        Some(&truth["voltage"].to_vec::<f64>().unwrap()[..])
    );
    let piezo = npz["piezoresponse"].to_vec::<f64>().unwrap();
    for p in 0..36 {
        for k in 0..4 {
            assert_eq!(loops.data[[p, k, 0]], piezo[p * 4 + k]);
            assert_eq!(loops.data[[p, k, 1]], got[(p * 4 + k) * 4 + 1]);
        }
    }
    let err = ferrolab::beps::read_fit_loops(&fit, &["Cycle=1"]).unwrap_err();
    assert!(
        err.to_string().contains("matches none of the loops `all`"),
        "{err}"
    );
    // Paper 001's dictionary-learning baseline on that loop.
    let (ok, out, err) = ferrolab(&[
        "analyze",
        "beps-dl",
        "--fit",
        fit.to_str().unwrap(),
        "--out",
        dir.join("dl").to_str().unwrap(),
        "--k",
        "3",
    ]);
    // 8 values per pixel: scikit-learn's rule codes with 1 of the 3 atoms.
    assert!(
        ok && out.contains("loop `all`") && out.contains("per-pixel MSE, omp (1 of 3 atoms)"),
        "{out}{err}"
    );
    let dl =
        ferrolab::io::npz::read_npz(&std::fs::read(dir.join("dl/beps_dl.npz")).unwrap()).unwrap();
    assert_eq!(dl["mse_omp"].shape, vec![6, 6]);
    assert_eq!(dl["atoms"].shape, vec![3, 8]);
    let (ok, _, err) = ferrolab(&[
        "beps",
        "fit",
        "--data",
        data.to_str().unwrap(),
        "--step",
        "9",
    ]);
    assert!(!ok && err.contains("--step 9"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// An .npy file of complex128 spectra as `numpy.save` writes it.
fn complex_npy(shape: &[usize], values: &[(f64, f64)]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(ToString::to_string).collect();
    let dict = format!(
        "{{'descr': '<c16', 'fortran_order': False, 'shape': ({},), }}\n",
        dims.join(", ")
    );
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    bytes.extend_from_slice(dict.as_bytes());
    for (re, im) in values {
        bytes.extend_from_slice(&re.to_le_bytes());
        bytes.extend_from_slice(&im.to_le_bytes());
    }
    bytes
}

#[test]
fn beps_fit_reads_complex_npy_with_frequencies() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-npy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let freq: Vec<f64> = (0..40).map(|k| 290e3 + 500.0 * k as f64).collect();
    let truth = [1.5, 301e3, 120.0, -0.7];
    let spectrum: Vec<(f64, f64)> = freq
        .iter()
        .map(|&w| {
            let z = ferrolab::beps::sho::response(w, truth[1], truth[0], truth[2], truth[3]);
            (z.re, z.im)
        })
        .collect();
    let spectra: Vec<(f64, f64)> = spectrum.iter().cycle().take(3 * 40).copied().collect();
    let data = dir.join("spectra.npy");
    std::fs::write(&data, complex_npy(&[3, 40], &spectra)).unwrap();
    let freq_file = dir.join("freq.npy");
    ferrolab::io::npy::write_npy(&freq_file, &ndarray::Array1::from(freq)).unwrap();
    let out = dir.join("fit");
    let args = ["beps", "fit", "--data", data.to_str().unwrap()];
    let (ok, _, err) = ferrolab(&args);
    assert!(!ok && err.contains("--freq"), "{err}");
    let (ok, stdout, err) = ferrolab(
        &[
            &args[..],
            &[
                "--freq",
                freq_file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
        ]
        .concat(),
    );
    assert!(ok && stdout.contains("3 converged"), "{stdout}{err}");
    let npz = ferrolab::io::npz::read_npz(&std::fs::read(out.join("fit.npz")).unwrap()).unwrap();
    assert_eq!(npz["params"].shape, vec![3, 4]);
    for p in npz["params"].to_vec::<f64>().unwrap().chunks(4) {
        for (got, want) in p.iter().zip(truth) {
            assert!((got - want).abs() < 1e-6 * want.abs(), "{p:?}");
        }
    }
    // A header declaring 2^32 x 2^32 x 64 spectra over one value of data: an error naming the
    // file, not a panic.
    let huge = dir.join("huge.npy");
    std::fs::write(&huge, complex_npy(&[1 << 32, 1 << 32, 64], &[(1.0, 0.0)])).unwrap();
    // `beps fit` of an .npy file against the frequencies in `freq_file`.
    let fit_npy = |data: &std::path::Path| {
        ferrolab(&[
            "beps",
            "fit",
            "--data",
            data.to_str().unwrap(),
            "--freq",
            freq_file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let (ok, _, err) = fit_npy(&huge);
    assert!(
        !ok && err.contains("huge.npy") && err.contains("overflows"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    // Frequencies that are not increasing, or not numbers, are refused, not fitted to NaN.
    let mut bad_freq: Vec<f64> = (0..40).map(|k| 290e3 + 500.0 * k as f64).collect();
    bad_freq.swap(3, 4);
    for (freq, fragment) in [
        (
            bad_freq.clone(),
            "freq_hz[4] = 291500 is not above freq_hz[3] = 292000",
        ),
        (
            [&bad_freq[..10], &[f64::NAN], &bad_freq[11..]].concat(),
            "freq_hz[10] = NaN: frequencies must be finite",
        ),
    ] {
        ferrolab::io::npy::write_npy(&freq_file, &ndarray::Array1::from(freq)).unwrap();
        let (ok, _, err) = fit_npy(&data);
        assert!(!ok && err.contains(fragment), "{err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn beps_synthetic_refuses_empty_noiseless_and_oversized_maps() {
    let out = std::env::temp_dir().join(format!("ferrolab-cli-syn-{}.npz", std::process::id()));
    let out = out.to_str().unwrap();
    for (args, fragment) in [
        (
            &["--snr", "nan"][..],
            "snr = NaN: must be finite and positive",
        ),
        (&["--snr", "0"], "snr = 0: must be finite and positive"),
        (
            &["--size", "0", "0", "0"],
            "size = 0 x 0 x 0: rows, columns and steps must be at least 1",
        ),
        (
            &["--size", "1000", "1000", "1000"],
            "size = 1000 x 1000 x 1000 with 64 bins: needs",
        ),
    ] {
        let (ok, _, err) = ferrolab(&[&["beps", "synthetic", "--out", out], args].concat());
        assert!(!ok && err.contains(fragment), "{args:?}: {err}");
        assert!(!std::path::Path::new(out).exists());
    }
}

#[cfg(feature = "hdf5")]
#[test]
fn beps_fit_reads_a_usid_file() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-usid-{}", std::process::id()));
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/usid/beps_small.h5"
    );
    let (ok, stdout, err) = ferrolab(&[
        "beps",
        "fit",
        "--data",
        fixture,
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(ok && stdout.contains("384 converged"), "{stdout}{err}");
    assert!(
        stdout.contains("steps Field (2) x DC_Offset (16)"),
        "{stdout}"
    );
    let npz = ferrolab::io::npz::read_npz(&std::fs::read(dir.join("fit.npz")).unwrap()).unwrap();
    assert_eq!(npz["params"].shape, vec![3, 4, 32, 4]);
    assert_eq!(npz["loop_params"].shape, vec![3, 4, 2, 9]);
    let groups = std::fs::read_to_string(dir.join("loop_groups.txt")).unwrap();
    assert_eq!(groups, "Field=1\nField=0\n");
    // The off-field loop (Field=1; Field varies fastest, so its steps are the even ones) read
    // back as piezoresponse and resonance.
    let loops = ferrolab::beps::read_fit_loops(&dir, &["Field=1"]).unwrap();
    assert_eq!(loops.label, "Field=1");
    assert_eq!(loops.steps, (0..16).map(|k| 2 * k).collect::<Vec<_>>());
    assert_eq!(loops.data.dim(), (12, 16, 2));
    let params = npz["params"].to_vec::<f64>().unwrap();
    let piezo = npz["piezoresponse"].to_vec::<f64>().unwrap();
    for p in 0..12 {
        for (k, &step) in loops.steps.iter().enumerate() {
            assert_eq!(loops.data[[p, k, 0]], piezo[p * 32 + step]);
            assert_eq!(loops.data[[p, k, 1]], params[(p * 32 + step) * 4 + 1]);
        }
    }
    let err = ferrolab::beps::read_fit_loops(&dir, &[])
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("matches 2 of the loops `Field=1`, `Field=0`"),
        "{err}"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[cfg(not(feature = "hdf5"))]
#[test]
fn beps_fit_names_the_missing_hdf5_feature() {
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/usid/beps_small.h5"
    );
    let (ok, _, err) = ferrolab(&["beps", "fit", "--data", fixture]);
    assert!(!ok && err.contains("--features hdf5"), "{err}");
}

#[test]
fn analyze_runs_the_baselines_on_npy_files() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-analyze-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let x = ndarray::Array2::from_shape_fn((20, 4), |(i, j)| ((i * (j + 1)) as f64).sin() + 1.5);
    let data = dir.join("x.npy");
    ferrolab::io::npy::write_npy(&data, &x).unwrap();
    let out = dir.join("out");
    let common = [
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let (ok, stdout, err) = ferrolab(&[&["analyze", "pca", "--k", "2"][..], &common].concat());
    assert!(
        ok && stdout.contains("explained variance ratio"),
        "{stdout}{err}"
    );
    let scores = ferrolab::io::npy::parse_npy(&std::fs::read(out.join("scores.npy")).unwrap());
    assert_eq!(scores.unwrap().shape, vec![20, 2]);
    let (ok, stdout, err) = ferrolab(
        &[
            &["analyze", "nmf", "--k", "2", "--set", "nmf.init=nndsvda"][..],
            &common,
        ]
        .concat(),
    );
    assert!(ok && stdout.contains("||X - WH||_F"), "{stdout}{err}");
    let (ok, stdout, err) = ferrolab(
        &[
            &["analyze", "dictionary", "--k", "3", "--lambda", "0.1"][..],
            &["--set", "dictionary.standardise=1"],
            &common,
        ]
        .concat(),
    );
    assert!(ok && stdout.contains("MSE"), "{stdout}{err}");
    let (ok, _, err) = ferrolab(&[&["analyze", "pca", "--k", "9"][..], &common].concat());
    assert!(!ok && err.contains('9'), "{err}");
    let (ok, stdout, err) = ferrolab(&[&["analyze", "kmeans", "--k", "3"][..], &common].concat());
    assert!(ok && stdout.contains("inertia"), "{stdout}{err}");
    let (ok, stdout, err) = ferrolab(
        &[
            &["analyze", "gmm", "--k", "2", "--set", "gmm.covariance=diag"][..],
            &common,
        ]
        .concat(),
    );
    assert!(ok && stdout.contains("BIC"), "{stdout}{err}");
    let probabilities =
        ferrolab::io::npy::parse_npy(&std::fs::read(out.join("probabilities.npy")).unwrap());
    assert_eq!(probabilities.unwrap().shape, vec![20, 2]);
    let latent = dir.join("z.npy");
    let z = ndarray::Array2::from_shape_fn((30, 2), |(i, j)| ((i * 3 + j * 7) as f64).cos());
    ferrolab::io::npy::write_npy(&latent, &z).unwrap();
    let (ok, stdout, err) = ferrolab(&[
        "analyze",
        "kde",
        "--data",
        latent.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--grid",
        "16",
    ]);
    assert!(ok && stdout.contains("kernel density"), "{stdout}{err}");
    let density = ferrolab::io::npy::parse_npy(&std::fs::read(out.join("density.npy")).unwrap());
    assert_eq!(density.unwrap().shape, vec![16, 16]);
    let toy = dir.join("toy");
    let (ok, stdout, err) = ferrolab(&[
        "analyze",
        "rgb-toy",
        "--spectra",
        "1000",
        "--seeds",
        "2",
        "--out",
        toy.to_str().unwrap(),
    ]);
    assert!(
        ok && stdout.contains("validation MSE on the gamut over 2 seeds: omp (2 of 3 atoms)"),
        "{stdout}{err}"
    );
    for name in ["best", "median", "worst", "code1"] {
        assert!(toy.join(format!("rgb_toy_{name}.png")).exists());
    }
    let npz = ferrolab::io::npz::read_npz(&std::fs::read(toy.join("rgb_toy.npz")).unwrap());
    let npz = npz.unwrap();
    assert_eq!(npz["gamut_mse_omp"].shape, vec![9261]);
    assert_eq!(npz["seed_mse"].shape, vec![2, 4]);
    // The synthetic BEPS map of three mechanisms, small: 32 values per pixel, so OMP codes
    // with 3 of the 5 atoms.
    let (ok, stdout, err) = ferrolab(&[
        "analyze",
        "beps-dl",
        "--size",
        "12",
        "12",
        "16",
        "--out",
        dir.join("beps_dl").to_str().unwrap(),
    ]);
    assert!(
        ok && stdout.contains("per-pixel MSE, omp (3 of 5 atoms)")
            && stdout.contains("best |Pearson| of each true weight"),
        "{stdout}{err}"
    );
    let (ok, _, err) = ferrolab(&["analyze", "beps-dl", "--loop", "Field=1"]);
    assert!(!ok && err.contains("--fit"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Launcher variables that `--shard auto` reads; cleared so the tests' own environment (a CI
/// job under Slurm, say) does not leak in.
const LAUNCHER_VARIABLES: [&str; 13] = [
    "OMPI_COMM_WORLD_RANK",
    "OMPI_COMM_WORLD_SIZE",
    "PMI_RANK",
    "PMI_SIZE",
    "PMIX_RANK",
    "PMIX_SIZE",
    "SLURM_PROCID",
    "SLURM_NTASKS",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_STEP",
    "SLURM_ARRAY_TASK_COUNT",
];

/// `ferrolab simulate --sweep` of a tiny sweep (16 structures of 20 points) into `out`, as
/// launcher rank `rank` (Open MPI's variables) when given, with the extra arguments.
fn tiny_sweep(out: &std::path::Path, rank: Option<(usize, usize)>, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ferrolab"));
    command
        .args(["simulate", "--sweep", "--out"])
        .arg(out)
        .args([
            "--set",
            "sweep.levels=2",
            "--set",
            "pf.cells_width=16",
            "--set",
            "pf.points=20",
            "--set",
            "pf.hold_steps=5",
        ]);
    command.args(extra);
    for name in LAUNCHER_VARIABLES {
        command.env_remove(name);
    }
    if let Some((rank, size)) = rank {
        command
            .env("OMPI_COMM_WORLD_RANK", rank.to_string())
            .env("OMPI_COMM_WORLD_SIZE", size.to_string());
    }
    command
}

fn sweep_scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("ferrolab_cli_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn shard_auto_ranks_merge_into_the_bytes_of_one_run() {
    let dir = sweep_scratch("shard_auto");
    // Rank 1 done before rank 0 starts: rank 0 finds its shard at once.
    for r in [1, 0] {
        let output = tiny_sweep(&dir.join("seq"), Some((r, 2)), &["--shard", "auto"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
    }
    // Two ranks at once, as mpirun -np 2 starts them (no MPI needed: only the variables are
    // read).
    let ranks: Vec<_> = (0..2)
        .map(|r| {
            tiny_sweep(&dir.join("par"), Some((r, 2)), &["--shard", "auto"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("the CLI starts")
        })
        .collect();
    for (r, child) in ranks.into_iter().enumerate() {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "rank {r}: {stderr}");
        assert!(stderr.contains(&format!("rank {r} of 2")), "{stderr}");
    }
    let whole = tiny_sweep(&dir.join("whole"), None, &[]).output().unwrap();
    assert!(whole.status.success());
    for ext in ["npz", "json"] {
        let whole = std::fs::read(dir.join(format!("whole.{ext}"))).unwrap();
        for name in ["seq", "par"] {
            let merged = std::fs::read(dir.join(format!("{name}.{ext}"))).unwrap();
            assert!(merged == whole, "{name}.{ext} differs from one run's");
        }
        assert!(dir.join(format!("par.shard-1-of-2.{ext}")).exists());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn shard_auto_reports_missing_and_failed_ranks() {
    let dir = sweep_scratch("shard_auto_fail");
    // Outside a launcher: the variables are named.
    let output = tiny_sweep(&dir.join("x"), None, &["--shard", "auto"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("OMPI_COMM_WORLD_RANK") && stderr.contains("SLURM_ARRAY_TASK_ID"),
        "{stderr}"
    );
    // Rank 1 never runs (a crashed peer): rank 0 gives up after the timeout.
    let output = tiny_sweep(
        &dir.join("lone"),
        Some((0, 2)),
        &["--shard", "auto", "--shard-timeout", "1"],
    )
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("waiting for shard(s) 1 of 2")
            && stderr.contains("shard(s) 1 of 2 missing after 1 s")
            && stderr.contains("ferrolab merge"),
        "{stderr}"
    );
    assert!(!dir.join("lone.npz").exists());
    // Rank 1 fails (its checkpoint directory cannot be made): rank 0 stops waiting at once.
    std::fs::write(dir.join("bad.shard-1-of-2.partial"), "not a directory").unwrap();
    let output = tiny_sweep(&dir.join("bad"), Some((1, 2)), &["--shard", "auto"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(dir.join("bad.shard-1-of-2.failed").exists());
    let start = std::time::Instant::now();
    let output = tiny_sweep(&dir.join("bad"), Some((0, 2)), &["--shard", "auto"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("rank 1 failed"), "{stderr}");
    assert!(start.elapsed().as_secs() < 60);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `ferrolab lstm-vae`: a run killed with SIGKILL resumes to the bytes of an uninterrupted run
/// (model and every stage file), then encode and figures work on its folder.
#[test]
fn lstm_vae_resumes_after_sigkill_to_the_same_bytes_and_draws_its_figures() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-lstm-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let train = |out: &std::path::Path| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ferrolab"));
        cmd.args(["lstm-vae", "train", "--toy", "300", "--out"])
            .arg(out);
        for s in [
            "lstm_vae.hidden=8",
            "lstm_vae.blocks=0",
            "lstm_vae.latent=4",
            "lstm_vae.embedding=4",
            "lstm_vae.target_active=2",
            "lstm_vae.epochs=40",
            "lstm_vae.priming_epochs=10",
            "lstm_vae.stage_epochs=6",
            "lstm_vae.batch_size=50",
            "lstm_vae.learning_rate=3e-3",
            "lstm_vae.checkpoint_every=1",
        ] {
            cmd.args(["--set", s]);
        }
        cmd
    };
    let whole = dir.join("whole");
    let out = train(&whole).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let killed = dir.join("killed");
    let mut child = train(&killed)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it once it has written a stage file and a later checkpoint.
    let checkpoint = killed.join("checkpoint.safetensors");
    let stage = killed.join("stages").join("stage-001.safetensors");
    while !(stage.exists() && checkpoint.exists()) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !killed.join("model.safetensors").exists(),
        "killed before it finished"
    );
    let out = train(&killed).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read = |p: std::path::PathBuf| {
        std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    for name in [
        "model.safetensors",
        "stages/stage-000.safetensors",
        "stages/stage-005.safetensors",
    ] {
        assert!(
            read(whole.join(name)) == read(killed.join(name)),
            "{name} differs"
        );
    }
    assert!(
        !checkpoint.exists(),
        "the finished model replaces the checkpoint"
    );
    let stages = std::fs::read_to_string(whole.join("stages.csv")).unwrap();
    assert_eq!(stages.lines().count(), 1 + 6, "{stages}");

    let model = whole.join("model.safetensors");
    let npz = dir.join("enc.npz");
    let (ok, stdout, stderr) = ferrolab(&[
        "lstm-vae",
        "encode",
        "--model",
        model.to_str().unwrap(),
        "--toy",
        "20",
        "--out",
        npz.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("mean MSE"), "{stdout}");
    let members = ferrolab::io::npz::read_npz(&std::fs::read(&npz).unwrap()).unwrap();
    assert_eq!(members["mu"].shape, vec![20, 4]);
    assert_eq!(members["reconstruction"].shape, vec![20, 25]);
    let (ok, stdout, stderr) = ferrolab(&[
        "lstm-vae",
        "figures",
        "--run",
        whole.to_str().unwrap(),
        "--toy-image",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("dictionary learning (n = 3"), "{stdout}");
    for png in [
        "training",
        "stage_maps",
        "generator",
        "mse_maps",
        "per_index_error",
    ] {
        let path = whole.join(format!("{png}.png"));
        assert!(
            std::fs::metadata(&path)
                .map(|m| m.len() > 5000)
                .unwrap_or(false),
            "{png}"
        );
    }
    let (ok, _, stderr) = ferrolab(&["lstm-vae", "train", "--toy", "10", "--mechanisms"]);
    assert!(!ok && stderr.contains("exactly one input"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn im2spec_and_spec2im_train_predict_and_the_closed_loop_runs() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-im2spec-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let sample = [
        "--set",
        "sample.rows=40",
        "--set",
        "sample.cols=40",
        "--set",
        "sample.split_col=24",
    ];
    let out = dir.join("im2spec");
    let mut args = vec![
        "im2spec",
        "train",
        "--sample",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(sample);
    args.extend(["--set", "im2spec.epochs=2", "--set", "im2spec.filters=4"]);
    let (ok, stdout, stderr) = ferrolab(&args);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("test MSE"), "{stdout}");
    for f in [
        "model.safetensors",
        "errors.npz",
        "error_maps.png",
        "latent_maps.png",
        "training.png",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let model = out.join("model.safetensors");
    let pred = dir.join("pred.npz");
    let mut args = vec![
        "im2spec",
        "predict",
        "--sample",
        "--model",
        model.to_str().unwrap(),
    ];
    args.extend(["--out", pred.to_str().unwrap()]);
    args.extend(sample);
    let (ok, _, stderr) = ferrolab(&args);
    assert!(ok, "{stderr}");
    let members = ferrolab::io::npz::read_npz(&std::fs::read(&pred).unwrap()).unwrap();
    assert_eq!(members["predicted"].shape, [40, 40, 64]);
    // The wrong direction's command refuses the model, naming it.
    let (ok, _, stderr) = ferrolab(&[
        "spec2im",
        "predict",
        "--sample",
        "--model",
        model.to_str().unwrap(),
        "--out",
        "x.npz",
    ]);
    assert!(!ok && stderr.contains("im2spec model"), "{stderr}");

    let exp = dir.join("experiment");
    let mut args = vec![
        "experiment",
        "simulate",
        "--seeds",
        "0-1",
        "--initial",
        "40",
        "--per-step",
        "4",
    ];
    args.extend([
        "--steps",
        "2",
        "--rules",
        "ensemble_std,random",
        "--out",
        exp.to_str().unwrap(),
    ]);
    args.extend(sample);
    args.extend([
        "--set",
        "ae.epochs_initial=2",
        "--set",
        "ae.epochs_update=1",
        "--set",
        "ae.ensemble_size=2",
    ]);
    args.extend(["--set", "im2spec.filters=4"]);
    let (ok, stdout, stderr) = ferrolab(&args);
    assert!(ok, "{stderr}");
    let line = |rule: &str| stdout.lines().find(|l| l.starts_with(&format!("{rule} |")));
    // Three curves; ensemble_std's carry their paired difference from random.
    let ours = line("ensemble_std").unwrap_or_else(|| panic!("{stdout}"));
    assert_eq!(ours.matches(" +- ").count(), 6, "{ours}");
    assert_eq!(
        line("random").unwrap().matches(" +- ").count(),
        3,
        "{stdout}"
    );
    let csv = std::fs::read_to_string(exp.join("curves.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 2 * 3, "{csv}");
    assert!(exp.join("map_error.png").is_file() && exp.join("picks_random.png").is_file());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rvae_trains_encodes_and_draws_its_figures_on_tiny_inputs() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-rvae-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let run = dir.join("run");
    let lattice = ["--synthetic", "rotated-lattice", "--size", "32"];
    let mut args = vec!["rvae", "train", "--window", "8", "--step", "2"];
    args.extend(lattice);
    args.extend(["--out", run.to_str().unwrap()]);
    args.extend(["--set", "rvae.filters=2", "--set", "rvae.hidden=8"]);
    args.extend(["--set", "rvae.epochs=2"]);
    let (ok, stdout, stderr) = ferrolab(&args);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("169 windows of 8 px"), "{stdout}");
    for f in ["model.safetensors", "history.csv", "training.png"] {
        assert!(run.join(f).is_file(), "{f}");
    }
    assert!(!run.join("checkpoint.safetensors").exists());
    assert_eq!(
        std::fs::read_to_string(run.join("history.csv"))
            .unwrap()
            .lines()
            .count(),
        3
    );
    let model = run.join("model.safetensors");
    let model = model.to_str().unwrap();

    // Encode the grid's windows: 13 x 13 centres, 2 content latents.
    let enc = dir.join("enc.npz");
    let mut args = vec!["rvae", "encode", "--model", model, "--step", "2"];
    args.extend(lattice);
    args.extend(["--out", enc.to_str().unwrap()]);
    let (ok, _, stderr) = ferrolab(&args);
    assert!(ok, "{stderr}");
    let m = ferrolab::io::npz::read_npz(&std::fs::read(&enc).unwrap()).unwrap();
    for (name, shape) in [
        ("angle", vec![169]),
        ("angle_sd", vec![169]),
        ("offsets", vec![169, 2]),
        ("offsets_sd", vec![169, 2]),
        ("content", vec![169, 2]),
        ("content_sd", vec![169, 2]),
        ("centres", vec![169, 2]),
        ("frames", vec![169]),
    ] {
        assert_eq!(m[name].shape, shape, "{name}");
    }
    assert_eq!(m["centres"].to_vec::<i64>().unwrap()[..4], [4, 4, 4, 6]);

    // A stack from a file with centres per frame (frame, row, col): the third is dropped.
    let stack = ndarray::Array3::from_shape_fn((2, 32, 32), |(t, r, c)| {
        ((r as f64 * 0.4).sin() * (c as f64 * 0.3 + t as f64).cos()).abs()
    });
    let data = dir.join("stack.npy");
    std::fs::write(&data, ferrolab::io::npy::to_npy_bytes(&stack)).unwrap();
    let centres = ndarray::array![[0.0, 10.0, 10.0], [1.0, 16.0, 20.0], [1.0, 1.0, 1.0]];
    let centres_file = dir.join("centres.npy");
    std::fs::write(&centres_file, ferrolab::io::npy::to_npy_bytes(&centres)).unwrap();
    let (ok, _, stderr) = ferrolab(&[
        "rvae",
        "encode",
        "--model",
        model,
        "--data",
        data.to_str().unwrap(),
        "--centres",
        centres_file.to_str().unwrap(),
        "--out",
        enc.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    let m = ferrolab::io::npz::read_npz(&std::fs::read(&enc).unwrap()).unwrap();
    assert_eq!(m["frames"].to_vec::<i64>().unwrap(), [0, 1]);
    assert_eq!(m["centres"].to_vec::<i64>().unwrap(), [10, 10, 16, 20]);

    // Figures of a single image, then of a stack of walls (per-frame densities).
    let figs = dir.join("figs");
    let mut args = vec!["rvae", "figures", "--model", model, "--grid", "4"];
    args.extend(["--classes", "3"]);
    args.extend(lattice);
    args.extend(["--out", figs.to_str().unwrap()]);
    let (ok, stdout, stderr) = ferrolab(&args);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("decoded grid 4 x 4"), "{stdout}");
    for f in [
        "latent_maps.png",
        "histograms.png",
        "manifold.png",
        "manifold_nmf.png",
        "figures.npz",
        "figures.txt",
        "classes.png",
    ] {
        assert!(figs.join(f).is_file(), "{f}");
    }
    let m = ferrolab::io::npz::read_npz(&std::fs::read(figs.join("figures.npz")).unwrap()).unwrap();
    assert_eq!(m["angle_map"].shape, [32, 32]);
    assert_eq!(m["content_maps"].shape, [2, 32, 32]);
    assert_eq!(m["grid_images"].shape, [16, 64]);
    assert_eq!(m["grid_physical"].shape, [4, 4]);
    // A window at every pixel: 25 x 25 centres, each with a class.
    assert_eq!(m["classes"].shape, [625]);
    assert!(stdout.contains("3 classes of sizes"), "{stdout}");
    let walls = dir.join("walls");
    let (ok, _, stderr) = ferrolab(&[
        "rvae",
        "figures",
        "--model",
        model,
        "--synthetic",
        "walls",
        "--size",
        "32",
        "--frames",
        "3",
        "--random",
        "20",
        "--frame",
        "2",
        "--grid",
        "3",
        "--range",
        "-2",
        "2",
        "--out",
        walls.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    for f in ["kde.png", "kde_components.png", "kde_nmf.png"] {
        assert!(walls.join(f).is_file(), "{f}");
    }
    let m =
        ferrolab::io::npz::read_npz(&std::fs::read(walls.join("figures.npz")).unwrap()).unwrap();
    assert_eq!(m["kde_angle"].shape, [100, 3]);
    assert_eq!(m["kde_l1_components"].shape, [100, 2]);
    assert_eq!(m["kde_l2_loadings"].shape, [3, 2]);

    // Bad arguments are refused with a message naming them.
    let line = dir.join("line.npy");
    std::fs::write(
        &line,
        ferrolab::io::npy::to_npy_bytes(&ndarray::array![1.0, 2.0]),
    )
    .unwrap();
    for (args, says) in [
        (vec!["rvae", "train", "--window", "8"], "exactly one input"),
        (
            vec![
                "rvae",
                "train",
                "--window",
                "8",
                "--synthetic",
                "walls",
                "--size",
                "32",
                "--step",
                "2",
                "--random",
                "3",
            ],
            "at most one of",
        ),
        (
            vec![
                "rvae",
                "train",
                "--window",
                "40",
                "--synthetic",
                "walls",
                "--size",
                "32",
            ],
            "",
        ),
        (
            vec![
                "rvae",
                "train",
                "--window",
                "8",
                "--synthetic",
                "walls",
                "--size",
                "32",
                "--set",
                "rvae.nonsense=1",
            ],
            "rvae.nonsense",
        ),
        (
            vec![
                "rvae",
                "encode",
                "--model",
                model,
                "--data",
                line.to_str().unwrap(),
            ],
            "expected an image",
        ),
        (
            vec![
                "rvae",
                "figures",
                "--model",
                model,
                "--synthetic",
                "rotated-lattice",
                "--size",
                "32",
                "--frame",
                "1",
            ],
            "--frame 1",
        ),
    ] {
        let (ok, _, stderr) = ferrolab(&args);
        assert!(!ok && stderr.contains(says), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn analyze_tsne_mds_and_isomap_write_the_rust_apis_embeddings() {
    use ferrolab::analysis::{IsomapParams, MdsParams, TsneParams};
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-manifold-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A noisy helix: one connected 5-neighbour graph.
    let x = ndarray::Array2::from_shape_fn((30, 3), |(i, j)| {
        let t = i as f64 * 0.3;
        [t.cos(), t.sin(), 0.2 * t][j] + 0.01 * ((i * 7 + j * 3) as f64).sin()
    });
    let data = dir.join("x.npy");
    ferrolab::io::npy::write_npy(&data, &x).unwrap();
    let out = dir.join("out");
    let common = [
        "--data",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let read = || {
        let npy = ferrolab::io::npy::parse_npy(&std::fs::read(out.join("embedding.npy")).unwrap())
            .unwrap();
        assert_eq!(npy.shape, vec![30, 2]);
        npy.to_f64().unwrap()
    };
    let (ok, stdout, err) = ferrolab(
        &[
            &[
                "analyze",
                "tsne",
                "--set",
                "tsne.perplexity=5",
                "--set",
                "tsne.max_iter=300",
            ][..],
            &common,
        ]
        .concat(),
    );
    assert!(
        ok && stdout.contains("KL divergence") && stdout.contains("trustworthiness"),
        "{stdout}{err}"
    );
    let fit = TsneParams::default()
        .perplexity(5.0)
        .max_iter(300)
        .fit(x.view())
        .unwrap();
    assert_eq!(read(), fit.embedding.iter().copied().collect::<Vec<_>>());
    let (ok, stdout, err) = ferrolab(
        &[
            &["analyze", "mds", "--set", "mds.method=classical"][..],
            &common,
        ]
        .concat(),
    );
    assert!(ok && stdout.contains("stress"), "{stdout}{err}");
    let fit = MdsParams::default()
        .method(ferrolab::analysis::MdsMethod::Classical)
        .fit(x.view())
        .unwrap();
    assert_eq!(read(), fit.embedding.iter().copied().collect::<Vec<_>>());
    let (ok, stdout, err) = ferrolab(&[&["analyze", "isomap"][..], &common].concat());
    assert!(
        ok && stdout.contains("reconstruction error"),
        "{stdout}{err}"
    );
    let fit = IsomapParams::default().fit(x.view()).unwrap();
    assert_eq!(read(), fit.embedding().iter().copied().collect::<Vec<_>>());
    // Too few neighbours split the graph: an error naming the key.
    let (ok, _, err) = ferrolab(
        &[
            &["analyze", "isomap", "--set", "isomap.n_neighbors=1"][..],
            &common,
        ]
        .concat(),
    );
    assert!(!ok && err.contains("n_neighbors"), "{err}");
}

#[test]
fn unet_trains_segments_and_finds_atoms_as_the_rust_api() {
    use ferrolab::nn::unet::Unet;
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-unet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let model_dir = dir.join("model");
    let tiny = [
        "--crop",
        "16",
        "--crops",
        "16",
        "--set",
        "unet.filters=2",
        "--set",
        "unet.epochs=1",
    ];
    let (ok, stdout, err) = ferrolab(
        &[
            &[
                "unet",
                "train",
                "--synthetic",
                "segmentation",
                "--out",
                model_dir.to_str().unwrap(),
            ][..],
            &tiny,
        ]
        .concat(),
    );
    assert!(
        ok && stdout.contains("final training cross-entropy"),
        "{stdout}{err}"
    );
    let model = model_dir.join("model.safetensors");
    let history = std::fs::read_to_string(model_dir.join("history.csv")).unwrap();
    assert_eq!(history.lines().count(), 2, "{history}");
    let seg = dir.join("seg");
    let (ok, stdout, err) = ferrolab(&[
        "unet",
        "segment",
        "--model",
        model.to_str().unwrap(),
        "--synthetic",
        "segmentation",
        "--seed",
        "1",
        "--out",
        seg.to_str().unwrap(),
    ]);
    assert!(
        ok && stdout.contains("IoU") && stdout.contains("Otsu wall baseline"),
        "{stdout}{err}"
    );
    assert!(seg.join("segmented.png").exists());
    // Frame 0's classes are the Rust API's segmentation of the same frame.
    let classes =
        ferrolab::io::npy::parse_npy(&std::fs::read(seg.join("classes.npy")).unwrap()).unwrap();
    assert_eq!(classes.shape, vec![8, 128, 128]);
    let frames = ferrolab::stem::segmentation_frames(&ferrolab::stem::SegmentationFramesSettings {
        seed: 1,
        degradation: ferrolab::stem::Degradation::low(),
        ..ferrolab::stem::SegmentationFramesSettings::small()
    })
    .unwrap();
    let frame = ndarray::ArrayView2::from_shape((128, 128), frames.image(0).unwrap()).unwrap();
    let rust = Unet::load(&model).unwrap().segment(frame).unwrap();
    let cli: Vec<f64> = classes.to_f64().unwrap()[..128 * 128].to_vec();
    assert_eq!(cli, rust.iter().map(|&c| f64::from(c)).collect::<Vec<_>>());
    // Atoms: a model trained on atom marks, run on other frames.
    let atom_dir = dir.join("atoms_model");
    let (ok, stdout, err) = ferrolab(
        &[
            &[
                "unet",
                "train",
                "--synthetic",
                "atoms",
                "--out",
                atom_dir.to_str().unwrap(),
            ][..],
            &tiny,
        ]
        .concat(),
    );
    assert!(ok, "{stdout}{err}");
    let found = dir.join("found");
    let atom_model = atom_dir.join("model.safetensors");
    let (ok, stdout, err) = ferrolab(&[
        "unet",
        "atoms",
        "--model",
        atom_model.to_str().unwrap(),
        "--synthetic",
        "atoms",
        "--seed",
        "1",
        "--out",
        found.to_str().unwrap(),
    ]);
    assert!(ok && stdout.contains("recall"), "{stdout}{err}");
    assert!(found.join("atoms.png").exists() && found.join("atoms.npy").exists());
    // Bad input names the argument.
    let (ok, _, err) = ferrolab(&["unet", "train", "--synthetic", "atoms", "--crop", "12"]);
    assert!(!ok && err.contains("--crop 12"), "{err}");
    let (ok, _, err) = ferrolab(&[
        "unet",
        "segment",
        "--model",
        model.to_str().unwrap(),
        "--synthetic",
        "atoms",
        "--level",
        "extreme",
    ]);
    assert!(!ok && err.contains("--level extreme"), "{err}");
}

/// The settings that make papers 002/004's chains run in seconds: small networks, few epochs.
const TINY_CHAIN: [&str; 12] = [
    "--set",
    "unet.filters=4",
    "--set",
    "unet.epochs=40",
    "--set",
    "rvae.epochs=2",
    "--set",
    "rvae.filters=4",
    "--set",
    "rvae.hidden=16",
    "--crop",
    "32",
];

#[test]
fn pipeline_paper002_runs_from_raw_frames_to_figures_and_reuses_its_models() {
    use ferrolab::stem::{Degradation, SegmentationFramesSettings, segmentation_frames};
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-paper002-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let args = [
        &[
            "pipeline",
            "paper002",
            "--out",
            dir.to_str().unwrap(),
            "--frames",
            "4",
            "--labelled",
            "1",
            "--size",
            "64",
            "--crops",
            "64",
            "--windows",
            "30",
            "--window",
            "12",
        ][..],
        &TINY_CHAIN,
    ]
    .concat();
    let (ok, first, err) = ferrolab(&args);
    assert!(ok, "{first}{err}");
    // The raw frames are the library's generator at the same settings.
    let truth = segmentation_frames(&SegmentationFramesSettings {
        frames: 4,
        height: 64,
        width: 64,
        degradation: Degradation::low(),
        seed: 0,
        ..SegmentationFramesSettings::default()
    })
    .unwrap();
    let read = |name: &str| {
        ferrolab::io::npy::parse_npy(&std::fs::read(dir.join(name)).unwrap())
            .unwrap()
            .to_f64()
            .unwrap()
    };
    let frames = read("frames.npy");
    assert_eq!(frames.len(), 4 * 64 * 64);
    assert!(
        frames
            .iter()
            .zip(&truth.images)
            .all(|(a, b)| *a == f64::from(*b))
    );
    let masks = read("masks.npy");
    assert!(
        masks
            .iter()
            .zip(&truth.masks)
            .all(|(a, b)| *a == f64::from(*b))
    );
    let classes = read("classes.npy");
    assert!(classes.len() == 4 * 64 * 64 && classes.iter().all(|c| [0.0, 1.0, 2.0].contains(c)));
    for file in [
        "segmentation.png",
        "segmentation_scores.png",
        "summary.txt",
        "rvae/latent_maps.png",
        "rvae/kde.png",
        "rvae/kde_nmf.png",
        "rvae/manifold.png",
    ] {
        assert!(dir.join(file).is_file(), "{file} missing: {first}");
    }
    let npz =
        ferrolab::io::npz::read_npz(&std::fs::read(dir.join("rvae/figures.npz")).unwrap()).unwrap();
    assert_eq!(npz["kde_angle"].shape, vec![100, 4]);
    assert_eq!(npz["kde_angle_loadings"].shape, vec![4, 2]);
    let summary = std::fs::read_to_string(dir.join("summary.txt")).unwrap();
    assert!(summary.contains("held-out frames: IoU domain"), "{summary}");
    // Started again, the command reuses both finished models and reproduces the numbers.
    let (ok, second, err) = ferrolab(&args);
    assert!(ok, "{second}{err}");
    assert_eq!(second.matches("reusing").count(), 2, "{second}");
    assert_eq!(
        std::fs::read_to_string(dir.join("summary.txt")).unwrap(),
        summary
    );
    let (ok, _, err) = ferrolab(&["pipeline", "paper002", "--frames", "4", "--labelled", "4"]);
    assert!(!ok && err.contains("--labelled 4"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn pipeline_paper004_scores_every_representation_against_the_known_variants() {
    let dir = std::env::temp_dir().join(format!("ferrolab-cli-paper004-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let args = [
        &[
            "pipeline",
            "paper004",
            "--out",
            dir.to_str().unwrap(),
            "--size",
            "96",
            "--crops",
            "64",
            "--window",
            "12",
            "--set",
            "tsne.perplexity=5",
        ][..],
        &TINY_CHAIN,
    ]
    .concat();
    let (ok, stdout, err) = ferrolab(&args);
    assert!(ok, "{stdout}{err}");
    let csv = std::fs::read_to_string(dir.join("comparison.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 7 * 2, "{csv}");
    for method in [
        "raw windows",
        "PCA",
        "t-SNE",
        "MDS",
        "Isomap",
        "rVAE angle+content",
    ] {
        assert!(
            rows.iter().any(|r| r.starts_with(&format!("{method},8,"))),
            "{csv}"
        );
    }
    for row in &rows {
        assert_eq!(row.split(',').count(), 3, "{row}");
        let ari: f64 = row.rsplit(',').next().unwrap().parse().unwrap();
        assert!((-1.0..=1.0).contains(&ari), "{row}");
    }
    for file in ["comparison.png", "embedding_tsne.png", "rvae/classes.png"] {
        assert!(dir.join(file).is_file(), "{file} missing: {stdout}");
    }
    let (ok, _, err) = ferrolab(&["pipeline", "paper004", "--set", "unet.classes=2"]);
    assert!(!ok && err.contains("unet.classes = 2"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
