//! Input checks and the row-parallel map shared by k-means, the mixtures and the KDEs.

use super::AnalysisError;
use ndarray::ArrayView2;
use rayon::prelude::*;

/// Rows per parallel task. Fixed, so the split never depends on the number of threads.
const CHUNK_ROWS: usize = 256;

/// Below this many multiply-adds the work runs on the calling thread (spawning costs more).
const PARALLEL_MIN_WORK: usize = 1 << 16;

/// `x` as a row-major copy after checking it: at least `min_rows` rows, at least one
/// column, every value finite. Messages name the argument `name`.
pub(super) fn checked_rows(
    x: ArrayView2<f64>,
    name: &str,
    min_rows: usize,
) -> Result<Vec<f64>, AnalysisError> {
    let (n, d) = x.dim();
    if n < min_rows || d == 0 {
        return Err(AnalysisError::Invalid(format!(
            "{name} is {n} x {d}: it needs at least {min_rows} row(s) (samples) and 1 column (feature)"
        )));
    }
    if let Some(((i, j), v)) = x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        return Err(AnalysisError::Invalid(format!(
            "{name}[{i}, {j}] is {v}: every value must be finite"
        )));
    }
    // Logical (row-major) order whatever the memory layout of the view.
    Ok(x.iter().copied().collect())
}

/// Like [`checked_rows`] with the column count fixed to `d` (points for a fitted model).
pub(super) fn checked_points(
    x: ArrayView2<f64>,
    name: &str,
    d: usize,
) -> Result<Vec<f64>, AnalysisError> {
    if x.ncols() != d {
        return Err(AnalysisError::Invalid(format!(
            "{name} has {} columns but the model has {d} features",
            x.ncols()
        )));
    }
    if x.nrows() == 0 {
        return Ok(Vec::new());
    }
    checked_rows(x, name, 1)
}

/// `f` applied to fixed blocks of rows `0..n` (it returns the results of its block's rows,
/// `per_row` values each, in order), concatenated in row order. Every row is computed by the
/// same code whatever the thread count, so results are bit-identical for any pool size.
/// `cost_per_row` (multiply-adds) decides whether spreading over the pool is worth it.
pub(super) fn map_row_blocks<T, F>(
    n: usize,
    cost_per_row: usize,
    f: F,
) -> Result<Vec<T>, AnalysisError>
where
    T: Send,
    F: Fn(std::ops::Range<usize>) -> Vec<T> + Sync + Send,
{
    if n.saturating_mul(cost_per_row) < PARALLEL_MIN_WORK {
        return Ok(f(0..n));
    }
    let blocks: Vec<Vec<T>> = crate::parallel::install(|| {
        (0..n.div_ceil(CHUNK_ROWS))
            .into_par_iter()
            .map(|b| f(b * CHUNK_ROWS..((b + 1) * CHUNK_ROWS).min(n)))
            .collect()
    })
    .map_err(|e| AnalysisError::Invalid(e.to_string()))?;
    Ok(blocks.into_iter().flatten().collect())
}
