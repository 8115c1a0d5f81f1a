//! Non-negative matrix factorisation `X ~ W H` (X: n x d, W: n x k, H: k x d, all >= 0) by
//! minimising `0.5 ||X - W H||_F^2` with coordinate descent (HALS; scikit-learn's
//! `solver='cd'`).
//!
//! Each iteration updates every entry of W once, then every entry of H once. One entry's update
//! is the exact minimiser of the objective over that entry on `[0, inf)`: with `HHt = H H^T` and
//! `XHt = X H^T`, the gradient is `g = (W HHt - XHt)[i, t]`, the curvature `HHt[t, t]`, and the
//! step `W[i, t] <- max(0, W[i, t] - g / HHt[t, t])`. The objective therefore never increases.
//! Rows of W do not interact in its update (nor columns of H in theirs), so they run in
//! parallel; the violation is summed in row order, so the stopping decision does not depend on
//! the scheduling.
//!
//! Stopping (scikit-learn's criterion): the violation of an iteration is the sum over all entries
//! of the absolute projected gradient before their update (the gradient, or only its negative part
//! at an entry that is 0); the solver stops when it falls to `tol` times the violation of the
//! first iteration, or after `max_iter` iterations.

use super::AnalysisError;
use super::dense::{check_columns, check_tol, in_pool, invalid, matmul, thin_svd};
use crate::rng::Xoshiro256;
use ndarray::{Array2, ArrayView2, Axis};
use rayon::prelude::*;

/// How W and H start.
///
/// ```
/// use ferrolab::analysis::NmfInit;
/// assert_eq!(NmfInit::default(), NmfInit::Nndsvd);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NmfInit {
    /// Non-negative double SVD (Boutsidis & Gallopoulos 2008): the first pair is the absolute
    /// leading singular pair, each further pair is the larger (in norm product) of the positive
    /// and the negative part of a singular pair, scaled by `sqrt(s_j * norm product)`.
    /// Deterministic, and sparse (many exact zeros, which coordinate descent keeps where the
    /// gradient is non-negative).
    #[default]
    Nndsvd,
    /// NNDSVD with its zeros replaced by the mean of X (no entry starts stuck at 0).
    Nndsvda,
    /// Seeded random: `sqrt(mean(X) / k) * |N(0, 1)|` entries (H drawn first, then W).
    Random {
        /// Seed of the [`Xoshiro256`] stream.
        seed: u64,
    },
}

/// Settings of an NMF; fit with [`Nmf::fit`] or linfa's `Fit`.
///
/// ```
/// use ferrolab::analysis::{NmfInit, NmfParams};
/// let p = NmfParams::new(3);
/// assert_eq!((p.tol, p.max_iter, p.init), (1e-4, 200, NmfInit::Nndsvd));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NmfParams {
    /// Number of components k >= 1 (at most min(n, d) with an NNDSVD start).
    pub n_components: usize,
    /// How W and H start.
    pub init: NmfInit,
    /// Stop when an iteration's violation is at most `tol` times the first one's (>= 0).
    pub tol: f64,
    /// At most this many iterations (each one updates W, then H).
    pub max_iter: usize,
    /// Record the objective after every iteration in [`Nmf::history`]: one more n x d x k
    /// product per iteration, which more than doubles the fit time, so off by default.
    pub record_history: bool,
}

impl NmfParams {
    /// `k` components, NNDSVD start, `tol = 1e-4`, `max_iter = 200` (scikit-learn's defaults).
    ///
    /// ```
    /// let p = ferrolab::analysis::NmfParams::new(4);
    /// assert_eq!(p.n_components, 4);
    /// ```
    pub fn new(n_components: usize) -> Self {
        Self::with_settings(n_components, &super::keys::NmfSettings::default())
    }
}

/// A fitted NMF.
///
/// ```
/// use ferrolab::analysis::{Nmf, NmfParams};
/// use ndarray::array;
/// // An exactly rank-1 non-negative matrix is factorised without error.
/// let x = array![[1.0, 2.0, 0.5], [2.0, 4.0, 1.0], [0.0, 0.0, 0.0]];
/// let nmf = Nmf::fit(x.view(), &NmfParams::new(1))?;
/// assert!(nmf.reconstruction_err() < 1e-12);
/// assert!(nmf.w().iter().chain(nmf.components().iter()).all(|v| *v >= 0.0));
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Nmf {
    w: Array2<f64>,
    h: Array2<f64>,
    reconstruction_err: f64,
    n_iter: usize,
    history: Vec<f64>,
    tol: f64,
    max_iter: usize,
}

impl Nmf {
    /// Factorise `x` (n x d, finite, >= 0).
    ///
    /// Errors: empty, non-finite or negative `x` (the message names the first bad entry), k = 0,
    /// k > min(n, d) with an NNDSVD start, negative or non-finite `tol`.
    ///
    /// ```
    /// use ferrolab::analysis::{Nmf, NmfInit, NmfParams};
    /// use ndarray::array;
    /// let x = array![[1.0, 0.0, 2.0], [0.5, 1.0, 0.0], [0.0, 3.0, 1.0], [2.0, 1.0, 1.0]];
    /// let params = NmfParams {
    ///     init: NmfInit::Random { seed: 7 },
    ///     record_history: true,
    ///     ..NmfParams::new(2)
    /// };
    /// let nmf = Nmf::fit(x.view(), &params)?;
    /// assert!(nmf.history().windows(2).all(|p| p[1] <= p[0]));
    /// assert!(Nmf::fit(array![[1.0, -1.0]].view(), &NmfParams::new(1)).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn fit(x: ArrayView2<f64>, params: &NmfParams) -> Result<Self, AnalysisError> {
        check_non_negative(x, "x")?;
        check_tol(params.tol, "tol")?;
        let (n, d) = x.dim();
        let k = params.n_components;
        if k == 0 {
            return invalid("n_components = 0: it must be at least 1".into());
        }
        super::check_factor_memory(n, d, k, 3)?;
        if k > n.min(d) && matches!(params.init, NmfInit::Nndsvd | NmfInit::Nndsvda) {
            return invalid(format!(
                "n_components = {k}: an NNDSVD start needs k <= min(n, d) = {} for x of {n} x {d}",
                n.min(d)
            ));
        }
        in_pool(|| {
            let (mut w, mut h) = initialise(x, k, params.init)?;
            let mut ht = h.t().to_owned();
            let xt = x.t();
            let mut history = Vec::new();
            let mut first = 0.0;
            let mut n_iter = 0;
            for it in 0..params.max_iter {
                n_iter = it + 1;
                let mut violation = update_factor(x, &mut w, ht.view());
                violation += update_factor(xt, &mut ht, w.view());
                if params.record_history {
                    history.push(objective(x, w.view(), ht.view()));
                }
                if it == 0 {
                    first = violation;
                }
                if first == 0.0 || violation <= params.tol * first {
                    break;
                }
            }
            h.assign(&ht.t());
            let reconstruction_err = (2.0 * objective(x, w.view(), ht.view())).sqrt();
            Ok(Self {
                w,
                h,
                reconstruction_err,
                n_iter,
                history,
                tol: params.tol,
                max_iter: params.max_iter,
            })
        })?
    }

    /// W of the training data, n x k (the scores; scikit-learn's `fit_transform` output).
    ///
    /// ```
    /// use ferrolab::analysis::{Nmf, NmfParams};
    /// let x = ndarray::array![[1.0, 2.0], [2.0, 4.0], [0.5, 1.0]];
    /// let nmf = Nmf::fit(x.view(), &NmfParams::new(1))?;
    /// assert_eq!(nmf.w().dim(), (3, 1));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn w(&self) -> ArrayView2<'_, f64> {
        self.w.view()
    }

    /// H, k x d: the non-negative components.
    ///
    /// ```
    /// use ferrolab::analysis::{Nmf, NmfParams};
    /// let x = ndarray::array![[1.0, 2.0], [2.0, 4.0], [0.5, 1.0]];
    /// let nmf = Nmf::fit(x.view(), &NmfParams::new(1))?;
    /// let h = nmf.components();
    /// assert!((h[[0, 1]] / h[[0, 0]] - 2.0).abs() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn components(&self) -> ArrayView2<'_, f64> {
        self.h.view()
    }

    /// `||X - W H||_F` of the training data (scikit-learn's `reconstruction_err_`).
    ///
    /// ```
    /// use ferrolab::analysis::{Nmf, NmfParams};
    /// let x = ndarray::array![[1.0, 2.0], [2.0, 4.0], [0.5, 1.0]];
    /// let nmf = Nmf::fit(x.view(), &NmfParams::new(1))?;
    /// assert!(nmf.reconstruction_err() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn reconstruction_err(&self) -> f64 {
        self.reconstruction_err
    }

    /// Iterations run.
    ///
    /// ```
    /// use ferrolab::analysis::{Nmf, NmfParams};
    /// let x = ndarray::array![[1.0, 2.0], [2.0, 4.0], [0.5, 1.0]];
    /// let nmf = Nmf::fit(x.view(), &NmfParams::new(1))?;
    /// assert!(nmf.n_iter() >= 1 && nmf.n_iter() <= 200);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The objective `0.5 ||X - W H||_F^2` after every iteration (non-increasing), when
    /// [`NmfParams::record_history`] was set; empty otherwise.
    ///
    /// ```
    /// use ferrolab::analysis::{Nmf, NmfParams};
    /// let x = ndarray::array![[1.0, 2.0], [2.0, 4.0], [0.5, 1.0]];
    /// let params = NmfParams { record_history: true, ..NmfParams::new(1) };
    /// let nmf = Nmf::fit(x.view(), &params)?;
    /// assert_eq!(nmf.history().len(), nmf.n_iter());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn history(&self) -> &[f64] {
        &self.history
    }

    /// W >= 0 (m x k) for new data `x` (m x d, >= 0) with H fixed: the same coordinate descent
    /// on W alone from the constant start `sqrt(mean(x) / k)`, with the fit's `tol` and
    /// `max_iter`.
    ///
    /// ```
    /// use ferrolab::analysis::{Nmf, NmfParams};
    /// use ndarray::array;
    /// let x = array![[1.0, 2.0, 0.5], [2.0, 4.0, 1.0]];
    /// let nmf = Nmf::fit(x.view(), &NmfParams::new(1))?;
    /// let w = nmf.transform(array![[3.0, 6.0, 1.5]].view())?;
    /// let back = nmf.inverse_transform(w.view())?;
    /// assert!((back[[0, 1]] - 6.0).abs() < 1e-3);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
        check_non_negative(x, "x")?;
        check_columns(x, "x", self.h.ncols())?;
        let k = self.h.nrows();
        let start = (x.mean().unwrap_or(0.0) / k as f64).sqrt();
        let mut w = Array2::from_elem((x.nrows(), k), start);
        let ht = self.h.t();
        in_pool(|| {
            let mut first = 0.0;
            for it in 0..self.max_iter {
                let violation = update_factor(x, &mut w, ht);
                if it == 0 {
                    first = violation;
                }
                if first == 0.0 || violation <= self.tol * first {
                    break;
                }
            }
        })?;
        Ok(w)
    }

    /// `W H` (m x d) for scores `w` (m x k).
    ///
    /// ```
    /// use ferrolab::analysis::{Nmf, NmfParams};
    /// use ndarray::array;
    /// let nmf = Nmf::fit(array![[1.0, 2.0], [2.0, 4.0]].view(), &NmfParams::new(1))?;
    /// assert_eq!(nmf.inverse_transform(array![[0.0]].view())?, array![[0.0, 0.0]]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn inverse_transform(&self, w: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
        super::dense::check_matrix(w, "w")?;
        if w.ncols() != self.h.nrows() {
            return invalid(format!(
                "w has {} columns but the model has {} components",
                w.ncols(),
                self.h.nrows()
            ));
        }
        in_pool(|| matmul(w, false, self.h.view(), false))
    }
}

/// Non-empty, finite and non-negative, naming the first bad entry.
fn check_non_negative(x: ArrayView2<f64>, name: &str) -> Result<(), AnalysisError> {
    super::dense::check_matrix(x, name)?;
    match x.indexed_iter().find(|(_, v)| **v < 0.0) {
        Some(((i, j), v)) => invalid(format!(
            "{name}[{i}, {j}] is {v}: NMF needs non-negative values"
        )),
        None => Ok(()),
    }
}

/// `0.5 ||X - W Ht^T||_F^2`.
fn objective(x: ArrayView2<f64>, w: ArrayView2<f64>, ht: ArrayView2<f64>) -> f64 {
    let wh = matmul(w, false, ht, true);
    0.5 * x
        .iter()
        .zip(wh.iter())
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
}

/// One coordinate-descent pass over every entry of `w` (rows in parallel) for
/// `min 0.5 ||X - W F^T||^2` with `f` fixed; returns the violation (summed absolute projected
/// gradients before the updates), summed in row order so it does not depend on the threads.
fn update_factor(x: ArrayView2<f64>, w: &mut Array2<f64>, f: ArrayView2<f64>) -> f64 {
    let ftf = matmul(f, true, f, false);
    let xf = matmul(x, false, f, false);
    let k = w.ncols();
    let per_row: Vec<f64> = w
        .axis_iter_mut(Axis(0))
        .zip(xf.axis_iter(Axis(0)))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(mut row, xf_row)| {
            let mut violation = 0.0;
            for t in 0..k {
                let mut grad = -xf_row[t];
                for r in 0..k {
                    grad += ftf[(t, r)] * row[r];
                }
                let projected = if row[t] == 0.0 { grad.min(0.0) } else { grad };
                violation += projected.abs();
                let hess = ftf[(t, t)];
                if hess > 0.0 {
                    row[t] = (row[t] - grad / hess).max(0.0);
                }
            }
            violation
        })
        .collect();
    per_row.iter().sum()
}

/// Starting W (n x k) and H (k x d).
fn initialise(
    x: ArrayView2<f64>,
    k: usize,
    init: NmfInit,
) -> Result<(Array2<f64>, Array2<f64>), AnalysisError> {
    let (n, d) = x.dim();
    let mean = x.mean().unwrap_or(0.0);
    if let NmfInit::Random { seed } = init {
        let scale = (mean / k as f64).sqrt();
        let mut rng = Xoshiro256::seed_from_u64(seed);
        let h = Array2::from_shape_simple_fn((k, d), || scale * rng.normal().abs());
        let w = Array2::from_shape_simple_fn((n, k), || scale * rng.normal().abs());
        return Ok((w, h));
    }
    let svd = thin_svd(x)?;
    let mut w = Array2::zeros((n, k));
    let mut h = Array2::zeros((k, d));
    for j in 0..k {
        let (u, v, s) = (svd.u.column(j), svd.vt.row(j), svd.s[j]);
        if j == 0 {
            // The leading singular vectors of a non-negative matrix have one sign (Perron-
            // Frobenius); absolute values remove the arbitrary one.
            let root = s.sqrt();
            w.column_mut(0).assign(&u.mapv(|a| root * a.abs()));
            h.row_mut(0).assign(&v.mapv(|a| root * a.abs()));
            continue;
        }
        let norm = |it: &mut dyn Iterator<Item = f64>| it.map(|a| a * a).sum::<f64>().sqrt();
        let (up, un) = (
            norm(&mut u.iter().map(|a| a.max(0.0))),
            norm(&mut u.iter().map(|a| (-a).max(0.0))),
        );
        let (vp, vn) = (
            norm(&mut v.iter().map(|a| a.max(0.0))),
            norm(&mut v.iter().map(|a| (-a).max(0.0))),
        );
        // Keep the dominant of the two non-negative rank-1 parts of u v^T.
        let (sign, nu, nv) = if up * vp > un * vn {
            (1.0, up, vp)
        } else {
            (-1.0, un, vn)
        };
        if nu * nv == 0.0 {
            continue;
        }
        let root = (s * nu * nv).sqrt();
        w.column_mut(j)
            .assign(&u.mapv(|a| root * (sign * a).max(0.0) / nu));
        h.row_mut(j)
            .assign(&v.mapv(|a| root * (sign * a).max(0.0) / nv));
    }
    if init == NmfInit::Nndsvda {
        w.mapv_inplace(|a| if a == 0.0 { mean } else { a });
        h.mapv_inplace(|a| if a == 0.0 { mean } else { a });
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// NNDSVD of a rank-1 non-negative matrix is exact; the starts are non-negative and NNDSVDa
    /// has no zeros.
    #[test]
    fn nndsvd_starts() {
        let x = array![[1.0, 2.0, 0.0], [3.0, 6.0, 0.0], [2.0, 4.0, 0.0]];
        let (w, h) = initialise(x.view(), 1, NmfInit::Nndsvd).unwrap();
        let wh = w.dot(&h);
        assert!(wh.iter().zip(x.iter()).all(|(a, b)| (a - b).abs() < 1e-12));
        let (w, h) = initialise(x.view(), 2, NmfInit::Nndsvda).unwrap();
        assert!(w.iter().chain(h.iter()).all(|v| *v > 0.0));
        let (w, h) = initialise(x.view(), 3, NmfInit::Random { seed: 1 }).unwrap();
        assert!(w.iter().chain(h.iter()).all(|v| *v >= 0.0));
        assert_eq!(w.dim(), (3, 3));
    }
}
