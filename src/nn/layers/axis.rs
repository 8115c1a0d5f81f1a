//! A tensor seen as `(outer, n, inner)` around one axis: how the normalisation layers address
//! the axis they normalise over (LayerNorm) or keep (BatchNorm's channels).

use super::super::error::NnError;
use super::super::real::Real;

/// Extents before, at and after one axis; element `(o, k, i)` sits at `(o n + k) inner + i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AxisView {
    pub outer: usize,
    pub n: usize,
    pub inner: usize,
}

impl AxisView {
    /// The view of `shape` around `axis` (counted with the batch axis as 0), which must have
    /// extent `n`; the error names `layer`.
    pub fn new(layer: &str, shape: &[usize], axis: usize, n: usize) -> Result<Self, NnError> {
        if axis == 0 || axis >= shape.len() || shape[axis] != n {
            return Err(NnError::Invalid(format!(
                "{layer}: input of shape {shape:?} has no axis {axis} of extent {n}"
            )));
        }
        Ok(Self {
            outer: shape[..axis].iter().product(),
            n,
            inner: shape[axis + 1..].iter().product(),
        })
    }

    /// Flat index of `(o, k, i)`.
    #[inline(always)]
    pub fn at(&self, o: usize, k: usize, i: usize) -> usize {
        (o * self.n + k) * self.inner + i
    }

    /// The contiguous runs of index `k` of the axis: one of `inner` values per outer index.
    pub fn slices(&self, k: usize) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        (0..self.outer).map(move |o| {
            let start = self.at(o, k, 0);
            start..start + self.inner
        })
    }
}

/// `sum f(x)` over `x` in eight interleaved partial sums, so the compiler can vectorise it
/// (a single running sum of floats cannot be reordered).
#[inline]
pub(crate) fn lane_sum<T: Real>(x: &[T], f: impl Fn(T) -> T) -> T {
    let mut acc = [T::zero(); 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (a, v) in acc.iter_mut().zip(chunk) {
            *a += f(*v);
        }
    }
    let tail = rest.iter().fold(T::zero(), |t, v| t + f(*v));
    acc.iter().fold(tail, |t, a| t + *a)
}

/// `sum a b` in eight interleaved partial sums.
#[inline]
pub(crate) fn lane_dot<T: Real>(a: &[T], b: &[T]) -> T {
    let mut acc = [T::zero(); 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .fold(T::zero(), |t, (x, y)| t + *x * *y);
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    acc.iter().fold(tail, |t, v| t + *v)
}
