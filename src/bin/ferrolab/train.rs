//! `ferrolab train`: paper 000's MLP beta-VAE on a file of loops, with a loss-curve and a
//! latent-space figure.

use crate::plot::{curves_png, scatter_png};
use crate::settings::config_from;
use ferrolab::io::npy::write_npy;
use ferrolab::nn::{MlpVae, VaeSettings};
use ferrolab::progress::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::Array2;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Options of `ferrolab train`.
#[derive(clap::Args)]
pub struct Args {
    /// Loops, one per row: .npy (n x points), .npz (its `polarization` array, or its only 2-D
    /// array), .csv, or a phase-field dataset (.json/.npz pair from `ferrolab simulate
    /// --sweep`, whose failed structures are skipped).
    #[arg(long)]
    data: PathBuf,
    /// Output directory: model.safetensors, history.csv, loss.png, latent.png, latent.npy
    /// (latent means, n x latent_dim). A killed run resumes from its checkpoint there.
    #[arg(long, default_value = "vae")]
    out: PathBuf,
    /// Options, e.g. `--set vae.epochs=50 --set vae.validation_fraction=0.1`
    /// (`ferrolab keys vae.`; defaults are paper 000's).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
}

/// The loops and, for a phase-field dataset, its grain diameters (for colour).
fn read_loops(path: &Path) -> Result<(Array2<f64>, Option<Vec<f64>>), String> {
    let read = ferrolab::io::loops::read_loops(path).map_err(|e| e.to_string())?;
    if read.skipped > 0 {
        eprintln!("skipping {} failed structures", read.skipped);
    }
    Ok((read.loops, read.grain_diameter_nm))
}

pub fn run(args: &Args) -> Result<(), String> {
    let settings = VaeSettings::from_config(&config_from(&args.set)?).map_err(|e| e.to_string())?;
    let (loops, colour) = read_loops(&args.data)?;
    std::fs::create_dir_all(&args.out).map_err(|e| format!("--out {}: {e}", args.out.display()))?;
    let mut vae = MlpVae::new(&settings, loops.ncols()).map_err(|e| e.to_string())?;
    let checkpoint = args.out.join("checkpoint.safetensors");
    vae.set_checkpoint(Some(checkpoint.clone()))
        .map_err(|e| e.to_string())?;
    println!(
        "training on {} loops of {} points: hidden {:?}, latent {}, beta {}, {} epochs, batch {}",
        loops.nrows(),
        loops.ncols(),
        settings.hidden,
        settings.latent_dim,
        settings.beta,
        settings.epochs,
        settings.batch_size
    );
    let bar = ProgressBar::new(settings.epochs as u64).with_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} epochs, {elapsed} elapsed, {eta} left {msg}",
        )
        .map_err(|e| e.to_string())?,
    );
    let history = vae
        .train_with(loops.view(), &Progress::new(), &mut |r| {
            bar.set_position(r.epoch as u64);
            bar.set_message(format!("loss {:.4}", r.train.total));
        })
        .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let seconds: f64 = history.iter().map(|r| r.seconds).sum();
    let last = history.last().ok_or("no epoch was run")?;
    println!(
        "{} epochs in {seconds:.1} s: loss {:.4} (reconstruction {:.4}, KL {:.4}){}",
        history.len(),
        last.train.total,
        last.train.reconstruction,
        last.train.kl,
        last.validation
            .map_or(String::new(), |v| format!(", validation {:.4}", v.total))
    );
    let model = args.out.join("model.safetensors");
    vae.save(&model).map_err(|e| e.to_string())?;
    // The finished model replaces the checkpoint.
    let _ = std::fs::remove_file(&checkpoint);

    let mut csv = String::from(
        "epoch,beta,total,reconstruction,kl,val_total,val_reconstruction,val_kl,seconds\n",
    );
    for r in &history {
        let v = r.validation.map_or(",,".to_owned(), |v| {
            format!("{},{},{}", v.total, v.reconstruction, v.kl)
        });
        let _ = writeln!(
            csv,
            "{},{},{},{},{},{v},{}",
            r.epoch, r.beta, r.train.total, r.train.reconstruction, r.train.kl, r.seconds
        );
    }
    let write = |name: &str, bytes: &[u8]| {
        let path = args.out.join(name);
        ferrolab::io::atomic::write_atomically(&path, |w| w.write_all(bytes))
            .map_err(|e| format!("{}: {e}", path.display()))
    };
    write("history.csv", csv.as_bytes())?;
    let mut series = vec![("train", history.iter().map(|r| r.train.total).collect())];
    if last.validation.is_some() {
        series.push((
            "validation",
            history
                .iter()
                .filter_map(|r| r.validation.map(|v| v.total))
                .collect(),
        ));
    }
    curves_png(
        &args.out.join("loss.png"),
        "beta-VAE training loss",
        &series,
    )?;

    let (z, _) = vae.encode(loops.view()).map_err(|e| e.to_string())?;
    write_npy(&args.out.join("latent.npy"), &z).map_err(|e| e.to_string())?;
    if z.ncols() >= 2 {
        let points: Vec<(f64, f64)> = z.rows().into_iter().map(|r| (r[0], r[1])).collect();
        let values = colour.as_deref().map(|v| ("D_G (nm)", v));
        scatter_png(
            &args.out.join("latent.png"),
            "Latent means",
            ("z1", "z2"),
            &points,
            values,
        )?;
    }
    println!(
        "wrote {} and figures in {}",
        model.display(),
        args.out.display()
    );
    Ok(())
}
