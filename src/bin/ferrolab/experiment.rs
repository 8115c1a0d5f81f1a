//! `ferrolab experiment simulate`: the automated experiment's closed loop against the simulated
//! microscope, for each acquisition rule and seed, with figures.

use crate::plot::{MapPanel, map_panels_png, series_png};
use crate::settings::config_from;
use ferrolab::config::Value;
use ferrolab::experiment::{AeSettings, Sample, map_error_area, pick_order_map, run_closed_loop};
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
    let mut csv = String::from("rule,seed,step,measured,map_mse\n");
    let mut summary = format!(
        "closed loop on the simulated sample ({} x {}, {} anomalies): {initial} random seed locations, {steps} steps of {per_step}\n\nrule | area under map MSE vs measurements (mean +- s.e.) | anomalies found per run\n",
        sample.image.nrows(),
        sample.image.ncols(),
        sample.anomaly_centres.len()
    );
    let mut curves: Vec<(String, Vec<f64>)> = Vec::new();
    let mut x: Vec<f64> = Vec::new();
    for rule in rules.split(',').map(str::trim) {
        let mut rule_cfg = cfg.clone();
        rule_cfg
            .set("ae.acquisition", Value::Str(rule.to_owned()))
            .map_err(|e| format!("--rules: {e}"))?;
        let mut areas = Vec::new();
        let mut found = Vec::new();
        let mut mean_curve: Vec<f64> = Vec::new();
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
                let _ = writeln!(csv, "{rule},{seed},{k},{},{}", s.measured, s.map_mse);
                if mean_curve.len() <= k {
                    mean_curve.push(0.0);
                }
                mean_curve[k] += s.map_mse / seeds.len() as f64;
            }
            x = run.steps.iter().map(|s| s.measured as f64).collect();
            areas.push(map_error_area(&run.steps));
            found.push(run.anomalies_found);
            println!(
                "{rule} seed {seed}: area {:.1}, anomalies found {} of {}",
                areas.last().unwrap(),
                run.anomalies_found,
                sample.anomaly_centres.len()
            );
            if seed == seeds[0] {
                figures(out, rule, &sample, &run)?;
            }
        }
        let n = areas.len() as f64;
        let mean = areas.iter().sum::<f64>() / n;
        let sd =
            (areas.iter().map(|a| (a - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0)).sqrt();
        let _ = writeln!(
            summary,
            "{rule} | {mean:.2} +- {:.2} | {found:?}",
            sd / n.sqrt()
        );
        curves.push((rule.to_owned(), mean_curve));
    }
    let write = |name: &str, text: &str| {
        let path = out.join(name);
        ferrolab::io::atomic::write_atomically(&path, |w| w.write_all(text.as_bytes()))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    write("curves.csv", &csv)?;
    write("summary.txt", &summary)?;
    let series: Vec<(&str, Vec<f64>)> = curves
        .iter()
        .map(|(r, c)| (r.as_str(), c.clone()))
        .collect();
    series_png(
        &out.join("map_error.png"),
        "Map error against measurements (mean over seeds)",
        (
            "Locations measured",
            "MSE of the predicted map vs the true loops",
        ),
        &x,
        &series,
    )?;
    print!("{summary}");
    println!("wrote {}", out.display());
    Ok(())
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
