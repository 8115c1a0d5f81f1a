//! k-nearest-neighbour regression and the coefficient of determination: paper 001's information
//! check (design note: regress the colours (R, G, B) of the toy spectra from the active latent
//! means with k = 10 and ask for R^2 >= 0.9).

use super::AnalysisError;
use ndarray::{Array2, ArrayView2};

fn check(x: ArrayView2<f64>, name: &str) -> Result<(), AnalysisError> {
    if x.nrows() == 0 || x.ncols() == 0 {
        return Err(AnalysisError::Invalid(format!(
            "{name} is {} x {}: it needs rows and columns",
            x.nrows(),
            x.ncols()
        )));
    }
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((i, j), v)) => Err(AnalysisError::Invalid(format!(
            "{name}[{i}, {j}] is {v}: every value must be finite"
        ))),
        None => Ok(()),
    }
}

/// Predictions for the rows of `query` (m x d): the mean of the targets (`train_y`, n x q) of
/// the `k` training rows (`train_x`, n x d) nearest in Euclidean distance (ties: the lower
/// row index first, so results are deterministic), m x q. Brute force, O(m n d).
///
/// Errors: empty or non-finite inputs, mismatched shapes, k = 0 or k > n.
///
/// ```
/// use ndarray::array;
/// let x = array![[0.0], [1.0], [2.0], [10.0]];
/// let y = array![[0.0], [1.0], [2.0], [10.0]];
/// let p = ferrolab::analysis::knn_regress(x.view(), y.view(), array![[0.9], [9.0]].view(), 2)?;
/// assert_eq!(p, array![[0.5], [6.0]]);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn knn_regress(
    train_x: ArrayView2<f64>,
    train_y: ArrayView2<f64>,
    query: ArrayView2<f64>,
    k: usize,
) -> Result<Array2<f64>, AnalysisError> {
    check(train_x, "train_x")?;
    check(train_y, "train_y")?;
    check(query, "query")?;
    let n = train_x.nrows();
    if train_y.nrows() != n {
        return Err(AnalysisError::Invalid(format!(
            "train_x has {n} rows but train_y has {}",
            train_y.nrows()
        )));
    }
    if query.ncols() != train_x.ncols() {
        return Err(AnalysisError::Invalid(format!(
            "query has {} columns but train_x has {}",
            query.ncols(),
            train_x.ncols()
        )));
    }
    if k == 0 || k > n {
        return Err(AnalysisError::Invalid(format!(
            "k = {k}: it must be between 1 and the {n} training rows"
        )));
    }
    crate::limits::check(
        &format!("{} query rows", query.nrows()),
        crate::limits::bytes_of::<f64>(&[query.nrows(), train_y.ncols()]),
    )?;
    let mut out = Array2::zeros((query.nrows(), train_y.ncols()));
    let mut dist: Vec<(f64, usize)> = Vec::with_capacity(n);
    for (q, mut row) in query.rows().into_iter().zip(out.rows_mut()) {
        dist.clear();
        dist.extend(train_x.rows().into_iter().enumerate().map(|(i, x)| {
            let d2: f64 = x.iter().zip(q.iter()).map(|(a, b)| (a - b) * (a - b)).sum();
            (d2, i)
        }));
        let order = |a: &(f64, usize), b: &(f64, usize)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
        if k < n {
            dist.select_nth_unstable_by(k - 1, order);
        }
        for &(_, i) in &dist[..k] {
            row += &train_y.row(i);
        }
        row /= k as f64;
    }
    Ok(out)
}

/// The coefficient of determination of each column of `predicted` against `truth` (both
/// n x q): `1 - sum (y - p)^2 / sum (y - mean y)^2` (scikit-learn's `r2_score` per output; NaN
/// for a constant column).
///
/// Errors: empty or non-finite inputs, different shapes.
///
/// ```
/// use ndarray::array;
/// let y = array![[1.0], [2.0], [3.0]];
/// let r2 = ferrolab::analysis::r2_score(y.view(), array![[1.0], [2.0], [4.0]].view())?;
/// assert!((r2[0] - 0.5).abs() < 1e-15);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn r2_score(
    truth: ArrayView2<f64>,
    predicted: ArrayView2<f64>,
) -> Result<Vec<f64>, AnalysisError> {
    check(truth, "truth")?;
    check(predicted, "predicted")?;
    if truth.dim() != predicted.dim() {
        return Err(AnalysisError::Invalid(format!(
            "truth is {:?} but predicted is {:?}",
            truth.dim(),
            predicted.dim()
        )));
    }
    Ok(truth
        .columns()
        .into_iter()
        .zip(predicted.columns())
        .map(|(y, p)| {
            let mean = y.sum() / y.len() as f64;
            let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
            let residual: f64 = y.iter().zip(p.iter()).map(|(a, b)| (a - b).powi(2)).sum();
            if total == 0.0 {
                f64::NAN
            } else {
                1.0 - residual / total
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn neighbours_are_found_in_several_dimensions_and_ties_go_to_the_lower_index() {
        let x = array![[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [5.0, 5.0]];
        let y = array![[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]];
        // (0.5, 0.5) is equally far from rows 0, 1 and 2: k = 2 takes rows 0 and 1. (4, 4) is
        // nearest to row 3, then equally far from rows 1 and 2: row 1.
        let p = knn_regress(x.view(), y.view(), array![[0.5, 0.5], [4.0, 4.0]].view(), 2).unwrap();
        assert_eq!(p, array![[1.5, 15.0], [3.0, 30.0]]);
        // k = n averages everything.
        let all = knn_regress(x.view(), y.view(), array![[9.0, 9.0]].view(), 4).unwrap();
        assert_eq!(all, array![[2.5, 25.0]]);
        // A smooth function of a dense sample is recovered: R^2 near 1.
        let grid = Array2::from_shape_fn((400, 1), |(i, _)| i as f64 / 399.0);
        let f = grid.mapv(|t| (3.0 * t).sin());
        let q = Array2::from_shape_fn((50, 1), |(i, _)| (i as f64 + 0.5) / 50.0);
        let p = knn_regress(grid.view(), f.view(), q.view(), 10).unwrap();
        let r2 = r2_score(q.mapv(|t| (3.0 * t).sin()).view(), p.view()).unwrap();
        assert!(r2[0] > 0.999, "{r2:?}");
    }

    #[test]
    fn bad_inputs_are_refused_with_their_names() {
        let x = array![[0.0], [1.0]];
        let err = |r: Result<Array2<f64>, AnalysisError>| r.unwrap_err().to_string();
        assert!(err(knn_regress(x.view(), x.view(), x.view(), 3)).contains("k = 3"));
        assert!(err(knn_regress(x.view(), x.view(), x.view(), 0)).contains("k = 0"));
        let wide = array![[0.0, 1.0]];
        assert!(err(knn_regress(x.view(), x.view(), wide.view(), 1)).contains("query has 2"));
        let bad = array![[f64::NAN]];
        assert!(err(knn_regress(x.view(), x.view(), bad.view(), 1)).contains("query[0, 0]"));
        assert!(
            r2_score(x.view(), wide.view())
                .unwrap_err()
                .to_string()
                .contains("predicted")
        );
        assert!(r2_score(array![[1.0], [1.0]].view(), x.view()).unwrap()[0].is_nan());
    }
}
