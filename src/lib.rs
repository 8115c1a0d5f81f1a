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
//! - [`config`]: the one registry of configuration keys (type, unit, valid range, default, doc).
//! - [`phasefield`]: phase-field simulation of HZO films; today the polycrystal generator.
//! - [`analysis`]: linear baselines and statistics around the models: PCA, NMF, dictionary
//!   learning, Pearson correlation, paper 001's RGB toy spectra.
//! - [`beps`]: band-excitation spectroscopy: SHO fits, phase rotation, switching-loop fits and
//!   parameters, synthetic maps, USID HDF5 files (feature `hdf5`).
//! - [`design`]: paper 000's inverse design, end to end.
//! - [`gp`]: exact Gaussian-process regression on faer.
//! - [`nn`]: neural networks (paper 000's MLP beta-VAE), trained by a hand-written fast path or burn.
//! - [`io`]: atomic file writes and NPY arrays.
//! - [`rng`]: ferrolab's own random streams, identical across dependency upgrades.
//! - [`parallel`]: the library-owned worker pool that all parallel work runs in.

pub mod analysis;
pub mod beps;
pub mod config;
pub mod design;
pub mod gp;
pub mod io;
mod linalg;
pub mod loops;
pub mod nn;
pub mod parallel;
pub mod phasefield;
pub mod progress;
mod registry;
pub mod rng;
pub(crate) mod simd;

pub use registry::{find_key, keys};

/// The crate version, `MAJOR.MINOR.PATCH`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Target triple and profile this build was made for, e.g. `x86_64-unknown-linux-gnu, release`
/// (set by `build.rs`), for bug reports.
pub const BUILD_INFO: &str = concat!(env!("FERROLAB_TARGET"), ", ", env!("FERROLAB_PROFILE"));
