//! Errors of the configuration registry; every message names the key.

/// Why a configuration key could not be set or read.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// No engine declares this key.
    #[error("unknown configuration key \"{key}\"{hint}")]
    UnknownKey {
        /// The key as given.
        key: String,
        /// " (did you mean ...?)" or empty.
        hint: String,
    },
    /// The key exists but holds another type.
    #[error("configuration key \"{key}\" holds {expected}, not {given}")]
    WrongType {
        /// The key.
        key: String,
        /// The key's type.
        expected: &'static str,
        /// The type that was given or asked for.
        given: &'static str,
    },
    /// A NaN or infinity was given.
    #[error("configuration key \"{key}\": value {value} is not finite")]
    NonFinite {
        /// The key.
        key: String,
        /// The offending value.
        value: f64,
    },
    /// The value is outside the key's physically meaningful range.
    #[error("configuration key \"{key}\": value {value} is outside its valid range {valid}")]
    OutOfRange {
        /// The key.
        key: String,
        /// The offending value, formatted.
        value: String,
        /// The valid range, formatted.
        valid: String,
    },
    /// An array key was given no elements.
    #[error("configuration key \"{key}\": a list needs at least one element")]
    EmptyArray {
        /// The key.
        key: String,
    },
    /// A `[min, max]` window that is not two ordered values.
    #[error("{key} = {value} must be [min, max] with min <= max")]
    NotAWindow {
        /// The key.
        key: String,
        /// The list given, formatted.
        value: String,
    },
}
