//! `ferrolab simulate --sweep`, `ferrolab merge` and `ferrolab dataset`: datasets of loops.

use ferrolab::config::Config;
use ferrolab::phasefield::dataset::{
    Dataset, FEATURE_NAMES, STATUS_NAMES, Shard, merge_shards, run_sweep,
};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

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

/// Run (or resume) a sweep with a progress bar, then print its summary. `shard` is `I/N`,
/// `auto` (see [`run_auto`]) or none (the whole sweep).
pub fn run(cfg: &Config, out: &Path, shard: Option<&str>, timeout: Duration) -> Result<(), String> {
    if shard == Some("auto") {
        return run_auto(cfg, out, timeout);
    }
    run_shard(cfg, out, parse_shard(shard)?).map(|_| ())
}

fn run_shard(cfg: &Config, out: &Path, shard: Shard) -> Result<Dataset, String> {
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
    Ok(data)
}

/// Path of shard `index` of `count` of the dataset `out`: `OUT.shard-I-of-N` (`.npz`, `.json`).
fn shard_path(out: &Path, index: usize, count: usize) -> PathBuf {
    let (npz, _) = ferrolab::io::dataset::dataset_files(out);
    npz.with_extension(format!("shard-{index}-of-{count}"))
}

/// The marker a rank leaves when its shard fails, so that rank 0 stops waiting for it.
fn failure_marker(shard: &Path) -> PathBuf {
    let mut name = shard.as_os_str().to_os_string();
    name.push(".failed");
    PathBuf::from(name)
}

/// `--shard auto`: rank and size from the launcher's environment ([`crate::launcher`]); each
/// rank runs its shard into `OUT.shard-I-of-N`; rank 0 then waits up to `timeout` for the
/// others' files and merges them into `out`, the bytes of a one-process run. A rank whose run
/// fails leaves `OUT.shard-I-of-N.failed` with its error, which ends rank 0's wait at once; a
/// rank that dies silently is reported when the timeout expires.
fn run_auto(cfg: &Config, out: &Path, timeout: Duration) -> Result<(), String> {
    let rank = crate::launcher::detect()?;
    let (r, n) = (rank.rank, rank.size);
    eprintln!("shard auto: rank {r} of {n} (from {})", rank.source);
    if n == 1 {
        return run_shard(cfg, out, Shard::WHOLE).map(|_| ());
    }
    let started = SystemTime::now();
    let mine = shard_path(out, r, n);
    let marker = failure_marker(&mine);
    match std::fs::remove_file(&marker) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("{}: {e}", marker.display()));
        }
        _ => {}
    }
    let shard = Shard::new(r, n).map_err(|e| e.to_string())?;
    let own = match run_shard(cfg, &mine, shard) {
        Ok(data) => data,
        Err(e) => {
            // Best effort: the error is reported here in any case.
            let _ = std::fs::write(&marker, format!("{e}\n"));
            return Err(e);
        }
    };
    if r != 0 {
        println!(
            "rank {r} done; rank 0 merges the shards into {}",
            out.display()
        );
        return Ok(());
    }

    let mut shards: Vec<Option<Dataset>> = (0..n).map(|_| None).collect();
    let waiting = Instant::now();
    let mut reported: Option<Instant> = None;
    loop {
        for (i, slot) in shards.iter_mut().enumerate().skip(1) {
            if slot.is_some() {
                continue;
            }
            let path = shard_path(out, i, n);
            let marker = failure_marker(&path);
            // A marker older than this run (with a little slack for clocks) is a stale one.
            let fresh = std::fs::metadata(&marker)
                .and_then(|m| m.modified())
                .is_ok_and(|t| t + Duration::from_secs(10) >= started);
            if fresh {
                let why = std::fs::read_to_string(&marker).unwrap_or_default();
                return Err(format!(
                    "--shard auto: rank {i} failed ({}): {}",
                    marker.display(),
                    why.trim()
                ));
            }
            // Read only complete shards of this sweep (files of another run are still to be
            // replaced, a half-written pair fails its checksum until the JSON is renamed in).
            if let Ok(data) = Dataset::read(&path)
                && data.shard == Some((i, n))
                && data.config == own.config
            {
                *slot = Some(data);
            }
        }
        let missing: Vec<usize> = (1..n).filter(|&i| shards[i].is_none()).collect();
        if missing.is_empty() {
            break;
        }
        let list = missing
            .iter()
            .map(usize::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if waiting.elapsed() >= timeout {
            let pattern = shard_path(out, 999_999, n);
            let pattern = pattern.to_string_lossy().replace("999999", "*");
            return Err(format!(
                "--shard auto: shard(s) {list} of {n} missing after {} s (--shard-timeout): a \
                 rank crashed or is still running. Finish them with --shard I/{n} --out \
                 {}, then: ferrolab merge {pattern}.json --out {}",
                timeout.as_secs(),
                shard_path(out, missing[0], n).display(),
                out.display()
            ));
        }
        if reported.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
            eprintln!(
                "rank 0: waiting for shard(s) {list} of {n} ({:.0} s of --shard-timeout {} s)",
                waiting.elapsed().as_secs_f64(),
                timeout.as_secs()
            );
            reported = Some(Instant::now());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    shards[0] = Some(own);
    let shards: Vec<Dataset> = shards.into_iter().flatten().collect();
    let merged = merge_shards(&shards).map_err(|e| e.to_string())?;
    merged.write(out).map_err(|e| e.to_string())?;
    let (npz, json) = ferrolab::io::dataset::dataset_files(out);
    println!(
        "merged {n} shards into {} structures: wrote {} and {}",
        merged.len(),
        npz.display(),
        json.display()
    );
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
