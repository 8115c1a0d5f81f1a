//! The one worker pool that all of ferrolab's parallel work runs in.
//!
//! Built lazily on first use (no thread starts when the library loads), sized by
//! [`set_num_threads`] (0 = one worker per available core). A host program such as a LabVIEW VI
//! or a simulator therefore decides how many cores ferrolab may take, and rayon's global pool is
//! never touched.
//!
//! ```
//! let sum: u64 = ferrolab::parallel::install(|| {
//!     use rayon::prelude::*;
//!     (1..=100u64).into_par_iter().sum()
//! })?;
//! assert_eq!(sum, 5050);
//! # Ok::<(), ferrolab::parallel::PoolError>(())
//! ```

use rayon::{ThreadPool, ThreadPoolBuilder};
use std::sync::{Arc, Mutex, PoisonError};

/// Upper limit on the pool size: more threads than this is a mistake, not a machine.
pub const MAX_THREADS: usize = 4096;

/// Why the pool could not be sized or started.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PoolError {
    /// The requested size is unusable.
    #[error("number of threads n = {n} is above the limit {MAX_THREADS}")]
    TooManyThreads {
        /// The requested size.
        n: usize,
    },
    /// The operating system refused to start the workers.
    #[error("could not start the worker pool: {0}")]
    Start(String),
}

struct PoolState {
    /// Requested size; 0 means one worker per available core.
    requested: usize,
    pool: Option<Arc<ThreadPool>>,
}

static STATE: Mutex<PoolState> = Mutex::new(PoolState {
    requested: 0,
    pool: None,
});

fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Size the pool: `n` workers, or one per available core when `n == 0`.
///
/// Before first use this only records the size; afterwards it replaces the pool (work already
/// running finishes on the old pool). Results of ferrolab's seeded computations depend on the
/// thread count only where a function's docs say so.
///
/// ```
/// ferrolab::parallel::set_num_threads(2)?;
/// assert_eq!(ferrolab::parallel::num_threads(), 2);
/// # Ok::<(), ferrolab::parallel::PoolError>(())
/// ```
pub fn set_num_threads(n: usize) -> Result<(), PoolError> {
    if n > MAX_THREADS {
        return Err(PoolError::TooManyThreads { n });
    }
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    if state.requested != n || state.pool.is_some() {
        state.requested = n;
        // Dropping our reference lets the old pool's threads exit once idle.
        state.pool = None;
    }
    Ok(())
}

/// The number of workers the pool has, or will have when first used.
pub fn num_threads() -> usize {
    let state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    match state.requested {
        0 => available_cores(),
        n => n,
    }
}

fn pool() -> Result<Arc<ThreadPool>, PoolError> {
    let mut state = STATE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(pool) = &state.pool {
        return Ok(Arc::clone(pool));
    }
    let n = match state.requested {
        0 => available_cores(),
        n => n,
    };
    let pool = ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("ferrolab-worker-{i}"))
        .build()
        .map_err(|e| PoolError::Start(e.to_string()))?;
    let pool = Arc::new(pool);
    state.pool = Some(Arc::clone(&pool));
    Ok(pool)
}

/// Run `work` inside the worker pool (starting it if needed); rayon's parallel iterators used
/// inside run on its workers.
pub fn install<R: Send>(work: impl FnOnce() -> R + Send) -> Result<R, PoolError> {
    Ok(pool()?.install(work))
}

#[cfg(test)]
mod tests {
    use super::*;

    // One test owns the global pool, so no other test races on its size.
    #[test]
    fn pool_is_sized_lazily_and_resized_on_request() {
        set_num_threads(3).unwrap();
        assert_eq!(num_threads(), 3);
        assert_eq!(install(rayon::current_num_threads).unwrap(), 3);
        let name = install(|| std::thread::current().name().map(str::to_owned)).unwrap();
        assert!(name.unwrap().starts_with("ferrolab-worker-"));
        set_num_threads(1).unwrap();
        assert_eq!(install(rayon::current_num_threads).unwrap(), 1);
        set_num_threads(0).unwrap();
        assert_eq!(
            install(rayon::current_num_threads).unwrap(),
            available_cores()
        );
        assert_eq!(
            set_num_threads(MAX_THREADS + 1),
            Err(PoolError::TooManyThreads { n: MAX_THREADS + 1 })
        );
        assert_eq!(num_threads(), available_cores());
    }
}
