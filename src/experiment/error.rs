//! The one error type of the experiment module.

use crate::config::ConfigError;

/// Why a sample could not be generated, a patch set built or a metric computed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ExperimentError {
    /// A configuration key was unknown, mistyped or out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Settings that do not fit together, or inputs of mismatched lengths, empty inputs or a
    /// mask of one class (the message names the setting or argument).
    #[error("{0}")]
    Invalid(String),
    /// The arrays would exceed the process's memory budget; nothing was allocated.
    #[error(transparent)]
    TooLarge(#[from] crate::limits::TooLarge),
}

/// `ExperimentError::Invalid` from anything printable.
pub(crate) fn invalid(msg: impl Into<String>) -> ExperimentError {
    ExperimentError::Invalid(msg.into())
}
