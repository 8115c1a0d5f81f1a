//! Row-major matrix products on faer, generic over the precision, single-threaded (the
//! callers parallelise over batch shards).

use super::super::real::Real;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};

/// The `rows x cols` row-major matrix at the start of `s`.
pub(crate) fn mat<T: Real>(s: &[T], rows: usize, cols: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice(&s[..rows * cols], rows, cols)
}

/// The mutable `rows x cols` row-major matrix at the start of `s`.
pub(crate) fn mat_mut<T: Real>(s: &mut [T], rows: usize, cols: usize) -> MatMut<'_, T> {
    MatMut::from_row_major_slice_mut(&mut s[..rows * cols], rows, cols)
}

/// `dst = a b` or, with `accumulate`, `dst += a b`.
pub(crate) fn gemm<T: Real>(dst: MatMut<T>, accumulate: bool, a: MatRef<T>, b: MatRef<T>) {
    let accum = if accumulate {
        Accum::Add
    } else {
        Accum::Replace
    };
    matmul(dst, accum, a, b, T::one(), Par::Seq);
}
