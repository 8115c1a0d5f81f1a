//! `ferrolab experiment simulate`: the automated experiment's closed loop against the simulated
//! microscope, for each acquisition rule and seed, with figures.

use crate::plot::{MapPanel, map_panels_png, series_png};
use crate::settings::config_from;
use ferrolab::config::Value;
use ferrolab::experiment::{
    AeSettings, LoopStep, Sample, area_under, pick_order_map, run_closed_loop,
};
use ferrolab::nn::im2spec::Im2SpecSettings;
use ferrolab::progress::Progress;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Subcommands of `ferrolab experiment`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Run the closed loop on the simulated sample (`sample.*` keys) for each rule and seed:
    /// seed measurements at random locations, then steps of rank -> measure -> update. Writes
    /// OUT/curves.csv (map error against measurements), map_error.png (its mean per rule),
    /// picks_RULE.png (the structure image beside the order of the picks), maps_RULE.png
    /// (acquisition score and surprise maps at the end; first seed) and summary.txt (area
    /// under each rule's curve, mean +- standard error over the seeds, and planted anomalies
    /// found).
    Simulate {
        /// Acquisition rules, comma-separated.
        #[arg(long, default_value = "ensemble_std,latent_novelty,random,raster")]
        rules: String,
        /// Seeds of the sessions (ae.seed), FIRST-LAST.
        #[arg(long, default_value = "0-4")]
        seeds: String,
        /// Random locations measured before the first step.
        #[arg(long, default_value_t = 100)]
        initial: usize,
        /// Locations measured per step.
        #[arg(long, default_value_t = 10)]
        per_step: usize,
        /// Steps after the seed.
        #[arg(long, default_value_t = 20)]
        steps: usize,
        /// Output directory.
        #[arg(long, default_value = "experiment")]
        out: PathBuf,
        /// Settings as key=value (`ae.*`, `im2spec.*`, `sample.*`).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
}

/// Runs `ferrolab experiment`.
pub fn run(command: &Command) -> Result<(), String> {
    let Command::Simulate {
        rules,
        seeds,
        initial,
        per_step,
        steps,
        out,
        set,
    } = command;
    let (first, last) = seeds.split_once('-').unwrap_or((seeds, seeds));
    let seeds: Vec<u64> = (first.parse().map_err(|_| "--seeds FIRST-LAST")?
        ..=last.parse().map_err(|_| "--seeds FIRST-LAST")?)
        .collect();
    let cfg = config_from(set)?;
    let sample = Sample::from_config(&cfg).map_err(|e| e.to_string())?;
    let network = Im2SpecSettings::from_config(&cfg).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let mut csv = String::from("rule,seed,step,measured,map_mse,model_mse,model_mse_normal\n");
    let mut runs: Vec<RuleRuns> = Vec::new();
    let mut x: Vec<f64> = Vec::new();
    for rule in rules.split(',').map(str::trim) {
        let mut rule_cfg = cfg.clone();
        rule_cfg
            .set("ae.acquisition", Value::Str(rule.to_owned()))
            .map_err(|e| format!("--rules: {e}"))?;
        let mut record = RuleRuns {
            rule: rule.to_owned(),
            areas: Vec::new(),
            found: Vec::new(),
            mean_curve: Vec::new(),
        };
        for &seed in &seeds {
            let ae = AeSettings {
                seed,
                ..AeSettings::from_config(&rule_cfg).map_err(|e| e.to_string())?
            };
            let run = run_closed_loop(
                &sample,
                &ae,
                &network,
                *initial,
                *per_step,
                *steps,
                &Progress::new(),
            )
            .map_err(|e| e.to_string())?;
            for (k, s) in run.steps.iter().enumerate() {
                let _ = writeln!(
                    csv,
                    "{rule},{seed},{k},{},{},{},{}",
                    s.measured, s.map_mse, s.model_mse, s.model_mse_normal
                );
                if record.mean_curve.len() <= k {
                    record.mean_curve.push(0.0);
                }
                record.mean_curve[k] += s.map_mse / seeds.len() as f64;
            }
            x = run.steps.iter().map(|s| s.measured as f64).collect();
            let areas = CURVES.map(|(_, value)| area_under(&run.steps, value));
            println!(
                "{rule} seed {seed}: areas (held map, model, model outside anomalies) {areas:.2?}, anomalies found {} of {}",
                run.anomalies_found,
                sample.anomaly_centres.len()
            );
            record.areas.push(areas);
            record.found.push(run.anomalies_found);
            if seed == seeds[0] {
                figures(out, rule, &sample, &run)?;
            }
        }
        runs.push(record);
    }
    let summary = summary(&runs, &sample, *initial, *steps, *per_step);
    let write = |name: &str, text: &str| {
        let path = out.join(name);
        ferrolab::io::atomic::write_atomically(&path, |w| w.write_all(text.as_bytes()))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    write("curves.csv", &csv)?;
    write("summary.txt", &summary)?;
    let series: Vec<(&str, Vec<f64>)> = runs
        .iter()
        .map(|r| (r.rule.as_str(), r.mean_curve.clone()))
        .collect();
    series_png(
        &out.join("map_error.png"),
        "Map error against measurements (mean over seeds)",
        (
            "Locations measured",
            "MSE of the held map (measured + predicted) vs the true loops",
        ),
        &x,
        &series,
    )?;
    print!("{summary}");
    println!("wrote {}", out.display());
    Ok(())
}

/// A curve a run is judged by: its name and its value at a step.
type Curve = (&'static str, fn(&LoopStep) -> f64);

/// The curves a run is judged by.
const CURVES: [Curve; 3] = [
    ("held map", |s| s.map_mse),
    ("model", |s| s.model_mse),
    ("model outside anomalies", |s| s.model_mse_normal),
];

/// One rule's runs over the seeds.
struct RuleRuns {
    rule: String,
    /// Per seed, the area under each of `CURVES`.
    areas: Vec<[f64; 3]>,
    found: Vec<usize>,
    /// The held map's MSE per step, averaged over the seeds.
    mean_curve: Vec<f64>,
}

/// Mean and standard error.
fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
    (mean, (var / n).sqrt())
}

/// summary.txt: per rule and curve the area (mean +- s.e. over the seeds) and, when `random`
/// ran, the paired difference from it (the same seed gives the same seed locations).
fn summary(
    runs: &[RuleRuns],
    sample: &Sample,
    initial: usize,
    steps: usize,
    per_step: usize,
) -> String {
    let mut text = format!(
        "closed loop on the simulated sample ({} x {}, {} anomalies): {initial} random seed locations, {steps} steps of {per_step}\n\
         areas under MSE vs measurements, mean +- s.e. over the seeds; [paired difference from random, mean +- s.e.]\n\n\
         rule | {} | anomalies found per run\n",
        sample.image.nrows(),
        sample.image.ncols(),
        sample.anomaly_centres.len(),
        CURVES.map(|c| c.0).join(" | ")
    );
    let random = runs.iter().find(|r| r.rule == "random");
    for r in runs {
        let _ = write!(text, "{}", r.rule);
        for c in 0..CURVES.len() {
            let (mean, se) = mean_se(&r.areas.iter().map(|a| a[c]).collect::<Vec<_>>());
            let _ = write!(text, " | {mean:.2} +- {se:.2}");
            if let Some(base) =
                random.filter(|b| b.rule != r.rule && b.areas.len() == r.areas.len())
            {
                let diff: Vec<f64> = r
                    .areas
                    .iter()
                    .zip(&base.areas)
                    .map(|(a, b)| a[c] - b[c])
                    .collect();
                let (d, dse) = mean_se(&diff);
                let _ = write!(text, " [{d:+.2} +- {dse:.2}]");
            }
        }
        let _ = writeln!(text, " | {:?}", r.found);
    }
    text
}

/// The first seed's figures of one rule.
fn figures(
    out: &Path,
    rule: &str,
    sample: &Sample,
    run: &ferrolab::experiment::ClosedLoop,
) -> Result<(), String> {
    let shape = sample.image.dim();
    map_panels_png(
        &out.join(format!("picks_{rule}.png")),
        &format!("{rule}: structure and the order of the picks"),
        &[
            MapPanel {
                title: "structure image".into(),
                values: sample.image.clone(),
            },
            MapPanel {
                title: "pick order (1 = first)".into(),
                values: pick_order_map(shape, &run.steps),
            },
            MapPanel {
                title: "planted anomalies".into(),
                values: sample.anomaly.mapv(|a| if a { 1.0 } else { f64::NAN }),
            },
        ],
        3,
        None,
    )?;
    let maps = run.session.maps().map_err(|e| e.to_string())?;
    map_panels_png(
        &out.join(format!("maps_{rule}.png")),
        &format!("{rule}: predicted error (score) and surprises at the end"),
        &[
            MapPanel {
                title: "acquisition score".into(),
                values: maps.score,
            },
            MapPanel {
                title: "surprise (normalised RMS)".into(),
                values: maps.surprise_nrms,
            },
            MapPanel {
                title: "surprise (MSE)".into(),
                values: maps.surprise_mse,
            },
        ],
        3,
        None,
    )?;
    Ok(())
}
