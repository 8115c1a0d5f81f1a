//! Checked views of caller-allocated arrays and scalar out-parameters.

use crate::status::{
    FERROLAB_ERR_INVALID_ARGUMENT, FERROLAB_ERR_NON_FINITE, FERROLAB_ERR_NULL_POINTER, FfiError,
};

fn check_pointer<T>(ptr: *const T, len: usize, arg: &str) -> Result<(), FfiError> {
    if ptr.is_null() {
        return Err(FfiError::new(
            FERROLAB_ERR_NULL_POINTER,
            format!("argument {arg} is NULL but its length is {len}"),
        ));
    }
    if !ptr.is_aligned() {
        return Err(FfiError::new(
            FERROLAB_ERR_INVALID_ARGUMENT,
            format!(
                "argument {arg} is not aligned to {} bytes",
                std::mem::align_of::<T>()
            ),
        ));
    }
    if len
        .checked_mul(std::mem::size_of::<T>())
        .is_none_or(|b| b > isize::MAX as usize)
    {
        return Err(FfiError::new(
            FERROLAB_ERR_INVALID_ARGUMENT,
            format!("length {len} of argument {arg} is too large"),
        ));
    }
    Ok(())
}

/// Borrow `len` elements at `ptr` (any pointer, even NULL, when `len == 0`).
///
/// # Safety
/// When `len > 0`, `ptr` is NULL or valid for reading `len` elements during the call.
pub(crate) unsafe fn slice_in<'a, T>(
    ptr: *const T,
    len: usize,
    arg: &str,
) -> Result<&'a [T], FfiError> {
    if len == 0 {
        return Ok(&[]);
    }
    check_pointer(ptr, len, arg)?;
    // SAFETY: checked non-NULL, aligned and not too long; valid by the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Borrow `len` writable elements at `ptr` (any pointer when `len == 0`).
///
/// # Safety
/// When `len > 0`, `ptr` is NULL or valid for writing `len` elements during the call, and
/// aliases no other argument.
pub(crate) unsafe fn slice_out<'a, T>(
    ptr: *mut T,
    len: usize,
    arg: &str,
) -> Result<&'a mut [T], FfiError> {
    if len == 0 {
        return Ok(&mut []);
    }
    check_pointer(ptr, len, arg)?;
    // SAFETY: as for `slice_in`, and exclusive by contract.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr, len) })
}

/// Borrow a required scalar out-parameter.
///
/// # Safety
/// `ptr` is NULL or valid for writing one `T`.
pub(crate) unsafe fn out_arg<'a, T>(ptr: *mut T, arg: &str) -> Result<&'a mut T, FfiError> {
    // SAFETY: forwarded contract.
    unsafe { slice_out(ptr, 1, arg) }.map(|s| &mut s[0])
}

/// Reject NaN and infinities, naming the argument and the first bad index.
pub(crate) fn check_finite(values: &[f64], arg: &str) -> Result<(), FfiError> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(i) => Err(FfiError::new(
            FERROLAB_ERR_NON_FINITE,
            format!("argument {arg}[{i}] = {} is not finite", values[i]),
        )),
    }
}

/// Elements of a `rows x cols` array argument: both must be positive and the product must
/// fit, else FERROLAB_ERR_INVALID_ARGUMENT naming the array.
pub(crate) fn shape_len(rows: usize, cols: usize, what: &str) -> Result<usize, FfiError> {
    if rows == 0 || cols == 0 {
        return Err(FfiError::new(
            FERROLAB_ERR_INVALID_ARGUMENT,
            format!("{what} is {rows} x {cols}: both must be positive"),
        ));
    }
    rows.checked_mul(cols).ok_or_else(|| {
        FfiError::new(
            FERROLAB_ERR_INVALID_ARGUMENT,
            format!("{what} is {rows} x {cols}: too large"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_misaligned_and_huge_are_rejected() {
        unsafe {
            assert!(
                slice_in::<f64>(std::ptr::null(), 0, "x")
                    .unwrap()
                    .is_empty()
            );
            let e = slice_in::<f64>(std::ptr::null(), 3, "x").unwrap_err();
            assert_eq!(e.status, FERROLAB_ERR_NULL_POINTER);
            assert!(e.message.contains("argument x"));
            let data = [0u64; 4];
            let misaligned = (data.as_ptr() as *const u8).add(1) as *const f64;
            let e = slice_in(misaligned, 1, "x").unwrap_err();
            assert_eq!(e.status, FERROLAB_ERR_INVALID_ARGUMENT);
            let e = slice_in(data.as_ptr(), usize::MAX / 4, "x").unwrap_err();
            assert_eq!(e.status, FERROLAB_ERR_INVALID_ARGUMENT);
        }
        let e = check_finite(&[1.0, f64::NAN], "y").unwrap_err();
        assert_eq!(e.message, "argument y[1] = NaN is not finite");
    }
}
