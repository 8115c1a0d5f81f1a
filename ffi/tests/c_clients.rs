//! Real C and C++ programs against the built library: compiled with the header, linked to
//! `libferrolab.so` (and once to `libferrolab.a`), run, and, when FERROLAB_VALGRIND=1, run
//! again under valgrind (all but the three training examples); when FERROLAB_SANITIZE=1, each
//! is also compiled a second time with AddressSanitizer, LeakSanitizer and
//! UndefinedBehaviorSanitizer and run (`.ci/run` sets both).
//! Also checks that the library exports exactly the committed symbol list.
//!
//! `cargo test` does not build a cdylib, so the library is built here with the same command
//! as the README (`cargo build [--release]` at the root, with the features named in
//! FERROLAB_CARGO_FEATURES when set, as `.ci/run` does), which is a no-op when it is fresh.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `target/<profile>` of this test binary (which lives in `target/<profile>/deps`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(Path::parent).unwrap().to_path_buf()
}

/// Build the shared and static libraries once per test process; returns their directory.
fn library_dir() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let dir = profile_dir();
        let profile = dir.file_name().unwrap().to_str().unwrap().to_owned();
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .current_dir(root())
            .arg("build")
            .arg("--target-dir")
            .arg(dir.parent().unwrap());
        if let Some(features) = std::env::var_os("FERROLAB_CARGO_FEATURES") {
            cargo.arg("--workspace").arg("--features").arg(features);
        }
        match profile.as_str() {
            "debug" => {}
            "release" => {
                cargo.arg("--release");
            }
            other => {
                cargo.args(["--profile", other]);
            }
        }
        let status = cargo.status().expect("cargo runs");
        assert!(status.success(), "building libferrolab failed");
        assert!(dir.join("libferrolab.so").exists() && dir.join("libferrolab.a").exists());
        dir
    })
}

/// Where compiled client programs go.
fn clients_dir() -> PathBuf {
    let dir = profile_dir().join("c-clients");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

enum Link {
    Shared,
    Static,
}

/// A compiled client: the plain program and, when FERROLAB_SANITIZE=1, the same source built
/// with the sanitizers (a separate binary, `<name>-asan`: valgrind cannot run an ASan program).
struct Client {
    binary: PathBuf,
    sanitized: Option<PathBuf>,
}

fn env_flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| v == "1")
}

/// Compile one C (.c) or C++ (.cpp) program with all warnings as errors, and a sanitized copy
/// when FERROLAB_SANITIZE=1.
fn compile(source: &str, link: Link) -> Client {
    let binary = compile_as(source, &link, false);
    let sanitized = env_flag("FERROLAB_SANITIZE").then(|| compile_as(source, &link, true));
    Client { binary, sanitized }
}

/// The flags of the sanitized build. The library itself is the normal, uninstrumented one:
/// the ASan runtime linked into the executable intercepts malloc, free, memcpy and friends for
/// the whole process, so the library's allocations are tracked too and what crosses the C
/// boundary is checked (a client reading past an array the library filled, a buffer the library
/// writes past through memcpy, a double free, leaks of the client's own memory); out-of-bounds
/// accesses inside Rust code are not (they are not instrumented, and safe Rust checks them).
const SANITIZE_FLAGS: [&str; 3] = [
    "-fsanitize=address,undefined",
    "-fno-omit-frame-pointer",
    "-fno-sanitize-recover=all",
];

/// The system libhdf5 a static client must also link when the library was built with the hdf5
/// feature (FERROLAB_CARGO_FEATURES, as `.ci/run` sets it): the archive holds the USID reader.
fn hdf5_libs() -> Vec<String> {
    let features = std::env::var("FERROLAB_CARGO_FEATURES").unwrap_or_default();
    if !features.contains("hdf5") {
        return Vec::new();
    }
    let output = Command::new("pkg-config")
        .args(["--libs", "hdf5"])
        .output()
        .expect("pkg-config runs (.ci/run installs it with libhdf5)");
    assert!(output.status.success(), "pkg-config --libs hdf5 failed");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn compile_as(source: &str, link: &Link, sanitize: bool) -> PathBuf {
    let source = root().join(source);
    let cpp = source.extension().is_some_and(|e| e == "cpp");
    let stem = source.file_stem().unwrap().to_str().unwrap();
    let suffix = match link {
        Link::Shared => "",
        Link::Static => "-static",
    };
    let variant = if sanitize { "-asan" } else { "" };
    let binary = clients_dir().join(format!("{stem}{suffix}{variant}"));
    let lib = library_dir();
    let mut cc = Command::new(if cpp { "c++" } else { "cc" });
    cc.arg(if cpp { "-std=c++17" } else { "-std=c99" })
        .args([
            "-Wall",
            "-Wextra",
            "-Wpedantic",
            "-Werror",
            "-g",
            "-pthread",
        ])
        .args(if sanitize { &SANITIZE_FLAGS[..] } else { &[] })
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("bindings/cpp"))
        .arg(&source)
        .arg("-o")
        .arg(&binary);
    match link {
        Link::Shared => {
            cc.arg(format!("-L{}", lib.display()))
                .arg("-lferrolab")
                .arg(format!("-Wl,-rpath,{}", lib.display()))
                .arg("-lm");
        }
        Link::Static => {
            cc.arg(lib.join("libferrolab.a"))
                .args(["-lm", "-ldl"])
                .args(hdf5_libs());
        }
    }
    let output = cc.output().expect("the C compiler runs");
    assert!(
        output.status.success(),
        "compiling {}{}: {}",
        source.display(),
        if sanitize { " with the sanitizers" } else { "" },
        String::from_utf8_lossy(&output.stderr)
    );
    binary
}

/// A client's command, in a scratch directory of its own (clients that write files do so
/// there).
fn client_command(program: &str, binary: &Path) -> Command {
    let dir = clients_dir().join(format!(
        "{}-run",
        binary.file_name().unwrap().to_str().unwrap()
    ));
    // A fresh directory each run: a client that resumes its own files must start clean.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut command = Command::new(program);
    command.current_dir(&dir);
    command
}

/// Run a client; when FERROLAB_VALGRIND=1 also under valgrind (definite leaks and memory
/// errors fail; the worker pool's idle threads are "possibly lost" by design); when
/// FERROLAB_SANITIZE=1 also its sanitized build, where any report fails.
fn run(client: &Client) -> String {
    run_checked(client, true)
}

/// Run a training example plain and sanitized but not under valgrind: their epochs take
/// 14-61 s each there (ae_closed_loop, lstm_vae_spectra, rvae_rotated: 60 % of this test's
/// valgrind time, benches/README.md), and tests/c/ae.c, lstm_vae.c, rvae.c and unet.c drive the
/// same calls under valgrind at tiny sizes (unet_segment is run this way too).
fn run_training_example(client: &Client) -> String {
    run_checked(client, false)
}

fn run_checked(client: &Client, valgrind: bool) -> String {
    let binary = &client.binary;
    let output = client_command(binary.to_str().unwrap(), binary)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{} failed ({}):\n{stdout}\n{}",
        binary.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    if valgrind && env_flag("FERROLAB_VALGRIND") {
        let output = client_command("valgrind", binary)
            .args([
                "--error-exitcode=99",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite",
                "--show-leak-kinds=definite",
                "-q",
            ])
            .arg(binary)
            .output()
            .expect("valgrind is installed (.ci/run installs it)");
        assert!(
            output.status.success(),
            "valgrind {}: {}\n{}",
            binary.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    if let Some(sanitized) = &client.sanitized {
        run_sanitized(sanitized, &stdout);
    }
    stdout
}

/// Run a client's sanitized build: the first report (memory error, leak, undefined behaviour)
/// stops it with a non-zero status; it must also end as the plain build ended. LeakSanitizer
/// needs no suppressions: it scans thread stacks and globals, so the worker pool's idle threads
/// and the library's global state are reachable, not leaks (so is an object whose handle a
/// client forgot to free: the registry holds it).
fn run_sanitized(binary: &Path, plain_stdout: &str) {
    let output = client_command(binary.to_str().unwrap(), binary)
        .env(
            "ASAN_OPTIONS",
            "detect_leaks=1:abort_on_error=0:halt_on_error=1",
        )
        .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        .env_remove("LSAN_OPTIONS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let reported = [
        "ERROR: AddressSanitizer",
        "ERROR: LeakSanitizer",
        "runtime error:",
    ]
    .iter()
    .any(|m| stderr.contains(m));
    assert!(
        output.status.success() && !reported,
        "{} (sanitized) failed ({}):\n{}\n{stderr}",
        binary.display(),
        output.status,
        String::from_utf8_lossy(&output.stdout)
    );
    let last = |s: &str| s.lines().last().unwrap_or_default().to_owned();
    assert_eq!(
        last(&String::from_utf8_lossy(&output.stdout)),
        last(plain_stdout),
        "{} (sanitized) ended differently",
        binary.display()
    );
}

#[test]
fn c_example_runs() {
    let out = run(&compile("examples/c/config_basics.c", Link::Shared));
    assert!(out.contains("ferrolab 0."), "{out}");
    assert!(out.contains("pf.grain_diameter_nm = 10"), "{out}");
}

#[test]
fn c_polycrystal_example_draws_the_film() {
    let out = run(&compile("examples/c/polycrystal_map.c", Link::Shared));
    let mut lines = out.lines();
    // 8 nm grains on 10 nm x 64 nm: round(4 * 640 / (pi * 64)) = 13 grains.
    assert_eq!(lines.next(), Some("13 grains on 20 x 128 cells"), "{out}");
    let map: Vec<&str> = lines.collect();
    assert_eq!(map.len(), 20);
    assert!(map.iter().all(|l| l.len() == 128));
    assert!(out.contains('#'), "no grain boundary drawn");
}

#[test]
fn c_loop_example_matches_the_rust_api() {
    let out = run(&compile("examples/c/simulate_loop.c", Link::Shared));
    // The same configuration through the Rust API.
    let mut cfg = engine::config::Config::new();
    use engine::config::Value::{F64, I64};
    for (key, value) in [
        ("pf.cells_width", I64(64)),
        ("pf.points", I64(100)),
        ("pf.hold_steps", I64(25)),
        ("pf.grain_diameter_nm", F64(8.0)),
    ] {
        cfg.set(key, value).unwrap();
    }
    let params = engine::phasefield::params::PhaseFieldParams::from_config(&cfg).unwrap();
    let f = engine::phasefield::pv_loop::simulate_loop(&params)
        .unwrap()
        .features;
    let expected = format!(
        "Ec = {:.3} MV/cm, Pr = {:.4} C/m^2, Ps = {:.4} C/m^2, area = {:.3} J/m^2",
        f.coercive_field_mv_per_cm, f.remanent_polarization, f.saturation_polarization, f.area
    );
    assert!(
        out.contains(&expected),
        "C printed:\n{out}\nRust computed: {expected}"
    );
}

#[test]
fn c_gp_example_matches_the_rust_api() {
    let out = run(&compile("examples/c/gp_regression.c", Link::Shared));
    assert!(
        out.contains("reloaded model predicts the same: yes"),
        "{out}"
    );
    // The same fit through the Rust API.
    let n = 30;
    let x = ndarray::Array2::from_shape_fn((n, 2), |(i, c)| {
        if c == 0 {
            -2.0 + 4.0 * i as f64 / (n - 1) as f64
        } else {
            (1.7 * i as f64).cos()
        }
    });
    let y = ndarray::Array2::from_shape_fn((n, 2), |(i, c)| {
        let (a, b) = (x[(i, 0)], x[(i, 1)]);
        if c == 0 { a.sin() * b } else { 0.5 * a - b }
    });
    let gp = engine::gp::GaussianProcess::fit(x.view(), y.view(), &engine::gp::GpParams::default())
        .unwrap();
    let (mean, std) = gp.predict(ndarray::array![[0.5, 0.2]].view()).unwrap();
    let expected = format!(
        "at (0.5, 0.2): {:.6} +- {:.6} and {:.6} +- {:.6}",
        mean[(0, 0)],
        std[(0, 0)],
        mean[(0, 1)],
        std[(0, 1)]
    );
    assert!(
        out.contains(&expected),
        "C printed:\n{out}\nRust computed: {expected}"
    );
    let lml = format!("lml {:.6}", gp.outputs()[0].log_marginal_likelihood);
    assert!(out.contains(&lml), "{out}\n{lml}");
}

#[test]
fn c_example_runs_statically_linked() {
    let out = run(&compile("examples/c/config_basics.c", Link::Static));
    assert!(out.contains("pf.grain_diameter_nm = 10"), "{out}");
}

#[test]
fn cpp_example_runs() {
    let out = run(&compile("examples/cpp/config_raii.cpp", Link::Shared));
    assert!(out.contains("caught: ferrolab_config_set_f64"), "{out}");
}

#[test]
fn sizes_beyond_the_memory_budget_are_refused_before_allocating() {
    let out = run(&compile("tests/c/limits.c", Link::Shared));
    assert!(out.contains("limits: all checks passed"), "{out}");
}

#[test]
fn concurrent_saves_of_one_handle_all_succeed_and_loads_see_whole_files() {
    let out = run(&compile("tests/c/saves.c", Link::Shared));
    assert!(out.contains("saves: all checks passed"), "{out}");
}

#[test]
fn bad_input_is_rejected_with_named_messages() {
    let out = run(&compile("tests/c/bad_input.c", Link::Shared));
    assert!(out.contains("bad_input: all checks passed"), "{out}");
}

#[test]
fn concurrent_calls_are_safe_and_messages_stay_per_thread() {
    let out = run(&compile("tests/c/threads.c", Link::Shared));
    assert!(out.contains("threads: all checks passed"), "{out}");
}

#[test]
fn c_sweep_runs_cancels_resumes_and_reads_back() {
    let out = run(&compile("tests/c/sweep.c", Link::Shared));
    assert!(out.contains("sweep: all checks passed"), "{out}");
}

#[test]
fn c_vae_trains_cancels_resumes_reloads_and_rejects_bad_input() {
    let out = run(&compile("tests/c/vae.c", Link::Shared));
    assert!(out.contains("vae: all checks passed"), "{out}");
    assert!(
        out.contains("reloaded model decodes identically: yes"),
        "{out}"
    );
}

#[test]
fn c_lstm_vae_resumes_cancels_selects_reloads_and_checks_sizes() {
    let out = run(&compile("tests/c/lstm_vae.c", Link::Shared));
    assert!(out.contains("lstm_vae: all checks passed"), "{out}");
    assert!(
        out.contains("reloaded model encodes identically: yes"),
        "{out}"
    );
}

/// tests/c/rvae.c: the rotationally invariant VAE from C at 6 x 6 pixels (filters 2, hidden 8,
/// 3 epochs): train, encode, decode, resume from a checkpoint, cancel a run on another thread,
/// save, reload and encode identically, sizes checked.
#[test]
fn c_rvae_trains_resumes_cancels_reloads_and_checks_sizes() {
    let out = run(&compile("tests/c/rvae.c", Link::Shared));
    assert!(out.contains("rvae: all checks passed"), "{out}");
    assert!(
        out.contains("reloaded model encodes identically: yes"),
        "{out}"
    );
}

/// tests/c/unet.c: the U-Net from C on 16 x 16 crops (filters 2, 2 classes, 3 epochs): train
/// with a loss history, resume from a checkpoint to the uninterrupted run's probabilities, cancel
/// a run on another thread (refusing a second), save, reload and segment identically, a 21 x 30
/// frame, atoms counted and truncated, sizes checked with the handle's messages.
#[test]
fn c_unet_trains_resumes_cancels_reloads_segments_and_checks_sizes() {
    let out = run(&compile("tests/c/unet.c", Link::Shared));
    assert!(out.contains("unet: all checks passed"), "{out}");
    assert!(
        out.contains("reloaded model segments identically: yes"),
        "{out}"
    );
}

/// tests/c/ae.c: the automated experiment closed from C against the simulated microscope at a
/// tiny size (16 x 16, window 4, 2 members, 2 epochs), and the im2spec / spec2im round trips.
#[test]
fn c_ae_closes_the_loop_on_the_simulated_sample_and_resumes_from_its_directory() {
    let out = run(&compile("tests/c/ae.c", Link::Shared));
    assert!(out.contains("ae: all checks passed"), "{out}");
    assert!(
        out.contains("reloaded session ranks identically: yes"),
        "{out}"
    );
    assert!(
        out.contains("reloaded im2spec predicts identically: yes"),
        "{out}"
    );
}

/// examples/c/ae_closed_loop.c: the anomaly it reports, every pick with its score and surprise,
/// each update's final loss, the most surprising pick and the ranking after the last update are
/// those of the same closed loop through the Rust API; the reloaded session ranks the same.
#[test]
fn c_ae_example_matches_the_rust_api() {
    use engine::config::{Config, Value};
    use engine::experiment::{AeSettings, Sample, Session, loops_at};
    use engine::nn::im2spec::Im2SpecSettings;
    use engine::progress::Progress;
    let out = run_training_example(&compile("examples/c/ae_closed_loop.c", Link::Shared));
    assert!(
        out.contains("reloaded session ranks identically: yes"),
        "{out}"
    );
    let mut cfg = Config::new();
    for (key, value) in [
        ("sample.rows", 24),
        ("sample.cols", 24),
        ("sample.steps", 16),
        ("sample.split_col", 12),
        ("sample.anomaly_count", 1),
        ("sample.anomaly_window_px", 4),
        ("sample.seed", 5),
        ("ae.window_px", 4),
        ("ae.ensemble_size", 2),
        ("ae.epochs_initial", 100),
        ("ae.epochs_update", 20),
        ("im2spec.filters", 8),
        ("ae.seed", 1),
    ] {
        cfg.set(key, Value::I64(value)).unwrap();
    }
    cfg.set("im2spec.learning_rate", Value::F64(1e-2)).unwrap();
    cfg.set("ae.exclusion_radius_px", Value::F64(3.0)).unwrap();
    let sample = Sample::from_config(&cfg).unwrap();
    let [ar, ac] = sample.anomaly_centres[0];
    let planted = sample.anomaly.iter().filter(|&&a| a).count();
    let line = format!(
        "planted anomaly: {planted} px around ({:.1}, {:.1})",
        ar as f64, ac as f64
    );
    assert!(out.contains(&line), "C printed:\n{out}\nRust: {line}");

    let (ae, net) = (
        AeSettings::from_config(&cfg).unwrap(),
        Im2SpecSettings::from_config(&cfg).unwrap(),
    );
    let mut session = Session::new(&ae, &net, sample.image.view(), &sample.voltage).unwrap();
    let measure = |points: &[[usize; 2]]| loops_at(sample.loops.view(), points).unwrap();
    let seeds: Vec<[usize; 2]> = (0..4)
        .flat_map(|i| (0..4).map(move |j| [3 + 6 * i, 3 + 6 * j]))
        .collect();
    session
        .add_measurements(&seeds, measure(&seeds).view())
        .unwrap();
    let mut most = (f64::NEG_INFINITY, [0, 0]);
    let expect_update = |session: &mut Session, round: usize| {
        let progress = Progress::new();
        session.update(&progress).unwrap();
        let line = format!(
            "update {round}: member {} of 2 ended at epoch {} of {}, training loss {:.6}",
            progress.stage(),
            progress.done(),
            progress.total(),
            progress.last_loss().unwrap()
        );
        assert!(out.contains(&line), "C printed:\n{out}\nRust: {line}");
    };
    for round in 1..=3 {
        expect_update(&mut session, round);
        let picks = session.rank(4).unwrap();
        let points: Vec<[usize; 2]> = picks.iter().map(|p| [p.row, p.col]).collect();
        let surprises = session
            .add_measurements(&points, measure(&points).view())
            .unwrap();
        for (p, s) in picks.iter().zip(&surprises) {
            let s = s.expect("a trained ensemble predicted it").nrms;
            let line = format!(
                "  pick ({:2}, {:2})  score {:.6}  surprise {s:.6}",
                p.row, p.col, p.score
            );
            assert!(out.contains(&line), "C printed:\n{out}\nRust: {line}");
            if s > most.0 {
                most = (s, [p.row, p.col]);
            }
        }
    }
    let (s, [r, c]) = most;
    let inside = if sample.anomaly[[r, c]] {
        "inside"
    } else {
        "outside"
    };
    let line =
        format!("most surprising: ({r}, {c}), surprise {s:.6}, {inside} the planted anomaly");
    assert!(out.contains(&line), "C printed:\n{out}\nRust: {line}");
    expect_update(&mut session, 4);
    let next: String = session
        .rank(4)
        .unwrap()
        .iter()
        .map(|p| format!(" ({}, {})", p.row, p.col))
        .collect();
    let line = format!(
        "next picks:{next}\nsaved {} measurements",
        session.measurements().len()
    );
    assert!(out.contains(&line), "C printed:\n{out}\nRust: {line}");
}

/// examples/c/lstm_vae_spectra.c: its stage table and selection are those of the same training
/// through the Rust API.
#[test]
fn c_lstm_vae_example_matches_the_rust_api() {
    use engine::nn::lstm_vae::{LstmVae, LstmVaeSettings};
    let out = run_training_example(&compile("examples/c/lstm_vae_spectra.c", Link::Shared));
    assert!(
        out.contains("reloaded model encodes identically: yes"),
        "{out}"
    );
    let spectra = ndarray::Array2::from_shape_fn((32, 12), |(i, t)| {
        let (height, centre) = (
            0.5 + (i % 7) as f64 / 6.0,
            3.0 + 5.0 * (i % 11) as f64 / 10.0,
        );
        let u = (t as f64 - centre) / 2.0;
        height * (-u * u).exp() + 0.02 * (1.7 * i as f64 + t as f64).sin()
    });
    let mut s = LstmVaeSettings::default();
    (s.hidden, s.blocks, s.latent, s.embedding) = (6, 1, 3, 4);
    (s.epochs, s.priming_epochs, s.stage_epochs) = (30, 15, 3);
    (s.batch_size, s.target_active) = (16, 2);
    (s.learning_rate, s.beta_step) = (2e-2, 0.4);
    let mut vae = LstmVae::new(&s, 12).unwrap();
    vae.train(spectra.view(), &engine::progress::Progress::new())
        .unwrap();
    for r in vae.stages() {
        let row = format!(
            "{:5.0}  {:5.3}  {:10.0}  {:9.4}  {:6.0} ",
            r.stage as f64, r.beta, r.best_epoch as f64, r.best_loss, r.active as f64
        );
        assert!(
            out.contains(&row),
            "C printed:\n{out}\nRust computed: {row}"
        );
    }
    let selection = match vae.selected_stage() {
        Some(stage) => format!("selected stage {stage}\n"),
        None => "no stage selected: ".to_owned(),
    };
    assert!(
        out.contains(&selection),
        "C printed:\n{out}\nRust selected: {selection}"
    );
}

/// examples/c/rvae_rotated.c: its final losses and encoded angles are those of the same training
/// through the Rust API, and the reloaded model encodes identically.
#[test]
fn c_rvae_example_matches_the_rust_api() {
    use engine::nn::rvae::{Rvae, RvaeSettings};
    let out = run_training_example(&compile("examples/c/rvae_rotated.c", Link::Shared));
    assert!(
        out.contains("reloaded model encodes identically: yes"),
        "{out}"
    );
    let side = 8usize;
    let images = ndarray::Array2::from_shape_fn((40, side * side), |(i, p)| {
        let t = 0.15 * i as f64;
        let (ax, ay, bx, by) = (0.5 * t.cos(), 0.5 * t.sin(), -0.3 * t.sin(), 0.3 * t.cos());
        let (r, c) = ((p / side) as f64, (p % side) as f64);
        let (x, y) = (
            -1.0 + 2.0 * c / (side - 1) as f64,
            1.0 - 2.0 * r / (side - 1) as f64,
        );
        let da = (x - ax) * (x - ax) + (y - ay) * (y - ay);
        let db = (x - bx) * (x - bx) + (y - by) * (y - by);
        (-da / 0.1).exp() + 0.5 * (-db / 0.1).exp()
    });
    let s = RvaeSettings {
        filters: 4,
        hidden: 16,
        epochs: 20,
        batch_size: 8,
        seed: 3,
        learning_rate: 1e-2,
        translation: false,
        ..Default::default()
    };
    let mut model = Rvae::new(&s, [side, side]).unwrap();
    model
        .train(images.view(), &engine::progress::Progress::new())
        .unwrap();
    let last = model.history().last().copied().unwrap();
    let line = format!(
        "epoch 20: train loss {:.6}, test loss {:.6}",
        last.train.total,
        last.validation.unwrap().total
    );
    assert!(out.contains(&line), "C printed:\n{out}\nRust: {line}");
    let e = model.encode(images.view()).unwrap();
    for i in (0..40).step_by(8) {
        let row = format!(
            "{i:5}  {:9.3}  {:8.3} ({:.3})",
            0.15 * i as f64,
            e.angle[i],
            e.angle_sd[i]
        );
        assert!(out.contains(&row), "C printed:\n{out}\nRust: {row}");
    }
}

/// examples/c/unet_segment.c: its loss history and the per-class pixel counts and IoU of the
/// segmented frame are those of the same training through the Rust API; the reloaded model
/// segments the same.
#[test]
fn c_unet_example_matches_the_rust_api() {
    use engine::nn::unet::{Unet, UnetSettings};
    let out = run_training_example(&compile("examples/c/unet_segment.c", Link::Shared));
    assert!(
        out.contains("reloaded model segments identically: yes"),
        "{out}"
    );
    // The example's pictures: the same noise sequence, lines and order.
    let mut state = 12345u32;
    let mut noise = move || {
        state = state.wrapping_mul(1664525).wrapping_add(1013904223);
        f64::from(state >> 8) / 16777216.0
    };
    let on_line = |r: i64, c: i64, [r0, c0, dr, dc]: [i64; 4]| {
        let cross = (r - r0) * dc - (c - c0) * dr;
        cross * cross < dr * dr + dc * dc
    };
    let mut draw = |h: usize, w: usize, lines: &[[i64; 4]]| {
        let mut image = ndarray::Array2::<f64>::zeros((h, w));
        let mut mask = ndarray::Array2::<u8>::zeros((h, w));
        for r in 0..h {
            for c in 0..w {
                let line = lines.iter().any(|&l| on_line(r as i64, c as i64, l));
                mask[(r, c)] = u8::from(line);
                image[(r, c)] = if line { 0.2 } else { 0.8 } + 0.15 * noise();
            }
        }
        (image, mask)
    };
    let (n, side, epochs) = (24, 16, 30);
    let dirs = [[0, 1], [1, 0], [1, 1], [1, -1]];
    let mut images = ndarray::Array3::<f32>::zeros((n, side, side));
    let mut masks = ndarray::Array3::<u8>::zeros((n, side, side));
    for i in 0..n {
        let [dr, dc] = dirs[i % 4];
        let line = [3 + (5 * i as i64) % 10, 3 + (7 * i as i64) % 10, dr, dc];
        let (image, mask) = draw(side, side, &[line]);
        images
            .index_axis_mut(ndarray::Axis(0), i)
            .assign(&image.mapv(|v| v as f32));
        masks.index_axis_mut(ndarray::Axis(0), i).assign(&mask);
    }
    let (frame, truth) = draw(44, 60, &[[10, 0, 0, 1], [0, 40, 1, 0], [0, 5, 1, 1]]);
    let s = UnetSettings {
        classes: 2,
        filters: 4,
        epochs,
        batch_size: 8,
        seed: 1,
        learning_rate: 1e-2,
        ..Default::default()
    };
    let mut model = Unet::new(&s).unwrap();
    model
        .train(
            images.view(),
            masks.view(),
            &engine::progress::Progress::new(),
        )
        .unwrap();
    let losses: Vec<f64> = model.history().iter().map(|r| r.train.total).collect();
    for e in (0..epochs).step_by(10) {
        let row = format!("{:5}  {:.6}\n", e + 1, losses[e]);
        assert!(out.contains(&row), "C printed:\n{out}\nRust: {row}");
    }
    let line = format!("epoch {epochs}: training loss {:.6}", losses[epochs - 1]);
    assert!(out.contains(&line), "C printed:\n{out}\nRust: {line}");
    let classes = model.segment(frame.mapv(|v| v as f32).view()).unwrap();
    for k in 0..2u8 {
        let (mut predicted, mut actual, mut both, mut either) = (0, 0, 0, 0);
        for (&a, &b) in classes.iter().zip(&truth) {
            let (a, b) = (a == k, b == k);
            predicted += usize::from(a);
            actual += usize::from(b);
            both += usize::from(a && b);
            either += usize::from(a || b);
        }
        let iou = if either > 0 {
            both as f64 / either as f64
        } else {
            1.0
        };
        let row = format!("{k:5}  {predicted:12}  {actual:7}  {iou:.4}");
        assert!(out.contains(&row), "C printed:\n{out}\nRust: {row}");
    }
}

/// tests/c/manifold.c: t-SNE (exact and Barnes-Hut), classical and SMACOF MDS and Isomap of 60
/// points from C, each line (the KL divergence, stress or reconstruction error, the
/// trustworthiness and two embedded points) that of the same calls through the Rust API.
#[test]
fn c_manifold_matches_the_rust_api() {
    use engine::analysis::{IsomapParams, MdsParams, TsneParams, trustworthiness};
    use engine::config::{Config, Value};
    let out = run(&compile("tests/c/manifold.c", Link::Shared));
    assert!(out.contains("manifold: all checks passed"), "{out}");
    let n = 60;
    let x = ndarray::Array2::from_shape_fn((n, 3), |(i, j)| {
        let t = i as f64 / (n - 1) as f64;
        match j {
            0 => t,
            1 => t * t,
            _ => t * t * t + (((7 * i) % 5) as f64 - 2.0) / 40.0,
        }
    });
    let expect = |name: &str, value: f64, y: ndarray::ArrayView2<f64>| {
        let line = format!(
            "{name}: {value:.9}, trustworthiness {:.6}, y[0] = ({:.6}, {:.6}), y[59] = ({:.6}, {:.6})",
            trustworthiness(x.view(), y, 5).unwrap(),
            y[(0, 0)],
            y[(0, 1)],
            y[(n - 1, 0)],
            y[(n - 1, 1)]
        );
        assert!(out.contains(&line), "C printed:\n{out}\nRust: {line}");
    };
    let mut cfg = Config::new();
    cfg.set("tsne.perplexity", Value::F64(10.0)).unwrap();
    cfg.set("tsne.max_iter", Value::I64(250)).unwrap();
    for method in ["exact", "barnes_hut"] {
        cfg.set("tsne.method", Value::Str(method.into())).unwrap();
        let fit = TsneParams::from_config(&cfg)
            .unwrap()
            .n_components(2)
            .fit(x.view())
            .unwrap();
        expect(
            &format!("tsne {method}"),
            fit.kl_divergence,
            fit.embedding.view(),
        );
    }
    for method in ["classical", "smacof"] {
        cfg.set("mds.method", Value::Str(method.into())).unwrap();
        let fit = MdsParams::from_config(&cfg)
            .unwrap()
            .n_components(2)
            .fit(x.view())
            .unwrap();
        expect(&format!("mds {method}"), fit.stress, fit.embedding.view());
    }
    cfg.set("isomap.n_neighbors", Value::I64(8)).unwrap();
    let fit = IsomapParams::from_config(&cfg)
        .unwrap()
        .n_components(2)
        .fit(x.view())
        .unwrap();
    expect("isomap", fit.reconstruction_error(), fit.embedding());
}

#[test]
fn c_design_runs_cancels_resumes_and_reports() {
    let out = run(&compile("tests/c/design.c", Link::Shared));
    assert!(out.contains("design: all checks passed"), "{out}");
}

#[test]
fn c_sho_example_fits_a_synthetic_map() {
    let out = run(&compile("examples/c/sho_map.c", Link::Shared));
    assert!(out.contains("sho map: recovered"), "{out}");
}

#[test]
fn c_analysis_matches_known_answers() {
    let out = run(&compile("tests/c/analysis.c", Link::Shared));
    assert!(out.contains("analysis: all checks passed"), "{out}");
}

#[test]
fn cpp_wrapper_manages_handles() {
    let out = run(&compile("tests/cpp/wrapper.cpp", Link::Shared));
    assert!(out.contains("wrapper: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: Config.
#[test]
fn cpp_config_sets_every_type_and_round_trips() {
    let out = run(&compile("tests/cpp/cpp_config.cpp", Link::Shared));
    assert!(out.contains("config: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: Polycrystal.
#[test]
fn cpp_polycrystal_matches_the_c_api() {
    let out = run(&compile("tests/cpp/cpp_polycrystal.cpp", Link::Shared));
    assert!(out.contains("polycrystal: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: the free functions.
#[test]
fn cpp_free_functions_match_the_c_api() {
    let out = run(&compile("tests/cpp/cpp_analysis.cpp", Link::Shared));
    assert!(out.contains("analysis: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: GaussianProcess.
#[test]
fn cpp_gaussian_process_matches_the_c_api() {
    let out = run(&compile("tests/cpp/cpp_gp.cpp", Link::Shared));
    assert!(out.contains("gp: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: Vae.
#[test]
fn cpp_vae_matches_the_c_api() {
    let out = run(&compile("tests/cpp/cpp_vae.cpp", Link::Shared));
    assert!(out.contains("vae: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: LstmVae.
#[test]
fn cpp_lstm_vae_matches_the_c_api() {
    let out = run(&compile("tests/cpp/cpp_lstm_vae.cpp", Link::Shared));
    assert!(out.contains("lstm_vae: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: Rvae.
#[test]
fn cpp_rvae_matches_the_c_api() {
    let out = run(&compile("tests/cpp/cpp_rvae.cpp", Link::Shared));
    assert!(out.contains("rvae: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: Unet (filters 2, 16 x 16 crops, 3 epochs).
#[test]
fn cpp_unet_matches_the_c_api() {
    let out = run(&compile("tests/cpp/cpp_unet.cpp", Link::Shared));
    assert!(out.contains("unet: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: Sweep.
#[test]
fn cpp_sweep_runs_and_cancels() {
    let out = run(&compile("tests/cpp/cpp_sweep.cpp", Link::Shared));
    assert!(out.contains("sweep: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: Dataset.
#[test]
fn cpp_dataset_matches_the_c_api() {
    let out = run(&compile("tests/cpp/cpp_dataset.cpp", Link::Shared));
    assert!(out.contains("dataset: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: AeSession, Im2Spec, Spec2Im and sample_generate.
#[test]
fn cpp_ae_closes_the_loop_and_matches_the_c_api() {
    let out = run(&compile("tests/cpp/cpp_ae.cpp", Link::Shared));
    assert!(out.contains("ae: all checks passed"), "{out}");
}

/// bindings/cpp/ferrolab.hpp: Design.
#[test]
fn cpp_design_checks_arguments_and_cancels() {
    let out = run(&compile("tests/cpp/cpp_design.cpp", Link::Shared));
    assert!(out.contains("design: all checks passed"), "{out}");
}

/// Names of the functions the header declares.
fn header_functions() -> Vec<String> {
    let header = std::fs::read_to_string(root().join("include/ferrolab.h")).unwrap();
    let mut names: Vec<String> = header
        .lines()
        .filter(|l| !l.starts_with("//") && !l.starts_with(' ') && l.contains('('))
        .filter_map(|l| {
            let before = &l[..l.find('(')?];
            let name = before.rsplit([' ', '*']).next()?;
            name.starts_with("ferrolab_").then(|| name.to_owned())
        })
        .collect();
    names.sort();
    names
}

#[test]
fn exported_symbols_are_exactly_the_committed_list_and_the_header() {
    let lib = library_dir().join("libferrolab.so");
    let output = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&lib)
        .output()
        .expect("nm runs");
    assert!(output.status.success());
    let mut symbols: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().nth(2).map(str::to_owned))
        .collect();
    symbols.sort();
    let list_path = root().join("ffi/symbols.txt");
    if std::env::var_os("FERROLAB_REGEN_HEADER").is_some() {
        std::fs::write(&list_path, symbols.join("\n") + "\n").unwrap();
    }
    let committed: Vec<String> = std::fs::read_to_string(&list_path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(symbols, committed, "exports differ from ffi/symbols.txt");
    assert!(symbols.iter().all(|s| s.starts_with("ferrolab_")));
    assert_eq!(
        symbols,
        header_functions(),
        "exports differ from the header's functions"
    );
}

/// The install script's layout as a C user meets it: a versioned SONAME with its links, and a
/// C example built once through pkg-config and once through CMake's `find_package`.
#[test]
fn installed_library_builds_with_pkg_config_and_cmake() {
    let lib = library_dir();
    let prefix = clients_dir().join("install-prefix");
    let _ = std::fs::remove_dir_all(&prefix);
    let status = Command::new("bash")
        .arg(root().join("ffi/install.sh"))
        .args(["--no-build", "--prefix"])
        .arg(&prefix)
        .env("CARGO_TARGET_DIR", lib.parent().unwrap())
        .status()
        .expect("bash runs");
    assert!(status.success(), "install.sh failed");
    let libdir = prefix.join("lib");
    let soname = Command::new("patchelf")
        .arg("--print-soname")
        .arg(libdir.join("libferrolab.so"))
        .output()
        .expect("patchelf is installed (.ci/run installs it)");
    assert_eq!(
        String::from_utf8_lossy(&soname.stdout).trim(),
        "libferrolab.so.1"
    );
    assert!(libdir.join("libferrolab.so.1").exists() && libdir.join("libferrolab.a").exists());

    // pkg-config.
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "ferrolab"])
        .env("PKG_CONFIG_PATH", libdir.join("pkgconfig"))
        .output()
        .unwrap();
    assert!(
        flags.status.success(),
        "{}",
        String::from_utf8_lossy(&flags.stderr)
    );
    let flags = String::from_utf8(flags.stdout).unwrap();
    let binary = clients_dir().join("gp_regression-pkgconfig");
    let cc = Command::new("cc")
        .arg(root().join("examples/c/gp_regression.c"))
        .args(flags.split_whitespace())
        .arg(format!("-Wl,-rpath,{}", libdir.display()))
        .arg("-lm")
        .arg("-o")
        .arg(&binary)
        .output()
        .unwrap();
    assert!(
        cc.status.success(),
        "{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&binary)
        .current_dir(clients_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // CMake.
    let project = clients_dir().join("cmake-project");
    let _ = std::fs::remove_dir_all(&project);
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("CMakeLists.txt"),
        format!(
            "cmake_minimum_required(VERSION 3.16)\nproject(uses_ferrolab C)\n\
             find_package(ferrolab 0.1 REQUIRED)\n\
             add_executable(config_basics {})\n\
             target_link_libraries(config_basics ferrolab::ferrolab)\n",
            root().join("examples/c/config_basics.c").display()
        ),
    )
    .unwrap();
    let build = project.join("build");
    for args in [
        vec![
            "-S".into(),
            project.display().to_string(),
            "-B".into(),
            build.display().to_string(),
            format!("-DCMAKE_PREFIX_PATH={}", prefix.display()),
        ],
        vec!["--build".into(), build.display().to_string()],
    ] {
        let out = Command::new("cmake")
            .args(&args)
            .output()
            .expect("cmake is installed (.ci/run installs it)");
        assert!(
            out.status.success(),
            "cmake {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = Command::new(build.join("config_basics")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("ferrolab 0."),
        "{stdout}"
    );
}
