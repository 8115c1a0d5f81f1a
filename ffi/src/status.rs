//! Status codes (append-only: a code is never renumbered or reused) and the error type that
//! carries a code with its message to the boundary. Core errors map to codes here and only here.

use crate::strings::static_cstr;
use engine::config::ConfigError;
use engine::design::DesignError;
use engine::experiment::ExperimentError;
use engine::gp::GpError;
use engine::io::IoError;
use engine::limits::TooLarge;
use engine::loops::features::LoopError;
use engine::nn::NnError;
use engine::parallel::PoolError;
use engine::phasefield::dataset::DatasetError;
use engine::phasefield::error::PhaseFieldError;
use std::ffi::c_char;

/// Success.
pub const FERROLAB_OK: i32 = 0;
/// Warning: a string or array output was truncated to the capacity given; `needed` tells the
/// size required.
pub const FERROLAB_WARN_TRUNCATED: i32 = 1;
/// Error: a panic inside ferrolab was caught at the boundary (a bug: please report it with the
/// message from `ferrolab_last_error`).
pub const FERROLAB_ERR_PANIC: i32 = -1;
/// Error: a required pointer argument was NULL.
pub const FERROLAB_ERR_NULL_POINTER: i32 = -2;
/// Error: a size, shape or other argument is invalid (zero, mismatched, too large, misaligned).
pub const FERROLAB_ERR_INVALID_ARGUMENT: i32 = -3;
/// Error: an input array or value contains NaN or infinity.
pub const FERROLAB_ERR_NON_FINITE: i32 = -4;
/// Error: the handle is freed, foreign or of another type.
pub const FERROLAB_ERR_INVALID_HANDLE: i32 = -5;
/// Error: no configuration key of that name exists.
pub const FERROLAB_ERR_UNKNOWN_KEY: i32 = -6;
/// Error: a value is outside its valid range.
pub const FERROLAB_ERR_OUT_OF_RANGE: i32 = -7;
/// Error: a configuration key holds another type than the function used.
pub const FERROLAB_ERR_WRONG_TYPE: i32 = -8;
/// Error: a string argument is not valid UTF-8.
pub const FERROLAB_ERR_INVALID_UTF8: i32 = -9;
/// Error: the worker pool could not be sized or started.
pub const FERROLAB_ERR_THREAD_POOL: i32 = -10;

/// Error: the computation became unphysical or did not converge (e.g. a runaway
/// polarization in the phase-field engine); the message names where and when.
pub const FERROLAB_ERR_NUMERICAL: i32 = -11;
/// Error: the work was cancelled on request.
pub const FERROLAB_ERR_CANCELLED: i32 = -12;
/// Error: a file could not be read or written (the message names it).
pub const FERROLAB_ERR_IO: i32 = -13;
/// Error: a file is damaged, foreign or of an unsupported version (the message says which).
pub const FERROLAB_ERR_CORRUPT_FILE: i32 = -14;
/// Error: the call would need more memory than its input justifies or than the documented
/// limit allows (the message names the argument and the bytes); nothing was allocated.
pub const FERROLAB_ERR_OUT_OF_MEMORY: i32 = -15;
/// Error: the handle or output folder is in use by another call (a run, a save) that must
/// finish first; try again later.
pub const FERROLAB_ERR_BUSY: i32 = -16;
/// Warning: an LSTM VAE finished training but no stage after priming reached
/// `lstm_vae.target_active` active channels, so none is selected and the model uses its latest
/// weights; the message (`ferrolab_lstm_vae_last_error`) gives every stage's active-channel
/// count, to pick another target or train longer.
pub const FERROLAB_WARN_NO_SELECTION: i32 = 2;

/// Static text of every code, in one table so that the header docs and the function agree.
const TEXTS: &[(i32, &str)] = &[
    (FERROLAB_OK, "ok\0"),
    (
        FERROLAB_WARN_TRUNCATED,
        "output truncated to the capacity given\0",
    ),
    (FERROLAB_ERR_PANIC, "internal error (caught panic)\0"),
    (
        FERROLAB_ERR_NULL_POINTER,
        "a required pointer argument is NULL\0",
    ),
    (FERROLAB_ERR_INVALID_ARGUMENT, "invalid argument\0"),
    (FERROLAB_ERR_NON_FINITE, "input contains NaN or infinity\0"),
    (
        FERROLAB_ERR_INVALID_HANDLE,
        "invalid handle (freed, foreign or of another type)\0",
    ),
    (FERROLAB_ERR_UNKNOWN_KEY, "unknown configuration key\0"),
    (FERROLAB_ERR_OUT_OF_RANGE, "value outside its valid range\0"),
    (
        FERROLAB_ERR_WRONG_TYPE,
        "configuration key holds another type\0",
    ),
    (FERROLAB_ERR_INVALID_UTF8, "string is not valid UTF-8\0"),
    (
        FERROLAB_ERR_THREAD_POOL,
        "worker pool could not be sized or started\0",
    ),
    (
        FERROLAB_ERR_NUMERICAL,
        "computation became unphysical or did not converge\0",
    ),
    (FERROLAB_ERR_CANCELLED, "cancelled on request\0"),
    (FERROLAB_ERR_IO, "a file could not be read or written\0"),
    (
        FERROLAB_ERR_CORRUPT_FILE,
        "file damaged, foreign or of an unsupported version\0",
    ),
    (
        FERROLAB_ERR_OUT_OF_MEMORY,
        "the call would need more memory than allowed\0",
    ),
    (
        FERROLAB_ERR_BUSY,
        "in use by another call; try again later\0",
    ),
    (
        FERROLAB_WARN_NO_SELECTION,
        "training finished but no stage reached the target active-channel count\0",
    ),
];

/// Static, NUL-terminated English text for a status code; "unknown status code" for codes
/// this version does not know. Never NULL; the caller must not free it. Thread-safe.
///
/// ```c
/// puts(ferrolab_status_str(FERROLAB_ERR_NULL_POINTER));
/// ```
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_status_str(code: i32) -> *const c_char {
    crate::ffi_boundary!(fallback = static_cstr("internal error\0"), {
        let text = TEXTS
            .iter()
            .find(|(c, _)| *c == code)
            .map_or("unknown status code\0", |(_, t)| t);
        static_cstr(text)
    })
}

/// A status code with its message, on its way to the boundary.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub status: i32,
    pub message: String,
}

impl FfiError {
    pub fn new(status: i32, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl From<IoError> for FfiError {
    fn from(e: IoError) -> Self {
        let status = match e {
            IoError::Os { .. } => FERROLAB_ERR_IO,
            IoError::Busy { .. } => FERROLAB_ERR_BUSY,
            IoError::TooLarge { .. } => FERROLAB_ERR_OUT_OF_MEMORY,
            IoError::Corrupt { .. } | IoError::Unsuitable { .. } => FERROLAB_ERR_CORRUPT_FILE,
        };
        Self::new(status, e.to_string())
    }
}

impl From<ConfigError> for FfiError {
    fn from(e: ConfigError) -> Self {
        let status = match e {
            ConfigError::UnknownKey { .. } => FERROLAB_ERR_UNKNOWN_KEY,
            ConfigError::WrongType { .. } => FERROLAB_ERR_WRONG_TYPE,
            ConfigError::NonFinite { .. } => FERROLAB_ERR_NON_FINITE,
            ConfigError::OutOfRange { .. } | ConfigError::EmptyArray { .. } => {
                FERROLAB_ERR_OUT_OF_RANGE
            }
            ConfigError::NotAWindow { .. } => FERROLAB_ERR_INVALID_ARGUMENT,
        };
        Self::new(status, e.to_string())
    }
}

impl From<PoolError> for FfiError {
    fn from(e: PoolError) -> Self {
        let status = match e {
            PoolError::TooManyThreads { .. } => FERROLAB_ERR_OUT_OF_RANGE,
            PoolError::Start(_) => FERROLAB_ERR_THREAD_POOL,
        };
        Self::new(status, e.to_string())
    }
}

impl From<PhaseFieldError> for FfiError {
    fn from(e: PhaseFieldError) -> Self {
        match e {
            PhaseFieldError::Config(c) => c.into(),
            PhaseFieldError::Invalid(m) => Self::new(FERROLAB_ERR_OUT_OF_RANGE, m),
            e @ (PhaseFieldError::Runaway { .. } | PhaseFieldError::Solver(_)) => {
                Self::new(FERROLAB_ERR_NUMERICAL, e.to_string())
            }
            PhaseFieldError::Cancelled => Self::new(FERROLAB_ERR_CANCELLED, "cancelled"),
        }
    }
}

impl From<LoopError> for FfiError {
    fn from(e: LoopError) -> Self {
        let status = match e {
            LoopError::NonFinite { .. } => FERROLAB_ERR_NON_FINITE,
            LoopError::Thickness(_) => FERROLAB_ERR_OUT_OF_RANGE,
            LoopError::LengthMismatch { .. } | LoopError::NoCycle(_) => {
                FERROLAB_ERR_INVALID_ARGUMENT
            }
        };
        Self::new(status, e.to_string())
    }
}

impl From<GpError> for FfiError {
    fn from(e: GpError) -> Self {
        match e {
            GpError::Config(c) => c.into(),
            GpError::Invalid(m) => Self::new(FERROLAB_ERR_INVALID_ARGUMENT, m),
            GpError::Io(m) => Self::new(FERROLAB_ERR_IO, m),
            GpError::Corrupt(m) => Self::new(FERROLAB_ERR_CORRUPT_FILE, m),
            GpError::Numerical(m) => Self::new(FERROLAB_ERR_NUMERICAL, m),
            GpError::TooLarge(t) => t.into(),
            e @ GpError::NotPositiveDefinite { .. } => {
                Self::new(FERROLAB_ERR_NUMERICAL, e.to_string())
            }
        }
    }
}

impl From<DatasetError> for FfiError {
    fn from(e: DatasetError) -> Self {
        match e {
            DatasetError::Config(c) => c.into(),
            DatasetError::PhaseField(p) => p.into(),
            DatasetError::Invalid(m) => Self::new(FERROLAB_ERR_INVALID_ARGUMENT, m),
            DatasetError::File(e) => e.into(),
            DatasetError::TooLarge(t) => t.into(),
            e @ DatasetError::Cancelled { .. } => Self::new(FERROLAB_ERR_CANCELLED, e.to_string()),
        }
    }
}

impl From<TooLarge> for FfiError {
    fn from(e: TooLarge) -> Self {
        Self::new(FERROLAB_ERR_OUT_OF_MEMORY, e.to_string())
    }
}

impl From<NnError> for FfiError {
    fn from(e: NnError) -> Self {
        match e {
            NnError::Config(c) => c.into(),
            e @ (NnError::Invalid(_) | NnError::NotTrained(_)) => {
                Self::new(FERROLAB_ERR_INVALID_ARGUMENT, e.to_string())
            }
            e @ NnError::Cancelled { .. } => Self::new(FERROLAB_ERR_CANCELLED, e.to_string()),
            NnError::Numerical(m) => Self::new(FERROLAB_ERR_NUMERICAL, m),
            NnError::Io(m) => Self::new(FERROLAB_ERR_IO, m),
            NnError::Corrupt(m) => Self::new(FERROLAB_ERR_CORRUPT_FILE, m),
            NnError::TooLarge(t) => t.into(),
        }
    }
}

impl From<DesignError> for FfiError {
    fn from(e: DesignError) -> Self {
        match e {
            DesignError::Config(c) => c.into(),
            DesignError::Invalid(m) => Self::new(FERROLAB_ERR_INVALID_ARGUMENT, m),
            DesignError::Dataset(d) => d.into(),
            DesignError::File(e) => e.into(),
            DesignError::PhaseField(p) => p.into(),
            DesignError::Nn(n) => n.into(),
            DesignError::Gp(g) => g.into(),
            e @ DesignError::Cancelled(_) => Self::new(FERROLAB_ERR_CANCELLED, e.to_string()),
        }
    }
}

impl From<ExperimentError> for FfiError {
    fn from(e: ExperimentError) -> Self {
        match e {
            ExperimentError::Config(c) => c.into(),
            ExperimentError::Invalid(m) => Self::new(FERROLAB_ERR_INVALID_ARGUMENT, m),
            ExperimentError::TooLarge(t) => t.into(),
            ExperimentError::Model(n) => n.into(),
            ExperimentError::Io(m) => Self::new(FERROLAB_ERR_IO, m),
            ExperimentError::Corrupt(m) => Self::new(FERROLAB_ERR_CORRUPT_FILE, m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::CStr;

    #[test]
    fn every_code_has_distinct_text_and_unknown_codes_say_so() {
        for (i, (code, text)) in TEXTS.iter().enumerate() {
            assert!(text.ends_with('\0'));
            assert!(
                TEXTS[i + 1..].iter().all(|(c, _)| c != code),
                "code {code} twice"
            );
            let got = unsafe { CStr::from_ptr(ferrolab_status_str(*code)) };
            assert_eq!(got.to_bytes(), text.trim_end_matches('\0').as_bytes());
        }
        let unknown = unsafe { CStr::from_ptr(ferrolab_status_str(-12345)) };
        assert_eq!(unknown.to_str().unwrap(), "unknown status code");
    }

    /// Every status code the header defines has its own text (the header is what C users
    /// see; a code added there without text would read "unknown status code").
    #[test]
    fn every_code_in_the_header_has_its_text() {
        let header = include_str!("../../include/ferrolab.h");
        let mut codes = Vec::new();
        for line in header.lines() {
            let mut words = line.split_whitespace();
            if let (Some("#define"), Some(name), Some(value)) =
                (words.next(), words.next(), words.next())
                && ["FERROLAB_OK", "FERROLAB_WARN_", "FERROLAB_ERR_"]
                    .iter()
                    .any(|p| name.starts_with(p))
            {
                codes.push((name, value.parse::<i32>().unwrap()));
            }
        }
        assert!(codes.len() >= 19, "{codes:?}");
        let mut texts = std::collections::BTreeSet::new();
        for (name, code) in codes {
            let text = unsafe { CStr::from_ptr(ferrolab_status_str(code)) };
            let text = text.to_str().unwrap();
            assert_ne!(text, "unknown status code", "{name} = {code}");
            assert!(texts.insert(text), "{name} shares its text");
        }
    }
}
