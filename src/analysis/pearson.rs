//! Pearson correlation coefficients (paper 000, §4.3): `r = cov(x, y) / (sigma_x sigma_y)`,
//! computed with centred two-pass sums in f64.

use super::AnalysisError;
use ndarray::{Array2, ArrayView1, ArrayView2};

fn centred(x: ArrayView1<f64>) -> (Vec<f64>, f64) {
    let mean = x.sum() / x.len() as f64;
    // By index rather than through ndarray's strided iterator: the same values, and valgrind
    // misreads that iterator's partly initialised state in optimised builds (a false report
    // of an uninitialised read from a column view, seen in the C client under valgrind).
    let c: Vec<f64> = (0..x.len()).map(|i| x[i] - mean).collect();
    let ss = c.iter().map(|v| v * v).sum::<f64>();
    (c, ss)
}

fn check(x: ArrayView1<f64>, name: &str) -> Result<(), AnalysisError> {
    if x.len() < 2 {
        return Err(AnalysisError::Invalid(format!(
            "{name} has {} values: a correlation needs at least 2",
            x.len()
        )));
    }
    match x.iter().position(|v| !v.is_finite()) {
        Some(i) => Err(AnalysisError::Invalid(format!(
            "{name}[{i}] is {}: every value must be finite",
            x[i]
        ))),
        None => Ok(()),
    }
}

/// Pearson's r of two equally long samples; NaN when either is constant (r is undefined).
///
/// ```
/// use ndarray::array;
/// let r = ferrolab::analysis::pearson(array![1.0, 2.0, 3.0].view(), array![2.0, 4.0, 7.0].view())?;
/// assert!((r - 0.9933992677987828).abs() < 1e-15);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn pearson(x: ArrayView1<f64>, y: ArrayView1<f64>) -> Result<f64, AnalysisError> {
    check(x, "x")?;
    check(y, "y")?;
    if x.len() != y.len() {
        return Err(AnalysisError::Invalid(format!(
            "x has {} values but y has {}",
            x.len(),
            y.len()
        )));
    }
    let ((cx, sx), (cy, sy)) = (centred(x), centred(y));
    let sxy: f64 = cx.iter().zip(&cy).map(|(a, b)| a * b).sum();
    if sx == 0.0 || sy == 0.0 {
        return Ok(f64::NAN);
    }
    Ok((sxy / (sx.sqrt() * sy.sqrt())).clamp(-1.0, 1.0))
}

/// The matrix of r between every column of `a` (n x p) and every column of `b` (n x q):
/// p x q. Paper 000's Fig. 3 is `pearson_matrix(latent, parameters)`.
///
/// ```
/// use ndarray::array;
/// let a = array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]];
/// let r = ferrolab::analysis::pearson_matrix(a.view(), a.view())?;
/// assert!((r[[0, 0]] - 1.0).abs() < 1e-15);
/// assert_eq!(r[[0, 1]], r[[1, 0]]);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn pearson_matrix(
    a: ArrayView2<f64>,
    b: ArrayView2<f64>,
) -> Result<Array2<f64>, AnalysisError> {
    if a.nrows() != b.nrows() {
        return Err(AnalysisError::Invalid(format!(
            "a has {} rows but b has {}: both need one row per sample",
            a.nrows(),
            b.nrows()
        )));
    }
    let mut r = Array2::zeros((a.ncols(), b.ncols()));
    for (i, ca) in a.columns().into_iter().enumerate() {
        for (j, cb) in b.columns().into_iter().enumerate() {
            r[[i, j]] = pearson(ca, cb).map_err(|e| {
                AnalysisError::Invalid(format!("column {i} of a / column {j} of b: {e}"))
            })?;
        }
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Exact linear relations give +-1, orthogonal centred samples give 0, a constant gives
    /// NaN, and the value is invariant to affine changes of either sample.
    #[test]
    fn analytic_cases() {
        let x = array![1.0, 2.0, 3.0, 4.0];
        let r = pearson(x.view(), x.mapv(|v| -3.0 * v + 7.0).view()).unwrap();
        assert!((r + 1.0).abs() < 1e-15, "{r}");
        let u = array![1.0, -1.0, 1.0, -1.0];
        let v = array![1.0, 1.0, -1.0, -1.0];
        assert_eq!(pearson(u.view(), v.view()).unwrap(), 0.0);
        assert!(
            pearson(x.view(), array![2.0, 2.0, 2.0, 2.0].view())
                .unwrap()
                .is_nan()
        );
        let y = array![0.3, -1.2, 2.5, 0.9];
        let r1 = pearson(x.view(), y.view()).unwrap();
        let r2 = pearson(
            x.mapv(|v| 1e6 + 2.0 * v).view(),
            y.mapv(|v| 5.0 * v - 1.0).view(),
        )
        .unwrap();
        assert!((r1 - r2).abs() < 1e-12);
        assert!(pearson(x.view(), array![1.0, f64::NAN, 0.0, 1.0].view()).is_err());
        assert!(pearson(x.view(), array![1.0, 2.0].view()).is_err());
    }
}
