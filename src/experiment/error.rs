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
    /// A model of the session could not be built, trained (also: cancelled), used or read.
    #[error(transparent)]
    Model(#[from] crate::nn::NnError),
    /// A session file could not be read or written (the message names it).
    #[error("{0}")]
    Io(String),
    /// A session file is damaged, foreign or of another format version.
    #[error("{0}")]
    Corrupt(String),
}

/// `ExperimentError::Invalid` from anything printable.
pub(crate) fn invalid(msg: impl Into<String>) -> ExperimentError {
    ExperimentError::Invalid(msg.into())
}
