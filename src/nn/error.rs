//! Why a network could not be built, trained, used, saved or loaded.

use crate::config::ConfigError;

/// Errors of the `nn` module; every message names the argument, key or file at fault.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum NnError {
    /// A configuration key was unknown, mistyped or out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Inputs of the wrong shape, non-finite values, inconsistent options.
    #[error("{0}")]
    Invalid(String),
    /// The model is used before it was trained (it has no data scaling yet).
    #[error("the model is not trained yet: train it (or load a trained one) before {0}")]
    NotTrained(&'static str),
    /// Training was cancelled; the model holds the state after `epochs_done` epochs and a
    /// later call to train continues from there.
    #[error("training cancelled after {epochs_done} epochs")]
    Cancelled {
        /// Epochs finished before the cancellation.
        epochs_done: usize,
    },
    /// The loss or the weights became NaN or infinite.
    #[error("{0}")]
    Numerical(String),
    /// The network would need more memory than the process's budget; nothing was allocated.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::TooLarge),
    /// A file could not be read or written (the message names it).
    #[error("{0}")]
    Io(String),
    /// A file is damaged, foreign, of another format version or of another model.
    #[error("{0}")]
    Corrupt(String),
}

/// `NnError::Invalid` from anything printable.
pub(crate) fn invalid(msg: impl Into<String>) -> NnError {
    NnError::Invalid(msg.into())
}

impl From<crate::io::IoError> for NnError {
    fn from(e: crate::io::IoError) -> Self {
        match e {
            crate::io::IoError::TooLarge { source, .. } => NnError::TooLarge(*source),
            crate::io::IoError::Os { .. } | crate::io::IoError::Busy { .. } => {
                NnError::Io(e.to_string())
            }
            crate::io::IoError::Corrupt { .. } | crate::io::IoError::Unsuitable { .. } => {
                NnError::Corrupt(e.to_string())
            }
        }
    }
}
