//! t-distributed stochastic neighbour embedding with scikit-learn 1.x's `TSNE` definitions, and
//! `trustworthiness` (paper 004 compares the rVAE's latents with t-SNE, MDS and Isomap).
//!
//! **Affinities.** Squared Euclidean distances; for every sample a binary search on the
//! precision `β_i` of its Gaussian (100 steps at most, entropy tolerance 1e-5, scikit-learn's
//! `_binary_search_perplexity`) gives the conditional probabilities `p_j|i` whose perplexity is
//! `perplexity`. Method "exact" conditions on all other samples and keeps
//! `P = max((C + Cᵀ) / ΣC, eps)`; "barnes_hut" conditions on the `min(n − 1, ⌊3 perplexity + 1⌋)`
//! nearest neighbours (exact k-NN) and keeps the sparse `P = (C + Cᵀ) / Σ(C + Cᵀ)`.
//!
//! **Embedding.** Student-t kernel with `α = max(n_components − 1, 1)` degrees of freedom,
//! `w_ij = (1 + ‖y_i − y_j‖² / α)^(−(α+1)/2)`, `q_ij = w_ij / Σ_{k≠l} w_kl`, cost
//! `KL(P‖Q) = Σ p_ij ln(p_ij / q_ij)`. Gradient descent exactly as scikit-learn's
//! `_gradient_descent`: 250 iterations with P multiplied by `early_exaggeration` (12) and
//! momentum 0.5, then momentum 0.8 up to `max_iter` (1000); per-coordinate gains +0.2 when the
//! gradient's sign differs from the last update's, ×0.8 otherwise, at least 0.01; every 50
//! iterations the KL divergence is checked: stop when it has not improved for
//! `n_iter_without_progress` iterations (250 in the first stage, 300 after) or when the gained
//! gradient's norm is at most `min_grad_norm` (1e-7). Learning rate "auto" is
//! `max(n / early_exaggeration / 4, 50)`. Start: "pca" (the PCA scores, scaled so the first
//! column's standard deviation is 1e-4) or "random" (normal with standard deviation 1e-4,
//! seeded). Barnes-Hut approximates the repulsion with a space-partitioning tree over the
//! embedding (a quadtree in 2-D, an octree in 3-D; n_components ≤ 3 as in scikit-learn): a
//! cell of squared width `w²` at squared distance `r²` is summarised by its centre of mass when
//! `w² / r² < angle²` (angle 0.5); at angle 0 it is exact.
//!
//! **Deviations from scikit-learn, and why.**
//! - Everything is double precision; scikit-learn rounds distances, P and the embedding to
//!   float32. Results agree in quality (trustworthiness within 0.01 in
//!   `tests/suite/analysis_manifold.rs`), not coordinate by coordinate: t-SNE is a non-convex
//!   optimisation and float32 rounding alone changes its trajectory.
//! - The gradient for `n_components ≥ 3` (α > 1) is the exact gradient of the KL divergence,
//!   `(2(α+1)/α) Σ_j (p_ij − q_ij) (1 + d_ij/α)^(−1) (y_i − y_j)`; scikit-learn uses
//!   `w_ij = (1 + d_ij/α)^(−(α+1)/2)` in place of `(1 + d_ij/α)^(−1)`, which is not the
//!   derivative of its own cost unless α = 1. In 2-D (α = 1) both are the same.
//! - The random start uses ferrolab's seeded stream (`tsne.seed`), not NumPy's; the PCA start
//!   uses ferrolab's PCA (scikit-learn's sign convention), so it is deterministic.
//! - In the tree, a leaf holds one point (or several identical ones); the point itself is
//!   skipped exactly (scikit-learn skips a whole leaf of points within 1e-6 of it).
//! - `n_iter` counts iterations (scikit-learn's `n_iter_` is the last iteration's index, one
//!   less).
//!
//! **Why not a crate.** bhtsne (MIT, last released 2021) and linfa-tsne (its wrapper) implement
//! van der Maaten's original schedule (fixed learning rate 200, random start, no "auto" rate,
//! no PCA start, no progress check, float32 in places) and a vantage-point tree, so neither
//! reproduces scikit-learn's definitions, which paper 004's comparison is stated in; nor do
//! they promise thread-count-independent results. The algorithm is a few hundred lines here.
//!
//! **Parallelism.** Affinities, gradients and the KL divergence are computed row by row on the
//! [`parallel`](crate::parallel) pool, each row by the same sequential code and every sum in
//! row order, so results are bit-identical for any thread count. The tree is built
//! sequentially (O(n log n) per iteration).
//!
//! ```
//! use ferrolab::analysis::{Tsne, TsneMethod, trustworthiness};
//! use ndarray::Array2;
//! // Two clouds of 15 points in 4-D.
//! let x = Array2::from_shape_fn((30, 4), |(i, j)| {
//!     (i / 15) as f64 * 10.0 + ((i * 7 + j * 3) % 11) as f64 * 0.1
//! });
//! let fit = Tsne::params().perplexity(5.0).method(TsneMethod::Exact).fit(x.view())?;
//! assert_eq!(fit.embedding.dim(), (30, 2));
//! assert!(fit.kl_divergence >= 0.0 && fit.n_iter <= 1000);
//! assert!(trustworthiness(x.view(), fit.embedding.view(), 5)? > 0.95);
//! # Ok::<(), ferrolab::analysis::AnalysisError>(())
//! ```

use super::AnalysisError;
use super::keys::TsneSettings;
use super::manifold::{knn, sq_dist};
use super::rows::{checked_rows, map_row_blocks};
use super::{Pca, PcaParams};
use crate::rng::Xoshiro256;
use ndarray::{Array2, ArrayView2};

crate::text_option! {
    /// How t-SNE computes its gradient (`tsne.method`).
    ///
    /// ```
    /// use ferrolab::analysis::{Tsne, TsneMethod};
    /// assert_eq!(Tsne::params().method, TsneMethod::BarnesHut);
    /// ```
    pub enum TsneMethod {
        /// Sparse affinities on 3 × perplexity neighbours and a tree for the repulsion,
        /// O(n log n) per iteration.
        BarnesHut = "barnes_hut",
        /// Dense affinities and all pairs, O(n²) per iteration.
        Exact = "exact",
    }
}

crate::text_option! {
    /// How the t-SNE embedding starts (`tsne.init`).
    ///
    /// ```
    /// use ferrolab::analysis::{Tsne, TsneInit};
    /// assert_eq!(Tsne::params().init, TsneInit::Pca);
    /// ```
    pub enum TsneInit {
        /// PCA scores scaled so the first column's standard deviation is 1e-4.
        Pca = "pca",
        /// Normal draws with standard deviation 1e-4 (seeded by `tsne.seed`).
        Random = "random",
    }
}

/// The t-SNE step size.
///
/// ```
/// use ferrolab::analysis::{LearningRate, Tsne};
/// assert_eq!(Tsne::params().learning_rate, LearningRate::Auto);
/// assert_eq!(LearningRate::Auto.value(1200, 12.0), 50.0);
/// assert_eq!(LearningRate::Auto.value(6000, 12.0), 125.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LearningRate {
    /// `max(n / early_exaggeration / 4, 50)` (scikit-learn's "auto").
    Auto,
    /// This positive value.
    Fixed(f64),
}

impl LearningRate {
    /// The step size for `n` samples and this early exaggeration.
    ///
    /// ```
    /// use ferrolab::analysis::LearningRate;
    /// assert_eq!(LearningRate::Fixed(200.0).value(10, 12.0), 200.0);
    /// ```
    pub fn value(self, n: usize, early_exaggeration: f64) -> f64 {
        match self {
            Self::Auto => (n as f64 / early_exaggeration / 4.0).max(50.0),
            Self::Fixed(v) => v,
        }
    }
}

/// Settings of a t-SNE fit (defaults: scikit-learn's, the `tsne.*` keys'); fit with
/// [`TsneParams::fit`].
///
/// ```
/// use ferrolab::analysis::{LearningRate, Tsne, TsneMethod};
/// let p = Tsne::params().perplexity(10.0).learning_rate(LearningRate::Fixed(200.0));
/// assert_eq!((p.n_components, p.max_iter, p.angle), (2, 1000, 0.5));
/// assert_eq!((p.early_exaggeration, p.method), (12.0, TsneMethod::BarnesHut));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TsneParams {
    /// Dimension of the embedding (≤ 3 for Barnes-Hut).
    pub n_components: usize,
    /// Effective number of neighbours, > 0 and < n.
    pub perplexity: f64,
    /// Factor on P during the first 250 iterations, ≥ 1.
    pub early_exaggeration: f64,
    /// Step size.
    pub learning_rate: LearningRate,
    /// Total iterations (≥ 250).
    pub max_iter: usize,
    /// Stop the second stage after this many iterations without a lower KL divergence.
    pub n_iter_without_progress: usize,
    /// Stop when the gained gradient's norm is at most this.
    pub min_grad_norm: f64,
    /// Exact or Barnes-Hut gradients.
    pub method: TsneMethod,
    /// Barnes-Hut opening angle θ in [0, 1] (0: exact repulsion).
    pub angle: f64,
    /// Starting embedding.
    pub init: TsneInit,
    /// Seed of the random start.
    pub seed: u64,
}

/// The t-SNE entry point: [`Tsne::params`] gives the default settings to adjust and fit.
///
/// ```
/// let p = ferrolab::analysis::Tsne::params();
/// assert_eq!(p.perplexity, 30.0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Tsne;

impl Tsne {
    /// scikit-learn's defaults (the `tsne.*` keys' defaults).
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Tsne::params().n_components, 2);
    /// ```
    pub fn params() -> TsneParams {
        TsneParams::default()
    }
}

/// A t-SNE result.
///
/// ```
/// use ferrolab::analysis::Tsne;
/// let x = ndarray::Array2::from_shape_fn((12, 3), |(i, j)| ((i * 5 + j * 7) % 13) as f64);
/// let fit = Tsne::params().perplexity(3.0).max_iter(250).fit(x.view())?;
/// assert!(fit.n_iter <= 250 && fit.learning_rate == 50.0);
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct TsneEmbedding {
    /// n x n_components.
    pub embedding: Array2<f64>,
    /// KL(P‖Q) at the last iteration (the exact value for "exact"; for Barnes-Hut the sum over
    /// the sparse P with the tree's normalisation, as scikit-learn reports).
    pub kl_divergence: f64,
    /// Iterations run.
    pub n_iter: usize,
    /// The step size used (the resolved "auto" value).
    pub learning_rate: f64,
}

impl Default for TsneParams {
    fn default() -> Self {
        Self::with_settings(&TsneSettings::default())
    }
}

impl TsneParams {
    /// The same settings with another perplexity.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Tsne::params().perplexity(5.0).perplexity, 5.0);
    /// ```
    pub fn perplexity(mut self, perplexity: f64) -> Self {
        self.perplexity = perplexity;
        self
    }

    /// The same settings with another embedding dimension.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Tsne::params().n_components(3).n_components, 3);
    /// ```
    pub fn n_components(mut self, n_components: usize) -> Self {
        self.n_components = n_components;
        self
    }

    /// The same settings with another method.
    ///
    /// ```
    /// use ferrolab::analysis::{Tsne, TsneMethod};
    /// assert_eq!(Tsne::params().method(TsneMethod::Exact).method, TsneMethod::Exact);
    /// ```
    pub fn method(mut self, method: TsneMethod) -> Self {
        self.method = method;
        self
    }

    /// The same settings with another start.
    ///
    /// ```
    /// use ferrolab::analysis::{Tsne, TsneInit};
    /// assert_eq!(Tsne::params().init(TsneInit::Random).init, TsneInit::Random);
    /// ```
    pub fn init(mut self, init: TsneInit) -> Self {
        self.init = init;
        self
    }

    /// The same settings with another seed.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Tsne::params().seed(4).seed, 4);
    /// ```
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The same settings with another step size.
    ///
    /// ```
    /// use ferrolab::analysis::{LearningRate, Tsne};
    /// let p = Tsne::params().learning_rate(LearningRate::Fixed(100.0));
    /// assert_eq!(p.learning_rate, LearningRate::Fixed(100.0));
    /// ```
    pub fn learning_rate(mut self, learning_rate: LearningRate) -> Self {
        self.learning_rate = learning_rate;
        self
    }

    /// The same settings with another iteration count.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Tsne::params().max_iter(500).max_iter, 500);
    /// ```
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// The same settings with another Barnes-Hut angle.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Tsne::params().angle(0.2).angle, 0.2);
    /// ```
    pub fn angle(mut self, angle: f64) -> Self {
        self.angle = angle;
        self
    }

    /// The same settings with another early exaggeration.
    ///
    /// ```
    /// assert_eq!(ferrolab::analysis::Tsne::params().early_exaggeration(4.0).early_exaggeration, 4.0);
    /// ```
    pub fn early_exaggeration(mut self, early_exaggeration: f64) -> Self {
        self.early_exaggeration = early_exaggeration;
        self
    }

    fn check(&self, n: usize, d: usize) -> Result<(), AnalysisError> {
        let bad = |m: String| Err(AnalysisError::Invalid(m));
        if self.n_components == 0 {
            return bad("n_components = 0: the embedding needs at least one dimension".into());
        }
        if self.method == TsneMethod::BarnesHut && self.n_components > 3 {
            return bad(format!(
                "n_components = {}: Barnes-Hut t-SNE needs at most 3 (a quadtree or octree); \
                 use method \"exact\"",
                self.n_components
            ));
        }
        if !(self.perplexity > 0.0 && self.perplexity.is_finite()) {
            return bad(format!("perplexity = {}: it must be > 0", self.perplexity));
        }
        if self.perplexity >= n as f64 {
            return bad(format!(
                "perplexity = {}: it must be less than the {n} samples of x",
                self.perplexity
            ));
        }
        if !(self.early_exaggeration >= 1.0 && self.early_exaggeration.is_finite()) {
            return bad(format!(
                "early_exaggeration = {}: it must be finite and >= 1",
                self.early_exaggeration
            ));
        }
        if let LearningRate::Fixed(v) = self.learning_rate
            && !(v > 0.0 && v.is_finite())
        {
            return bad(format!("learning_rate = {v}: it must be finite and > 0"));
        }
        if self.max_iter < 250 {
            return bad(format!(
                "max_iter = {}: t-SNE needs at least the 250 early-exaggeration iterations",
                self.max_iter
            ));
        }
        if !(self.min_grad_norm >= 0.0 && self.min_grad_norm.is_finite()) {
            return bad(format!(
                "min_grad_norm = {}: it must be finite and >= 0",
                self.min_grad_norm
            ));
        }
        if !(0.0..=1.0).contains(&self.angle) {
            return bad(format!("angle = {}: it must be in [0, 1]", self.angle));
        }
        if self.init == TsneInit::Pca && self.n_components > n.min(d) {
            return bad(format!(
                "n_components = {}: the PCA start needs at most min(n, d) = {} (or init \"random\")",
                self.n_components,
                n.min(d)
            ));
        }
        Ok(())
    }

    /// Embed the rows of `x` (n samples x d features).
    ///
    /// Errors (naming the argument): `x` empty, non-finite or with fewer than 2 rows;
    /// perplexity outside (0, n); early_exaggeration < 1; learning rate ≤ 0; max_iter < 250;
    /// angle outside [0, 1]; Barnes-Hut with n_components > 3; a PCA start with
    /// n_components > min(n, d); the exact method's n x n affinities over the memory budget.
    ///
    /// ```
    /// use ferrolab::analysis::{Tsne, TsneInit};
    /// let x = ndarray::Array2::from_shape_fn((20, 3), |(i, j)| ((i * 3 + j * 5) % 7) as f64);
    /// let a = Tsne::params().perplexity(4.0).init(TsneInit::Random).seed(1).max_iter(260).fit(x.view())?;
    /// let b = Tsne::params().perplexity(4.0).init(TsneInit::Random).seed(1).max_iter(260).fit(x.view())?;
    /// assert_eq!(a, b); // seeded: reproducible
    /// assert!(Tsne::params().perplexity(20.0).fit(x.view()).is_err()); // perplexity >= n
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn fit(&self, x: ArrayView2<f64>) -> Result<TsneEmbedding, AnalysisError> {
        let rows = checked_rows(x, "x", 2)?;
        let (n, d) = x.dim();
        self.check(n, d)?;
        let dim = self.n_components;
        crate::limits::check(
            &format!("t-SNE of x of {n} x {d}"),
            crate::limits::bytes_of::<f64>(&[8, n, dim.max(d)]),
        )?;
        let p = match self.method {
            TsneMethod::Exact => {
                crate::limits::check(
                    &format!("exact t-SNE's {n} x {n} affinities"),
                    crate::limits::bytes_of::<f64>(&[2, n, n]),
                )?;
                exact_affinities(&rows, n, d, self.perplexity)?
            }
            TsneMethod::BarnesHut => {
                let k = (n - 1).min((3.0 * self.perplexity + 1.0) as usize);
                crate::limits::check(
                    &format!("Barnes-Hut t-SNE's {k} neighbours of {n} samples"),
                    crate::limits::bytes_of::<f64>(&[6, n, k]),
                )?;
                sparse_affinities(&rows, n, d, k, self.perplexity)?
            }
        };
        let mut y = self.start(x, n)?;
        let learning_rate = self.learning_rate.value(n, self.early_exaggeration);
        let objective = Objective {
            p,
            n,
            dim,
            dof: (dim as f64 - 1.0).max(1.0),
            angle: self.angle,
        };
        // Stage 1: early exaggeration, momentum 0.5.
        let first = Stage {
            start: 0,
            end: EXPLORATION_ITER,
            momentum: 0.5,
            exaggeration: self.early_exaggeration,
            without_progress: EXPLORATION_ITER,
        };
        let (mut error, mut it) = self.descend(&objective, &mut y, &first, learning_rate)?;
        // Stage 2: the true P, momentum 0.8 (scikit-learn's condition, always true here).
        if it + 1 < self.max_iter {
            let second = Stage {
                start: it + 1,
                end: self.max_iter,
                momentum: 0.8,
                exaggeration: 1.0,
                without_progress: self.n_iter_without_progress,
            };
            (error, it) = self.descend(&objective, &mut y, &second, learning_rate)?;
        }
        Ok(TsneEmbedding {
            embedding: Array2::from_shape_vec((n, dim), y).expect("n x dim"),
            kl_divergence: error,
            n_iter: it + 1,
            learning_rate,
        })
    }

    fn start(&self, x: ArrayView2<f64>, n: usize) -> Result<Vec<f64>, AnalysisError> {
        let dim = self.n_components;
        match self.init {
            TsneInit::Random => {
                let mut rng = Xoshiro256::seed_from_u64(self.seed);
                Ok((0..n * dim).map(|_| 1e-4 * rng.normal()).collect())
            }
            TsneInit::Pca => {
                let pca = Pca::fit(x, &PcaParams::new(dim))?;
                let scores = pca.transform(x)?;
                let c0 = scores.column(0);
                let mean = c0.sum() / n as f64;
                let std = (c0.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
                if std.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
                    return Err(AnalysisError::Invalid(
                        "x has no variance: the PCA start of t-SNE is undefined (use init \
                         \"random\")"
                            .into(),
                    ));
                }
                Ok(scores.iter().map(|v| v / std * 1e-4).collect())
            }
        }
    }

    /// scikit-learn's `_gradient_descent` over iterations `stage.start..stage.end`; returns the
    /// last error computed and the last iteration's index.
    fn descend(
        &self,
        objective: &Objective,
        y: &mut [f64],
        stage: &Stage,
        learning_rate: f64,
    ) -> Result<(f64, usize), AnalysisError> {
        let mut update = vec![0.0; y.len()];
        let mut gains = vec![1.0f64; y.len()];
        let mut error = f64::MAX;
        let mut best_error = f64::MAX;
        let mut best_iter = stage.start;
        let mut i = stage.start;
        for it in stage.start..stage.end {
            i = it;
            let check = (it + 1) % ITER_CHECK == 0;
            let compute_error = check || it + 1 == stage.end;
            let (e, mut grad) = objective.evaluate(y, stage.exaggeration, compute_error)?;
            if compute_error {
                error = e;
            }
            for ((g, u), gain) in grad.iter_mut().zip(&update).zip(gains.iter_mut()) {
                if u * *g < 0.0 {
                    *gain += 0.2;
                } else {
                    *gain *= 0.8;
                }
                *gain = (*gain).max(MIN_GAIN);
                *g *= *gain;
            }
            for ((p, u), g) in y.iter_mut().zip(update.iter_mut()).zip(&grad) {
                *u = stage.momentum * *u - learning_rate * g;
                *p += *u;
            }
            if !y.iter().all(|v| v.is_finite()) {
                return Err(AnalysisError::Numerical(format!(
                    "the t-SNE embedding overflowed at iteration {it}: lower learning_rate"
                )));
            }
            if check {
                let grad_norm = grad.iter().map(|g| g * g).sum::<f64>().sqrt();
                if error < best_error {
                    best_error = error;
                    best_iter = it;
                } else if it - best_iter > stage.without_progress {
                    break;
                }
                if grad_norm <= self.min_grad_norm {
                    break;
                }
            }
        }
        Ok((error, i))
    }

    /// Settings from the `tsne.*` keys' values.
    ///
    /// ```
    /// use ferrolab::analysis::{LearningRate, TsneParams, TsneSettings};
    /// let s = TsneSettings { learning_rate: 200.0, ..TsneSettings::default() };
    /// assert_eq!(TsneParams::with_settings(&s).learning_rate, LearningRate::Fixed(200.0));
    /// assert_eq!(TsneParams::with_settings(&TsneSettings::default()).learning_rate, LearningRate::Auto);
    /// ```
    pub fn with_settings(s: &TsneSettings) -> Self {
        Self {
            n_components: s.n_components,
            perplexity: s.perplexity,
            early_exaggeration: s.early_exaggeration,
            learning_rate: if s.learning_rate > 0.0 {
                LearningRate::Fixed(s.learning_rate)
            } else {
                LearningRate::Auto
            },
            max_iter: s.max_iter,
            n_iter_without_progress: s.n_iter_without_progress,
            min_grad_norm: s.min_grad_norm,
            method: s.method,
            angle: s.angle,
            init: s.init,
            seed: s.seed,
        }
    }

    /// Settings from the `tsne.*` keys of `cfg`.
    ///
    /// ```
    /// use ferrolab::analysis::{TsneMethod, TsneParams};
    /// use ferrolab::config::{Config, Value};
    /// let mut cfg = Config::new();
    /// cfg.set("tsne.method", Value::Str("exact".into()))?;
    /// cfg.set("tsne.perplexity", Value::F64(12.0))?;
    /// let p = TsneParams::from_config(&cfg)?;
    /// assert_eq!((p.method, p.perplexity), (TsneMethod::Exact, 12.0));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_config(cfg: &crate::config::Config) -> Result<Self, AnalysisError> {
        Ok(Self::with_settings(&TsneSettings::from_config(cfg)?))
    }
}

/// Iterations of the early-exaggeration stage (scikit-learn's `_EXPLORATION_MAX_ITER`).
const EXPLORATION_ITER: usize = 250;
/// The KL divergence is checked every this many iterations (`_N_ITER_CHECK`).
const ITER_CHECK: usize = 50;
/// Lower bound of the per-coordinate gains.
const MIN_GAIN: f64 = 0.01;
/// NumPy's double epsilon (scikit-learn's `MACHINE_EPSILON`).
const MACHINE_EPSILON: f64 = f64::EPSILON;
/// The binary search's tolerance on the entropy and its step limit.
const PERPLEXITY_TOLERANCE: f64 = 1e-5;
const PERPLEXITY_STEPS: usize = 100;

struct Stage {
    start: usize,
    end: usize,
    momentum: f64,
    exaggeration: f64,
    without_progress: usize,
}

/// The conditional probabilities of one sample given its squared distances `d2` to the
/// candidates (itself excluded): scikit-learn's `_binary_search_perplexity` for one row.
fn conditional_row(d2: &[f64], perplexity: f64) -> Vec<f64> {
    let desired_entropy = perplexity.ln();
    let mut p = vec![0.0; d2.len()];
    let (mut beta_min, mut beta_max, mut beta) = (f64::NEG_INFINITY, f64::INFINITY, 1.0);
    for _ in 0..PERPLEXITY_STEPS {
        let mut sum_p = 0.0;
        for (pj, &dj) in p.iter_mut().zip(d2) {
            *pj = (-dj * beta).exp();
            sum_p += *pj;
        }
        if sum_p == 0.0 {
            sum_p = 1e-8;
        }
        let mut sum_dp = 0.0;
        for (pj, &dj) in p.iter_mut().zip(d2) {
            *pj /= sum_p;
            sum_dp += dj * *pj;
        }
        let entropy = sum_p.ln() + beta * sum_dp;
        let diff = entropy - desired_entropy;
        if diff.abs() <= PERPLEXITY_TOLERANCE {
            break;
        }
        if diff > 0.0 {
            beta_min = beta;
            beta = if beta_max == f64::INFINITY {
                beta * 2.0
            } else {
                (beta + beta_max) / 2.0
            };
        } else {
            beta_max = beta;
            beta = if beta_min == f64::NEG_INFINITY {
                beta / 2.0
            } else {
                (beta + beta_min) / 2.0
            };
        }
    }
    p
}

/// Joint affinities: dense (exact method, n x n row-major) or sparse (CSR, symmetric).
enum Affinities {
    Dense(Vec<f64>),
    Sparse {
        indptr: Vec<usize>,
        indices: Vec<usize>,
        values: Vec<f64>,
    },
}

fn exact_affinities(
    x: &[f64],
    n: usize,
    d: usize,
    perplexity: f64,
) -> Result<Affinities, AnalysisError> {
    let cond = map_row_blocks(n, n * d, |rows| {
        let mut out = Vec::with_capacity(rows.len() * n);
        for i in rows {
            let xi = &x[i * d..(i + 1) * d];
            let d2: Vec<f64> = (0..n)
                .filter(|&j| j != i)
                .map(|j| sq_dist(xi, &x[j * d..(j + 1) * d]))
                .collect();
            let p = conditional_row(&d2, perplexity);
            out.extend_from_slice(&p[..i]);
            out.push(0.0);
            out.extend_from_slice(&p[i..]);
        }
        out
    })?;
    let mut sum = 0.0;
    for i in 0..n {
        for j in 0..n {
            sum += cond[i * n + j] + cond[j * n + i];
        }
    }
    let sum = sum.max(MACHINE_EPSILON);
    let mut p = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..n {
            if i != j {
                p[i * n + j] = ((cond[i * n + j] + cond[j * n + i]) / sum).max(MACHINE_EPSILON);
            }
        }
    }
    Ok(Affinities::Dense(p))
}

fn sparse_affinities(
    x: &[f64],
    n: usize,
    d: usize,
    k: usize,
    perplexity: f64,
) -> Result<Affinities, AnalysisError> {
    let neighbours = knn(x, n, d, k)?;
    let cond: Vec<Vec<f64>> = map_row_blocks(n, k * 20, |rows| {
        rows.map(|i| {
            let d2: Vec<f64> = neighbours[i].iter().map(|&(_, d2)| d2).collect();
            conditional_row(&d2, perplexity)
        })
        .collect()
    })?;
    // P = C + Cᵀ, row by row, columns sorted and duplicates merged.
    let mut rows: Vec<Vec<(usize, f64)>> = vec![Vec::with_capacity(2 * k); n];
    for i in 0..n {
        for (&(j, _), &c) in neighbours[i].iter().zip(&cond[i]) {
            rows[i].push((j, c));
            rows[j].push((i, c));
        }
    }
    let mut indptr = Vec::with_capacity(n + 1);
    let (mut indices, mut values) = (Vec::new(), Vec::new());
    indptr.push(0);
    for row in &mut rows {
        row.sort_by_key(|a| a.0);
        let mut last = usize::MAX;
        for &(j, c) in row.iter() {
            if j == last {
                *values.last_mut().expect("merged entry") += c;
            } else {
                indices.push(j);
                values.push(c);
                last = j;
            }
        }
        indptr.push(indices.len());
    }
    let sum = values.iter().sum::<f64>().max(MACHINE_EPSILON);
    values.iter_mut().for_each(|v| *v /= sum);
    Ok(Affinities::Sparse {
        indptr,
        indices,
        values,
    })
}

/// The KL objective and its gradient for one set of affinities.
struct Objective {
    p: Affinities,
    n: usize,
    dim: usize,
    dof: f64,
    angle: f64,
}

impl Objective {
    /// `(w, k)`: the Student-t weight `(1 + d2/α)^(−(α+1)/2)` and `(1 + d2/α)^(−1)`.
    #[inline]
    fn kernel(&self, d2: f64) -> (f64, f64) {
        let k = self.dof / (self.dof + d2);
        if self.dof == 1.0 {
            (k, k)
        } else {
            (k.powf((self.dof + 1.0) / 2.0), k)
        }
    }

    /// KL divergence (NaN unless `compute_error`) and gradient at `y` (n x dim row-major),
    /// with P multiplied by `exaggeration`.
    fn evaluate(
        &self,
        y: &[f64],
        exaggeration: f64,
        compute_error: bool,
    ) -> Result<(f64, Vec<f64>), AnalysisError> {
        match &self.p {
            Affinities::Dense(p) => self.exact(p, y, exaggeration, compute_error),
            Affinities::Sparse {
                indptr,
                indices,
                values,
            } => self.barnes_hut(indptr, indices, values, y, exaggeration, compute_error),
        }
    }

    fn exact(
        &self,
        p: &[f64],
        y: &[f64],
        ex: f64,
        compute_error: bool,
    ) -> Result<(f64, Vec<f64>), AnalysisError> {
        let (n, dim) = (self.n, self.dim);
        let row = |i: usize| &y[i * dim..(i + 1) * dim];
        let sums = map_row_blocks(n, n * dim, |rows| {
            rows.map(|i| {
                let yi = row(i);
                (0..n)
                    .filter(|&j| j != i)
                    .map(|j| self.kernel(sq_dist(yi, row(j))).0)
                    .sum::<f64>()
            })
            .collect()
        })?;
        let z: f64 = sums.iter().sum();
        let c = 2.0 * (self.dof + 1.0) / self.dof;
        let per_row: Vec<(f64, Vec<f64>)> = map_row_blocks(n, n * dim, |rows| {
            rows.map(|i| {
                let yi = row(i);
                let mut g = vec![0.0; dim];
                let mut kl = 0.0;
                for j in (0..n).filter(|&j| j != i) {
                    let yj = row(j);
                    let (w, k) = self.kernel(sq_dist(yi, yj));
                    let q = (w / z).max(MACHINE_EPSILON);
                    let pij = ex * p[i * n + j];
                    if compute_error {
                        kl += pij * (pij.max(MACHINE_EPSILON) / q).ln();
                    }
                    let f = (pij - q) * k;
                    for a in 0..dim {
                        g[a] += f * (yi[a] - yj[a]);
                    }
                }
                g.iter_mut().for_each(|v| *v *= c);
                (kl, g)
            })
            .collect()
        })?;
        let mut grad = Vec::with_capacity(n * dim);
        let mut kl = 0.0;
        for (k, g) in per_row {
            kl += k;
            grad.extend(g);
        }
        Ok((if compute_error { kl } else { f64::NAN }, grad))
    }

    fn barnes_hut(
        &self,
        indptr: &[usize],
        indices: &[usize],
        values: &[f64],
        y: &[f64],
        ex: f64,
        compute_error: bool,
    ) -> Result<(f64, Vec<f64>), AnalysisError> {
        let (n, dim) = (self.n, self.dim);
        let tree = SpaceTree::build(y, n, dim);
        let theta2 = self.angle * self.angle;
        let row = |i: usize| &y[i * dim..(i + 1) * dim];
        // Per row: (Σ_cells size·w, repulsion Σ size·w·k·(y_i − y_cell), attraction).
        let forces: Vec<(f64, [f64; 3], [f64; 3])> =
            map_row_blocks(n, 64 * dim + 16 * (indptr[1] - indptr[0]), |rows| {
                let mut stack = Vec::with_capacity(256);
                rows.map(|i| {
                    let yi = row(i);
                    let (z, neg) = tree.repulsion(self, y, i, theta2, &mut stack);
                    let mut pos = [0.0; 3];
                    for e in indptr[i]..indptr[i + 1] {
                        let j = indices[e];
                        let yj = row(j);
                        let (_, k) = self.kernel(sq_dist(yi, yj));
                        let f = ex * values[e] * k;
                        for a in 0..dim {
                            pos[a] += f * (yi[a] - yj[a]);
                        }
                    }
                    (z, neg, pos)
                })
                .collect()
            })?;
        let z = forces.iter().map(|f| f.0).sum::<f64>().max(MACHINE_EPSILON);
        let c = 2.0 * (self.dof + 1.0) / self.dof;
        let mut grad = Vec::with_capacity(n * dim);
        for (_, neg, pos) in &forces {
            for a in 0..dim {
                grad.push(c * (pos[a] - neg[a] / z));
            }
        }
        let kl = if compute_error {
            let terms = map_row_blocks(n, 8 * (indptr[1] - indptr[0]), |rows| {
                rows.map(|i| {
                    let mut s = 0.0;
                    for e in indptr[i]..indptr[i + 1] {
                        let (w, _) = self.kernel(sq_dist(row(i), row(indices[e])));
                        let pij = ex * values[e];
                        let q = (w / z).max(f64::MIN_POSITIVE);
                        s += pij * (pij.max(f64::MIN_POSITIVE) / q).ln();
                    }
                    s
                })
                .collect()
            })?;
            terms.iter().sum()
        } else {
            f64::NAN
        };
        Ok((kl, grad))
    }
}

/// A cell of the space-partitioning tree.
#[derive(Clone, Copy)]
struct Cell {
    /// Centre of mass of the cell's points.
    centre: [f64; 3],
    /// Number of points.
    size: f64,
    /// Largest squared side of the cell's box.
    width2: f64,
    /// First child in `nodes` and number of children (0: a leaf).
    child: u32,
    children: u32,
    /// The cell's points are `order[start..end]`.
    start: u32,
    end: u32,
}

/// A quadtree (2-D), octree (3-D) or binary tree (1-D) over the embedding, rebuilt every
/// iteration.
struct SpaceTree {
    dim: usize,
    nodes: Vec<Cell>,
    order: Vec<u32>,
    /// Position of each point in `order`.
    slot: Vec<u32>,
}

/// Depth beyond which a cell is not split (only identical points get there).
const MAX_DEPTH: usize = 60;

impl SpaceTree {
    fn build(y: &[f64], n: usize, dim: usize) -> Self {
        let mut lo = [0.0; 3];
        let mut hi = [0.0; 3];
        for a in 0..dim {
            let (mut l, mut h) = (f64::INFINITY, f64::NEG_INFINITY);
            for i in 0..n {
                l = l.min(y[i * dim + a]);
                h = h.max(y[i * dim + a]);
            }
            let pad = 1e-3 * (h - l) + 1e-300;
            lo[a] = l - pad;
            hi[a] = h + pad;
        }
        let mut tree = Self {
            dim,
            nodes: Vec::with_capacity(2 * n),
            order: (0..n as u32).collect(),
            slot: vec![0; n],
        };
        tree.nodes.push(Cell {
            centre: [0.0; 3],
            size: 0.0,
            width2: 0.0,
            child: 0,
            children: 0,
            start: 0,
            end: n as u32,
        });
        let mut scratch = vec![0u32; n];
        tree.fill(y, 0, lo, hi, 0, &mut scratch);
        for (s, &p) in tree.order.iter().enumerate() {
            tree.slot[p as usize] = s as u32;
        }
        tree
    }

    fn fill(
        &mut self,
        y: &[f64],
        node: usize,
        lo: [f64; 3],
        hi: [f64; 3],
        depth: usize,
        scratch: &mut [u32],
    ) {
        let dim = self.dim;
        let (start, end) = (
            self.nodes[node].start as usize,
            self.nodes[node].end as usize,
        );
        let mut centre = [0.0; 3];
        for &p in &self.order[start..end] {
            for a in 0..dim {
                centre[a] += y[p as usize * dim + a];
            }
        }
        let size = (end - start) as f64;
        centre.iter_mut().for_each(|c| *c /= size);
        let mut width2: f64 = 0.0;
        for a in 0..dim {
            width2 = width2.max((hi[a] - lo[a]) * (hi[a] - lo[a]));
        }
        {
            let cell = &mut self.nodes[node];
            cell.centre = centre;
            cell.size = size;
            cell.width2 = width2;
        }
        if end - start == 1 || depth >= MAX_DEPTH {
            return;
        }
        let first = self.order[start] as usize;
        let identical = self.order[start..end]
            .iter()
            .all(|&p| (0..dim).all(|a| y[p as usize * dim + a] == y[first * dim + a]));
        if identical {
            return;
        }
        let mut mid = [0.0; 3];
        for a in 0..dim {
            mid[a] = 0.5 * (lo[a] + hi[a]);
        }
        let quadrant = |p: u32| {
            (0..dim).fold(0usize, |q, a| {
                q | (((y[p as usize * dim + a] > mid[a]) as usize) << a)
            })
        };
        let n_quadrants = 1usize << dim;
        let mut counts = [0usize; 8];
        for &p in &self.order[start..end] {
            counts[quadrant(p)] += 1;
        }
        let mut offsets = [0usize; 9];
        for q in 0..n_quadrants {
            offsets[q + 1] = offsets[q] + counts[q];
        }
        let mut cursor = offsets;
        for s in start..end {
            let p = self.order[s];
            let q = quadrant(p);
            scratch[start + cursor[q]] = p;
            cursor[q] += 1;
        }
        self.order[start..end].copy_from_slice(&scratch[start..end]);
        let child = self.nodes.len();
        let mut made = Vec::with_capacity(n_quadrants);
        for q in 0..n_quadrants {
            if counts[q] == 0 {
                continue;
            }
            let (mut clo, mut chi) = (lo, hi);
            for a in 0..dim {
                if (q >> a) & 1 == 1 {
                    clo[a] = mid[a];
                } else {
                    chi[a] = mid[a];
                }
            }
            self.nodes.push(Cell {
                centre: [0.0; 3],
                size: 0.0,
                width2: 0.0,
                child: 0,
                children: 0,
                start: (start + offsets[q]) as u32,
                end: (start + offsets[q + 1]) as u32,
            });
            made.push((clo, chi));
        }
        self.nodes[node].child = child as u32;
        self.nodes[node].children = made.len() as u32;
        for (c, (clo, chi)) in made.into_iter().enumerate() {
            self.fill(y, child + c, clo, chi, depth + 1, scratch);
        }
    }

    /// `(Σ size·w, Σ size·w·k·(y_i − centre))` over the cells summarising every point but `i`.
    fn repulsion(
        &self,
        obj: &Objective,
        y: &[f64],
        i: usize,
        theta2: f64,
        stack: &mut Vec<u32>,
    ) -> (f64, [f64; 3]) {
        let dim = self.dim;
        let yi = &y[i * dim..(i + 1) * dim];
        let slot = self.slot[i];
        let (mut z, mut neg) = (0.0, [0.0; 3]);
        stack.clear();
        stack.push(0);
        while let Some(c) = stack.pop() {
            let cell = &self.nodes[c as usize];
            let leaf = cell.children == 0;
            if leaf && cell.start <= slot && slot < cell.end {
                // The point's own leaf: the other points in it, one by one.
                for &p in &self.order[cell.start as usize..cell.end as usize] {
                    if p as usize == i {
                        continue;
                    }
                    let yp = &y[p as usize * dim..(p as usize + 1) * dim];
                    let (w, k) = obj.kernel(sq_dist(yi, yp));
                    z += w;
                    for a in 0..dim {
                        neg[a] += w * k * (yi[a] - yp[a]);
                    }
                }
                continue;
            }
            let mut d2 = 0.0;
            let mut diff = [0.0; 3];
            for a in 0..dim {
                diff[a] = yi[a] - cell.centre[a];
                d2 += diff[a] * diff[a];
            }
            if leaf || cell.width2 < theta2 * d2 {
                let (w, k) = obj.kernel(d2);
                z += cell.size * w;
                let f = cell.size * w * k;
                for a in 0..dim {
                    neg[a] += f * diff[a];
                }
            } else {
                for ch in (cell.child..cell.child + cell.children).rev() {
                    stack.push(ch);
                }
            }
        }
        (z, neg)
    }
}

/// How much the `n_neighbors` nearest neighbours of every sample in `x_embedded` were already
/// neighbours in `x`, in [0, 1]: scikit-learn's `sklearn.manifold.trustworthiness` (Euclidean),
///
/// `T(k) = 1 − 2 / (n k (2n − 3k − 1)) Σ_i Σ_{j ∈ N_k(i) in the embedding} max(0, r(i, j) − k)`,
///
/// with `r(i, j)` the rank of j among i's neighbours in `x` (1 for the nearest). Ties in
/// distance go to the lower index (scikit-learn's order for exact ties is its sort's).
/// O(n² (d + k)) time, O(n) memory per thread (scikit-learn builds the n x n rank matrix).
///
/// Errors: `x` or `x_embedded` empty or non-finite, different row counts, `n_neighbors` = 0
/// or ≥ n / 2.
///
/// ```
/// use ferrolab::analysis::trustworthiness;
/// let x = ndarray::Array2::from_shape_fn((20, 3), |(i, j)| (i * (j + 1)) as f64);
/// // A perfect embedding (the data themselves) scores 1.
/// assert_eq!(trustworthiness(x.view(), x.view(), 5)?, 1.0);
/// assert!(trustworthiness(x.view(), x.view(), 10).is_err()); // k >= n / 2
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
pub fn trustworthiness(
    x: ArrayView2<f64>,
    x_embedded: ArrayView2<f64>,
    n_neighbors: usize,
) -> Result<f64, AnalysisError> {
    let xr = checked_rows(x, "x", 1)?;
    let yr = checked_rows(x_embedded, "x_embedded", 1)?;
    let (n, d) = x.dim();
    let e = x_embedded.ncols();
    if x_embedded.nrows() != n {
        return Err(AnalysisError::Invalid(format!(
            "x_embedded has {} rows but x has {n}",
            x_embedded.nrows()
        )));
    }
    let k = n_neighbors;
    if k == 0 || k as f64 >= n as f64 / 2.0 {
        return Err(AnalysisError::Invalid(format!(
            "n_neighbors = {k}: it must be at least 1 and less than n_samples / 2 = {}",
            n as f64 / 2.0
        )));
    }
    let neighbours = knn(&yr, n, e, k)?;
    let penalties = map_row_blocks(n, n * (d + k), |rows| {
        let mut dx = vec![0.0; n];
        rows.map(|i| {
            let xi = &xr[i * d..(i + 1) * d];
            for (j, v) in dx.iter_mut().enumerate() {
                *v = sq_dist(xi, &xr[j * d..(j + 1) * d]);
            }
            let mut penalty = 0u64;
            for &(j, _) in &neighbours[i] {
                let dj = dx[j];
                let rank = 1 + dx
                    .iter()
                    .enumerate()
                    .filter(|&(l, &v)| l != i && (v < dj || (v == dj && l < j)))
                    .count();
                penalty += rank.saturating_sub(k) as u64;
            }
            penalty
        })
        .collect()
    })?;
    let total: u64 = penalties.iter().sum();
    let (nf, kf) = (n as f64, k as f64);
    Ok(1.0 - total as f64 * (2.0 / (nf * kf * (2.0 * nf - 3.0 * kf - 1.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blobs(n: usize, d: usize, seed: u64) -> Vec<f64> {
        let mut rng = Xoshiro256::seed_from_u64(seed);
        (0..n * d)
            .map(|e| 4.0 * ((e / d) % 3) as f64 + rng.normal())
            .collect()
    }

    fn objective(x: &[f64], n: usize, d: usize, dim: usize, sparse_all: bool) -> Objective {
        let p = if sparse_all {
            sparse_affinities(x, n, d, n - 1, 5.0).unwrap()
        } else {
            exact_affinities(x, n, d, 5.0).unwrap()
        };
        Objective {
            p,
            n,
            dim,
            dof: (dim as f64 - 1.0).max(1.0),
            angle: 0.0,
        }
    }

    /// The exact gradient is the derivative of the KL divergence (2-D, α = 1, and 3-D, α = 2).
    /// (Under early exaggeration the gradient is scikit-learn's `(ex p − q)` form, which is not
    /// the derivative of KL(ex P‖Q), so only ex = 1 is compared.)
    #[test]
    fn exact_gradient_matches_finite_differences() {
        let (n, d) = (18, 4);
        let x = blobs(n, d, 1);
        for dim in [2, 3] {
            let obj = objective(&x, n, d, dim, false);
            let mut rng = Xoshiro256::seed_from_u64(7);
            let y: Vec<f64> = (0..n * dim).map(|_| rng.normal()).collect();
            for ex in [1.0] {
                let (_, grad) = obj.evaluate(&y, ex, true).unwrap();
                for e in [0, 5, n * dim - 1] {
                    let h = 1e-6;
                    let (mut yp, mut ym) = (y.clone(), y.clone());
                    yp[e] += h;
                    ym[e] -= h;
                    let fd = (obj.evaluate(&yp, ex, true).unwrap().0
                        - obj.evaluate(&ym, ex, true).unwrap().0)
                        / (2.0 * h);
                    assert!(
                        (fd - grad[e]).abs() < 1e-6 * (1.0 + fd.abs()),
                        "dim {dim} ex {ex} coord {e}: {fd} vs {}",
                        grad[e]
                    );
                }
            }
        }
    }

    /// With every neighbour in P and angle 0, Barnes-Hut is the exact gradient; at angle 0.5
    /// it stays close.
    #[test]
    fn barnes_hut_gradient_matches_exact() {
        let (n, d) = (60, 3);
        let x = blobs(n, d, 2);
        for dim in [2, 3] {
            let exact = objective(&x, n, d, dim, false);
            let mut bh = objective(&x, n, d, dim, true);
            let mut rng = Xoshiro256::seed_from_u64(9);
            let y: Vec<f64> = (0..n * dim).map(|_| 3.0 * rng.normal()).collect();
            let (kl_e, ge) = exact.evaluate(&y, 1.0, true).unwrap();
            let (kl_b, gb) = bh.evaluate(&y, 1.0, true).unwrap();
            let norm = ge.iter().map(|g| g * g).sum::<f64>().sqrt();
            let err = ge
                .iter()
                .zip(&gb)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(err < 1e-10 * norm, "dim {dim}: {err} vs {norm}");
            assert!((kl_e - kl_b).abs() < 1e-9, "{kl_e} {kl_b}");
            bh.angle = 0.5;
            let (_, gb) = bh.evaluate(&y, 1.0, false).unwrap();
            let err = ge
                .iter()
                .zip(&gb)
                .map(|(a, b)| (a - b).powi(2))
                .sum::<f64>()
                .sqrt();
            assert!(err < 0.05 * norm, "dim {dim} angle 0.5: {err} vs {norm}");
        }
    }

    #[test]
    fn binary_search_hits_the_perplexity() {
        let d2: Vec<f64> = (1..40).map(|j| (j as f64 * 0.37).powi(2)).collect();
        let p = conditional_row(&d2, 7.0);
        let entropy: f64 = -p
            .iter()
            .filter(|&&v| v > 0.0)
            .map(|v| v * v.ln())
            .sum::<f64>();
        assert!((entropy.exp() - 7.0).abs() < 1e-3, "{}", entropy.exp());
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn fits_separate_blobs_and_refuse_bad_settings() {
        let (n, d) = (90, 5);
        let x = Array2::from_shape_vec((n, d), blobs(n, d, 3)).unwrap();
        let params = Tsne::params().perplexity(10.0).max_iter(400);
        let a = params.fit(x.view()).unwrap();
        let t = trustworthiness(x.view(), a.embedding.view(), 5).unwrap();
        assert!(t > 0.9, "{t}");
        let err = |p: TsneParams| p.fit(x.view()).unwrap_err().to_string();
        assert!(err(Tsne::params().perplexity(90.0)).contains("perplexity"));
        assert!(err(Tsne::params().n_components(4)).contains("n_components = 4"));
        assert!(err(Tsne::params().max_iter(100)).contains("max_iter"));
        assert!(err(Tsne::params().angle(1.5)).contains("angle"));
    }
}
