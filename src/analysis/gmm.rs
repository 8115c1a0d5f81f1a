//! Gaussian mixture models fitted by expectation–maximisation (paper 003 clusters a VAE latent
//! space with 8 full-covariance components; paper 004 compares mixtures with k-means and PCA).
//!
//! Not taken from linfa-clustering: it lacks diagonal, tied and spherical covariances and
//! scikit-learn's conventions, which the papers' numbers rely on (see the [`KMeans`] module docs).
//!
//! Conventions are those of scikit-learn's `GaussianMixture`, so fitted models are comparable:
//! - start: responsibilities from one k-means run ([`GmmInit::KMeans`], one-hot labels) or
//!   uniform random numbers normalised per sample ([`GmmInit::Random`]), then an M-step;
//! - M-step: `N_j = Σ_i r_ij + 10 ε` (ε = machine epsilon, keeps an emptied component finite),
//!   weights `N_j / Σ N`, means `Σ_i r_ij x_i / N_j`, covariances the responsibility-weighted
//!   scatter about the mean divided by `N_j`, plus `reg_covar` on the diagonal (Diagonal keeps
//!   only the diagonal, Spherical its average, Tied pools all components' scatter over `Σ N`);
//! - E-step in logarithms throughout: `ln w_j + ln N(x_i | μ_j, Σ_j)` through a Cholesky factor
//!   of `Σ_j`, normalised by log-sum-exp;
//! - the lower bound is the mean over samples of `ln Σ_j w_j N(x_i | μ_j, Σ_j)` computed in the
//!   E-step of each iteration (so with the parameters *before* that iteration's M-step); EM
//!   stops when it changes by less than `tol` or after `max_iter` iterations;
//! - of `n_init` runs (seeds `derive_seed(seed, r)`) the one with the highest final lower bound
//!   is kept;
//! - `bic = −2 n score + p ln n`, `aic = −2 n score + 2 p` with p counting weights (k − 1),
//!   means (k d) and covariance entries (full k d (d+1)/2, diagonal k d, tied d (d+1)/2,
//!   spherical k).
//!
//! Results depend on the seed only, not on the thread count (E-steps of large inputs run on
//! the [`parallel`](crate::parallel) pool one sample at a time; sums run in sample order).
//!
//! ```
//! use ferrolab::analysis::{GaussianMixture, GmmParams};
//! let x = ndarray::array![[0.0, 0.1], [0.2, -0.1], [-0.1, 0.0], [5.0, 5.1], [5.2, 4.9], [4.9, 5.0]];
//! let gmm = GaussianMixture::fit(x.view(), &GmmParams::new(2))?;
//! let labels = gmm.predict(x.view())?;
//! assert_eq!(labels[0], labels[1]);
//! assert_ne!(labels[0], labels[3]);
//! assert!(gmm.converged());
//! # Ok::<(), ferrolab::analysis::AnalysisError>(())
//! ```

use super::keys::GmmSettings;
use super::kmeans::{KMeans, KMeansParams};
use super::rows::{checked_points, checked_rows, map_row_blocks};
use super::{AnalysisError, log_sum_exp};
use crate::linalg::{cholesky, half_log_det, solve_lower};
use crate::rng::{Xoshiro256, derive_seed};
use ndarray::{Array1, Array2, Array3, ArrayView2};

crate::text_option! {
    /// Shape of the components' covariance matrices (`gmm.covariance`).
    ///
    /// ```
    /// use ferrolab::analysis::{CovarianceType, GmmParams};
    /// let p = GmmParams { covariance_type: CovarianceType::Diagonal, ..GmmParams::new(3) };
    /// assert_eq!(p.covariance_type, CovarianceType::Diagonal);
    /// ```
    pub enum CovarianceType {
        /// Each component has its own full covariance matrix.
        Full = "full",
        /// Each component has its own diagonal covariance (axis-aligned ellipses).
        Diagonal = "diag",
        /// All components share one full covariance matrix.
        Tied = "tied",
        /// Each component has its own single variance (circles).
        Spherical = "spherical",
    }
}

/// Starting responsibilities of an EM run.
///
/// ```
/// use ferrolab::analysis::{GaussianMixture, GmmInit, GmmParams};
/// let x = ndarray::array![[0.0], [0.2], [5.0], [5.3]];
/// let init = GmmInit::Labels(vec![0, 0, 1, 1]);
/// let gmm = GaussianMixture::fit(x.view(), &GmmParams { init, ..GmmParams::new(2) })?;
/// assert!((gmm.means()[[0, 0]] - 0.1).abs() < 1e-6);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub enum GmmInit {
    /// One-hot labels of one k-means run ([`KMeans`] with default settings and `n_init = 1`),
    /// scikit-learn's default.
    #[default]
    KMeans,
    /// Uniform random numbers in [0, 1) normalised per sample.
    Random,
    /// One-hot responsibilities of these labels (one per sample, each below `n_components`),
    /// e.g. a previous clustering; deterministic, so `n_init` runs are not repeated.
    Labels(Vec<usize>),
}

/// Settings of a mixture fit; fit with [`GaussianMixture::fit`] or linfa's `Fit`.
///
/// Defaults are scikit-learn's: one component, full covariances, `tol = 1e-3`,
/// `reg_covar = 1e-6`, `max_iter = 100`, `n_init = 1`, k-means start; seed 0.
///
/// ```
/// use ferrolab::analysis::GmmParams;
/// let p = GmmParams { n_init: 5, seed: 3, ..GmmParams::new(8) };
/// assert_eq!((p.tol, p.reg_covar, p.max_iter), (1e-3, 1e-6, 100));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GmmParams {
    /// Number of components k, 1 ≤ k ≤ number of samples.
    pub n_components: usize,
    /// Covariance shape.
    pub covariance_type: CovarianceType,
    /// EM stops when the lower bound (mean log-likelihood per sample) changes by less.
    pub tol: f64,
    /// Added to covariance diagonals so they stay positive definite (≥ 0).
    pub reg_covar: f64,
    /// Maximum EM iterations per run.
    pub max_iter: usize,
    /// Independent runs; the one with the highest lower bound is kept.
    pub n_init: usize,
    /// Starting responsibilities.
    pub init: GmmInit,
    /// Master seed of the runs' random streams.
    pub seed: u64,
}

impl Default for GmmParams {
    /// One component with the defaults of the `gmm.*` keys.
    fn default() -> Self {
        Self::with_settings(1, &GmmSettings::default())
    }
}

impl GmmParams {
    /// The defaults with `n_components` components.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::GmmParams::new(8).n_components, 8);
    /// ```
    pub fn new(n_components: usize) -> Self {
        Self {
            n_components,
            ..Self::default()
        }
    }

    fn check(&self) -> Result<(), AnalysisError> {
        let bad = |m: String| Err(AnalysisError::Invalid(m));
        if self.n_components == 0 {
            return bad("n_components = 0: a mixture needs at least one component".into());
        }
        if self.n_init == 0 {
            return bad("n_init = 0: at least one run is needed".into());
        }
        if self.max_iter == 0 {
            return bad("max_iter = 0: at least one EM iteration is needed".into());
        }
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return bad(format!("tol = {}: it must be finite and >= 0", self.tol));
        }
        if !(self.reg_covar >= 0.0 && self.reg_covar.is_finite()) {
            return bad(format!(
                "reg_covar = {}: it must be finite and >= 0",
                self.reg_covar
            ));
        }
        Ok(())
    }
}

/// Mixture parameters with what the E-step needs (row-major flat storage).
#[derive(Clone, Debug, PartialEq)]
struct Components {
    d: usize,
    weights: Vec<f64>,
    /// k x d.
    means: Vec<f64>,
    /// k x d x d, always full matrices.
    covariances: Vec<f64>,
    /// Lower Cholesky factors of the covariances, k x d x d.
    factors: Vec<f64>,
    /// `ln w_j − Σ ln L_jj − d ln(2π) / 2`: the constant part of each log term.
    offsets: Vec<f64>,
}

impl Components {
    fn k(&self) -> usize {
        self.weights.len()
    }

    /// Factorises the covariances; errors name the component that is not positive definite.
    fn new(
        d: usize,
        weights: Vec<f64>,
        means: Vec<f64>,
        covariances: Vec<f64>,
    ) -> Result<Self, AnalysisError> {
        let mut factors = Vec::with_capacity(covariances.len());
        let mut offsets = Vec::with_capacity(weights.len());
        let log_two_pi = (2.0 * std::f64::consts::PI).ln();
        for (j, c) in covariances.chunks_exact(d * d).enumerate() {
            let l = cholesky(c, d).ok_or_else(|| {
                AnalysisError::Invalid(format!(
                    "the covariance of component {j} is not positive definite (it collapsed \
                     onto fewer than d dimensions of x): increase reg_covar, reduce \
                     n_components or remove duplicate samples"
                ))
            })?;
            offsets.push(weights[j].ln() - half_log_det(&l, d) - 0.5 * d as f64 * log_two_pi);
            factors.extend(l);
        }
        Ok(Self {
            d,
            weights,
            means,
            covariances,
            factors,
            offsets,
        })
    }

    /// `ln w_j + ln N(p | μ_j, Σ_j)` for every component into `out`; `work` has d entries.
    fn weighted_log_prob(&self, p: &[f64], work: &mut [f64], out: &mut [f64]) {
        let d = self.d;
        for (j, o) in out.iter_mut().enumerate() {
            for ((w, x), m) in work.iter_mut().zip(p).zip(&self.means[j * d..(j + 1) * d]) {
                *w = x - m;
            }
            solve_lower(&self.factors[j * d * d..(j + 1) * d * d], d, work);
            let mahalanobis: f64 = work.iter().map(|v| v * v).sum();
            *o = self.offsets[j] - 0.5 * mahalanobis;
        }
    }

    /// E-step over the rows of `x`: per row, `ln Σ_j w_j N_j` followed by the k log
    /// responsibilities (k + 1 values a row).
    fn e_step(&self, x: &[f64]) -> Result<Vec<f64>, AnalysisError> {
        let (d, k) = (self.d, self.k());
        map_row_blocks(x.len() / d, k * d * d, |rows| {
            let mut out = Vec::with_capacity(rows.len() * (k + 1));
            let mut work = vec![0.0; d];
            let mut terms = vec![0.0; k];
            for i in rows {
                self.weighted_log_prob(&x[i * d..(i + 1) * d], &mut work, &mut terms);
                let norm = log_sum_exp(&terms);
                out.push(norm);
                out.extend(terms.iter().map(|t| t - norm));
            }
            out
        })
    }
}

/// The M-step: parameters from responsibilities `resp` (n x k, row-major).
fn m_step(
    x: &[f64],
    d: usize,
    resp: &[f64],
    k: usize,
    kind: CovarianceType,
    reg_covar: f64,
) -> Result<Components, AnalysisError> {
    let mut nk = vec![10.0 * f64::EPSILON; k];
    let mut means = vec![0.0; k * d];
    for (p, r) in x.chunks_exact(d).zip(resp.chunks_exact(k)) {
        for j in 0..k {
            nk[j] += r[j];
            for (m, v) in means[j * d..(j + 1) * d].iter_mut().zip(p) {
                *m += r[j] * v;
            }
        }
    }
    for (m, n) in means.chunks_exact_mut(d).zip(&nk) {
        m.iter_mut().for_each(|v| *v /= n);
    }
    // Responsibility-weighted scatter about each mean, divided by N_j (full matrices; the
    // restricted types are derived from it, which costs nothing at d ≤ 10).
    let mut scatter = vec![0.0; k * d * d];
    let mut diff = vec![0.0; d];
    for (p, r) in x.chunks_exact(d).zip(resp.chunks_exact(k)) {
        for j in 0..k {
            for ((c, v), m) in diff.iter_mut().zip(p).zip(&means[j * d..(j + 1) * d]) {
                *c = v - m;
            }
            let s = &mut scatter[j * d * d..(j + 1) * d * d];
            for a in 0..d {
                let ra = r[j] * diff[a];
                for b in 0..=a {
                    s[a * d + b] += ra * diff[b];
                }
            }
        }
    }
    let total: f64 = nk.iter().sum();
    let mut covariances = vec![0.0; k * d * d];
    match kind {
        CovarianceType::Tied => {
            let mut pooled = vec![0.0; d * d];
            for s in scatter.chunks_exact(d * d) {
                pooled.iter_mut().zip(s).for_each(|(p, v)| *p += v);
            }
            for c in covariances.chunks_exact_mut(d * d) {
                c.iter_mut().zip(&pooled).for_each(|(c, p)| *c = p / total);
            }
        }
        _ => {
            for ((c, s), n) in covariances
                .chunks_exact_mut(d * d)
                .zip(scatter.chunks_exact(d * d))
                .zip(&nk)
            {
                c.iter_mut().zip(s).for_each(|(c, s)| *c = s / n);
            }
        }
    }
    for c in covariances.chunks_exact_mut(d * d) {
        // Mirror the lower triangle and apply the shape restriction and the regularisation.
        for a in 0..d {
            for b in 0..a {
                c[b * d + a] = c[a * d + b];
            }
        }
        match kind {
            CovarianceType::Diagonal | CovarianceType::Spherical => {
                let diag: Vec<f64> = (0..d).map(|a| c[a * d + a] + reg_covar).collect();
                let mean = diag.iter().sum::<f64>() / d as f64;
                c.fill(0.0);
                for (a, v) in diag.iter().enumerate() {
                    c[a * d + a] = if kind == CovarianceType::Spherical {
                        mean
                    } else {
                        *v
                    };
                }
            }
            _ => (0..d).for_each(|a| c[a * d + a] += reg_covar),
        }
    }
    let weights = nk.iter().map(|n| n / total).collect();
    Components::new(d, weights, means, covariances)
}

/// A fitted Gaussian mixture.
///
/// ```
/// use ferrolab::analysis::{GaussianMixture, GmmParams};
/// let x = ndarray::array![[0.0], [1.0], [2.0], [3.0]];
/// let gmm = GaussianMixture::fit(x.view(), &GmmParams::new(1))?;
/// // One full component is the maximum-likelihood Gaussian: mean 1.5, variance 1.25 (+ reg).
/// assert!((gmm.means()[[0, 0]] - 1.5).abs() < 1e-12);
/// assert!((gmm.covariances()[[0, 0, 0]] - 1.25 - 1e-6).abs() < 1e-12);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GaussianMixture {
    components: Components,
    covariance_type: CovarianceType,
    weights: Array1<f64>,
    means: Array2<f64>,
    covariances: Array3<f64>,
    converged: bool,
    n_iter: usize,
    lower_bounds: Vec<f64>,
}

/// One EM run's outcome.
struct Run {
    components: Components,
    converged: bool,
    n_iter: usize,
    lower_bounds: Vec<f64>,
}

fn one_hot(labels: &[usize], k: usize) -> Vec<f64> {
    let mut r = vec![0.0; labels.len() * k];
    for (row, &l) in r.chunks_exact_mut(k).zip(labels) {
        row[l] = 1.0;
    }
    r
}

fn em(x: &[f64], d: usize, resp: Vec<f64>, params: &GmmParams) -> Result<Run, AnalysisError> {
    let (k, kind, reg) = (
        params.n_components,
        params.covariance_type,
        params.reg_covar,
    );
    let mut components = m_step(x, d, &resp, k, kind, reg)?;
    let mut resp = resp;
    let mut lower_bounds = Vec::new();
    let mut lower = f64::NEG_INFINITY;
    for it in 1..=params.max_iter {
        let e = components.e_step(x)?;
        let mut total = 0.0;
        for (row, r) in e.chunks_exact(k + 1).zip(resp.chunks_exact_mut(k)) {
            total += row[0];
            r.iter_mut().zip(&row[1..]).for_each(|(r, l)| *r = l.exp());
        }
        components = m_step(x, d, &resp, k, kind, reg)?;
        let previous = lower;
        lower = total / (x.len() / d) as f64;
        lower_bounds.push(lower);
        if (lower - previous).abs() < params.tol {
            return Ok(Run {
                components,
                converged: true,
                n_iter: it,
                lower_bounds,
            });
        }
    }
    Ok(Run {
        components,
        converged: false,
        n_iter: params.max_iter,
        lower_bounds,
    })
}

impl GaussianMixture {
    /// Fits a mixture to the rows of `x` (n samples x d features) by EM.
    ///
    /// Errors: `x` with fewer than 2 rows or a non-finite value, `n_components` 0 or above n,
    /// `n_init` or `max_iter` 0, `tol` or `reg_covar` negative or not finite, labels of the
    /// wrong length or out of range, a covariance that is not positive definite (only
    /// possible with a tiny `reg_covar`). Not converging within `max_iter` is not an error:
    /// see [`converged`](Self::converged).
    ///
    /// ```
    /// use ferrolab::analysis::{CovarianceType, GaussianMixture, GmmParams};
    /// let x = ndarray::array![[0.0, 0.0], [1.0, 0.5], [0.5, 1.0], [8.0, 8.0], [9.0, 8.5], [8.5, 9.0]];
    /// let p = GmmParams { covariance_type: CovarianceType::Spherical, ..GmmParams::new(2) };
    /// let gmm = GaussianMixture::fit(x.view(), &p)?;
    /// assert!((gmm.weights().sum() - 1.0).abs() < 1e-12);
    /// assert!(GaussianMixture::fit(x.view(), &GmmParams::new(7)).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn fit(x: ArrayView2<f64>, params: &GmmParams) -> Result<Self, AnalysisError> {
        params.check()?;
        let (n, d) = x.dim();
        let flat = checked_rows(x, "x", 2)?;
        let k = params.n_components;
        if k > n {
            return Err(AnalysisError::Invalid(format!(
                "n_components = {k} is larger than the {n} samples of x"
            )));
        }
        // Covariances, their factors and their updates (k x d x d each), responsibilities.
        let bytes = crate::limits::total(&[
            crate::limits::bytes_of::<f64>(&[3, k, d, d]),
            crate::limits::bytes_of::<f64>(&[2, n, k]),
        ]);
        crate::limits::check(&format!("n_components = {k} for x of {n} x {d}"), bytes)?;
        let runs = match &params.init {
            GmmInit::Labels(labels) => {
                if labels.len() != n {
                    return Err(AnalysisError::Invalid(format!(
                        "init labels has {} entries but x has {n} samples",
                        labels.len()
                    )));
                }
                if let Some((i, l)) = labels.iter().enumerate().find(|(_, l)| **l >= k) {
                    return Err(AnalysisError::Invalid(format!(
                        "init labels[{i}] = {l} is not below n_components = {k}"
                    )));
                }
                1
            }
            _ => params.n_init,
        };
        let mut best: Option<Run> = None;
        for r in 0..runs {
            let run_seed = derive_seed(params.seed, r as u64);
            let resp = match &params.init {
                GmmInit::Labels(labels) => one_hot(labels, k),
                GmmInit::KMeans => {
                    let km = KMeans::fit(
                        x,
                        &KMeansParams {
                            seed: run_seed,
                            ..KMeansParams::new(k)
                        },
                    )?;
                    one_hot(&km.labels().to_vec(), k)
                }
                GmmInit::Random => {
                    let mut rng = Xoshiro256::seed_from_u64(run_seed);
                    let mut resp: Vec<f64> = (0..n * k).map(|_| rng.uniform()).collect();
                    for row in resp.chunks_exact_mut(k) {
                        let s: f64 = row.iter().sum();
                        // A row of exact zeros (probability 2^-53k) falls back to uniform.
                        if s > 0.0 {
                            row.iter_mut().for_each(|v| *v /= s);
                        } else {
                            row.fill(1.0 / k as f64);
                        }
                    }
                    resp
                }
            };
            let run = em(&flat, d, resp, params)?;
            let lower = run
                .lower_bounds
                .last()
                .copied()
                .unwrap_or(f64::NEG_INFINITY);
            let keep = match &best {
                None => true,
                Some(b) => {
                    let best_lower = b.lower_bounds.last().copied().unwrap_or(f64::NEG_INFINITY);
                    lower > best_lower || best_lower == f64::NEG_INFINITY
                }
            };
            if keep {
                best = Some(run);
            }
        }
        let Some(run) = best else {
            return Err(AnalysisError::Invalid("n_init = 0".into()));
        };
        let c = &run.components;
        let shape = |e: ndarray::ShapeError| AnalysisError::Invalid(e.to_string());
        Ok(Self {
            weights: Array1::from(c.weights.clone()),
            means: Array2::from_shape_vec((k, d), c.means.clone()).map_err(shape)?,
            covariances: Array3::from_shape_vec((k, d, d), c.covariances.clone()).map_err(shape)?,
            components: run.components,
            covariance_type: params.covariance_type,
            converged: run.converged,
            n_iter: run.n_iter,
            lower_bounds: run.lower_bounds,
        })
    }

    /// Mixing weights (k, summing to 1).
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let gmm = GaussianMixture::fit(ndarray::array![[0.0], [1.0]].view(), &GmmParams::new(1))?;
    /// assert_eq!(gmm.weights().len(), 1);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn weights(&self) -> &Array1<f64> {
        &self.weights
    }

    /// Component means, k x d.
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let gmm = GaussianMixture::fit(ndarray::array![[0.0], [1.0]].view(), &GmmParams::new(1))?;
    /// assert!((gmm.means()[[0, 0]] - 0.5).abs() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn means(&self) -> &Array2<f64> {
        &self.means
    }

    /// Component covariances as full k x d x d matrices whatever the covariance type (diagonal
    /// and spherical ones have zero off-diagonal entries; tied ones are k copies), including
    /// `reg_covar`.
    ///
    /// ```
    /// use ferrolab::analysis::{CovarianceType, GaussianMixture, GmmParams};
    /// let x = ndarray::array![[0.0, 0.0], [1.0, 1.0], [2.0, 2.5]];
    /// let p = GmmParams { covariance_type: CovarianceType::Diagonal, ..GmmParams::new(1) };
    /// let gmm = GaussianMixture::fit(x.view(), &p)?;
    /// assert_eq!(gmm.covariances().dim(), (1, 2, 2));
    /// assert_eq!(gmm.covariances()[[0, 0, 1]], 0.0);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn covariances(&self) -> &Array3<f64> {
        &self.covariances
    }

    /// The covariance shape the model was fitted with.
    ///
    /// ```
    /// use ferrolab::analysis::{CovarianceType, GaussianMixture, GmmParams};
    /// let gmm = GaussianMixture::fit(ndarray::array![[0.0], [1.0]].view(), &GmmParams::new(1))?;
    /// assert_eq!(gmm.covariance_type(), CovarianceType::Full);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn covariance_type(&self) -> CovarianceType {
        self.covariance_type
    }

    /// Whether the kept run met `tol` within `max_iter` iterations.
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let x = ndarray::array![[0.0], [1.0], [5.0], [6.5]];
    /// let p = GmmParams { max_iter: 1, ..GmmParams::new(2) };
    /// assert!(!GaussianMixture::fit(x.view(), &p)?.converged()); // one bound, no change yet
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// EM iterations of the kept run.
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let gmm = GaussianMixture::fit(ndarray::array![[0.0], [1.0]].view(), &GmmParams::new(1))?;
    /// assert_eq!(gmm.n_iter(), gmm.lower_bounds().len());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// The final lower bound of the kept run (mean log-likelihood per training sample before
    /// the last M-step), scikit-learn's `lower_bound_`.
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let gmm = GaussianMixture::fit(ndarray::array![[0.0], [1.0]].view(), &GmmParams::new(1))?;
    /// assert_eq!(Some(&gmm.lower_bound()), gmm.lower_bounds().last());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn lower_bound(&self) -> f64 {
        self.lower_bounds
            .last()
            .copied()
            .unwrap_or(f64::NEG_INFINITY)
    }

    /// The lower bound of every EM iteration of the kept run (scikit-learn's `lower_bounds_`).
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let x = ndarray::array![[0.0], [0.3], [4.0], [4.6], [9.0]];
    /// let gmm = GaussianMixture::fit(x.view(), &GmmParams::new(2))?;
    /// assert!(gmm.lower_bounds().windows(2).all(|w| w[1] >= w[0] - 1e-12));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn lower_bounds(&self) -> &[f64] {
        &self.lower_bounds
    }

    fn e_step(&self, x: ArrayView2<f64>) -> Result<Vec<f64>, AnalysisError> {
        let flat = checked_points(x, "x", self.means.ncols())?;
        self.components.e_step(&flat)
    }

    /// Most probable component of every row of `x` (m x d).
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmInit, GmmParams};
    /// let x = ndarray::array![[0.0], [0.5], [6.0], [6.5]];
    /// let p = GmmParams { init: GmmInit::Labels(vec![0, 0, 1, 1]), ..GmmParams::new(2) };
    /// let gmm = GaussianMixture::fit(x.view(), &p)?;
    /// assert_eq!(gmm.predict(ndarray::array![[0.2], [7.0]].view())?.to_vec(), [0, 1]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn predict(&self, x: ArrayView2<f64>) -> Result<Array1<usize>, AnalysisError> {
        let k = self.weights.len();
        let e = self.e_step(x)?;
        Ok(e.chunks_exact(k + 1)
            .map(|row| {
                let mut best = 0;
                for (j, v) in row[1..].iter().enumerate() {
                    if *v > row[1 + best] {
                        best = j;
                    }
                }
                best
            })
            .collect())
    }

    /// Posterior probabilities of the components for every row of `x`: m x k, rows sum to 1.
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let x = ndarray::array![[0.0], [0.5], [6.0], [6.5]];
    /// let gmm = GaussianMixture::fit(x.view(), &GmmParams::new(2))?;
    /// let p = gmm.predict_proba(x.view())?;
    /// assert!((p.row(0).sum() - 1.0).abs() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn predict_proba(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
        let k = self.weights.len();
        let e = self.e_step(x)?;
        let p: Vec<f64> = e
            .chunks_exact(k + 1)
            .flat_map(|row| row[1..].iter().map(|v| v.exp()))
            .collect();
        Array2::from_shape_vec((x.nrows(), k), p).map_err(|e| AnalysisError::Invalid(e.to_string()))
    }

    /// Log density `ln Σ_j w_j N(x | μ_j, Σ_j)` of every row of `x`.
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let x = ndarray::array![[-1.0], [1.0]];
    /// let gmm = GaussianMixture::fit(x.view(), &GmmParams { reg_covar: 0.0, ..GmmParams::new(1) })?;
    /// // N(0, 1) at 0: -ln(2π)/2.
    /// let l = gmm.score_samples(ndarray::array![[0.0]].view())?;
    /// assert!((l[0] + 0.5 * (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn score_samples(&self, x: ArrayView2<f64>) -> Result<Array1<f64>, AnalysisError> {
        let k = self.weights.len();
        let e = self.e_step(x)?;
        Ok(e.chunks_exact(k + 1).map(|row| row[0]).collect())
    }

    /// Mean log density of the rows of `x` (at least one row).
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let x = ndarray::array![[-1.0], [1.0]];
    /// let gmm = GaussianMixture::fit(x.view(), &GmmParams::new(1))?;
    /// assert_eq!(gmm.score(x.view())?, gmm.score_samples(x.view())?.mean().unwrap());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn score(&self, x: ArrayView2<f64>) -> Result<f64, AnalysisError> {
        if x.nrows() == 0 {
            return Err(AnalysisError::Invalid(
                "x has no rows: the mean log density needs at least one".into(),
            ));
        }
        Ok(self.score_samples(x)?.sum() / x.nrows() as f64)
    }

    /// Number of free parameters p (scikit-learn's counting, see the module docs).
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let x = ndarray::array![[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [5.0, 4.0]];
    /// let gmm = GaussianMixture::fit(x.view(), &GmmParams::new(2))?;
    /// assert_eq!(gmm.n_parameters(), 2 * 3 + 2 * 2 + 1);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn n_parameters(&self) -> usize {
        let (k, d) = self.means.dim();
        let covariance = match self.covariance_type {
            CovarianceType::Full => k * d * (d + 1) / 2,
            CovarianceType::Diagonal => k * d,
            CovarianceType::Tied => d * (d + 1) / 2,
            CovarianceType::Spherical => k,
        };
        covariance + k * d + k - 1
    }

    /// Bayesian information criterion on `x`: `−2 n score(x) + p ln n` (lower is better).
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let x = ndarray::array![[0.0], [0.4], [5.0], [5.5], [9.0]];
    /// let gmm = GaussianMixture::fit(x.view(), &GmmParams::new(1))?;
    /// let bic = -2.0 * 5.0 * gmm.score(x.view())? + 2.0 * 5f64.ln();
    /// assert!((gmm.bic(x.view())? - bic).abs() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn bic(&self, x: ArrayView2<f64>) -> Result<f64, AnalysisError> {
        let n = x.nrows() as f64;
        Ok(-2.0 * self.score(x)? * n + self.n_parameters() as f64 * n.ln())
    }

    /// Akaike information criterion on `x`: `−2 n score(x) + 2 p` (lower is better).
    ///
    /// ```
    /// use ferrolab::analysis::{GaussianMixture, GmmParams};
    /// let x = ndarray::array![[0.0], [0.4], [5.0], [5.5], [9.0]];
    /// let gmm = GaussianMixture::fit(x.view(), &GmmParams::new(1))?;
    /// let aic = -2.0 * 5.0 * gmm.score(x.view())? + 2.0 * 2.0;
    /// assert!((gmm.aic(x.view())? - aic).abs() < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn aic(&self, x: ArrayView2<f64>) -> Result<f64, AnalysisError> {
        let n = x.nrows() as f64;
        Ok(-2.0 * self.score(x)? * n + 2.0 * self.n_parameters() as f64)
    }
}
