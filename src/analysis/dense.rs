//! Dense building blocks shared by the decompositions: input checks, faer matrix products, the
//! thin SVD with scikit-learn's sign convention, and per-feature centring and scaling.

use super::AnalysisError;
use faer::diag::Diag;
use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::svd::{self, ComputeSvdVectors};
use faer::{Accum, Mat, MatMut, MatRef, Par};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

/// `Err(AnalysisError::Invalid(msg))`.
pub(super) fn invalid<T>(msg: String) -> Result<T, AnalysisError> {
    Err(AnalysisError::Invalid(msg))
}

/// At least one row and one column, every value finite.
pub(super) fn check_matrix(x: ArrayView2<f64>, name: &str) -> Result<(), AnalysisError> {
    if x.is_empty() {
        return invalid(format!(
            "{name} is {} x {}: it needs at least one row and one column",
            x.nrows(),
            x.ncols()
        ));
    }
    match x.indexed_iter().find(|(_, v)| !v.is_finite()) {
        Some(((i, j), v)) => invalid(format!(
            "{name}[{i}, {j}] is {v}: every value must be finite"
        )),
        None => Ok(()),
    }
}

/// `x` has `d` columns (the number the model was fitted on).
pub(super) fn check_columns(x: ArrayView2<f64>, name: &str, d: usize) -> Result<(), AnalysisError> {
    if x.ncols() != d {
        return invalid(format!(
            "{name} has {} columns but the model was fitted on {d}",
            x.ncols()
        ));
    }
    Ok(())
}

/// A finite, non-negative tolerance.
pub(super) fn check_tol(tol: f64, name: &str) -> Result<(), AnalysisError> {
    if !(tol.is_finite() && tol >= 0.0) {
        return invalid(format!("{name} = {tol}: it must be finite and >= 0"));
    }
    Ok(())
}

/// Products below this many multiply-adds run on the calling thread: spreading them over the
/// pool costs more than it saves.
const PARALLEL_FLOPS: usize = 1 << 22;

/// `op(a) op(b)` with `op` the transpose where asked, by faer (in the calling rayon pool for large
/// products, so run it inside [`crate::parallel::install`]).
pub(super) fn matmul(a: ArrayView2<f64>, ta: bool, b: ArrayView2<f64>, tb: bool) -> Array2<f64> {
    // Transposed views of row-major arrays (e.g. `x.t()`) are read in place; anything else is
    // copied to standard layout first.
    let (a_owned, b_owned);
    let fa = match faer_view(a) {
        Some(m) => m,
        None => {
            a_owned = a.as_standard_layout().into_owned();
            faer_view(a_owned.view()).expect("standard layout")
        }
    };
    let fb = match faer_view(b) {
        Some(m) => m,
        None => {
            b_owned = b.as_standard_layout().into_owned();
            faer_view(b_owned.view()).expect("standard layout")
        }
    };
    let fa = if ta { fa.transpose() } else { fa };
    let fb = if tb { fb.transpose() } else { fb };
    let (m, p, q) = (fa.nrows(), fa.ncols(), fb.ncols());
    let mut out = Array2::zeros((m, q));
    if let Some(slice) = out.as_slice_mut() {
        let par = if m * p * q >= PARALLEL_FLOPS {
            Par::rayon(0)
        } else {
            Par::Seq
        };
        faer::linalg::matmul::matmul(
            MatMut::from_row_major_slice_mut(slice, m, q),
            Accum::Replace,
            fa,
            fb,
            1.0,
            par,
        );
    }
    out
}

/// A faer view of a row-major array or of the transpose of one, without copying.
fn faer_view(a: ArrayView2<'_, f64>) -> Option<MatRef<'_, f64>> {
    let (n, d) = a.dim();
    if let Some(slice) = a.to_slice() {
        return Some(MatRef::from_row_major_slice(slice, n, d));
    }
    a.reversed_axes()
        .to_slice()
        .map(|slice| MatRef::from_row_major_slice(slice, d, n).transpose())
}

/// Thin SVD `x = u diag(s) vt` (u: n x r, vt: r x d, r = min(n, d)), singular values in
/// non-increasing order.
pub(super) struct ThinSvd {
    pub u: Array2<f64>,
    pub s: Array1<f64>,
    pub vt: Array2<f64>,
}

/// The thin SVD of `x` by faer, with scikit-learn's sign convention (`svd_flip` with
/// `u_based_decision=False`): every row of `vt` is flipped, together with the matching column of
/// `u`, so that its entry of largest magnitude (the first one on ties) is positive. The sign of a
/// singular pair is otherwise arbitrary, and this makes results reproducible and comparable.
pub(super) fn thin_svd(x: ArrayView2<f64>) -> Result<ThinSvd, AnalysisError> {
    let (n, d) = x.dim();
    let r = n.min(d);
    let a = Mat::from_fn(n, d, |i, j| x[(i, j)]);
    let mut u = Mat::<f64>::zeros(n, r);
    let mut v = Mat::<f64>::zeros(d, r);
    let mut s = Diag::<f64>::zeros(r);
    let par = Par::Seq;
    let mut mem = MemBuffer::new(svd::svd_scratch::<f64>(
        n,
        d,
        ComputeSvdVectors::Thin,
        ComputeSvdVectors::Thin,
        par,
        Default::default(),
    ));
    svd::svd(
        a.as_ref(),
        s.as_mut(),
        Some(u.as_mut()),
        Some(v.as_mut()),
        par,
        MemStack::new(&mut mem),
        Default::default(),
    )
    .map_err(|e| AnalysisError::Invalid(format!("the SVD did not converge: {e:?}")))?;
    let mut out = ThinSvd {
        u: Array2::from_shape_fn((n, r), |(i, c)| u[(i, c)]),
        s: Array1::from_shape_fn(r, |c| s[c]),
        vt: Array2::from_shape_fn((r, d), |(c, j)| v[(j, c)]),
    };
    for (c, flip) in flip_signs(&mut out.vt).into_iter().enumerate() {
        if flip {
            out.u.column_mut(c).mapv_inplace(|v| -v);
        }
    }
    Ok(out)
}

/// scikit-learn's sign convention: flip each row of `vt` so its largest-magnitude entry is
/// positive; returns which rows were flipped.
fn flip_signs(vt: &mut Array2<f64>) -> Vec<bool> {
    vt.rows_mut()
        .into_iter()
        .map(|mut row| {
            let big = row
                .iter()
                .fold(0.0_f64, |b, v| if v.abs() > b.abs() { *v } else { b });
            let flip = big < 0.0;
            if flip {
                row.mapv_inplace(|v| -v);
            }
            flip
        })
        .collect()
}

/// All d singular values (non-increasing) and right singular vectors (rows of `vt`, d x d,
/// signs as [`thin_svd`]) of a tall `x` (n >= d) from the symmetric eigendecomposition of
/// `x^T x`, scikit-learn's "covariance_eigh": one d x d Gram product and a d x d eigensolve
/// instead of an n x d SVD. Singular values below about sqrt(eps) times the largest lose their
/// relative accuracy, so callers keep it for n >> d. Run inside the worker pool.
pub(super) fn gram_svd(x: ArrayView2<f64>) -> Result<(Array1<f64>, Array2<f64>), AnalysisError> {
    let d = x.ncols();
    let gram = matmul(x, true, x, false);
    let g = Mat::from_fn(d, d, |i, j| gram[(i, j)]);
    let eigen = g
        .self_adjoint_eigen(faer::Side::Lower)
        .map_err(|e| AnalysisError::Invalid(format!("the eigensolver did not converge: {e:?}")))?;
    let (values, vectors) = (eigen.S(), eigen.U());
    // faer sorts eigenvalues upwards: reverse into singular-value order.
    let s = Array1::from_shape_fn(d, |c| values[d - 1 - c].max(0.0).sqrt());
    let mut vt = Array2::from_shape_fn((d, d), |(c, j)| vectors[(j, d - 1 - c)]);
    flip_signs(&mut vt);
    Ok((s, vt))
}

/// Per-feature mean and population standard deviation (ddof 0) of the columns of `x`, as
/// scikit-learn's `StandardScaler`. A feature that is constant up to rounding (standard deviation
/// at most `n eps max|x_j|`, the error of the two-pass mean) gets scale 1, so it is centred but
/// not blown up.
pub(super) fn mean_and_scale(x: ArrayView2<f64>) -> (Array1<f64>, Array1<f64>) {
    let n = x.nrows() as f64;
    let mean = x.sum_axis(Axis(0)) / n;
    let scale = Array1::from_shape_fn(x.ncols(), |j| {
        let col = x.column(j);
        let var = col.iter().map(|v| (v - mean[j]).powi(2)).sum::<f64>() / n;
        let big = col.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let std = var.sqrt();
        if std <= n * f64::EPSILON * big {
            1.0
        } else {
            std
        }
    });
    (mean, scale)
}

/// `(x - mean) / scale`, feature by feature.
pub(super) fn standardise(
    x: ArrayView2<f64>,
    mean: ArrayView1<f64>,
    scale: ArrayView1<f64>,
) -> Array2<f64> {
    let mut z = x.to_owned();
    for mut row in z.rows_mut() {
        row.zip_mut_with(&mean, |v, m| *v -= m);
        row.zip_mut_with(&scale, |v, s| *v /= s);
    }
    z
}

/// `z * scale + mean`, feature by feature: the inverse of [`standardise`].
pub(super) fn unstandardise(
    mut z: Array2<f64>,
    mean: ArrayView1<f64>,
    scale: ArrayView1<f64>,
) -> Array2<f64> {
    for mut row in z.rows_mut() {
        row.zip_mut_with(&scale, |v, s| *v *= s);
        row.zip_mut_with(&mean, |v, m| *v += m);
    }
    z
}

/// Run `work` in ferrolab's worker pool, reporting a pool that cannot start as invalid input
/// (the convention of the other engines' analysis steps).
pub(super) fn in_pool<R: Send>(work: impl FnOnce() -> R + Send) -> Result<R, AnalysisError> {
    crate::parallel::install(work).map_err(|e| AnalysisError::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Gram route and the thin SVD agree on a tall matrix with a spread of singular values.
    #[test]
    fn gram_svd_matches_thin_svd() {
        // Pseudo-random columns scaled down by up to 10^-3.5: singular values over 4 decades.
        let x = Array2::from_shape_fn((400, 8), |(i, j)| {
            let r = ((i * 7919 + j * 104_729) % 1009) as f64 / 1009.0 - 0.5;
            r * 10f64.powf(-0.5 * j as f64)
        });
        let (s, vt) = crate::parallel::install(|| gram_svd(x.view()))
            .unwrap()
            .unwrap();
        let svd = thin_svd(x.view()).unwrap();
        for c in 0..8 {
            // Absolute accuracy sqrt(eps) s_max: the documented limit of the Gram route.
            let tol = 4.0 * f64::EPSILON.sqrt() * svd.s[0];
            assert!(
                (s[c] - svd.s[c]).abs() < tol,
                "{c}: {} vs {}",
                s[c],
                svd.s[c]
            );
            if svd.s[c] > 1e-3 * svd.s[0] {
                let dot: f64 = vt.row(c).dot(&svd.vt.row(c));
                assert!((dot - 1.0).abs() < 1e-9, "component {c}: {dot}");
            }
        }
    }
    use ndarray::array;

    #[test]
    fn products_and_svd_reconstruct() {
        let a = array![[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]];
        let b = array![[1.0, 0.0], [2.0, 1.0], [0.0, -1.0]];
        let c = matmul(a.view(), false, b.view(), false);
        assert_eq!(c, a.dot(&b));
        let ct = matmul(b.view(), true, a.view(), true);
        assert_eq!(ct, c.t());
        let svd = thin_svd(a.view()).unwrap();
        let us = &svd.u * &svd.s;
        let back = us.dot(&svd.vt);
        for (x, y) in back.iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-14);
        }
        for row in svd.vt.rows() {
            let big = row
                .iter()
                .fold(0.0_f64, |m, v| if v.abs() > m.abs() { *v } else { m });
            assert!(big > 0.0);
        }
    }

    #[test]
    fn constant_features_are_not_scaled() {
        let x = array![[0.1, 1.0], [0.1, 3.0], [0.1, 5.0]];
        let (mean, scale) = mean_and_scale(x.view());
        assert!((mean[0] - 0.1).abs() < 1e-16 && scale[0] == 1.0);
        assert!((scale[1] - (8.0_f64 / 3.0).sqrt()).abs() < 1e-15);
        let z = standardise(x.view(), mean.view(), scale.view());
        let back = unstandardise(z, mean.view(), scale.view());
        assert!(
            back.iter()
                .zip(x.iter())
                .all(|(a, b)| (a - b).abs() < 1e-15)
        );
    }
}
