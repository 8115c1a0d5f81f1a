//! The boundary every export goes through: panics are caught (never unwinding into the host),
//! failures are recorded in the thread-local slot and, for calls on a handle, in that handle.

use crate::status::{FERROLAB_ERR_PANIC, FERROLAB_OK, FfiError};
use crate::strings::write_str;
use std::cell::RefCell;
use std::ffi::c_char;
use std::panic::{AssertUnwindSafe, catch_unwind};

thread_local! {
    static LAST_ERROR: RefCell<String> = const { RefCell::new(String::new()) };
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
    let error = match catch_unwind(AssertUnwindSafe(body)) {
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
    catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        let message = format!("{function}: {}", panic_text(payload.as_ref()));
        LAST_ERROR.with(|slot| *slot.borrow_mut() = message);
        fallback
    })
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown payload".into());
    format!("internal error (panic: {detail}); please report it")
}

/// The body of every export: `ffi_boundary!({ ... })` for a status-returning call,
/// `ffi_boundary!(handle = h, { ... })` for a call on a handle (the failure is also recorded in
/// the handle), `ffi_boundary!(fallback = v, { ... })` for a call returning a value. The
/// function's name for messages is taken from the enclosing function.
#[macro_export]
#[doc(hidden)]
macro_rules! ffi_boundary {
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

    #[test]
    fn errors_and_panics_become_codes_with_named_messages() {
        assert_eq!(failing_export(), FERROLAB_ERR_INVALID_ARGUMENT);
        assert_eq!(last_error(), "failing_export: n_rows = 0");
        assert_eq!(panicking_export(), FERROLAB_ERR_PANIC);
        let message = last_error();
        assert!(
            message.starts_with("panicking_export: internal error (panic: index out of bounds"),
            "{message}"
        );
        // Messages are per thread.
        std::thread::spawn(|| assert_eq!(last_error(), ""))
            .join()
            .unwrap();
    }
}
