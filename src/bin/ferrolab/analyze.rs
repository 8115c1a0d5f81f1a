//! `ferrolab analyze`: the linear baselines, clusterings and densities on NPY matrices (n
//! samples x d features), results as NPY files, and paper 001's dictionary-learning result on
//! its RGB toy spectra.

use crate::plot::series_png;
use crate::settings::config_from;
use ferrolab::analysis::{
    Bandwidth, Centring, Dictionary, DictionaryParams, GaussianKde, GaussianMixture, GmmParams,
    KMeans, KMeansParams, Nmf, NmfParams, Pca, PcaParams, RgbToySpec, pearson_matrix, rgb_toy,
};
use ferrolab::io::npy::write_npy;
use ndarray::{Array1, Array2, ArrayBase, Data, Dimension};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Subcommands of `ferrolab analyze`.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Principal components of --data: OUT/components.npy (k x d), explained_variance.npy,
    /// explained_variance_ratio.npy, scores.npy (n x k).
    Pca {
        #[command(flatten)]
        io: Io,
        /// Number of components.
        #[arg(long)]
        k: usize,
        /// none (truncated SVD of the raw data, as paper 003 treats loops), centre, standardise.
        #[arg(long, default_value = "centre")]
        centring: String,
    },
    /// Non-negative factorisation --data ~ W H: OUT/w.npy (n x k), h.npy (k x d); keys nmf.*.
    Nmf {
        #[command(flatten)]
        io: Io,
        /// Number of components.
        #[arg(long)]
        k: usize,
        /// Settings as key=value (nmf.init, nmf.tol, nmf.max_iter, nmf.seed).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Dictionary learning of --data: OUT/codes.npy (n x k), atoms.npy (k x d); keys
    /// dictionary.* (dictionary.standardise=1 as paper 001).
    Dictionary {
        #[command(flatten)]
        io: Io,
        /// Number of atoms.
        #[arg(long)]
        k: usize,
        /// L1 penalty on the codes (scikit-learn's alpha).
        #[arg(long)]
        lambda: f64,
        /// Settings as key=value.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// k-means of --data: OUT/centres.npy (k x d), labels.npy (n); keys kmeans.*.
    Kmeans {
        #[command(flatten)]
        io: Io,
        /// Number of clusters.
        #[arg(long)]
        k: usize,
        /// Settings as key=value (kmeans.n_init, .max_iter, .tol, .seed).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Gaussian mixture of --data: OUT/weights.npy, means.npy (k x d), covariances.npy
    /// (k x d x d), labels.npy, probabilities.npy (n x k); keys gmm.*.
    Gmm {
        #[command(flatten)]
        io: Io,
        /// Number of components.
        #[arg(long)]
        k: usize,
        /// Settings as key=value (gmm.covariance=diag, gmm.n_init, ...).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Gaussian kernel density of --data (1-D or 2-D) on a regular grid over its range padded
    /// by 10 %: OUT/density.npy (NX, or NX x NY) and the axes x.npy, y.npy; keys kde.*.
    Kde {
        #[command(flatten)]
        io: Io,
        /// Grid points per axis.
        #[arg(long, default_value_t = 100)]
        grid: usize,
        /// Settings as key=value (kde.bandwidth=silverman, ...).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Pearson correlation of every column of --data with every column of --with:
    /// OUT/pearson.npy.
    Pearson {
        #[command(flatten)]
        io: Io,
        /// Second matrix (same rows).
        #[arg(long = "with")]
        other: PathBuf,
    },
    /// Paper 001's dictionary-learning baseline on its RGB toy spectra: 10,000 training and
    /// 10,000 validation spectra, n = 3 atoms, lambda = 0.57, standardised per time step;
    /// prints the validation MSE next to the paper's and draws the best, median and worst
    /// reconstructions (OUT/rgb_toy_{best,median,worst}.png, rgb_toy.npz).
    RgbToy {
        /// Output directory.
        #[arg(long, default_value = "rgb_toy")]
        out: PathBuf,
        /// Spectra in each of the training and validation sets.
        #[arg(long, default_value_t = 10_000)]
        spectra: usize,
    },
}

/// Input matrix and output directory.
#[derive(clap::Args)]
pub struct Io {
    /// Input matrix (.npy, float64 or float32, n x d).
    #[arg(long)]
    data: PathBuf,
    /// Output directory.
    #[arg(long, default_value = "analysis")]
    out: PathBuf,
}

fn read_matrix(path: &Path, what: &str) -> Result<Array2<f64>, String> {
    ferrolab::io::matrix::read_matrix(path).map_err(|e| format!("{what} {e}"))
}

fn save<S: Data<Elem = f64>, D: Dimension>(
    out: &Path,
    name: &str,
    array: &ArrayBase<S, D>,
) -> Result<(), String> {
    let path = out.join(name);
    write_npy(&path, array).map_err(|e| e.to_string())
}

/// Cluster labels as int64 (0-based).
fn save_labels(out: &Path, labels: impl Iterator<Item = usize>) -> Result<(), String> {
    let labels: Array1<i64> = labels.map(|l| l as i64).collect();
    let path = out.join("labels.npy");
    write_npy(&path, &labels).map_err(|e| e.to_string())
}

fn prepare(io: &Io) -> Result<Array2<f64>, String> {
    let x = read_matrix(&io.data, "--data")?;
    std::fs::create_dir_all(&io.out).map_err(|e| format!("--out {}: {e}", io.out.display()))?;
    Ok(x)
}

pub fn run(command: &Command) -> Result<(), String> {
    let started = Instant::now();
    match command {
        Command::Pca { io, k, centring } => {
            let x = prepare(io)?;
            let centring = match centring.as_str() {
                "none" => Centring::None,
                "centre" | "center" => Centring::Centre,
                "standardise" | "standardize" => Centring::Standardise,
                other => {
                    return Err(format!(
                        "--centring {other}: expected none, centre or standardise"
                    ));
                }
            };
            let pca = Pca::fit(x.view(), &PcaParams::new(*k).centring(centring))
                .map_err(|e| e.to_string())?;
            save(&io.out, "components.npy", &pca.components())?;
            save(&io.out, "explained_variance.npy", &pca.explained_variance())?;
            save(
                &io.out,
                "explained_variance_ratio.npy",
                &pca.explained_variance_ratio(),
            )?;
            save(
                &io.out,
                "scores.npy",
                &pca.transform(x.view()).map_err(|e| e.to_string())?,
            )?;
            let ratio: Vec<String> = pca
                .explained_variance_ratio()
                .iter()
                .map(|r| format!("{r:.4}"))
                .collect();
            println!(
                "PCA of {} x {}: explained variance ratio {}",
                x.nrows(),
                x.ncols(),
                ratio.join(", ")
            );
        }
        Command::Nmf { io, k, set } => {
            let cfg = config_from(set)?;
            let x = prepare(io)?;
            let params = NmfParams::from_config(&cfg, *k).map_err(|e| e.to_string())?;
            let nmf = Nmf::fit(x.view(), &params).map_err(|e| e.to_string())?;
            save(&io.out, "w.npy", &nmf.w())?;
            save(&io.out, "h.npy", &nmf.components())?;
            println!(
                "NMF of {} x {}: ||X - WH||_F = {:.6e} after {} iterations",
                x.nrows(),
                x.ncols(),
                nmf.reconstruction_err(),
                nmf.n_iter()
            );
        }
        Command::Dictionary { io, k, lambda, set } => {
            let cfg = config_from(set)?;
            let x = prepare(io)?;
            let params =
                DictionaryParams::from_config(&cfg, *k, *lambda).map_err(|e| e.to_string())?;
            let dl = Dictionary::fit(x.view(), &params).map_err(|e| e.to_string())?;
            save(&io.out, "codes.npy", &dl.codes())?;
            save(&io.out, "atoms.npy", &dl.atoms())?;
            println!(
                "dictionary of {} atoms for {} x {}: MSE {:.6}, objective {:.6} after {} iterations",
                k,
                x.nrows(),
                x.ncols(),
                dl.mse(),
                dl.objective(),
                dl.n_iter()
            );
        }
        Command::Pearson { io, other } => {
            let a = prepare(io)?;
            let b = read_matrix(other, "--with")?;
            let r = pearson_matrix(a.view(), b.view()).map_err(|e| e.to_string())?;
            save(&io.out, "pearson.npy", &r)?;
            println!("Pearson matrix {} x {}", r.nrows(), r.ncols());
        }
        Command::Kmeans { io, k, set } => {
            let cfg = config_from(set)?;
            let x = prepare(io)?;
            let params = KMeansParams::from_config(&cfg, *k).map_err(|e| e.to_string())?;
            let km = KMeans::fit(x.view(), &params).map_err(|e| e.to_string())?;
            save(&io.out, "centres.npy", &km.centres())?;
            save_labels(&io.out, km.labels().iter().copied())?;
            println!(
                "k-means of {} x {} into {k} clusters: inertia {:.6e} after {} iterations",
                x.nrows(),
                x.ncols(),
                km.inertia(),
                km.n_iter()
            );
        }
        Command::Gmm { io, k, set } => {
            let cfg = config_from(set)?;
            let x = prepare(io)?;
            let params = GmmParams::from_config(&cfg, *k).map_err(|e| e.to_string())?;
            let gmm = GaussianMixture::fit(x.view(), &params).map_err(|e| e.to_string())?;
            let text = |e: ferrolab::analysis::AnalysisError| e.to_string();
            save(&io.out, "weights.npy", gmm.weights())?;
            save(&io.out, "means.npy", gmm.means())?;
            save(&io.out, "covariances.npy", gmm.covariances())?;
            save(
                &io.out,
                "probabilities.npy",
                &gmm.predict_proba(x.view()).map_err(text)?,
            )?;
            save_labels(
                &io.out,
                gmm.predict(x.view()).map_err(text)?.iter().copied(),
            )?;
            println!(
                "mixture of {k} components for {} x {}: mean log-likelihood {:.6}, BIC {:.4}, {} after {} iterations",
                x.nrows(),
                x.ncols(),
                gmm.score(x.view()).map_err(text)?,
                gmm.bic(x.view()).map_err(text)?,
                if gmm.converged() {
                    "converged"
                } else {
                    "not converged"
                },
                gmm.n_iter()
            );
        }
        Command::Kde { io, grid, set } => {
            let cfg = config_from(set)?;
            let x = prepare(io)?;
            let bandwidth = Bandwidth::from_config(&cfg).map_err(|e| e.to_string())?;
            let kde = GaussianKde::new(x.view(), bandwidth, None).map_err(|e| e.to_string())?;
            let span = |j: usize| {
                let col = x.column(j);
                let lo = col.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = col.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let pad = 0.1 * (hi - lo).max(1e-12);
                (lo - pad, hi + pad, *grid)
            };
            let text = |e: ferrolab::analysis::AnalysisError| e.to_string();
            match x.ncols() {
                1 => {
                    let (lo, hi, n) = span(0);
                    let (axis, f) = kde.grid_1d(lo, hi, n).map_err(text)?;
                    save(&io.out, "x.npy", &axis)?;
                    save(&io.out, "density.npy", &f)?;
                }
                2 => {
                    let (ax, ay, f) = kde.grid_2d(span(0), span(1)).map_err(text)?;
                    save(&io.out, "x.npy", &ax)?;
                    save(&io.out, "y.npy", &ay)?;
                    save(&io.out, "density.npy", &f)?;
                }
                d => {
                    return Err(format!(
                        "--data has {d} columns: the density grid is for 1-D or 2-D data"
                    ));
                }
            }
            println!(
                "kernel density of {} points in {}-D on a {grid}-point grid per axis (bandwidth factor {:.4})",
                x.nrows(),
                x.ncols(),
                kde.factor()
            );
        }
        Command::RgbToy { out, spectra } => rgb_toy_baseline(out, *spectra)?,
    }
    println!("done in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Paper 001 reports validation MSEs of 0.184 (Nala painting) and 0.186 (RGB gamut).
const PAPER_MSE: [f64; 2] = [0.184, 0.186];

fn rgb_toy_baseline(out: &Path, spectra: usize) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let spec = RgbToySpec {
        spectra,
        ..Default::default()
    };
    let train = rgb_toy(&spec);
    let valid = rgb_toy(&RgbToySpec { seed: 1, ..spec });
    let params = DictionaryParams {
        standardise: true,
        ..DictionaryParams::new(3, 0.57)
    };
    let started = Instant::now();
    let dl = Dictionary::fit(train.spectra.view(), &params).map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    // Per-spectrum validation errors in standardised units, as the paper reports them.
    let (mean, scale) = dl.standardisation();
    let z = (&valid.spectra - &mean) / scale;
    let codes = dl
        .transform(valid.spectra.view())
        .map_err(|e| e.to_string())?;
    let reconstruction = codes.dot(&dl.atoms());
    let errors: Array1<f64> = (&z - &reconstruction)
        .mapv(|e| e * e)
        .mean_axis(ndarray::Axis(1))
        .expect("25 steps");
    let mse = errors.mean().unwrap_or(f64::NAN);
    println!(
        "dictionary learning (n = 3, lambda = 0.57, standardised) on {spectra} toy spectra: {} iterations in {seconds:.2} s, training MSE {:.4}",
        dl.n_iter(),
        dl.mse()
    );
    println!(
        "validation MSE {mse:.4} on {spectra} new spectra (paper 001: {} on the painting, {} on the RGB gamut)",
        PAPER_MSE[0], PAPER_MSE[1]
    );
    let mut order: Vec<usize> = (0..errors.len()).collect();
    order.sort_by(|a, b| errors[*a].total_cmp(&errors[*b]));
    for (name, i) in [
        ("best", order[0]),
        ("median", order[order.len() / 2]),
        ("worst", order[order.len() - 1]),
    ] {
        let rgb = valid.rgb.row(i);
        series_png(
            &out.join(format!("rgb_toy_{name}.png")),
            &format!(
                "{name} reconstruction: RGB ({:.2}, {:.2}, {:.2}), MSE {:.4}",
                rgb[0], rgb[1], rgb[2], errors[i]
            ),
            ("t", "standardised f(t)"),
            &valid.t,
            &[
                ("spectrum", z.row(i).to_vec()),
                ("dictionary learning", reconstruction.row(i).to_vec()),
            ],
        )?;
    }
    let members = [
        (
            "t",
            ferrolab::io::npy::to_npy_bytes(&Array1::from(valid.t.clone())),
        ),
        ("rgb", ferrolab::io::npy::to_npy_bytes(&valid.rgb)),
        ("atoms", ferrolab::io::npy::to_npy_bytes(&dl.atoms())),
        ("codes", ferrolab::io::npy::to_npy_bytes(&codes)),
        ("mse", ferrolab::io::npy::to_npy_bytes(&errors)),
    ];
    let bytes = ferrolab::io::npz::npz_bytes(&members).map_err(|e| e.to_string())?;
    let path = out.join("rgb_toy.npz");
    ferrolab::io::atomic::write_atomically(&path, |w| w.write_all(&bytes))
        .map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "wrote {} and rgb_toy_{{best,median,worst}}.png",
        path.display()
    );
    Ok(())
}
