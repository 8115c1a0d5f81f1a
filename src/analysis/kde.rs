//! Gaussian kernel density estimates (paper 002 maps time-resolved densities of 2-D latent
//! codes on a grid, then factorises them with NMF).
//!
//! `f(p) = Σ_i w_i N(p | x_i, H)` with weights `w_i` summing to 1 (uniform by default) and one
//! kernel covariance `H` for all samples, chosen as in `scipy.stats.gaussian_kde`:
//! `H = factor² × C` with `C` the weighted data covariance with ddof 1,
//! `C = Σ w_i (x_i − x̄)(x_i − x̄)ᵀ / (1 − Σ w_i²)`, `x̄ = Σ w_i x_i`, and the factor
//! - Scott: `n_eff^(−1/(d+4))`,
//! - Silverman: `(n_eff (d+2) / 4)^(−1/(d+4))`,
//! - or given,
//!
//! where `n_eff = 1 / Σ w_i²` (n for uniform weights). [`Bandwidth::Isotropic`] instead uses
//! `H = h² I`, scikit-learn's `KernelDensity(kernel="gaussian", bandwidth=h)`.
//!
//! Evaluation whitens samples and points with the Cholesky factor `L` of `H` (`H = L Lᵀ`), so
//! every kernel costs d multiply-adds; densities sum `exp(−½ q)` directly, log densities use
//! log-sum-exp (finite far in the tails where the density underflows to 0). Points are
//! evaluated in parallel on the [`parallel`](crate::parallel) pool, each by the same sequential
//! sum, so results do not depend on the thread count.
//!
//! ```
//! use ferrolab::analysis::{Bandwidth, GaussianKde};
//! let x = ndarray::array![[0.0], [0.5], [1.0], [3.0]];
//! let kde = GaussianKde::new(x.view(), Bandwidth::Scott, None)?;
//! let f = kde.evaluate(ndarray::array![[0.5], [10.0]].view())?;
//! assert!(f[0] > f[1]);
//! # Ok::<(), ferrolab::analysis::AnalysisError>(())
//! ```

use super::rows::{checked_points, checked_rows, map_row_blocks};
use super::{AnalysisError, log_sum_exp};
use crate::linalg::{cholesky, half_log_det, solve_lower};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};

/// How the kernel covariance is chosen (see the module docs).
///
/// ```
/// use ferrolab::analysis::{Bandwidth, GaussianKde};
/// let x = ndarray::array![[0.0], [1.0], [2.0]];
/// let kde = GaussianKde::new(x.view(), Bandwidth::Factor(0.5), None)?;
/// // Data variance 1 (ddof 1) times 0.5².
/// assert!((kde.covariance()[[0, 0]] - 0.25).abs() < 1e-15);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bandwidth {
    /// Scott's rule, `n_eff^(−1/(d+4))` times the data covariance (SciPy's default).
    Scott,
    /// Silverman's rule, `(n_eff (d+2)/4)^(−1/(d+4))` times the data covariance.
    Silverman,
    /// This factor (> 0) times the data covariance (SciPy's scalar `bw_method`).
    Factor(f64),
    /// Kernel covariance `h² I` for this `h` (> 0), independent of the data covariance
    /// (scikit-learn's `KernelDensity` bandwidth).
    Isotropic(f64),
}

/// A Gaussian kernel density estimate.
///
/// ```
/// use ferrolab::analysis::{Bandwidth, GaussianKde};
/// // One sample with bandwidth 1 is the standard normal density.
/// let kde = GaussianKde::new(ndarray::array![[0.0]].view(), Bandwidth::Isotropic(1.0), None)?;
/// let f = kde.evaluate(ndarray::array![[1.0]].view())?;
/// assert!((f[0] - (-0.5f64).exp() / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-15);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianKde {
    d: usize,
    /// Samples whitened by `L⁻¹`, n x d row-major.
    white: Vec<f64>,
    weights: Array1<f64>,
    log_weights: Vec<f64>,
    /// Lower Cholesky factor of the kernel covariance, d x d row-major.
    factor_l: Vec<f64>,
    /// `−d ln(2π)/2 − ln det(L)`: the log of the kernel's normalisation.
    log_norm: f64,
    factor: f64,
    n_eff: f64,
    covariance: Array2<f64>,
}

fn invalid<T>(m: String) -> Result<T, AnalysisError> {
    Err(AnalysisError::Invalid(m))
}

/// `n` evenly spaced values from `min` to `max` inclusive; `name` for the messages.
fn axis(name: &str, min: f64, max: f64, n: usize) -> Result<Array1<f64>, AnalysisError> {
    if !(min.is_finite() && max.is_finite() && min < max) || n < 2 {
        return invalid(format!(
            "grid axis {name} = ({min}, {max}, {n}): it needs finite min < max and at least 2 points"
        ));
    }
    Ok(Array1::linspace(min, max, n))
}

impl GaussianKde {
    /// The estimate of the rows of `data` (n samples x d), optionally weighted (n values ≥ 0,
    /// not all zero; normalised to sum 1).
    ///
    /// Errors: `data` empty or non-finite; `weights` of the wrong length, negative, non-finite
    /// or all zero; a factor or `h` not positive and finite; and, except for
    /// [`Bandwidth::Isotropic`], a data covariance that is undefined (one effective sample) or
    /// singular (a constant coordinate, collinear samples, fewer samples than d + 1).
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let x = ndarray::array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.5], [0.5, 0.3]];
    /// let w = ndarray::array![1.0, 2.0, 1.0, 0.5];
    /// let kde = GaussianKde::new(x.view(), Bandwidth::Silverman, Some(w.view()))?;
    /// assert!((kde.n_eff() - 4.5f64.powi(2) / 6.25).abs() < 1e-12);
    /// let line = ndarray::array![[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]];
    /// assert!(GaussianKde::new(line.view(), Bandwidth::Scott, None).is_err()); // singular
    /// assert!(GaussianKde::new(line.view(), Bandwidth::Isotropic(0.3), None).is_ok());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn new(
        data: ArrayView2<f64>,
        bandwidth: Bandwidth,
        weights: Option<ArrayView1<f64>>,
    ) -> Result<Self, AnalysisError> {
        let (n, d) = data.dim();
        let flat = checked_rows(data, "data", 1)?;
        let weights = match weights {
            None => Array1::from_elem(n, 1.0 / n as f64),
            Some(w) => {
                if w.len() != n {
                    return invalid(format!(
                        "weights has {} values but data has {n} samples",
                        w.len()
                    ));
                }
                if let Some((i, v)) = w
                    .iter()
                    .enumerate()
                    .find(|(_, v)| !(**v >= 0.0 && v.is_finite()))
                {
                    return invalid(format!(
                        "weights[{i}] is {v}: weights must be finite and >= 0"
                    ));
                }
                let total = w.sum();
                if total <= 0.0 || !total.is_finite() {
                    return invalid(format!(
                        "weights sum to {total}: at least one must be positive"
                    ));
                }
                w.mapv(|v| v / total)
            }
        };
        let sum_sq: f64 = weights.iter().map(|w| w * w).sum();
        let n_eff = 1.0 / sum_sq;
        let exponent = -1.0 / (d as f64 + 4.0);
        let factor = match bandwidth {
            Bandwidth::Scott => n_eff.powf(exponent),
            Bandwidth::Silverman => (n_eff * (d as f64 + 2.0) / 4.0).powf(exponent),
            Bandwidth::Factor(f) | Bandwidth::Isotropic(f) => {
                if !(f > 0.0 && f.is_finite()) {
                    return invalid(format!(
                        "bandwidth {bandwidth:?}: the factor or h must be finite and > 0"
                    ));
                }
                f
            }
        };
        let mut covariance = vec![0.0; d * d];
        if let Bandwidth::Isotropic(h) = bandwidth {
            (0..d).for_each(|a| covariance[a * d + a] = h * h);
        } else {
            let denominator = 1.0 - sum_sq;
            if denominator.is_nan() || denominator <= 0.0 {
                return invalid(
                    "data has a single (effective) sample: its covariance is undefined; use \
                     an isotropic bandwidth (Bandwidth::Isotropic, key kde.bandwidth = isotropic)"
                        .into(),
                );
            }
            let mut mean = vec![0.0; d];
            for (p, w) in flat.chunks_exact(d).zip(&weights) {
                mean.iter_mut().zip(p).for_each(|(m, v)| *m += w * v);
            }
            let mut diff = vec![0.0; d];
            for (p, w) in flat.chunks_exact(d).zip(&weights) {
                diff.iter_mut()
                    .zip(p)
                    .zip(&mean)
                    .for_each(|((c, v), m)| *c = v - m);
                for a in 0..d {
                    for b in 0..=a {
                        covariance[a * d + b] += w * diff[a] * diff[b];
                    }
                }
            }
            let scale = factor * factor / denominator;
            for a in 0..d {
                for b in 0..=a {
                    covariance[a * d + b] *= scale;
                    covariance[b * d + a] = covariance[a * d + b];
                }
            }
        }
        let Some(factor_l) = cholesky(&covariance, d) else {
            return invalid(format!(
                "the covariance of data is singular (a constant coordinate, collinear samples or \
                 fewer than d + 1 = {} distinct samples): a Gaussian KDE with a data-shaped \
                 kernel needs a positive-definite covariance; use an isotropic bandwidth \
                 (Bandwidth::Isotropic, key kde.bandwidth = isotropic)",
                d + 1
            ));
        };
        let mut white = flat;
        for p in white.chunks_exact_mut(d) {
            solve_lower(&factor_l, d, p);
        }
        let log_norm =
            -0.5 * d as f64 * (2.0 * std::f64::consts::PI).ln() - half_log_det(&factor_l, d);
        Ok(Self {
            d,
            white,
            log_weights: weights.iter().map(|w| w.ln()).collect(),
            weights,
            factor_l,
            log_norm,
            factor,
            n_eff,
            covariance: Array2::from_shape_vec((d, d), covariance)
                .map_err(|e| AnalysisError::Invalid(e.to_string()))?,
        })
    }

    /// Number of dimensions d.
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let kde = GaussianKde::new(ndarray::array![[0.0], [1.0]].view(), Bandwidth::Scott, None)?;
    /// assert_eq!(kde.dim(), 1);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn dim(&self) -> usize {
        self.d
    }

    /// Effective sample count `1 / Σ w_i²` (n when unweighted).
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let kde = GaussianKde::new(ndarray::array![[0.0], [1.0]].view(), Bandwidth::Scott, None)?;
    /// assert!((kde.n_eff() - 2.0).abs() < 1e-15);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn n_eff(&self) -> f64 {
        self.n_eff
    }

    /// The bandwidth factor (SciPy's `factor`); `h` for [`Bandwidth::Isotropic`].
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let x = ndarray::array![[0.0], [1.0], [3.0]];
    /// let kde = GaussianKde::new(x.view(), Bandwidth::Scott, None)?;
    /// assert!((kde.factor() - 3f64.powf(-0.2)).abs() < 1e-15);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn factor(&self) -> f64 {
        self.factor
    }

    /// The kernel covariance H (d x d), SciPy's `covariance`.
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let x = ndarray::array![[0.0, 0.0], [1.0, 2.0]];
    /// let kde = GaussianKde::new(x.view(), Bandwidth::Isotropic(0.5), None)?;
    /// assert_eq!(kde.covariance(), ndarray::array![[0.25, 0.0], [0.0, 0.25]]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn covariance(&self) -> &Array2<f64> {
        &self.covariance
    }

    /// The normalised sample weights (summing to 1).
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let w = ndarray::array![1.0, 3.0];
    /// let x = ndarray::array![[0.0], [1.0]];
    /// let kde = GaussianKde::new(x.view(), Bandwidth::Isotropic(1.0), Some(w.view()))?;
    /// assert_eq!(kde.weights().to_vec(), [0.25, 0.75]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn weights(&self) -> &Array1<f64> {
        &self.weights
    }

    /// Whitened points (m x d row-major) and, per point, `q_i = ‖L⁻¹(p − x_i)‖²` folded by `f`.
    fn per_point<F>(&self, points: ArrayView2<f64>, f: F) -> Result<Array1<f64>, AnalysisError>
    where
        F: Fn(&mut dyn Iterator<Item = (usize, f64)>) -> f64 + Sync + Send,
    {
        let d = self.d;
        let mut flat = checked_points(points, "points", d)?;
        for p in flat.chunks_exact_mut(d) {
            solve_lower(&self.factor_l, d, p);
        }
        let values = map_row_blocks(points.nrows(), self.weights.len() * d, |rows| {
            rows.map(|r| {
                let p = &flat[r * d..(r + 1) * d];
                let mut q = self
                    .white
                    .chunks_exact(d)
                    .enumerate()
                    .map(|(i, x)| (i, p.iter().zip(x).map(|(a, b)| (a - b) * (a - b)).sum()));
                f(&mut q)
            })
            .collect()
        })?;
        Ok(Array1::from(values))
    }

    /// Densities at the rows of `points` (m x d). Far in the tails they underflow to 0; use
    /// [`log_evaluate`](Self::log_evaluate) there.
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let x = ndarray::array![[-1.0], [1.0]];
    /// let kde = GaussianKde::new(x.view(), Bandwidth::Isotropic(1.0), None)?;
    /// let f = kde.evaluate(ndarray::array![[0.0]].view())?;
    /// assert!((f[0] - (-0.5f64).exp() / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-15);
    /// assert!(kde.evaluate(ndarray::array![[0.0, 1.0]].view()).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn evaluate(&self, points: ArrayView2<f64>) -> Result<Array1<f64>, AnalysisError> {
        let norm = self.log_norm.exp();
        self.per_point(points, |q| {
            norm * q
                .map(|(i, q)| self.weights[i] * (-0.5 * q).exp())
                .sum::<f64>()
        })
    }

    /// Log densities at the rows of `points` (m x d), by log-sum-exp (SciPy's `logpdf`,
    /// scikit-learn's `score_samples`).
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let kde = GaussianKde::new(ndarray::array![[0.0]].view(), Bandwidth::Isotropic(1.0), None)?;
    /// let l = kde.log_evaluate(ndarray::array![[100.0]].view())?;
    /// assert!((l[0] + 5000.0 + 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-9);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn log_evaluate(&self, points: ArrayView2<f64>) -> Result<Array1<f64>, AnalysisError> {
        self.per_point(points, |q| {
            let terms: Vec<f64> = q.map(|(i, q)| self.log_weights[i] - 0.5 * q).collect();
            self.log_norm + log_sum_exp(&terms)
        })
    }

    /// Densities on `n` evenly spaced points from `min` to `max` (1-D estimates): the axis and
    /// the densities.
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let x = ndarray::array![[0.0], [1.0], [1.5]];
    /// let kde = GaussianKde::new(x.view(), Bandwidth::Scott, None)?;
    /// let (axis, f) = kde.grid_1d(-1.0, 3.0, 5)?;
    /// assert_eq!(axis.to_vec(), [-1.0, 0.0, 1.0, 2.0, 3.0]);
    /// assert_eq!(f[1], kde.evaluate(ndarray::array![[0.0]].view())?[0]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn grid_1d(
        &self,
        min: f64,
        max: f64,
        n: usize,
    ) -> Result<(Array1<f64>, Array1<f64>), AnalysisError> {
        if self.d != 1 {
            return invalid(format!(
                "grid_1d needs a 1-D estimate, this one has d = {}",
                self.d
            ));
        }
        let a = axis("x", min, max, n)?;
        let points = a.view().insert_axis(ndarray::Axis(1));
        let f = self.evaluate(points)?;
        Ok((a, f))
    }

    /// Densities on the regular grid `x × y` of a 2-D estimate, each axis given as
    /// `(min, max, points)`: the axes and an `nx x ny` array with `f[[i, j]]` at
    /// `(x[i], y[j])` (paper 002's latent-space density maps).
    ///
    /// ```
    /// use ferrolab::analysis::{Bandwidth, GaussianKde};
    /// let z = ndarray::array![[0.0, 0.0], [1.0, 0.2], [0.3, 1.0], [0.8, 0.9]];
    /// let kde = GaussianKde::new(z.view(), Bandwidth::Scott, None)?;
    /// let (x, y, f) = kde.grid_2d((-1.0, 2.0, 4), (-1.0, 2.0, 3))?;
    /// assert_eq!(f.dim(), (4, 3));
    /// let at = kde.evaluate(ndarray::array![[x[2], y[1]]].view())?;
    /// assert_eq!(f[[2, 1]], at[0]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn grid_2d(
        &self,
        x: (f64, f64, usize),
        y: (f64, f64, usize),
    ) -> Result<(Array1<f64>, Array1<f64>, Array2<f64>), AnalysisError> {
        if self.d != 2 {
            return invalid(format!(
                "grid_2d needs a 2-D estimate, this one has d = {}",
                self.d
            ));
        }
        let ax = axis("x", x.0, x.1, x.2)?;
        let ay = axis("y", y.0, y.1, y.2)?;
        let points = Array2::from_shape_fn((ax.len() * ay.len(), 2), |(r, c)| {
            if c == 0 {
                ax[r / ay.len()]
            } else {
                ay[r % ay.len()]
            }
        });
        let f = self
            .evaluate(points.view())?
            .into_shape_with_order((ax.len(), ay.len()))
            .map_err(|e| AnalysisError::Invalid(e.to_string()))?;
        Ok((ax, ay, f))
    }
}
