//! `ferrolab simulate --sweep`, `ferrolab merge` and `ferrolab dataset`: datasets of loops.

use ferrolab::config::Config;
use ferrolab::phasefield::dataset::{
    Dataset, FEATURE_NAMES, STATUS_NAMES, Shard, merge_shards, run_sweep,
};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn parse_shard(text: Option<&str>) -> Result<Shard, String> {
    let Some(text) = text else {
        return Ok(Shard::WHOLE);
    };
    let bad = || format!("--shard {text}: expected I/N, e.g. 0/4");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let (i, n) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    Shard::new(i, n).map_err(|e| format!("--shard {text}: {e}"))
}

/// Run (or resume) a sweep with a progress bar, then print its summary.
pub fn run(cfg: &Config, out: &Path, shard: Option<&str>) -> Result<(), String> {
    let shard = parse_shard(shard)?;
    let progress = ferrolab::progress::Progress::new();
    let start = Instant::now();
    let result = std::thread::scope(|scope| {
        let worker = scope.spawn(|| run_sweep(cfg, out, shard, &progress));
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} structures, {elapsed} elapsed, {eta} left",
            )
            .expect("valid template"),
        );
        while !worker.is_finished() {
            bar.set_length(progress.total());
            bar.set_position(progress.done());
            std::thread::sleep(Duration::from_millis(200));
        }
        bar.finish_and_clear();
        worker.join().expect("the sweep thread does not panic")
    });
    let data = result.map_err(|e| e.to_string())?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{} structures in {seconds:.1} s on {} threads: {:.2} s per loop (wall clock)",
        data.len(),
        ferrolab::parallel::num_threads(),
        seconds / data.len().max(1) as f64
    );
    summarize(&data);
    let (npz, json) = ferrolab::io::dataset::dataset_files(out);
    println!("wrote {} and {}", npz.display(), json.display());
    Ok(())
}

/// Status counts and feature ranges of a dataset.
fn summarize(data: &Dataset) {
    let counts: Vec<String> = STATUS_NAMES
        .iter()
        .enumerate()
        .map(|(code, name)| {
            format!(
                "{} {name}",
                data.status.iter().filter(|s| **s == code as i32).count()
            )
        })
        .collect();
    println!("status: {}", counts.join(", "));
    if let Some((i, n)) = data.shard {
        println!(
            "shard {i} of {n} ({} of the sweep's {} structures)",
            data.len(),
            data.sweep_structures
        );
    }
    for (c, name) in FEATURE_NAMES.iter().enumerate().take(6) {
        let values: Vec<f64> = (0..data.len())
            .filter(|&r| data.status[r] == 0)
            .map(|r| data.features[(r, c)])
            .filter(|x| x.is_finite())
            .collect();
        if values.is_empty() {
            continue;
        }
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        println!("  {name:>16}: min {lo:.4}, mean {mean:.4}, max {hi:.4}");
    }
}

/// Options of `ferrolab merge`.
#[derive(clap::Args)]
pub struct MergeArgs {
    /// The shards' dataset files (NAME.json or NAME.npz), one per shard.
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Path of the merged dataset (OUT.npz and OUT.json).
    #[arg(long)]
    out: PathBuf,
}

pub fn merge(args: &MergeArgs) -> Result<(), String> {
    let shards = args
        .shards
        .iter()
        .map(|p| Dataset::read(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    let merged = merge_shards(&shards).map_err(|e| e.to_string())?;
    merged.write(&args.out).map_err(|e| e.to_string())?;
    println!(
        "merged {} shards into {} structures",
        shards.len(),
        merged.len()
    );
    summarize(&merged);
    Ok(())
}

/// Options of `ferrolab dataset`.
#[derive(clap::Args)]
pub struct InfoArgs {
    /// A dataset (NAME.json or NAME.npz).
    path: PathBuf,
}

pub fn info(args: &InfoArgs) -> Result<(), String> {
    let data = Dataset::read(&args.path).map_err(|e| e.to_string())?;
    println!(
        "{} structures x {} points (checksum verified)",
        data.len(),
        data.voltage.len()
    );
    summarize(&data);
    Ok(())
}
