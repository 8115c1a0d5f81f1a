//! The inverse-design pipeline end to end on a tiny configuration: the report's numbers agree
//! with the arrays written, and those arrays with independent recomputation.

use ferrolab::config::{Config, Value};
use ferrolab::design::{DataSource, DesignError, run};
use ferrolab::io::npz::read_npz;
use ferrolab::loops::features::loop_features;
use ferrolab::phasefield::params::PhaseFieldParams;
use ferrolab::progress::Progress;
use ndarray::{Array2, ArrayD};

fn tiny() -> Config {
    let mut cfg = Config::new();
    for (k, v) in [
        ("design.samples", Value::I64(40)),
        ("design.grid_steps", Value::I64(21)),
        ("design.verify_seeds", Value::I64(3)),
        ("pf.cells_width", Value::I64(32)),
        ("pf.points", Value::I64(40)),
        ("pf.hold_steps", Value::I64(10)),
        ("vae.epochs", Value::I64(100)),
        ("vae.batch_size", Value::I64(16)),
        ("design.paper_steps", Value::I64(0)),
    ] {
        cfg.set(k, v).unwrap();
    }
    cfg
}

fn array(
    members: &std::collections::BTreeMap<String, ferrolab::io::npy::NpyArray>,
    name: &str,
) -> ArrayD<f64> {
    let a = &members[name];
    ArrayD::from_shape_vec(a.shape.clone(), a.to_vec::<f64>().unwrap()).unwrap()
}

fn matrix(a: ArrayD<f64>) -> Array2<f64> {
    a.into_dimensionality().unwrap()
}

#[test]
fn tiny_design_runs_end_to_end_and_its_report_matches_its_arrays() {
    let out = std::env::temp_dir().join(format!("ferrolab-design-{}", std::process::id()));
    let cfg = tiny();
    let progress = Progress::new();
    let outcome = run(&cfg, &DataSource::Sample, &out, &progress).unwrap();
    let npz = read_npz(&std::fs::read(out.join("design.npz")).unwrap()).unwrap();
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();

    // Correlations recomputed from the saved latent means and parameters.
    let latent = matrix(array(&npz, "latent"));
    let parameters = matrix(array(&npz, "parameters"));
    let r = ferrolab::analysis::pearson_matrix(latent.view(), parameters.view()).unwrap();
    assert_eq!(r, matrix(array(&npz, "correlations")));
    assert!(
        report.contains(&format!("| z1 | {:+.3} |", r[[0, 0]])),
        "{report}"
    );

    // The design region: grid points whose saved features lie in the saved windows.
    let features = matrix(array(&npz, "grid_features"));
    let targets = matrix(array(&npz, "targets"));
    let meets: Vec<bool> = features
        .rows()
        .into_iter()
        .map(|f| (0..4).all(|k| f[k] >= targets[[k, 0]] && f[k] <= targets[[k, 1]]))
        .collect();
    assert_eq!(meets, outcome.design.meets_targets);
    let flags = &npz["grid_feasible"].data;
    assert!(flags.iter().zip(&meets).all(|(f, m)| *f == 0 || *m));

    // The verification features recomputed from the saved re-simulated loops.
    let chosen = outcome
        .design
        .chosen
        .expect("the tiny design finds a region");
    let prediction = outcome.design.prediction.unwrap();
    let voltage = array(&npz, "voltage").into_raw_vec_and_offset().0;
    let loops = matrix(array(&npz, "verify_loops"));
    let saved = matrix(array(&npz, "verify_features"));
    let thickness = PhaseFieldParams::from_config(&cfg)
        .unwrap()
        .structure
        .thickness_nm()
        * 1e-9;
    assert_eq!(loops.nrows(), 3);
    for (row, f) in loops.rows().into_iter().zip(saved.rows()) {
        if row.iter().all(|v| v.is_finite()) {
            let again = loop_features(&voltage, row.as_slice().unwrap(), thickness)
                .unwrap()
                .to_array();
            for (a, b) in again.iter().zip(f.iter()) {
                assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0) || (a.is_nan() && b.is_nan()));
            }
        }
    }
    let ec: Vec<f64> = saved
        .column(0)
        .iter()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    let mean = ec.iter().sum::<f64>() / ec.len() as f64;
    assert!(report.contains(&format!("{mean:.4} +/-")), "{report}");
    assert!(report.contains(&format!(
        "| D_G (nm) | {:.4} | {:.4} |",
        prediction.mean[0], prediction.std[0]
    )));
    assert!(report.contains(&format!("z = ({:.4}, {:.4})", chosen.z[0], chosen.z[1])));
    let predicted = array(&npz, "predicted_parameters")
        .into_raw_vec_and_offset()
        .0;
    assert_eq!(predicted, prediction.mean.to_vec());
    for (k, p) in prediction.mean.iter().enumerate() {
        assert!((outcome.ranges[k][0]..=outcome.ranges[k][1]).contains(p));
    }
    // A re-run with the same settings reuses the dataset and the model: the same arrays.
    let first_npz = std::fs::read(out.join("design.npz")).unwrap();
    let reused = |o: &ferrolab::design::DesignOutcome| -> Vec<bool> {
        o.stages.iter().map(|s| s.reused).collect()
    };
    let rerun = run(&cfg, &DataSource::Sample, &out, &progress).unwrap();
    assert_eq!(reused(&rerun), [true, true, false, false, false, false]);
    assert_eq!(std::fs::read(out.join("design.npz")).unwrap(), first_npz);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("(`stages.json` records what each depends on): dataset, training."),
        "{report}"
    );
    // Another beta: the dataset still serves, the model is trained again.
    let mut other_beta = cfg.clone();
    other_beta.set("vae.beta", Value::F64(0.2)).unwrap();
    let rerun = run(&other_beta, &DataSource::Sample, &out, &progress).unwrap();
    assert_eq!(reused(&rerun)[..2], [true, false]);
    assert_ne!(rerun.model.latent, outcome.model.latent);
    // Back to the first settings: trained again (the stored model is beta 0.2's), and equal.
    let rerun = run(&cfg, &DataSource::Sample, &out, &progress).unwrap();
    assert_eq!(reused(&rerun)[..2], [true, false]);
    assert_eq!(std::fs::read(out.join("design.npz")).unwrap(), first_npz);
    // Another sweep seed: other structures, so everything is redone.
    let mut other_seed = cfg.clone();
    other_seed.set("sweep.seed", Value::I64(1)).unwrap();
    let rerun = run(&other_seed, &DataSource::Sample, &out, &progress).unwrap();
    assert_eq!(reused(&rerun)[..2], [false, false]);
    assert_ne!(rerun.data.parameters, outcome.data.parameters);
    // An existing dataset file (here the last run's) is read, never simulated.
    // design.manifold_steps sets the decoded manifold's grid: 3 x 3 points over [-2, 2]^2.
    let mut coarse = cfg.clone();
    coarse.set("design.manifold_steps", Value::I64(3)).unwrap();
    let again = run(
        &coarse,
        &DataSource::Existing(out.join("dataset.json")),
        &out,
        &progress,
    )
    .unwrap();
    assert_eq!(again.data.parameters, rerun.data.parameters);
    let (z, decoded) = &again.analysis.manifold;
    assert_eq!((z.nrows(), decoded.nrows()), (9, 9));
    assert_eq!(z.row(4).to_vec(), [0.0, 0.0]);
    assert_eq!(z.row(8).to_vec(), [2.0, 2.0]);
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn a_latent_space_other_than_2_d_is_refused_by_name() {
    let mut cfg = tiny();
    cfg.set("vae.latent_dim", Value::I64(3)).unwrap();
    let out = std::env::temp_dir().join(format!("ferrolab-design-3d-{}", std::process::id()));
    let err = run(&cfg, &DataSource::Sample, &out, &Progress::new())
        .err()
        .unwrap();
    assert!(err.to_string().contains("vae.latent_dim = 3"), "{err}");
    assert!(
        !out.exists(),
        "nothing is simulated for a refused configuration"
    );
}

#[test]
fn a_cancelled_design_says_where_it_stopped() {
    let out = std::env::temp_dir().join(format!("ferrolab-design-cancel-{}", std::process::id()));
    let progress = Progress::new();
    progress.request_cancel();
    let err = run(&tiny(), &DataSource::Sample, &out, &progress)
        .err()
        .unwrap();
    assert!(matches!(err, DesignError::Cancelled("dataset")), "{err}");
    let _ = std::fs::remove_dir_all(&out);
}
