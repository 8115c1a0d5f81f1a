//! Train paper 000's MLP beta-VAE on loops and report seconds per epoch and the loss history
//! as JSON: ferrolab's side of the PyTorch comparison in `benches/vae_peer/`.
//!
//! ```text
//! cargo run --release --example vae_train -- --synthetic 10000x400 --write-data loops.npy
//! cargo run --release --example vae_train -- --data loops.npy --epochs 200 --threads 2 \
//!     --engine fast --out fast.json
//! ```
//! (`--engine burn` needs `--features burn`.)

use ferrolab::config::{Config, Value};
use ferrolab::nn::{MlpVae, VaeSettings, synthetic_loops};
use ferrolab::progress::Progress;
use ndarray::Array2;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (mut data, mut synthetic, mut write_data, mut out) = (None, None, None, None);
    let mut cfg = Config::new();
    let mut threads = 2usize;
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--data" => data = Some(PathBuf::from(value()?)),
            "--synthetic" => synthetic = Some(value()?),
            "--write-data" => write_data = Some(PathBuf::from(value()?)),
            "--out" => out = Some(PathBuf::from(value()?)),
            "--threads" => threads = value()?.parse()?,
            "--epochs" => cfg.set("vae.epochs", Value::I64(value()?.parse()?))?,
            "--seed" => cfg.set("vae.seed", Value::I64(value()?.parse()?))?,
            "--engine" => cfg.set("vae.engine", Value::Str(value()?))?,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let x: Array2<f64> = match (&data, &synthetic) {
        (Some(path), _) => {
            let npy = ferrolab::io::npy::parse_npy(&std::fs::read(path)?)?;
            let shape = (npy.shape[0], npy.shape[1]);
            Array2::from_shape_vec(shape, npy.to_vec::<f64>()?)?
        }
        (None, Some(size)) => {
            let (n, d) = size.split_once('x').ok_or("--synthetic takes NxD")?;
            synthetic_loops(n.parse()?, d.parse()?, 0)
        }
        _ => return Err("give --data FILE.npy or --synthetic NxD".into()),
    };
    if let Some(path) = write_data {
        ferrolab::io::npy::write_npy(&path, &x)?;
        println!(
            "wrote {} x {} loops to {}",
            x.nrows(),
            x.ncols(),
            path.display()
        );
        return Ok(());
    }
    ferrolab::parallel::set_num_threads(threads)?;
    let settings = VaeSettings::from_config(&cfg)?;
    let mut vae = MlpVae::new(&settings, x.ncols())?;
    let history = vae.train(x.view(), &Progress::new())?;
    let mut seconds: Vec<f64> = history.iter().map(|r| r.seconds).collect();
    let last = history.last().ok_or("no epochs")?.train;
    seconds.sort_by(f64::total_cmp);
    let median = seconds[seconds.len() / 2];
    let json = serde_json::json!({
        "engine": format!("{:?}", settings.engine).to_lowercase(),
        "threads": threads,
        "n": x.nrows(),
        "d": x.ncols(),
        "epochs": history.len(),
        "seconds_per_epoch": history.iter().map(|r| r.seconds).collect::<Vec<_>>(),
        "median_seconds_per_epoch": median,
        "history": history.iter().map(|r| [r.train.total, r.train.reconstruction, r.train.kl]).collect::<Vec<_>>(),
        "final": [last.total, last.reconstruction, last.kl],
    });
    println!(
        "ferrolab {:?}: {} epochs, median {:.4} s/epoch, final loss {:.4} (recon {:.4}, KL {:.4})",
        settings.engine,
        history.len(),
        median,
        last.total,
        last.reconstruction,
        last.kl
    );
    if let Some(path) = out {
        std::fs::write(path, serde_json::to_string_pretty(&json)?)?;
    }
    Ok(())
}
