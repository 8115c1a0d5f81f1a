//! `ferrolab design`: paper 000's inverse design end to end, with its figures.

use crate::plot::{
    GridMap, bars_png, curves_png, grid_map_png, loops_png, scatter_png, small_multiples_png,
};
use crate::settings::config_from;
use ferrolab::design::{DataSource, DesignOutcome, Stage, TARGETS, Verification, run};
use ferrolab::progress::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Options of `ferrolab design`.
#[derive(clap::Args)]
pub struct Args {
    /// Output folder: report.md, design.npz, vae.safetensors, the dataset and the figures.
    #[arg(long, default_value = "design")]
    out: PathBuf,
    /// Simulate the paper's full 10 x 10 x 10 x 10 grid (about 1.6 h on 2 cores) instead of
    /// design.samples random structures.
    #[arg(long, conflicts_with = "data")]
    full: bool,
    /// Use an existing dataset (`ferrolab simulate --sweep`) instead of simulating one.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Options, e.g. `--set design.samples=200 --set vae.epochs=100` (`ferrolab keys design.`).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

const PARAMETERS: [(&str, &str); 4] = [
    ("grain_diameter", "D_G (nm)"),
    ("polar_fraction", "nu_ortho"),
    ("orientation_mean", "mu_theta (rad)"),
    ("orientation_spread", "sigma_theta (rad)"),
];

pub fn run_cli(args: &Args) -> Result<(), String> {
    let cfg = config_from(&args.set)?;
    let source = match (&args.data, args.full) {
        (Some(path), _) => DataSource::Existing(path.clone()),
        (None, true) => DataSource::FullGrid,
        (None, false) => DataSource::Sample,
    };
    let progress = Progress::new();
    let outcome = std::thread::scope(|s| {
        let worker = s.spawn(|| run(&cfg, &source, &args.out, &progress));
        watch(&progress, &worker);
        worker.join().expect("the design thread does not panic")
    })
    .map_err(|e| e.to_string())?;
    for s in &outcome.stages {
        let reused = if s.reused { " (reused)" } else { "" };
        println!(
            "{:>15}: {:7.1} s  {}{reused}",
            s.stage.name(),
            s.seconds,
            s.summary
        );
    }
    figures(&outcome, &args.out)?;
    println!("report: {}", args.out.join("report.md").display());
    Ok(())
}

/// One progress bar per stage while the pipeline runs.
fn watch<T>(progress: &Progress, worker: &std::thread::ScopedJoinHandle<'_, T>) {
    let style = ProgressStyle::with_template("{prefix:>15} {bar:40} {pos}/{len} {elapsed}")
        .expect("valid template");
    let mut current: Option<(Stage, ProgressBar)> = None;
    while !worker.is_finished() {
        let stage = Stage::of(progress);
        if current.as_ref().is_none_or(|(s, _)| *s != stage) {
            if let Some((_, bar)) = current.take() {
                bar.finish();
            }
            let bar = ProgressBar::new(0).with_style(style.clone());
            bar.set_prefix(stage.name());
            current = Some((stage, bar));
        }
        if let Some((_, bar)) = &current {
            bar.set_length(progress.total());
            bar.set_position(progress.done());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if let Some((_, bar)) = current {
        bar.finish();
    }
}

fn figures(o: &DesignOutcome, out: &Path) -> Result<(), String> {
    let history: Vec<f64> = o.model.history.column(0).to_vec();
    curves_png(
        &out.join("loss.png"),
        "beta-VAE training loss",
        &[("train", history)],
    )?;
    let points: Vec<(f64, f64)> = o
        .model
        .latent
        .rows()
        .into_iter()
        .map(|r| (r[0], r[1]))
        .collect();
    for (k, (file, label)) in PARAMETERS.iter().enumerate() {
        let values = o.data.parameters.column(k).to_vec();
        scatter_png(
            &out.join(format!("fig2_latent_{file}.png")),
            "Latent space",
            ("z1", "z2"),
            &points,
            Some((label, &values)),
        )?;
    }
    small_multiples_png(
        &out.join("fig2e_manifold.png"),
        "Decoded loops over the latent grid [-2, 2]^2 (z1 to the right, z2 up)",
        &o.data.voltage,
        &o.analysis.manifold.1,
        10,
    )?;
    let mut labels = Vec::new();
    let mut values = Vec::new();
    for k in 0..o.analysis.correlations.nrows() {
        for (j, (_, label)) in PARAMETERS.iter().enumerate() {
            labels.push(format!(
                "z{} {}",
                k + 1,
                label.split(' ').next().unwrap_or("")
            ));
            values.push(o.analysis.correlations[[k, j]]);
        }
    }
    bars_png(
        &out.join("fig3_correlations.png"),
        "Pearson r of latent variables with material parameters",
        "r",
        &labels,
        &values,
        None,
        (-1.0, 1.0),
    )?;
    let mark = o.design.chosen.map(|c| (c.z[0], c.z[1]));
    for (k, (suffix, name, _)) in TARGETS.iter().enumerate() {
        let values = o.analysis.map.features.column(k).to_vec();
        grid_map_png(
            &out.join(format!("fig4_{suffix}.png")),
            &GridMap {
                title: &format!("{name} of decoded loops"),
                steps: o.analysis.map.steps,
                lo: -2.0,
                hi: 2.0,
                values: &values,
                points: &[],
                mark: None,
                colour_range: true,
                value_name: name,
                axes: ("z1", "z2"),
            },
        )?;
    }
    // 0: misses a target, 1: meets them far from the data, 2: the design region.
    let feasible: Vec<f64> = o
        .design
        .meets_targets
        .iter()
        .zip(&o.design.feasible)
        .map(|(m, f)| f64::from(u8::from(*m) + u8::from(*f)))
        .collect();
    grid_map_png(
        &out.join("fig5_target_region.png"),
        &GridMap {
            title: "Targets met: near data (yellow), far (teal); data (white); design (red)",
            steps: o.analysis.map.steps,
            lo: -2.0,
            hi: 2.0,
            values: &feasible,
            points: &points,
            mark,
            colour_range: false,
            value_name: "",
            axes: ("z1", "z2"),
        },
    )?;
    if let Some(p) = &o.design.prediction {
        let labels: Vec<String> = PARAMETERS.iter().map(|(_, l)| (*l).to_owned()).collect();
        let span = |k: usize| (o.ranges[k][1] - o.ranges[k][0]).max(1e-12);
        let scaled: Vec<f64> = (0..4)
            .map(|k| (p.mean[k] - o.ranges[k][0]) / span(k))
            .collect();
        let errors: Vec<f64> = (0..4).map(|k| p.std[k] / span(k)).collect();
        bars_png(
            &out.join("fig6_predicted_parameters.png"),
            "Predicted parameters +/- std, as fractions of Table 1's ranges",
            "fraction of range",
            &labels,
            &scaled,
            Some(&errors),
            (0.0, 1.2),
        )?;
    }
    if let (Some(Verification { loops, .. }), Some(c)) = (&o.verification, &o.design.chosen) {
        let grey: Vec<Vec<f64>> = loops.rows().into_iter().map(|r| r.to_vec()).collect();
        let decoded = o.analysis.map.loops.row(c.grid_index).to_vec();
        loops_png(
            &out.join("fig7_verification.png"),
            "Re-simulated films with the predicted parameters (grey) and the decoded target loop",
            &o.data.voltage,
            &grey,
            &[("decoded at the design point", decoded)],
        )?;
    }
    Ok(())
}
