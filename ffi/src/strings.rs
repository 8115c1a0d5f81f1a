//! Strings across the boundary: NUL-terminated UTF-8 in, snprintf-style out.

use crate::status::{
    FERROLAB_ERR_INVALID_UTF8, FERROLAB_ERR_NULL_POINTER, FERROLAB_WARN_TRUNCATED, FfiError,
};
use std::ffi::{CStr, c_char};

/// A pointer to a static NUL-terminated string.
pub(crate) fn static_cstr(text: &'static str) -> *const c_char {
    debug_assert!(text.ends_with('\0'));
    text.as_ptr().cast()
}

/// Borrow a NUL-terminated UTF-8 string argument named `arg`.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string that lives for the call.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, arg: &str) -> Result<&'a str, FfiError> {
    if ptr.is_null() {
        return Err(FfiError::new(
            FERROLAB_ERR_NULL_POINTER,
            format!("argument {arg} is NULL"),
        ));
    }
    // SAFETY: non-NULL and NUL-terminated by the caller's contract.
    let bytes = unsafe { CStr::from_ptr(ptr) };
    bytes.to_str().map_err(|e| {
        FfiError::new(
            FERROLAB_ERR_INVALID_UTF8,
            format!("argument {arg} is not valid UTF-8 ({e})"),
        )
    })
}

/// Write `text` snprintf-style: at most `cap - 1` bytes (cut at a character boundary) plus a
/// NUL when `cap > 0`; `*needed` (if not NULL) receives `strlen(text) + 1`, the buffer size that
/// holds it whole. `buf` may be NULL only when `cap == 0` (to ask for the size). A cut output
/// is the warning FERROLAB_WARN_TRUNCATED.
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one `size_t`.
pub(crate) unsafe fn write_str(
    text: &str,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> Result<(), FfiError> {
    if buf.is_null() && cap > 0 {
        return Err(FfiError::new(
            FERROLAB_ERR_NULL_POINTER,
            format!("argument buf is NULL but cap = {cap}"),
        ));
    }
    if !needed.is_null() {
        // SAFETY: valid for one write by contract.
        unsafe { needed.write_unaligned(text.len() + 1) };
    }
    if cap == 0 {
        return if text.is_empty() {
            Ok(())
        } else {
            Err(truncated(text.len() + 1, cap))
        };
    }
    let mut n = text.len().min(cap - 1);
    while !text.is_char_boundary(n) {
        n -= 1;
    }
    // SAFETY: `buf` is valid for `cap > n` bytes by contract.
    unsafe {
        std::ptr::copy_nonoverlapping(text.as_ptr(), buf.cast::<u8>(), n);
        buf.add(n).write(0);
    }
    if n < text.len() {
        Err(truncated(text.len() + 1, cap))
    } else {
        Ok(())
    }
}

fn truncated(needed: usize, cap: usize) -> FfiError {
    FfiError::new(
        FERROLAB_WARN_TRUNCATED,
        format!("output truncated: needs a buffer of {needed} bytes, cap = {cap}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_cut_and_size_queries() {
        let mut buf = [0x7f as c_char; 8];
        let mut needed = 0usize;
        unsafe {
            assert!(write_str("abc", buf.as_mut_ptr(), 8, &mut needed).is_ok());
            assert_eq!(needed, 4);
            assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap(), "abc");
            let e = write_str("abcdefghij", buf.as_mut_ptr(), 8, &mut needed).unwrap_err();
            assert_eq!(e.status, FERROLAB_WARN_TRUNCATED);
            assert_eq!(needed, 11);
            assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap(), "abcdefg");
            // "é" is two bytes; a cut never splits it.
            write_str("aaaaaaé", buf.as_mut_ptr(), 8, std::ptr::null_mut()).unwrap_err();
            assert_eq!(CStr::from_ptr(buf.as_ptr()).to_str().unwrap(), "aaaaaa");
            let e = write_str("x", std::ptr::null_mut(), 0, &mut needed).unwrap_err();
            assert_eq!((e.status, needed), (FERROLAB_WARN_TRUNCATED, 2));
            let e = write_str("x", std::ptr::null_mut(), 4, &mut needed).unwrap_err();
            assert_eq!(e.status, FERROLAB_ERR_NULL_POINTER);
        }
    }
}
