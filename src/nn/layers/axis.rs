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
}

/// Mean and biased variance (divided by the count) of `x` at `indices`: BatchNorm's statistics
/// (LayerNorm sums the same way, for all its inner positions at once).
pub(crate) fn moments<T: Real>(x: &[T], indices: impl Iterator<Item = usize> + Clone) -> (T, T) {
    let n = T::of(indices.clone().count() as f64);
    let mean = indices.clone().map(|j| x[j]).sum::<T>() / n;
    let var = indices.map(|j| (x[j] - mean).powi(2)).sum::<T>() / n;
    (mean, var)
}
