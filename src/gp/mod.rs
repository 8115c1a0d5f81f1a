//! Exact Gaussian-process regression on faer (paper 000, §4.4): a constant x RBF (isotropic
//! or ARD) or Matérn kernel plus white noise, log marginal likelihood with its analytic
//! gradient, a bounded quasi-Newton optimiser with seeded restarts, one independent GP per
//! output fitted in parallel, predictions with standard deviations.
//!
//! The defaults are the paper's GP, identical to scikit-learn's
//! `GaussianProcessRegressor(ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(0.005, "fixed"))`,
//! and the tests hold ferrolab to scikit-learn's numbers (`tests/oracles/gp_reference.py`).
//!
//! ```
//! use ferrolab::gp::{GaussianProcess, GpParams};
//! let x = ndarray::array![[0.0, 0.0], [1.0, 0.5], [0.2, 1.0], [0.8, 0.9]];
//! let y = ndarray::array![[1.0, 0.0], [0.5, 1.0], [0.1, 0.3], [0.7, 0.2]];
//! let gp = GaussianProcess::fit(x.view(), y.view(), &GpParams::default())?;
//! let (mean, std) = gp.predict(x.view())?;
//! assert_eq!(mean.dim(), (4, 2));
//! assert!(std.iter().all(|s| *s >= 0.0));
//! # Ok::<(), ferrolab::gp::GpError>(())
//! ```

mod fit;
mod io;
pub mod kernel;
mod linfa_traits;
mod model;
pub mod optimize;
mod params;

pub use kernel::{Kernel, KernelKind};
pub use model::{GaussianProcess, OutputModel};
pub use params::{BOUNDS, GpParams, KernelChoice};

use crate::config::ConfigError;

/// Why a GP could not be fitted or used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum GpError {
    /// A configuration key was unknown, mistyped or out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Inputs of the wrong shape, non-finite values, inconsistent options.
    #[error("{0}")]
    Invalid(String),
    /// A model file could not be read or written (the message names it).
    #[error("{0}")]
    Io(String),
    /// A model file is damaged, foreign or of another format version.
    #[error("{0}")]
    Corrupt(String),
    /// The fit left double precision (finite inputs too large to square, say); the message
    /// names the output and says what to rescale.
    #[error("{0}")]
    Numerical(String),
    /// The call would need more memory than the process's budget; nothing was allocated.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::TooLarge),
    /// The kernel matrix stayed singular even with the largest jitter tried.
    #[error("the kernel matrix is not positive definite even with jitter {jitter:e} added")]
    NotPositiveDefinite {
        /// The largest jitter tried.
        jitter: f64,
    },
}

impl From<crate::io::IoError> for GpError {
    fn from(e: crate::io::IoError) -> Self {
        match e {
            crate::io::IoError::TooLarge { source, .. } => GpError::TooLarge(*source),
            crate::io::IoError::Os { .. } | crate::io::IoError::Busy { .. } => {
                GpError::Io(e.to_string())
            }
            crate::io::IoError::Corrupt { .. } | crate::io::IoError::Unsuitable { .. } => {
                GpError::Corrupt(e.to_string())
            }
        }
    }
}
