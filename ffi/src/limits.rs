//! The process's memory budget, which every size-driven call checks before allocating.

use crate::arrays::out_arg;

/// Set the memory budget of the process in bytes (0: back to the default, which is the
/// environment variable FERROLAB_MAX_ALLOC_BYTES if set, else half the physical memory).
///
/// Every call whose allocation depends on a size it is given (configuration keys, counts,
/// array sizes, a file's header) computes its peak allocation first and returns
/// FERROLAB_ERR_OUT_OF_MEMORY, naming the argument and the bytes, instead of allocating more
/// than this. Affects calls that start afterwards, on every handle. Thread-safe.
///
/// Returns FERROLAB_OK.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_set_max_alloc_bytes(bytes: u64) -> i32 {
    crate::ffi_boundary!({
        engine::limits::set_max_alloc_bytes(bytes);
        Ok(())
    })
}

/// Write the memory budget in force, in bytes, to `*out`.
///
/// Returns FERROLAB_OK or FERROLAB_ERR_NULL_POINTER.
///
/// # Safety
/// `out` is NULL or valid for writing one `uint64_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_max_alloc_bytes(out: *mut u64) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        *unsafe { out_arg(out, "out") }? = engine::limits::max_alloc_bytes();
        Ok(())
    })
}
