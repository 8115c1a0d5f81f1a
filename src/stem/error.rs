//! The one error type of the stem module.

use crate::limits::TooLarge;

/// Why windows could not be cut or synthetic data drawn. Every message starts with the
/// argument or setting at fault and its value; nothing was allocated.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StemError {
    /// An argument or setting out of range, of the wrong length or not finite.
    #[error("{argument}: {reason}")]
    Invalid {
        /// The argument or setting, with its value where it is short (`n = 0`,
        /// `centres[3] = (NaN, 2.0)`, `settings.period_px = -1`).
        argument: String,
        /// What is wrong with it and what is expected.
        reason: String,
    },
    /// The arrays would exceed the process's memory budget ([`crate::limits`]).
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
}

/// `StemError::Invalid` naming `argument`.
pub(crate) fn invalid(argument: impl Into<String>, reason: impl Into<String>) -> StemError {
    StemError::Invalid {
        argument: argument.into(),
        reason: reason.into(),
    }
}

/// A setting that must be finite and strictly positive.
pub(crate) fn positive(name: &str, value: f64) -> Result<(), StemError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(invalid(
            format!("{name} = {value}"),
            "must be finite and greater than 0",
        ))
    }
}

/// A setting that must be finite and not negative.
pub(crate) fn non_negative(name: &str, value: f64) -> Result<(), StemError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(invalid(
            format!("{name} = {value}"),
            "must be finite and at least 0",
        ))
    }
}

/// A setting that must be finite.
pub(crate) fn finite(name: &str, value: f64) -> Result<(), StemError> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(invalid(format!("{name} = {value}"), "must be finite"))
    }
}
