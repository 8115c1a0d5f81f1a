//! The boundary every export goes through: panics are caught (never unwinding into the host),
//! failures are recorded in the thread-local slot and, for calls on a handle, in that handle.
//!
//! A caught panic is reported through the status and `ferrolab_last_error`, so the default
//! hook's "thread ... panicked" and backtrace on the host's stderr would only be noise. The
//! first exported call therefore installs a hook that stays silent for panics raised inside the
//! boundary (this thread is in an export, or it is one of the library's pool threads, which only
//! run work of exports) and hands every other panic of the process to the hook it replaced.

use crate::status::{FERROLAB_ERR_PANIC, FERROLAB_OK, FfiError};
use crate::strings::write_str;
use std::cell::{Cell, RefCell};
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
    /// How many exports this thread is inside (an export may call another).
    static DEPTH: Cell<usize> = const { Cell::new(0) };
    /// Where the last panic inside the boundary on this thread was raised.
    static PANIC_LOCATION: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Install the hook once, on the first exported call (never at load time).
fn install_panic_hook() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_export = DEPTH.with(Cell::get) > 0;
            if in_export {
                let at = info.location().map(ToString::to_string).unwrap_or_default();
                PANIC_LOCATION.with(|slot| *slot.borrow_mut() = at);
            } else if rayon::current_thread_index().is_none() {
                previous(info);
            }
        }));
    });
}

/// Run `body` inside the boundary: the panic hook installed and this thread marked as inside
/// (restored however `body` ends, so a caught panic does not leave the mark set).
fn inside<R>(body: impl FnOnce() -> R) -> std::thread::Result<R> {
    install_panic_hook();
    // Only the outermost export clears the location: a nested one keeps its caller's.
    if DEPTH.with(|d| d.replace(d.get() + 1)) == 0 {
        PANIC_LOCATION.with(|slot| slot.borrow_mut().clear());
    }
    let result = catch_unwind(AssertUnwindSafe(body));
    DEPTH.with(|d| d.set(d.get() - 1));
    result
}

/// Run an export's body: `Ok(())` is `FERROLAB_OK`; an error or warning is recorded with the
/// function's name and its code returned; a panic becomes `FERROLAB_ERR_PANIC`.
///
/// Use through the [`ffi_boundary!`](crate::ffi_boundary) macro, which supplies the name.
pub(crate) fn guard(
    function: &str,
    handle: Option<usize>,
    body: impl FnOnce() -> Result<(), FfiError>,
) -> i32 {
    let error = match inside(body) {
        Ok(Ok(())) => return FERROLAB_OK,
        Ok(Err(e)) => e,
        Err(payload) => FfiError::new(FERROLAB_ERR_PANIC, panic_text(payload.as_ref())),
    };
    let message = format!("{function}: {}", error.message);
    if let Some(h) = handle {
        crate::handles::record_error(h, &message);
    }
    LAST_ERROR.with(|slot| *slot.borrow_mut() = message);
    error.status
}

/// Run an export that returns a value rather than a status; a panic returns `fallback`.
pub(crate) fn guard_value<T>(function: &str, fallback: T, body: impl FnOnce() -> T) -> T {
    inside(body).unwrap_or_else(|payload| {
        let message = format!("{function}: {}", panic_text(payload.as_ref()));
        LAST_ERROR.with(|slot| *slot.borrow_mut() = message);
        fallback
    })
}

/// Run an export that reads stored messages (`ferrolab_<object>_last_error`): a failure
/// returns its code without replacing any stored message, since reading one must not change
/// what `ferrolab_last_error` says; only a panic is recorded.
pub(crate) fn guard_reader(function: &str, body: impl FnOnce() -> Result<(), FfiError>) -> i32 {
    match inside(body) {
        Ok(Ok(())) => FERROLAB_OK,
        Ok(Err(e)) => e.status,
        Err(payload) => {
            let message = format!("{function}: {}", panic_text(payload.as_ref()));
            LAST_ERROR.with(|slot| *slot.borrow_mut() = message);
            FERROLAB_ERR_PANIC
        }
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown payload".into());
    let at = PANIC_LOCATION.with(|slot| slot.borrow().clone());
    let at = if at.is_empty() {
        at
    } else {
        format!(" at {at}")
    };
    format!("internal error (panic{at}: {detail}); please report it")
}

/// The body of every export: `ffi_boundary!({ ... })` for a status-returning call,
/// `ffi_boundary!(handle = h, { ... })` for a call on a handle (the failure is also recorded in
/// the handle), `ffi_boundary!(fallback = v, { ... })` for a call returning a value,
/// `ffi_boundary!(reader, { ... })` for a call reading stored messages. The
/// function's name for messages is taken from the enclosing function.
#[macro_export]
#[doc(hidden)]
macro_rules! ffi_boundary {
    (reader, $body:block) => {
        $crate::boundary::guard_reader(
            $crate::function_name!(),
            || -> Result<(), $crate::status::FfiError> { $body },
        )
    };
    (fallback = $fallback:expr, $body:block) => {
        $crate::boundary::guard_value($crate::function_name!(), $fallback, || $body)
    };
    (handle = $handle:expr, $body:block) => {
        $crate::boundary::guard(
            $crate::function_name!(),
            Some(($handle).addr()),
            || -> Result<(), $crate::status::FfiError> { $body },
        )
    };
    ($body:block) => {
        $crate::boundary::guard(
            $crate::function_name!(),
            None,
            || -> Result<(), $crate::status::FfiError> { $body },
        )
    };
}

/// The name of the enclosing function (without its module path).
#[macro_export]
#[doc(hidden)]
macro_rules! function_name {
    () => {{
        fn marker() {}
        let full = std::any::type_name_of_val(&marker);
        let full = full.strip_suffix("::marker").unwrap_or(full);
        full.rsplit("::").next().unwrap_or(full)
    }};
}

/// Copy the message of the most recent failed call (error or warning) on this thread into
/// `buf`, snprintf-style: at most `cap - 1` bytes and a NUL when `cap > 0`; `*needed` (if not
/// NULL) receives the buffer size that holds the whole message. Successful calls do not clear
/// it; the empty string means no call on this thread has failed. `buf` may be NULL when
/// `cap == 0`.
///
/// LabVIEW: the message is per thread; configure the Call Library Function Nodes to run in the
/// UI thread, or read the message from the handle (`ferrolab_config_last_error`), which does
/// not depend on the thread.
///
/// Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED or FERROLAB_ERR_NULL_POINTER (buf NULL with
/// cap > 0; this failure does not replace the stored message).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_last_error(
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(fallback = FERROLAB_ERR_PANIC, {
        let message = LAST_ERROR.with(|slot| slot.borrow().clone());
        // SAFETY: the caller's contract for buf/cap/needed.
        match unsafe { write_str(&message, buf, cap, needed) } {
            Ok(()) => FERROLAB_OK,
            Err(e) => e.status,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::FERROLAB_ERR_INVALID_ARGUMENT;

    fn last_error() -> String {
        LAST_ERROR.with(|slot| slot.borrow().clone())
    }

    fn failing_export() -> i32 {
        crate::ffi_boundary!({ Err(FfiError::new(FERROLAB_ERR_INVALID_ARGUMENT, "n_rows = 0")) })
    }

    fn panicking_export() -> i32 {
        crate::ffi_boundary!({
            let v: Vec<i32> = Vec::new();
            let _ = v[3];
            Ok(())
        })
    }

    fn pool_panicking_export() -> i32 {
        crate::ffi_boundary!({
            use rayon::prelude::*;
            engine::parallel::install(|| {
                (0..64).into_par_iter().for_each(|i| {
                    assert!(i != 37, "pool work failed");
                })
            })?;
            Ok(())
        })
    }

    /// Run by the next test in a child process, whose stderr it reads: panics inside exports
    /// (on the calling thread and on the library's pool), then one outside the boundary.
    #[test]
    #[ignore = "a child process of panics_inside_the_boundary_are_silent_and_others_are_not"]
    fn panic_hook_child() {
        assert_eq!(panicking_export(), FERROLAB_ERR_PANIC);
        assert!(
            last_error().contains("index out of bounds"),
            "{}",
            last_error()
        );
        assert!(
            last_error().contains(" at ffi/src/boundary.rs:"),
            "{}",
            last_error()
        );
        assert_eq!(pool_panicking_export(), FERROLAB_ERR_PANIC);
        assert!(
            last_error().contains("pool work failed"),
            "{}",
            last_error()
        );
        eprintln!("child: exports returned");
        let outside = std::thread::spawn(|| panic!("a panic of the host program")).join();
        assert!(outside.is_err());
    }

    #[test]
    fn panics_inside_the_boundary_are_silent_and_others_are_not() {
        let child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "boundary::tests::panic_hook_child"])
            .args(["--nocapture", "--test-threads=1"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&child.stderr);
        assert!(child.status.success(), "{stderr}");
        assert!(stderr.contains("child: exports returned"), "{stderr}");
        assert!(!stderr.contains("index out of bounds"), "{stderr}");
        assert!(!stderr.contains("pool work failed"), "{stderr}");
        // The hook that was replaced still reports panics outside the library.
        assert!(stderr.contains("a panic of the host program"), "{stderr}");
    }

    #[test]
    fn errors_and_panics_become_codes_with_named_messages() {
        assert_eq!(failing_export(), FERROLAB_ERR_INVALID_ARGUMENT);
        assert_eq!(last_error(), "failing_export: n_rows = 0");
        assert_eq!(panicking_export(), FERROLAB_ERR_PANIC);
        let message = last_error();
        assert!(
            message.starts_with("panicking_export: internal error (panic at ffi/src/boundary.rs:"),
            "{message}"
        );
        assert!(message.contains(": index out of bounds"), "{message}");
        // Messages are per thread.
        std::thread::spawn(|| assert_eq!(last_error(), ""))
            .join()
            .unwrap();
    }
}
