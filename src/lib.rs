//! # ferrolab
//!
//! An embeddable numerical engine for ferroelectrics research, behind one stable C header
//! (`include/ferrolab.h`, built by the `ffi/` crate as `libferrolab.so` / `libferrolab.a`).
//! This crate is the pure-Rust core: ndarray in, ndarray out.
//!
//! ## A guided tour
//!
//! Configure with typed, range-checked keys, then generate the polycrystalline HZO film of
//! paper 000 (Alhada-Lahbabi et al., §4.1):
//!
//! ```
//! use ferrolab::config::{Config, Value};
//! use ferrolab::phasefield::polycrystal::{Polycrystal, PolycrystalParams};
//!
//! let mut cfg = Config::new();
//! cfg.set("pf.grain_diameter_nm", Value::F64(10.0))?;
//! cfg.set("pf.polar_fraction", Value::F64(0.75))?;
//! let film = Polycrystal::generate(&PolycrystalParams::from_config(&cfg)?)?;
//! println!("{} grains, GB fraction {:.2}", film.grain_count(), film.class_fractions().2);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The same from C:
//!
//! ```c
//! ferrolab_config *cfg = NULL;
//! ferrolab_config_new(&cfg);
//! if (ferrolab_config_set_f64(cfg, "pf.grain_diameter_nm", 10.0) != FERROLAB_OK) {
//!     char msg[256];
//!     ferrolab_last_error(msg, sizeof msg, NULL);
//!     fprintf(stderr, "%s\n", msg);
//! }
//! ferrolab_config_free(cfg);
//! ```
//!
//! ## Modules
//! - [`config`]: [`Config`](config::Config) and what a key is
//!   ([`KeySpec`](config::KeySpec)); engines declare their parameter structs with
//!   [`settings!`](crate::settings) (each key once, on its field) and text options with
//!   [`text_option!`](crate::text_option). It depends on no engine.
//! - [`keys`] and [`find_key`] (module `registry`): the one list of configuration keys,
//!   gathered from every engine's settings; [`Config::new`](config::Config::new) starts from it.
//! - [`progress`]: [`Progress`](progress::Progress), the one progress and cancel type of long
//!   jobs (sweeps, training, the design pipeline).
//! - [`io`]: every file format, behind [`IoError`](io::IoError): NPY and NPZ, matrices from NPY
//!   or CSV, loops from any of the project's files, the network file of every trained model, the
//!   checked JSON record of GP files, the dataset format, atomic writes.
//! - [`phasefield`]: phase-field (TDGL) simulation of HZO films: the polycrystal, Landau and
//!   elastic energies, the time stepper, one P-V loop, and datasets of loops (sweeps,
//!   checkpoints, shards).
//! - [`loops`]: features of any sampled P-V loop (Ec, Pr, Ps, area, imprint, offset).
//! - [`gp`]: exact Gaussian-process regression on faer.
//! - [`nn`]: neural networks (paper 000's MLP beta-VAE), trained by a hand-written fast path or burn.
//! - [`analysis`]: linear baselines and statistics around the models: PCA, NMF, dictionary
//!   learning, k-means, Gaussian mixtures, kernel densities, Pearson correlation, circular
//!   statistics, paper 001's RGB toy spectra.
//! - [`beps`]: band-excitation spectroscopy: SHO fits, phase rotation, switching-loop fits and
//!   parameters, synthetic maps (USID HDF5 input is read by `io::usid`, feature `hdf5`).
//! - [`experiment`]: paper 003's automated experiment: a simulated sample with known ground
//!   truth (structure image, loops, planted anomalies), image patches and the spatial split,
//!   and the error metrics (normalised RMS, MSE, loop-area error, SSIM, ROC-AUC).
//! - [`stem`]: data for paper 002/004's rotationally invariant VAE: sub-images of STEM images
//!   and stacks (centred on atoms, on a grid, at random) and three synthetic data sets with known
//!   truth (a rotated lattice, paper 004's B-site displacement variants, paper 002's domain walls
//!   switching under bias); their scores (circular statistics) are in [`analysis`].
//! - [`design`]: paper 000's inverse design, end to end, in stages (dataset, training, analysis,
//!   choice, verification, report), reusing an earlier run's dataset and model.
//! - [`parallel`]: the library-owned worker pool that all parallel work runs in.
//! - [`rng`]: ferrolab's own random streams, identical across dependency upgrades.
//! - `linalg`, `filter` and `simd` (crate-internal): a small dense Cholesky factor shared by
//!   `analysis` and `beps`; the Gaussian filter shared by `beps` and `experiment`; the vector
//!   kernels of the phase-field solvers.
//!
//! The repository's map (crates, module dependencies, the main job's data flow, where to add
//! things) is `docs/architecture.md`.

pub mod analysis;
pub mod beps;
pub mod config;
pub mod design;
pub mod experiment;
mod filter;
pub mod gp;
pub mod io;
pub mod limits;
mod linalg;
pub mod loops;
pub mod nn;
pub mod parallel;
pub mod phasefield;
pub mod progress;
mod registry;
pub mod rng;
pub(crate) mod simd;
pub mod stem;

pub use registry::{find_key, keys, keys_markdown};

/// The crate version, `MAJOR.MINOR.PATCH`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Target triple and profile this build was made for, e.g. `x86_64-unknown-linux-gnu, release`
/// (set by `build.rs`), for bug reports.
pub const BUILD_INFO: &str = concat!(env!("FERROLAB_TARGET"), ", ", env!("FERROLAB_PROFILE"));
