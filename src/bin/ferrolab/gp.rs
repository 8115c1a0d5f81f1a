//! `ferrolab gp fit` and `ferrolab gp predict`: Gaussian-process regression on NPY or CSV
//! files (one sample per row).

use crate::settings::config_from;
use ferrolab::gp::{GaussianProcess, GpParams};
use ferrolab::io::npy::write_npy;
use ndarray::Array2;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Subcommands of `ferrolab gp`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Fit one GP per column of Y on inputs X and save the model.
    Fit {
        /// Inputs, n x d (.npy float64, or .csv with an optional header line).
        #[arg(long)]
        x: PathBuf,
        /// Outputs, n x m (.npy or .csv).
        #[arg(long)]
        y: PathBuf,
        /// Where to save the model.
        #[arg(long, default_value = "gp.model")]
        out: PathBuf,
        /// Options, e.g. `--set gp.kernel=rbf_ard --set gp.n_restarts=4` (`ferrolab keys gp.`).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Predict means and standard deviations at new inputs with a saved model.
    Predict {
        /// A model saved by `ferrolab gp fit`.
        #[arg(long)]
        model: PathBuf,
        /// Query inputs, nq x d (.npy or .csv).
        #[arg(long)]
        x: PathBuf,
        /// Output prefix: writes PREFIX_mean.npy and PREFIX_std.npy (nq x m each).
        #[arg(long, default_value = "prediction")]
        out: PathBuf,
    },
}

/// A matrix from .npy or .csv, by the project's one set of rules ([`ferrolab::io::matrix`]).
pub fn read_matrix(path: &Path) -> Result<Array2<f64>, String> {
    ferrolab::io::matrix::read_matrix(path).map_err(|e| e.to_string())
}

pub fn run(command: &Command) -> Result<(), String> {
    match command {
        Command::Fit { x, y, out, set } => {
            let params = GpParams::from_config(&config_from(set)?).map_err(|e| e.to_string())?;
            let (x, y) = (read_matrix(x)?, read_matrix(y)?);
            let start = Instant::now();
            let gp =
                GaussianProcess::fit(x.view(), y.view(), &params).map_err(|e| e.to_string())?;
            let seconds = start.elapsed().as_secs_f64();
            println!(
                "fitted {} output(s) on {} x {} inputs in {seconds:.3} s",
                y.ncols(),
                x.nrows(),
                x.ncols()
            );
            for (j, o) in gp.outputs().iter().enumerate() {
                println!(
                    "output {j}: signal variance {:.6}, length scales {:?}, noise {:.6}, jitter {:e}, log marginal likelihood {:.6}",
                    o.kernel.signal_variance,
                    o.kernel.length_scales,
                    o.noise_variance,
                    o.jitter,
                    o.log_marginal_likelihood
                );
            }
            gp.save(out).map_err(|e| e.to_string())?;
            println!("saved {}", out.display());
            Ok(())
        }
        Command::Predict { model, x, out } => {
            let gp = GaussianProcess::load(model).map_err(|e| e.to_string())?;
            let xq = read_matrix(x)?;
            let start = Instant::now();
            let (mean, std) = gp.predict(xq.view()).map_err(|e| e.to_string())?;
            let seconds = start.elapsed().as_secs_f64();
            let path = |suffix: &str| {
                let mut name = out.as_os_str().to_os_string();
                name.push(suffix);
                PathBuf::from(name)
            };
            write_npy(&path("_mean.npy"), &mean).map_err(|e| e.to_string())?;
            write_npy(&path("_std.npy"), &std).map_err(|e| e.to_string())?;
            println!(
                "predicted {} points in {seconds:.3} s; wrote {} and {}",
                xq.nrows(),
                path("_mean.npy").display(),
                path("_std.npy").display()
            );
            Ok(())
        }
    }
}
