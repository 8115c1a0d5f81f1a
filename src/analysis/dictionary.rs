//! Dictionary learning (paper 001; scikit-learn's `DictionaryLearning` with `alpha = lambda`):
//!
//! `min_{G, D} 0.5 ||X - G D||_F^2 + lambda ||G||_1,1` subject to `||d_j||_2 <= 1`,
//!
//! X: n x d data, G: n x k codes, D: k x d atoms (rows d_j). Alternating minimisation, each
//! iteration:
//!
//! 1. sparse coding: all rows' lasso codes for the current D by coordinate descent on the Gram
//!    matrices `D D^T` and `X D^T`, warm-started from the previous codes and run in parallel
//!    over rows ([`sparse_encode`](super::sparse_encode));
//! 2. dictionary update: block coordinate descent over the atoms. With the others fixed, the
//!    objective in atom j is `0.5 a_jj ||d_j - m||^2 + const`, `a_jj = ||g_j||^2`, whose
//!    unconstrained minimiser is `m = d_j + (b_j - sum_l a_jl d_l) / a_jj` (A = G^T G,
//!    B = G^T X); as the objective is isotropic around m, projecting m onto the unit ball is
//!    the exact constrained minimiser. An atom no sample uses (`g_j = 0`) does not enter the
//!    objective; after the pass, the unused atoms are replaced by the unit directions of the
//!    residuals of the worst-reconstructed samples (one sample each) so that the next coding
//!    may use them.
//!
//! Both steps are exact block minimisations (the coding from a warm start), so the objective
//! never increases. The loop stops when an iteration lowers the objective by less than
//! `tol` times its value (scikit-learn's criterion) or after `max_iter` iterations.
//!
//! New data are coded on the learnt atoms by one of two rules ([`DictionaryTransform`],
//! key `dictionary.transform`): orthogonal matching pursuit with scikit-learn's default number
//! of non-zeros (the default, as `DictionaryLearning.transform` in the environment of paper
//! 001's code), or the lasso codes of the learning objective.

use super::AnalysisError;
use super::dense::{
    check_columns, check_matrix, check_tol, in_pool, invalid, matmul, mean_and_scale, standardise,
    thin_svd, unstandardise,
};
use super::lasso::{LassoSettings, check_lambda, encode_gram};
use super::omp::{check_nonzero, encode_omp_gram, omp_nonzero_rule};
use crate::rng::Xoshiro256;
use ndarray::{Array1, Array2, ArrayView1, ArrayView2, s};

/// How the dictionary starts.
///
/// ```
/// use ferrolab::analysis::DictionaryInit;
/// assert_eq!(DictionaryInit::default(), DictionaryInit::Svd);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DictionaryInit {
    /// From the truncated SVD `X ~ U S V^T`: atoms = the first k rows of `V^T` (unit norm),
    /// codes = `U S`; atoms beyond min(n, d) start at zero (and are replaced once found
    /// unused). Deterministic. (scikit-learn starts from the unnormalised atoms `S V^T` with
    /// codes U; this start is feasible from the outset and gave the same minimum on the
    /// reference data, see tests/suite/analysis_decomposition.rs.)
    #[default]
    Svd,
    /// Atoms with independent standard normal entries (ferrolab's [`Xoshiro256`] stream of
    /// `seed`), normalised to unit length; codes start at zero.
    Random {
        /// Seed of the stream.
        seed: u64,
    },
}

/// How [`Dictionary::transform`] codes data on the learnt atoms.
///
/// ```
/// use ferrolab::analysis::DictionaryTransform;
/// // The default is paper 001's: scikit-learn's OMP with its rule for the number of non-zeros.
/// assert_eq!(DictionaryTransform::default(), DictionaryTransform::Omp { n_nonzero: None });
/// assert_eq!(DictionaryTransform::default().n_nonzero(25, 3), Some(2));
/// assert_eq!(DictionaryTransform::Lasso.n_nonzero(25, 3), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DictionaryTransform {
    /// Orthogonal matching pursuit ([`orthogonal_mp`](super::orthogonal_mp)) with at most
    /// `n_nonzero` atoms per row; `None`: scikit-learn's default
    /// [`omp_nonzero_rule`](super::omp_nonzero_rule)`(d, k)` (2 of 3 atoms for 25 features,
    /// 5 of 5 for 192).
    Omp {
        /// Non-zero coefficients per row, 1..=k, or `None` for the rule.
        n_nonzero: Option<usize>,
    },
    /// The lasso codes with the dictionary's lambda: the coding step of the learning objective.
    Lasso,
}

impl Default for DictionaryTransform {
    fn default() -> Self {
        Self::Omp { n_nonzero: None }
    }
}

impl DictionaryTransform {
    /// The number of non-zeros OMP uses for `d` features and `k` atoms (`None` for lasso).
    ///
    /// ```
    /// use ferrolab::analysis::DictionaryTransform;
    /// assert_eq!(DictionaryTransform::Omp { n_nonzero: Some(3) }.n_nonzero(25, 3), Some(3));
    /// ```
    pub fn n_nonzero(self, d: usize, k: usize) -> Option<usize> {
        match self {
            Self::Omp { n_nonzero } => Some(n_nonzero.unwrap_or_else(|| omp_nonzero_rule(d, k))),
            Self::Lasso => None,
        }
    }

    /// A short name for reports: `omp (2 of 3 atoms)` or `lasso`.
    ///
    /// ```
    /// use ferrolab::analysis::DictionaryTransform;
    /// assert_eq!(DictionaryTransform::default().describe(192, 5), "omp (5 of 5 atoms)");
    /// ```
    pub fn describe(self, d: usize, k: usize) -> String {
        match self.n_nonzero(d, k) {
            Some(n) => format!("omp ({n} of {k} atoms)"),
            None => "lasso".into(),
        }
    }
}

/// Settings of dictionary learning; fit with [`Dictionary::fit`] or linfa's `Fit`.
///
/// ```
/// use ferrolab::analysis::DictionaryParams;
/// let p = DictionaryParams::new(5, 0.5);
/// assert_eq!((p.max_iter, p.tol, p.standardise), (1000, 1e-8, false));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct DictionaryParams {
    /// Number of atoms k >= 1 (may exceed d: an overcomplete dictionary).
    pub n_components: usize,
    /// Weight of the L1 penalty on the codes, >= 0 (scikit-learn's `alpha`).
    pub lambda: f64,
    /// At most this many alternations.
    pub max_iter: usize,
    /// Stop when an iteration lowers the objective by less than `tol` times its value.
    pub tol: f64,
    /// How the dictionary starts.
    pub init: DictionaryInit,
    /// Centre each feature and divide it by its standard deviation first (paper 001); the
    /// objective, the MSE and [`Dictionary::transform`] are then in standardised units.
    pub standardise: bool,
    /// The sparse coder's settings (fit and transform).
    pub coding: LassoSettings,
    /// How [`Dictionary::transform`] codes data (the learning always uses lasso codes).
    pub transform: DictionaryTransform,
}

impl DictionaryParams {
    /// `k` atoms, penalty `lambda`, SVD start, no standardisation, `max_iter = 1000`,
    /// `tol = 1e-8` (scikit-learn's defaults).
    ///
    /// ```
    /// let p = ferrolab::analysis::DictionaryParams::new(8, 0.5);
    /// assert_eq!((p.n_components, p.lambda), (8, 0.5));
    /// ```
    pub fn new(n_components: usize, lambda: f64) -> Self {
        Self::with_settings(
            n_components,
            lambda,
            &super::keys::DictionarySettings::default(),
        )
    }
}

/// A learned dictionary with the training codes.
///
/// ```
/// use ferrolab::analysis::{Dictionary, DictionaryParams};
/// use ndarray::array;
/// let x = array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 0.0, 4.0], [0.0, 2.0, 2.0]];
/// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.1))?;
/// assert!(dl.atoms().rows().into_iter().all(|a| a.dot(&a) <= 1.0 + 1e-12));
/// assert!(dl.mse() < 0.01);
/// assert!(dl.history().windows(2).all(|p| p[1] <= p[0] * (1.0 + 1e-12)));
/// # Ok::<(), ferrolab::analysis::AnalysisError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dictionary {
    atoms: Array2<f64>,
    codes: Array2<f64>,
    history: Vec<f64>,
    n_iter: usize,
    mse: f64,
    mean: Array1<f64>,
    scale: Array1<f64>,
    lambda: f64,
    coding: LassoSettings,
    transform: DictionaryTransform,
}

impl Dictionary {
    /// Learn k atoms from `x` (n x d).
    ///
    /// Errors: empty or non-finite `x`, k = 0, lambda < 0 or non-finite, a bad `tol`.
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryInit, DictionaryParams};
    /// use ndarray::array;
    /// let x = array![[1.0, 0.5], [0.2, 2.0], [-1.0, 0.3]];
    /// let params = DictionaryParams { init: DictionaryInit::Random { seed: 3 }, ..DictionaryParams::new(3, 0.2) };
    /// let dl = Dictionary::fit(x.view(), &params)?;
    /// assert_eq!(dl.codes().dim(), (3, 3));
    /// assert!(Dictionary::fit(x.view(), &DictionaryParams::new(2, -1.0)).is_err());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn fit(x: ArrayView2<f64>, params: &DictionaryParams) -> Result<Self, AnalysisError> {
        check_matrix(x, "x")?;
        check_lambda(params.lambda)?;
        check_tol(params.tol, "tol")?;
        check_tol(params.coding.tol, "coding.tol")?;
        let (n, d) = x.dim();
        let k = params.n_components;
        if k == 0 {
            return invalid("n_components = 0: it must be at least 1".into());
        }
        if let DictionaryTransform::Omp { n_nonzero: Some(m) } = params.transform {
            check_nonzero(m, k).map_err(|e| AnalysisError::Invalid(format!("transform: {e}")))?;
        }
        super::check_factor_memory(n, d, k, 3)?;
        let (mean, scale) = if params.standardise {
            mean_and_scale(x)
        } else {
            (Array1::zeros(d), Array1::ones(d))
        };
        let z = standardise(x, mean.view(), scale.view());
        let (mut atoms, mut codes) = initialise(z.view(), k, params.init)?;
        let lambda = params.lambda;
        let (history, n_iter) = in_pool(|| {
            let mut history: Vec<f64> = Vec::new();
            for it in 0..params.max_iter {
                let gram = matmul(atoms.view(), false, atoms.view(), true);
                let cov = matmul(z.view(), false, atoms.view(), true);
                encode_gram(gram.view(), cov.view(), lambda, &mut codes, params.coding);
                update_atoms(z.view(), codes.view(), &mut atoms);
                let cost = objective(z.view(), codes.view(), atoms.view(), lambda);
                let previous = history.last().copied();
                history.push(cost);
                if let Some(p) = previous
                    && p - cost < params.tol * cost
                {
                    return (history, it + 1);
                }
            }
            let n_iter = history.len();
            (history, n_iter)
        })?;
        let mse = residual_ss(z.view(), codes.view(), atoms.view()) / (n * d) as f64;
        Ok(Self {
            atoms,
            codes,
            history,
            n_iter,
            mse,
            mean,
            scale,
            lambda,
            coding: params.coding,
            transform: params.transform,
        })
    }

    /// The atoms D, k x d, each of Euclidean norm <= 1 (in standardised units if standardised).
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams};
    /// let x = ndarray::array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 1.0, 0.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.1))?;
    /// assert_eq!(dl.atoms().dim(), (2, 3));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn atoms(&self) -> ArrayView2<'_, f64> {
        self.atoms.view()
    }

    /// The training codes G, n x k.
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams};
    /// let x = ndarray::array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 1.0, 0.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.1))?;
    /// assert_eq!(dl.codes().dim(), (3, 2));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn codes(&self) -> ArrayView2<'_, f64> {
        self.codes.view()
    }

    /// The objective `0.5 ||X - G D||^2 + lambda ||G||_1` after every iteration
    /// (non-increasing).
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams};
    /// let x = ndarray::array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 1.0, 0.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.1))?;
    /// assert!(dl.history().windows(2).all(|p| p[1] <= p[0] * (1.0 + 1e-12)));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn history(&self) -> &[f64] {
        &self.history
    }

    /// The final objective (NaN if `max_iter` was 0).
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams};
    /// let x = ndarray::array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 1.0, 0.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.1))?;
    /// assert_eq!(Some(&dl.objective()), dl.history().last());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn objective(&self) -> f64 {
        self.history.last().copied().unwrap_or(f64::NAN)
    }

    /// Iterations run.
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams};
    /// let x = ndarray::array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 1.0, 0.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.1))?;
    /// assert_eq!(dl.n_iter(), dl.history().len());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// Training reconstruction MSE `||X - G D||_F^2 / (n d)` (standardised units if
    /// standardised).
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams};
    /// let x = ndarray::array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 1.0, 0.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.1))?;
    /// assert!(dl.mse() > 0.0 && dl.mse() < 1.0);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn mse(&self) -> f64 {
        self.mse
    }

    /// The per-feature mean and scale used (zeros and ones without standardisation).
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams};
    /// let x = ndarray::array![[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [2.0, 1.0, 0.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.1))?;
    /// let (mean, scale) = dl.standardisation();
    /// assert_eq!((mean.sum(), scale.sum()), (0.0, 3.0));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn standardisation(&self) -> (ArrayView1<'_, f64>, ArrayView1<'_, f64>) {
        (self.mean.view(), self.scale.view())
    }

    /// The codes (m x k) of new data `x` (m x d) on the learned atoms, after the fitted
    /// standardisation, by the rule fitted with ([`DictionaryParams::transform`]; OMP with
    /// scikit-learn's number of non-zeros by default).
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams, DictionaryTransform};
    /// use ndarray::array;
    /// let x = array![[1.0, 0.0], [0.0, 1.0], [2.0, 0.1]];
    /// let params = DictionaryParams { transform: DictionaryTransform::Lasso, ..DictionaryParams::new(2, 0.0) };
    /// let dl = Dictionary::fit(x.view(), &params)?;
    /// let codes = dl.transform(array![[3.0, 1.0]].view())?;
    /// let back = dl.inverse_transform(codes.view())?;
    /// assert!((back[[0, 0]] - 3.0).abs() < 1e-8 && (back[[0, 1]] - 1.0).abs() < 1e-8);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
        self.transform_with(x, self.transform)
    }

    /// The codes of `x` by the rule `rule`, whatever the fitted one.
    ///
    /// Errors: bad `x` (empty, non-finite, other columns than fitted), an OMP `n_nonzero`
    /// outside 1..=k.
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams, DictionaryTransform};
    /// use ndarray::array;
    /// let x = array![[1.0, 0.0, 0.2], [0.0, 1.0, 0.1], [1.0, 1.0, 0.0], [0.5, 0.0, 1.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(3, 0.1))?;
    /// let one = dl.transform_with(x.view(), DictionaryTransform::Omp { n_nonzero: Some(1) })?;
    /// assert!(one.rows().into_iter().all(|g| g.iter().filter(|v| **v != 0.0).count() <= 1));
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn transform_with(
        &self,
        x: ArrayView2<f64>,
        rule: DictionaryTransform,
    ) -> Result<Array2<f64>, AnalysisError> {
        check_matrix(x, "x")?;
        check_columns(x, "x", self.atoms.ncols())?;
        let (d, k) = (self.atoms.ncols(), self.atoms.nrows());
        let n_nonzero = rule.n_nonzero(d, k);
        if let Some(m) = n_nonzero {
            check_nonzero(m, k)?;
        }
        super::check_factor_memory(x.nrows(), d, k, 2)?;
        let z = standardise(x, self.mean.view(), self.scale.view());
        let mut codes = Array2::zeros((x.nrows(), k));
        in_pool(|| {
            let gram = matmul(self.atoms.view(), false, self.atoms.view(), true);
            let cov = matmul(z.view(), false, self.atoms.view(), true);
            match n_nonzero {
                Some(m) => encode_omp_gram(gram.view(), cov.view(), m, &mut codes),
                None => encode_gram(
                    gram.view(),
                    cov.view(),
                    self.lambda,
                    &mut codes,
                    self.coding,
                ),
            }
        })?;
        Ok(codes)
    }

    /// The rule [`transform`](Self::transform) uses.
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams, DictionaryTransform};
    /// let dl = Dictionary::fit(ndarray::array![[1.0, 0.0], [0.0, 1.0]].view(), &DictionaryParams::new(2, 0.1))?;
    /// assert_eq!(dl.transform_rule(), DictionaryTransform::default());
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn transform_rule(&self) -> DictionaryTransform {
        self.transform
    }

    /// Data (m x d, original units) of codes (m x k): `G D * scale + mean`.
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams};
    /// use ndarray::array;
    /// let dl = Dictionary::fit(array![[1.0, 0.0], [0.0, 1.0]].view(), &DictionaryParams::new(2, 0.1))?;
    /// assert_eq!(dl.inverse_transform(array![[0.0, 0.0]].view())?, array![[0.0, 0.0]]);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn inverse_transform(&self, codes: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
        check_matrix(codes, "codes")?;
        if codes.ncols() != self.atoms.nrows() {
            return invalid(format!(
                "codes has {} columns but the dictionary has {} atoms",
                codes.ncols(),
                self.atoms.nrows()
            ));
        }
        let z = in_pool(|| matmul(codes, false, self.atoms.view(), false))?;
        Ok(unstandardise(z, self.mean.view(), self.scale.view()))
    }

    /// Reconstruction MSE of new data (validation MSE in paper 001): `x` is coded by
    /// [`transform`](Self::transform) and the mean squared error taken in the fitted
    /// (standardised, if so) units.
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams};
    /// use ndarray::array;
    /// let x = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.0))?;
    /// // 2 features: OMP codes with 1 atom.
    /// assert!(dl.reconstruction_mse(array![[0.5, 2.0]].view())? > 0.01);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn reconstruction_mse(&self, x: ArrayView2<f64>) -> Result<f64, AnalysisError> {
        let errors = self.reconstruction_errors(x, self.transform)?;
        Ok(errors.mean().unwrap_or(f64::NAN))
    }

    /// The reconstruction error of every row of `x` (its mean squared error over the d
    /// features, in the fitted units) when coded by `rule`: per-spectrum errors, such as paper
    /// 001's best/median/worst spectra and per-pixel error maps.
    ///
    /// ```
    /// use ferrolab::analysis::{Dictionary, DictionaryParams, DictionaryTransform};
    /// use ndarray::array;
    /// let x = array![[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]];
    /// let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 0.0))?;
    /// let exact = dl.reconstruction_errors(array![[0.5, 2.0]].view(), DictionaryTransform::Lasso)?;
    /// assert!(exact[0] < 1e-12);
    /// # Ok::<(), ferrolab::analysis::AnalysisError>(())
    /// ```
    pub fn reconstruction_errors(
        &self,
        x: ArrayView2<f64>,
        rule: DictionaryTransform,
    ) -> Result<Array1<f64>, AnalysisError> {
        let codes = self.transform_with(x, rule)?;
        let z = standardise(x, self.mean.view(), self.scale.view());
        let reconstruction = in_pool(|| matmul(codes.view(), false, self.atoms.view(), false))?;
        let d = z.ncols() as f64;
        Ok(z.rows()
            .into_iter()
            .zip(reconstruction.rows())
            .map(|(a, b)| a.iter().zip(b).map(|(u, v)| (u - v).powi(2)).sum::<f64>() / d)
            .collect())
    }
}

/// `||X - G D||_F^2`.
fn residual_ss(x: ArrayView2<f64>, codes: ArrayView2<f64>, atoms: ArrayView2<f64>) -> f64 {
    let gd = matmul(codes, false, atoms, false);
    x.iter().zip(gd.iter()).map(|(a, b)| (a - b).powi(2)).sum()
}

/// `0.5 ||X - G D||_F^2 + lambda ||G||_1,1`.
fn objective(
    x: ArrayView2<f64>,
    codes: ArrayView2<f64>,
    atoms: ArrayView2<f64>,
    lambda: f64,
) -> f64 {
    0.5 * residual_ss(x, codes, atoms) + lambda * codes.iter().map(|v| v.abs()).sum::<f64>()
}

/// Starting atoms (k x d) and codes (n x k).
fn initialise(
    x: ArrayView2<f64>,
    k: usize,
    init: DictionaryInit,
) -> Result<(Array2<f64>, Array2<f64>), AnalysisError> {
    let (n, d) = x.dim();
    match init {
        DictionaryInit::Svd => {
            let svd = thin_svd(x)?;
            let r = k.min(svd.s.len());
            let mut atoms = Array2::zeros((k, d));
            let mut codes = Array2::zeros((n, k));
            atoms
                .slice_mut(s![..r, ..])
                .assign(&svd.vt.slice(s![..r, ..]));
            codes
                .slice_mut(s![.., ..r])
                .assign(&(&svd.u.slice(s![.., ..r]) * &svd.s.slice(s![..r])));
            Ok((atoms, codes))
        }
        DictionaryInit::Random { seed } => {
            let mut rng = Xoshiro256::seed_from_u64(seed);
            let mut atoms = Array2::from_shape_simple_fn((k, d), || rng.normal());
            for mut a in atoms.rows_mut() {
                let norm = a.dot(&a).sqrt();
                if norm > 0.0 {
                    a /= norm;
                }
            }
            Ok((atoms, Array2::zeros((n, k))))
        }
    }
}

/// One block-coordinate pass over the atoms (module docs), each projected onto the unit ball.
fn update_atoms(x: ArrayView2<f64>, codes: ArrayView2<f64>, atoms: &mut Array2<f64>) {
    let a = matmul(codes, true, codes, false); // k x k
    let b = matmul(codes, true, x, false); // k x d
    let k = atoms.nrows();
    let mut unused = Vec::new();
    for j in 0..k {
        let ajj = a[(j, j)];
        if ajj > 0.0 {
            // m = d_j + (b_j - sum_l a_jl d_l) / a_jj, with the atoms already updated this pass.
            let mut step = b.row(j).to_owned();
            for l in 0..k {
                step.scaled_add(-a[(j, l)], &atoms.row(l));
            }
            let mut m = atoms.row(j).to_owned();
            m.scaled_add(1.0 / ajj, &step);
            let norm = m.dot(&m).sqrt();
            if norm > 1.0 {
                m /= norm;
            }
            atoms.row_mut(j).assign(&m);
        } else {
            unused.push(j);
        }
    }
    if !unused.is_empty() {
        replace_unused(x, codes, atoms, &unused);
    }
}

/// Point the unused atoms at the samples with the largest residuals, a different sample for
/// each (their codes are 0, so neither the residual nor the objective changes). Samples that
/// are reproduced exactly are never used; atoms left over keep their value.
fn replace_unused(
    x: ArrayView2<f64>,
    codes: ArrayView2<f64>,
    atoms: &mut Array2<f64>,
    unused: &[usize],
) {
    let residual = &x - &matmul(codes, false, atoms.view(), false);
    let mut worst: Vec<(usize, f64)> = residual
        .rows()
        .into_iter()
        .map(|r| r.dot(&r))
        .enumerate()
        .filter(|(_, ss)| *ss > 0.0)
        .collect();
    // Largest first; ties by row index, so the choice is deterministic.
    worst.sort_by(|p, q| q.1.total_cmp(&p.1).then(p.0.cmp(&q.0)));
    for (&j, &(i, ss)) in unused.iter().zip(&worst) {
        let r = residual.row(i);
        atoms.row_mut(j).assign(&(&r / ss.sqrt()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    /// Overcomplete dictionaries start with zero atoms that get replaced; the objective still
    /// never increases.
    #[test]
    fn overcomplete_and_monotone() {
        let x = array![
            [1.0, 0.0, 0.3],
            [0.0, 1.0, -0.2],
            [0.7, 0.7, 0.0],
            [-0.5, 0.2, 1.0]
        ];
        let dl = Dictionary::fit(x.view(), &DictionaryParams::new(5, 0.05)).unwrap();
        assert_eq!(dl.atoms().dim(), (5, 3));
        assert!(
            dl.history()
                .windows(2)
                .all(|p| p[1] <= p[0] * (1.0 + 1e-12))
        );
        for a in dl.atoms().rows() {
            assert!(a.dot(&a) <= 1.0 + 1e-12);
        }
    }

    /// A penalty so large that every code is 0 leaves every atom unused: each is pointed at a
    /// different sample, and the objective (0.5 ||X||^2) stays put, which ends the loop.
    #[test]
    fn unused_atoms_point_at_distinct_samples() {
        let x = array![[3.0, 0.0], [0.0, 2.0], [1.0, 1.0]];
        let dl = Dictionary::fit(x.view(), &DictionaryParams::new(2, 100.0)).unwrap();
        assert!(dl.codes().iter().all(|v| *v == 0.0));
        assert_eq!(dl.atoms(), array![[1.0, 0.0], [0.0, 1.0]]);
        assert_eq!(dl.history(), &[7.5, 7.5]);
    }
}
