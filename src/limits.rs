//! The memory budget every size-driven call checks before it allocates.
//!
//! A size that comes from a caller (a configuration key, a C argument, a file's header) can ask
//! for terabytes; allocating first would abort the host process, and no status could reach it.
//! So each such call computes its peak allocation with checked arithmetic and refuses it with
//! [`TooLarge`] (C: `FERROLAB_ERR_OUT_OF_MEMORY`), naming the argument and the bytes, when it
//! exceeds this budget.
//!
//! The budget is per process, like the worker pool ([`crate::parallel`]): memory is the
//! process's, and many size-driven calls (GP sampling, file loaders, the analysis functions of
//! the Rust API) take no configuration. It is, in order: the value given to
//! [`set_max_alloc_bytes`] (C: `ferrolab_set_max_alloc_bytes`), else the environment variable
//! `FERROLAB_MAX_ALLOC_BYTES` (for the command line and hosts that cannot call a function),
//! else half the machine's physical memory.
//!
//! ```standalone_crate
//! use ferrolab::limits;
//! limits::set_max_alloc_bytes(1 << 30);
//! assert!(limits::check("n_samples", limits::bytes_of::<f64>(&[1 << 10, 1 << 10])).is_ok());
//! let err = limits::check("n_samples", limits::bytes_of::<f64>(&[1 << 36, 64])).unwrap_err();
//! assert!(err.to_string().starts_with("n_samples: needs 35184372088832 bytes (32 TiB)"));
//! limits::set_max_alloc_bytes(0); // back to the default
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

/// The budget set by [`set_max_alloc_bytes`]; 0 = not set (use the default).
static SET: AtomicU64 = AtomicU64::new(0);

/// Where the default budget comes from when no program set one.
pub const ENV_VAR: &str = "FERROLAB_MAX_ALLOC_BYTES";

/// Budget when the physical memory cannot be read (non-Linux systems): 8 GiB.
const FALLBACK_BYTES: u64 = 8 << 30;

/// A call that would allocate more than the budget (or more than the system would give);
/// nothing was allocated.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub struct TooLarge {
    /// The argument or key whose size asked for it, with its value.
    pub what: String,
    /// The bytes needed; `None` when the count itself overflows 128 bits.
    pub bytes: Option<u128>,
    /// The budget in force, or `None` when the bytes were within it but the system refused
    /// to allocate them.
    pub limit: Option<u64>,
}

impl std::fmt::Display for TooLarge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let needed = needed(self.bytes);
        match self.limit {
            Some(limit) => write!(
                f,
                "{}: needs {needed}, more than the memory budget of {} \
                 (ferrolab_set_max_alloc_bytes or {ENV_VAR})",
                self.what,
                human(limit.into())
            ),
            None => write!(f, "{}: the system could not allocate {needed}", self.what),
        }
    }
}

fn needed(bytes: Option<u128>) -> String {
    match bytes {
        Some(b) if b < 1024 => format!("{b} bytes"),
        Some(b) => format!("{b} bytes ({})", human(b)),
        None => "more than 2^128".to_owned(),
    }
}

/// Bytes in binary units, for messages: "512 GiB".
fn human(bytes: u128) -> String {
    const UNITS: [&str; 7] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        let value = format!("{value:.1}");
        format!("{} {}", value.trim_end_matches(".0"), UNITS[unit])
    }
}

/// Set the process's budget in bytes; 0 returns to the default. Thread-safe; affects calls
/// that start afterwards.
///
/// ```standalone_crate
/// ferrolab::limits::set_max_alloc_bytes(4 << 30);
/// assert_eq!(ferrolab::limits::max_alloc_bytes(), 4 << 30);
/// ferrolab::limits::set_max_alloc_bytes(0);
/// ```
pub fn set_max_alloc_bytes(bytes: u64) {
    SET.store(bytes, Ordering::Relaxed);
}

/// The budget in force: the value set, else `FERROLAB_MAX_ALLOC_BYTES`, else half the
/// physical memory.
///
/// ```
/// assert!(ferrolab::limits::max_alloc_bytes() > 0);
/// ```
pub fn max_alloc_bytes() -> u64 {
    match SET.load(Ordering::Relaxed) {
        0 => std::env::var(ENV_VAR)
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .filter(|&b| b > 0)
            .unwrap_or_else(|| physical_memory().map_or(FALLBACK_BYTES, |m| m / 2)),
        set => set,
    }
}

/// Total physical memory in bytes, from /proc/meminfo.
fn physical_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Bytes of an array of `T` with these dimensions; `None` when the product overflows.
///
/// ```
/// assert_eq!(ferrolab::limits::bytes_of::<f32>(&[3, 5]), Some(60));
/// assert_eq!(ferrolab::limits::bytes_of::<f64>(&[usize::MAX, usize::MAX, 2]), None);
/// ```
pub fn bytes_of<T>(dims: &[usize]) -> Option<u128> {
    dims.iter()
        .try_fold(size_of::<T>() as u128, |acc, &d| acc.checked_mul(d as u128))
}

/// The sum of several allocations' bytes; `None` when any is unknown or the sum overflows.
///
/// ```
/// use ferrolab::limits::{bytes_of, total};
/// assert_eq!(total(&[bytes_of::<f64>(&[2]), bytes_of::<u8>(&[3])]), Some(19));
/// ```
pub fn total(parts: &[Option<u128>]) -> Option<u128> {
    parts.iter().try_fold(0u128, |acc, &p| acc.checked_add(p?))
}

/// Refuse `bytes` (of the call's peak allocation, driven by `what`) above the budget.
///
/// ```
/// let err = ferrolab::limits::check("k = 8589934592", None).unwrap_err();
/// assert!(err.to_string().starts_with("k = 8589934592: needs more than 2^128"));
/// ```
pub fn check(what: &str, bytes: Option<u128>) -> Result<(), TooLarge> {
    let limit = max_alloc_bytes();
    match bytes {
        Some(b) if b <= limit as u128 => Ok(()),
        _ => Err(TooLarge {
            what: what.to_owned(),
            bytes,
            limit: Some(limit),
        }),
    }
}

/// The error for `bytes` that passed [`check`] but that the system refused to allocate (a
/// `try_reserve` failure).
///
/// ```
/// let err = ferrolab::limits::refused("x.npy", 3 << 30);
/// assert_eq!(err.to_string(), "x.npy: the system could not allocate 3221225472 bytes (3 GiB)");
/// ```
pub fn refused(what: &str, bytes: u128) -> TooLarge {
    TooLarge {
        what: what.to_owned(),
        bytes: Some(bytes),
        limit: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_read_naturally() {
        assert_eq!(human(512), "512 bytes");
        assert_eq!(human(3 << 20), "3 MiB");
        assert_eq!(human(1536), "1.5 KiB");
    }

    #[test]
    fn the_default_is_half_the_physical_memory() {
        let half = physical_memory().unwrap() / 2;
        // The machine's memory is what the kernel reports; half of it is the default.
        if std::env::var(ENV_VAR).is_err() && SET.load(Ordering::Relaxed) == 0 {
            assert_eq!(max_alloc_bytes(), half);
        }
        assert!(half > 1 << 28, "{half}");
    }
}
