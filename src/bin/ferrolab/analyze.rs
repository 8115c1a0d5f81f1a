//! `ferrolab analyze`: the linear baselines, clusterings and densities on NPY matrices (n
//! samples x d features), results as NPY files, and paper 001's dictionary-learning result on
//! its RGB toy spectra.

use crate::plot::{GridMap, grid_map_png, series_png};
use crate::settings::config_from;
use ferrolab::analysis::{
    Bandwidth, Centring, Dictionary, DictionaryParams, DictionaryTransform, GaussianKde,
    GaussianMixture, GmmParams, IsomapParams, KMeans, KMeansParams, MdsParams, Nmf, NmfParams, Pca,
    PcaParams, RGB_GAMUT_LEVELS, RGB_IMAGE_SIDE, RgbToySpec, ScalerMode, StandardScaler,
    TsneParams, pearson_matrix, rgb_toy, rgb_toy_gamut, rgb_toy_image, trustworthiness,
};
use ferrolab::beps::{MechanismSpec, mechanism_map, mechanism_spectra, read_fit_loops};
use ferrolab::io::npy::{to_npy_bytes, write_npy};
use ndarray::{Array1, Array2, Array3, ArrayBase, Axis, Data, Dimension};
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
    /// t-SNE of --data (scikit-learn's definitions): OUT/embedding.npy (n x k), the final KL
    /// divergence and the trustworthiness (5 neighbours) printed; keys tsne.* (tsne.method=exact,
    /// tsne.perplexity, ...).
    Tsne {
        #[command(flatten)]
        io: Io,
        /// Embedding dimension.
        #[arg(long, default_value_t = 2)]
        k: usize,
        /// Settings as key=value.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Multidimensional scaling of --data (metric SMACOF; mds.method=classical for
    /// Torgerson's; mds.dissimilarity=precomputed reads an n x n matrix): OUT/embedding.npy
    /// (n x k), the stress printed; keys mds.*.
    Mds {
        #[command(flatten)]
        io: Io,
        /// Embedding dimension.
        #[arg(long, default_value_t = 2)]
        k: usize,
        /// Settings as key=value.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Isomap of --data: OUT/embedding.npy (n x k), the reconstruction error printed; keys
    /// isomap.* (isomap.n_neighbors).
    Isomap {
        #[command(flatten)]
        io: Io,
        /// Embedding dimension.
        #[arg(long, default_value_t = 2)]
        k: usize,
        /// Settings as key=value.
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
    /// Paper 001's dictionary-learning baseline on its RGB toy spectra (t = linspace(-1, 1, 25)):
    /// n = 3 atoms, lambda = 0.57, spectra standardised per time step with the training set's
    /// statistics, trained on --spectra random colours for each of --seeds training seeds, and
    /// validated on the 128 x 128 validation image and the 21^3 gamut. Prints the validation
    /// MSEs (standardised units) of both ways of coding with the learnt atoms, OMP with
    /// scikit-learn's default 2 of 3 atoms (what the paper's code ran) and the lasso codes, with
    /// their mean and spread over the seeds, beside the paper's 0.184 (painting) and 0.186
    /// (gamut). Draws the first seed's best, median and worst gamut reconstructions
    /// (OUT/rgb_toy_{best,median,worst}.png) and its image codes (OUT/rgb_toy_code{1,2,3}.png);
    /// OUT/rgb_toy.npz holds the first seed's atoms, codes and per-spectrum errors.
    RgbToy {
        /// Output directory.
        #[arg(long, default_value = "rgb_toy")]
        out: PathBuf,
        /// Training spectra per seed.
        #[arg(long, default_value_t = 10_000)]
        spectra: usize,
        /// Number of training seeds (seed, seed + 1, ...).
        #[arg(long, default_value_t = 5)]
        seeds: usize,
        /// First training seed.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Settings as key=value (dictionary.*; both transforms are always compared, OMP with
        /// dictionary.transform_nonzero atoms).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Paper 001's dictionary-learning baseline on BEPS loops: piezoresponse and resonance of
    /// every pixel, each channel standardised with one global mean and std, stacked into
    /// 2 x steps values (P0, R0, P1, R1, ...), n = 5 atoms, lambda = 1. The data: a synthetic
    /// map of three known switching mechanisms (default; `ferrolab::beps::mechanism_map`), or
    /// one loop of `ferrolab beps fit` output (--fit DIR --loop Field=1 --loop Cycle=1).
    /// Prints per-pixel MSE statistics (standardised units) for OMP (scikit-learn's default:
    /// all 5 atoms for 192 values) and lasso codes, and, for the synthetic map, the noise floor,
    /// the errors against the noiseless loops and the best |Pearson| of each true mechanism
    /// weight with a code; writes OUT/beps_dl.npz (per-pixel MSE maps, codes, atoms, the
    /// channels' mean and std, the true weights) and PNG maps of the per-pixel MSE.
    BepsDl {
        /// Output directory.
        #[arg(long, default_value = "beps_dl")]
        out: PathBuf,
        /// `ferrolab beps fit` output directory to read instead of the synthetic map.
        #[arg(long)]
        fit: Option<PathBuf>,
        /// Name=value part of the label of the loop to read from --fit (repeatable), e.g.
        /// --loop Field=1 --loop Cycle=1; the labels are in DIR/loop_groups.txt.
        #[arg(long = "loop", value_name = "NAME=VALUE")]
        select: Vec<String>,
        /// Seed of the synthetic map.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Grid rows, columns and voltage steps of the synthetic map.
        #[arg(long, num_args = 3, value_names = ["ROWS", "COLS", "STEPS"], default_values_t = [60, 60, 96])]
        size: Vec<usize>,
        /// Noise of the synthetic map, as a fraction of each channel's range.
        #[arg(long, default_value_t = 0.03)]
        noise: f64,
        /// Number of atoms.
        #[arg(long, default_value_t = 5)]
        k: usize,
        /// L1 penalty on the codes.
        #[arg(long, default_value_t = 1.0)]
        lambda: f64,
        /// Settings as key=value (dictionary.*).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
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

/// The trustworthiness of an embedding with 5 neighbours, as text (or why it has none).
fn trust(x: &Array2<f64>, embedding: &Array2<f64>) -> String {
    match trustworthiness(x.view(), embedding.view(), 5) {
        Ok(t) => format!("trustworthiness (5 neighbours) {t:.4}"),
        Err(e) => format!("no trustworthiness ({e})"),
    }
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
        Command::Tsne { io, k, set } => {
            let cfg = config_from(set)?;
            let x = prepare(io)?;
            let params = TsneParams::from_config(&cfg).map_err(|e| e.to_string())?;
            let fit = params
                .n_components(*k)
                .fit(x.view())
                .map_err(|e| e.to_string())?;
            save(&io.out, "embedding.npy", &fit.embedding)?;
            println!(
                "t-SNE of {} x {} into {k} dimensions: KL divergence {:.6} after {} iterations, {}",
                x.nrows(),
                x.ncols(),
                fit.kl_divergence,
                fit.n_iter,
                trust(&x, &fit.embedding)
            );
        }
        Command::Mds { io, k, set } => {
            let cfg = config_from(set)?;
            let x = prepare(io)?;
            let params = MdsParams::from_config(&cfg).map_err(|e| e.to_string())?;
            let fit = params
                .n_components(*k)
                .fit(x.view())
                .map_err(|e| e.to_string())?;
            save(&io.out, "embedding.npy", &fit.embedding)?;
            println!(
                "MDS of {} x {} into {k} dimensions: stress {:.6e} after {} iterations",
                x.nrows(),
                x.ncols(),
                fit.stress,
                fit.n_iter
            );
        }
        Command::Isomap { io, k, set } => {
            let cfg = config_from(set)?;
            let x = prepare(io)?;
            let params = IsomapParams::from_config(&cfg).map_err(|e| e.to_string())?;
            let fit = params
                .n_components(*k)
                .fit(x.view())
                .map_err(|e| e.to_string())?;
            save(&io.out, "embedding.npy", &fit.embedding())?;
            println!(
                "Isomap of {} x {} into {k} dimensions: reconstruction error {:.6e}, {}",
                x.nrows(),
                x.ncols(),
                fit.reconstruction_error(),
                trust(&x, &fit.embedding().to_owned())
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
        Command::RgbToy {
            out,
            spectra,
            seeds,
            seed,
            set,
        } => rgb_toy_baseline(out, *spectra, *seeds, *seed, set)?,
        Command::BepsDl {
            out,
            fit,
            select,
            seed,
            size,
            noise,
            k,
            lambda,
            set,
        } => beps_dl(
            out,
            fit.as_deref(),
            select,
            (*seed, size, *noise),
            (*k, *lambda),
            set,
        )?,
    }
    println!("done in {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Paper 001 reports validation MSEs of 0.184 (Nala painting) and 0.186 (RGB gamut).
const PAPER_MSE: [f64; 2] = [0.184, 0.186];

/// Mean, sample standard deviation, minimum and maximum, as text.
fn spread(values: &[f64]) -> String {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = if values.len() > 1 {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        0.0
    };
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{mean:.4} +- {sd:.4} (range {lo:.4}-{hi:.4})")
}

/// The OMP rule of the settings (dictionary.transform_nonzero), or scikit-learn's default when
/// they ask for lasso codes: the baselines always compare both.
pub(crate) fn omp_rule(params: &DictionaryParams) -> DictionaryTransform {
    match params.transform {
        DictionaryTransform::Lasso => DictionaryTransform::default(),
        omp => omp,
    }
}

fn npz_write(path: &Path, members: &[(&str, Vec<u8>)]) -> Result<(), String> {
    let bytes = ferrolab::io::npz::npz_bytes(members).map_err(|e| e.to_string())?;
    ferrolab::io::atomic::write_atomically(path, |w| w.write_all(&bytes))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// A square map of `values` (pixel row * side + column) as a PNG, column along x, row along y.
fn square_map_png(
    path: &Path,
    title: &str,
    name: &str,
    side: usize,
    values: &[f64],
) -> Result<(), String> {
    let by_column: Vec<f64> = (0..side * side)
        .map(|i| values[(i % side) * side + i / side])
        .collect();
    grid_map_png(
        path,
        &GridMap {
            title,
            steps: side,
            lo: 0.0,
            hi: (side - 1) as f64,
            values: &by_column,
            points: &[],
            mark: None,
            colour_range: true,
            value_name: name,
            axes: ("column", "row"),
        },
    )
}

fn rgb_toy_baseline(
    out: &Path,
    spectra: usize,
    seeds: usize,
    seed: u64,
    set: &[String],
) -> Result<(), String> {
    let text = |e: ferrolab::analysis::AnalysisError| e.to_string();
    if seeds == 0 {
        return Err("--seeds 0: at least one training seed is needed".into());
    }
    let cfg = config_from(set)?;
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let t = RgbToySpec::default().time_grid().map_err(text)?;
    let image = rgb_toy_image(&t).map_err(text)?;
    let gamut = rgb_toy_gamut(&t, RGB_GAMUT_LEVELS).map_err(text)?;
    let params = DictionaryParams::from_config(&cfg, 3, 0.57).map_err(text)?;
    let rules = [omp_rule(&params), DictionaryTransform::Lasso];
    let names: Vec<String> = rules.iter().map(|r| r.describe(t.len(), 3)).collect();
    println!(
        "paper 001's dictionary-learning baseline: n = 3, lambda = 0.57, {spectra} training \
         spectra per seed, t = linspace(-1, 1, 25), standardised per step with the training \
         set's mean and std; validation MSE in standardised units on the 128 x 128 image and \
         the {RGB_GAMUT_LEVELS}^3 gamut, coded by {} and by {}",
        names[0], names[1]
    );
    println!("seed  iterations  seconds  training MSE  image: omp / lasso   gamut: omp / lasso");
    // [image, gamut] x [omp, lasso] per seed.
    let mut results: Vec<[[f64; 2]; 2]> = Vec::new();
    let mut first = None;
    let end = seed
        .checked_add(seeds as u64)
        .ok_or("--seed + --seeds: beyond the largest seed")?;
    for s in seed..end {
        let train = rgb_toy(&RgbToySpec {
            spectra,
            seed: s,
            ..Default::default()
        })
        .map_err(text)?;
        let scaler = StandardScaler::fit(
            train.spectra.view().insert_axis(Axis(2)),
            ScalerMode::PerStep,
        )
        .map_err(text)?;
        let standardised = |x: &Array2<f64>| -> Result<Array2<f64>, String> {
            let z = scaler.apply(x.view().insert_axis(Axis(2))).map_err(text)?;
            Ok(z.remove_axis(Axis(2)))
        };
        let z_train = standardised(&train.spectra)?;
        let started = Instant::now();
        let dl = Dictionary::fit(
            z_train.view(),
            &DictionaryParams {
                standardise: false,
                ..params.clone()
            },
        )
        .map_err(text)?;
        let seconds = started.elapsed().as_secs_f64();
        let z_image = standardised(&image.spectra)?;
        let z_gamut = standardised(&gamut.spectra)?;
        let mut row = [[0.0; 2]; 2];
        for (v, z) in [&z_image, &z_gamut].into_iter().enumerate() {
            for (r, rule) in rules.iter().enumerate() {
                let errors = dl.reconstruction_errors(z.view(), *rule).map_err(text)?;
                row[v][r] = errors.mean().unwrap_or(f64::NAN);
            }
        }
        println!(
            "{s:>4}  {:>10}  {seconds:>7.2}  {:>12.4}  {:>8.4} / {:.4}     {:>8.4} / {:.4}",
            dl.n_iter(),
            dl.mse(),
            row[0][0],
            row[0][1],
            row[1][0],
            row[1][1]
        );
        results.push(row);
        if first.is_none() {
            first = Some((dl, z_image, z_gamut));
        }
    }
    let column = |v: usize, r: usize| -> Vec<f64> { results.iter().map(|x| x[v][r]).collect() };
    for (v, what, paper) in [(0, "image", PAPER_MSE[0]), (1, "gamut", PAPER_MSE[1])] {
        println!(
            "validation MSE on the {what} over {seeds} seeds: {} {}, {} {} (paper 001: {paper} on the {})",
            names[0],
            spread(&column(v, 0)),
            names[1],
            spread(&column(v, 1)),
            if v == 0 { "painting" } else { "RGB gamut" }
        );
    }
    let (dl, z_image, z_gamut) = first.ok_or("no seed ran")?;
    let rule = rules[0];
    let errors = dl
        .reconstruction_errors(z_gamut.view(), rule)
        .map_err(text)?;
    let codes = dl.transform_with(z_gamut.view(), rule).map_err(text)?;
    let reconstruction = codes.dot(&dl.atoms());
    let mut order: Vec<usize> = (0..errors.len()).collect();
    order.sort_by(|a, b| errors[*a].total_cmp(&errors[*b]));
    for (name, i) in [
        ("best", order[0]),
        ("median", order[order.len() / 2]),
        ("worst", order[order.len() - 1]),
    ] {
        let rgb = gamut.rgb.row(i);
        series_png(
            &out.join(format!("rgb_toy_{name}.png")),
            &format!(
                "{name} gamut reconstruction ({}): RGB ({:.2}, {:.2}, {:.2}), MSE {:.4}",
                names[0], rgb[0], rgb[1], rgb[2], errors[i]
            ),
            ("t", "standardised f(t)"),
            &t,
            &[
                ("spectrum", z_gamut.row(i).to_vec()),
                ("dictionary learning", reconstruction.row(i).to_vec()),
            ],
        )?;
    }
    let image_codes = dl.transform_with(z_image.view(), rule).map_err(text)?;
    for j in 0..3 {
        square_map_png(
            &out.join(format!("rgb_toy_code{}.png", j + 1)),
            &format!("code {} of the validation image ({})", j + 1, names[0]),
            &format!("code {}", j + 1),
            RGB_IMAGE_SIDE,
            &image_codes.column(j).to_vec(),
        )?;
    }
    let lasso_errors = dl
        .reconstruction_errors(z_gamut.view(), DictionaryTransform::Lasso)
        .map_err(text)?;
    let members = [
        ("t", to_npy_bytes(&Array1::from(t.clone()))),
        ("gamut_rgb", to_npy_bytes(&gamut.rgb)),
        ("atoms", to_npy_bytes(&dl.atoms())),
        ("gamut_codes_omp", to_npy_bytes(&codes)),
        ("gamut_mse_omp", to_npy_bytes(&errors)),
        ("gamut_mse_lasso", to_npy_bytes(&lasso_errors)),
        ("image_rgb", to_npy_bytes(&image.rgb)),
        ("image_codes_omp", to_npy_bytes(&image_codes)),
        (
            "seed_mse",
            to_npy_bytes(&Array2::from_shape_fn((results.len(), 4), |(i, j)| {
                results[i][j / 2][j % 2]
            })),
        ),
    ];
    let path = out.join("rgb_toy.npz");
    npz_write(&path, &members)?;
    println!(
        "wrote {}, rgb_toy_{{best,median,worst}}.png and rgb_toy_code{{1,2,3}}.png",
        path.display()
    );
    Ok(())
}

/// The BEPS loops and, for the synthetic map, the truth, and the grid.
pub(crate) struct BepsData {
    pub(crate) loops: Array3<f64>,
    pub(crate) truth: Option<Truth>,
    pub(crate) grid: (usize, usize),
    pub(crate) what: String,
}

/// What the synthetic map knows: the weights (pixels x mechanisms), the noise standard
/// deviations and the noiseless loops.
pub(crate) struct Truth {
    weights: Array2<f64>,
    noise_std: [f64; 2],
    clean: Array3<f64>,
}

/// The synthetic map's seed, size (rows, columns, steps) and noise fraction.
type SyntheticMap<'a> = (u64, &'a [usize], f64);

pub(crate) fn beps_data(
    fit: Option<&Path>,
    select: &[String],
    (seed, size, noise): SyntheticMap,
) -> Result<BepsData, String> {
    match fit {
        Some(dir) => {
            let select: Vec<&str> = select.iter().map(String::as_str).collect();
            let read = read_fit_loops(dir, &select).map_err(|e| format!("--fit {e}"))?;
            Ok(BepsData {
                what: format!(
                    "loop `{}` of {} ({} x {} pixels, {} steps)",
                    read.label,
                    dir.display(),
                    read.grid.0,
                    read.grid.1,
                    read.steps.len()
                ),
                loops: read.data,
                truth: None,
                grid: read.grid,
            })
        }
        None => {
            if !select.is_empty() {
                return Err("--loop selects a loop of --fit output; give --fit DIR".into());
            }
            let spec = MechanismSpec {
                rows: size[0],
                cols: size[1],
                steps: size[2],
                seed,
                noise_fraction: noise,
                ..Default::default()
            };
            let map = mechanism_map(&spec).map_err(|e| e.to_string())?;
            Ok(BepsData {
                what: format!(
                    "the synthetic map of 3 mechanisms (seed {seed}, {} x {} pixels, {} steps, noise std {:.4} / {:.4})",
                    spec.rows,
                    spec.cols,
                    spec.steps,
                    map.noise_std()[0],
                    map.noise_std()[1]
                ),
                loops: map.spectra().to_owned(),
                truth: Some(Truth {
                    weights: map.mixing_pixels().to_owned(),
                    noise_std: map.noise_std(),
                    clean: mechanism_spectra(map.mixing_pixels(), &spec)
                        .map_err(|e| e.to_string())?,
                }),
                grid: (spec.rows, spec.cols),
            })
        }
    }
}

/// Median, 90th percentile and maximum of `v`.
fn quantiles(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let at = |q: f64| s[((s.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.9), s[s.len() - 1])
}

fn beps_dl(
    out: &Path,
    fit: Option<&Path>,
    select: &[String],
    synthetic: SyntheticMap,
    (k, lambda): (usize, f64),
    set: &[String],
) -> Result<(), String> {
    let text = |e: ferrolab::analysis::AnalysisError| e.to_string();
    let cfg = config_from(set)?;
    let params = DictionaryParams::from_config(&cfg, k, lambda).map_err(text)?;
    let data = beps_data(fit, select, synthetic)?;
    std::fs::create_dir_all(out).map_err(|e| format!("--out {}: {e}", out.display()))?;
    let (pixels, steps, _) = data.loops.dim();
    let scaler = StandardScaler::fit(data.loops.view(), ScalerMode::PerChannel).map_err(text)?;
    let z = scaler.apply(data.loops.view()).map_err(text)?;
    // Interleaved P0, R0, P1, R1, ...: the standard layout of pixels x steps x 2.
    let x = z
        .into_shape_with_order((pixels, 2 * steps))
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    let dl = Dictionary::fit(
        x.view(),
        &DictionaryParams {
            standardise: false,
            ..params.clone()
        },
    )
    .map_err(text)?;
    println!(
        "dictionary learning (n = {k}, lambda = {lambda}) on {}: {} iterations in {:.2} s",
        data.what,
        dl.n_iter(),
        started.elapsed().as_secs_f64()
    );
    println!(
        "channels standardised globally: piezoresponse mean {:.4e} std {:.4e}, resonance mean {:.4e} std {:.4e}",
        scaler.mean()[[0, 0]],
        scaler.std()[[0, 0]],
        scaler.mean()[[0, 1]],
        scaler.std()[[0, 1]]
    );
    if let Some(Truth {
        noise_std: noise, ..
    }) = &data.truth
    {
        // What a perfect model would leave: the noise variance in standardised units, averaged
        // over the two channels.
        let floor = 0.5
            * ((noise[0] / scaler.std()[[0, 0]]).powi(2)
                + (noise[1] / scaler.std()[[0, 1]]).powi(2));
        println!("noise floor (MSE of the noiseless spectra against the data): {floor:.4}");
    }
    let rules = [omp_rule(&params), DictionaryTransform::Lasso];
    let mut members = Vec::new();
    for rule in rules {
        let name = rule.describe(2 * steps, k);
        let errors = dl.reconstruction_errors(x.view(), rule).map_err(text)?;
        let (median, p90, max) = quantiles(&errors.to_vec());
        println!(
            "per-pixel MSE, {name}: mean {:.4}, median {median:.4}, 90th percentile {p90:.4}, max {max:.4}",
            errors.mean().unwrap_or(f64::NAN)
        );
        let codes = dl.transform_with(x.view(), rule).map_err(text)?;
        if let Some(Truth {
            weights: truth,
            clean,
            ..
        }) = &data.truth
        {
            // The error against what was measured includes the noise; against the noiseless
            // loops it is the model's own.
            let z_clean = scaler.apply(clean.view()).map_err(text)?;
            let z_clean = z_clean
                .into_shape_with_order((pixels, 2 * steps))
                .map_err(|e| e.to_string())?;
            let residual = &z_clean - &codes.dot(&dl.atoms());
            let clean_errors: Vec<f64> = residual
                .rows()
                .into_iter()
                .map(|r| r.dot(&r) / r.len() as f64)
                .collect();
            let (median, p90, max) = quantiles(&clean_errors);
            println!(
                "  against the noiseless loops: mean {:.4}, median {median:.4}, 90th percentile {p90:.4}, max {max:.4}",
                clean_errors.iter().sum::<f64>() / clean_errors.len() as f64
            );
            let r = pearson_matrix(truth.view(), codes.view()).map_err(text)?;
            let best: Vec<String> = r
                .rows()
                .into_iter()
                .enumerate()
                .map(|(j, row)| {
                    let b = row.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
                    format!("m{} {b:.3}", j + 1)
                })
                .collect();
            println!(
                "  best |Pearson| of each true weight with a code: {}",
                best.join(", ")
            );
            let with_truth = (0..truth.ncols())
                .map(|j| {
                    let r = ferrolab::analysis::pearson(errors.view(), truth.column(j));
                    r.map(|r| format!("m{} {r:+.3}", j + 1))
                })
                .collect::<Result<Vec<String>, _>>()
                .map_err(text)?;
            println!(
                "  Pearson of the per-pixel MSE with the true weights: {}",
                with_truth.join(", ")
            );
        }
        let tag = if rule == DictionaryTransform::Lasso {
            "lasso"
        } else {
            "omp"
        };
        let (rows, cols) = data.grid;
        if rows == cols {
            square_map_png(
                &out.join(format!("mse_{tag}.png")),
                &format!("per-pixel MSE, {name}"),
                "MSE (standardised)",
                rows,
                &errors.to_vec(),
            )?;
        }
        members.push((
            format!("mse_{tag}"),
            to_npy_bytes(
                &errors
                    .into_shape_with_order((rows, cols))
                    .map_err(|e| e.to_string())?,
            ),
        ));
        members.push((format!("codes_{tag}"), to_npy_bytes(&codes)));
    }
    members.push(("atoms".into(), to_npy_bytes(&dl.atoms())));
    members.push(("mean".into(), to_npy_bytes(&scaler.mean())));
    members.push(("std".into(), to_npy_bytes(&scaler.std())));
    if let Some(truth) = &data.truth {
        members.push(("truth".into(), to_npy_bytes(&truth.weights)));
    }
    let named: Vec<(&str, Vec<u8>)> = members
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    let path = out.join("beps_dl.npz");
    npz_write(&path, &named)?;
    println!("wrote {} and the per-pixel MSE maps", path.display());
    Ok(())
}
