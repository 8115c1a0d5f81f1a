//! Sizing the library's one worker pool.

use crate::arrays::out_arg;

/// Size ferrolab's worker pool: `n` threads, or one per available core when `n == 0`.
///
/// No thread runs until the first parallel call; calling this afterwards replaces the pool
/// (calls already running finish on the old one). Affects every handle in the process.
/// Thread-safe.
///
/// Returns FERROLAB_OK, or FERROLAB_ERR_OUT_OF_RANGE when n is above 4096.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_set_num_threads(n: usize) -> i32 {
    crate::ffi_boundary!({ Ok(engine::parallel::set_num_threads(n)?) })
}

/// Write the number of worker threads the pool has, or will have when first used, to `*out`.
///
/// Returns FERROLAB_OK or FERROLAB_ERR_NULL_POINTER.
///
/// # Safety
/// `out` is NULL or valid for writing one `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_num_threads(out: *mut usize) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        *unsafe { out_arg(out, "out") }? = engine::parallel::num_threads();
        Ok(())
    })
}
