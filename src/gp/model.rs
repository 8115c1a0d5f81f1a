//! The fitted model: one independent GP per output column, fitted in parallel on the
//! library's worker pool; prediction of means and standard deviations.

use super::GpError;
use super::fit::{Data, Factor, evaluate, factor, solve};
use super::kernel::Kernel;
use super::optimize::minimize;
use super::params::{BOUNDS, GpParams, KernelChoice};
use crate::config::Checked;
use crate::limits;
use crate::rng::{Xoshiro256, derive_seed};
use faer::{Mat, Par};
use ndarray::{Array2, ArrayView1, ArrayView2};
use rayon::prelude::*;

/// One output's fitted GP.
pub struct OutputModel {
    /// The kernel at its fitted hyper-parameters.
    pub kernel: Kernel,
    /// Noise variance (fitted or fixed).
    pub noise_variance: f64,
    /// Diagonal regularisation actually used (≥ gp.jitter when the factorisation needed more).
    pub jitter: f64,
    /// Log marginal likelihood at the fitted hyper-parameters (of the normalised data when
    /// normalize_y is on, as scikit-learn reports it).
    pub log_marginal_likelihood: f64,
    /// Output mean and scale removed before fitting (0 and 1 without normalize_y).
    pub y_mean: f64,
    /// See `y_mean`.
    pub y_scale: f64,
    factor: Factor,
    alpha: Vec<f64>,
}

/// A fitted multi-output GP regressor.
pub struct GaussianProcess {
    x: Array2<f64>,
    y: Array2<f64>,
    params: GpParams,
    outputs: Vec<OutputModel>,
}

fn check_finite(what: &str, values: impl IntoIterator<Item = f64>) -> Result<(), GpError> {
    match values.into_iter().enumerate().find(|(_, v)| !v.is_finite()) {
        Some((i, v)) => Err(GpError::Invalid(format!("{what}[{i}] = {v} is not finite"))),
        None => Ok(()),
    }
}

/// Fit one output: optimise (from the configured start and `n_restarts` random ones) or keep
/// the hyper-parameters, then factor.
fn fit_output(
    params: &Checked<GpParams>,
    x: ArrayView2<f64>,
    y_raw: ArrayView1<f64>,
    output: usize,
    par: Par,
) -> Result<OutputModel, GpError> {
    let n = y_raw.len() as f64;
    let (y_mean, y_scale) = if params.normalize_y {
        let mean = y_raw.sum() / n;
        let sd = (y_raw.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        (mean, if sd > 0.0 { sd } else { 1.0 })
    } else {
        (0.0, 1.0)
    };
    let y = y_raw.mapv(|v| (v - y_mean) / y_scale);
    let start = Kernel {
        kind: params.kind(),
        signal_variance: params.signal_variance,
        length_scales: params.initial_length_scales(x.ncols())?,
    };
    let (mut kernel, mut noise) = (start.clone(), params.noise_variance);
    let data = Data {
        x: x.view(),
        y: y.view(),
        jitter: params.jitter,
        par,
    };
    if params.optimize {
        let learn_noise = params.optimize_noise;
        let dims = start.length_scales.len();
        let bounds = vec![(BOUNDS.0.ln(), BOUNDS.1.ln()); 1 + dims + usize::from(learn_noise)];
        let objective = |theta: &[f64]| {
            let k = start.with_theta(theta);
            let noise = if learn_noise {
                theta[1 + dims].exp()
            } else {
                params.noise_variance
            };
            evaluate(&data, &k, noise, learn_noise)
                .ok()
                .map(|e| (-e.lml, e.gradient.iter().map(|g| -g).collect()))
        };
        let mut theta0 = start.theta();
        if learn_noise {
            theta0.push(params.noise_variance.max(BOUNDS.0).ln());
        }
        let mut starts = vec![theta0];
        let mut draws = Xoshiro256::seed_from_u64(derive_seed(params.seed, output as u64));
        for _ in 0..params.n_restarts {
            starts.push(
                bounds
                    .iter()
                    .map(|(lo, hi)| draws.uniform_in(*lo, *hi))
                    .collect(),
            );
        }
        let best = starts
            .iter()
            .filter_map(|s| minimize(objective, s, &bounds, 200))
            .min_by(|a, b| a.value.total_cmp(&b.value))
            .ok_or_else(|| {
                GpError::Invalid(format!(
                    "output {output}: the likelihood could not be evaluated at any start"
                ))
            })?;
        kernel = start.with_theta(&best.x);
        if learn_noise {
            noise = best.x[1 + dims].exp();
        }
    }
    let f = factor(&kernel, noise, params.jitter, x, par)?;
    let mut alpha = y.to_vec();
    solve(&f, &mut alpha, par);
    // The likelihood from this factor: −½ yᵀα − Σ log L_ii − (n/2) log 2π.
    let fit: f64 = y.iter().zip(&alpha).map(|(a, b)| a * b).sum();
    let log_det: f64 = (0..y.len()).map(|i| f.l[(i, i)].ln()).sum();
    let lml = -0.5 * fit - log_det - 0.5 * n * (2.0 * std::f64::consts::PI).ln();
    // Finite inputs can still overflow double precision on the way (|y| near 1e308 squared,
    // distances of huge x): a non-finite fit is an error, never a model predicting NaN.
    let finite = lml.is_finite()
        && y_mean.is_finite()
        && y_scale.is_finite()
        && alpha.iter().all(|a| a.is_finite());
    if !finite {
        let largest =
            |values: &mut dyn Iterator<Item = f64>| values.fold(0.0f64, |m, v| m.max(v.abs()));
        return Err(GpError::Numerical(format!(
            "output {output}: the fit overflows double precision (largest |x| {:e}, largest |y| {:e}); rescale x and y",
            largest(&mut x.iter().copied()),
            largest(&mut y_raw.iter().copied()),
        )));
    }
    Ok(OutputModel {
        kernel,
        noise_variance: noise,
        jitter: f.jitter,
        log_marginal_likelihood: lml,
        y_mean,
        y_scale,
        factor: f,
        alpha,
    })
}

impl GaussianProcess {
    /// Fit one GP per column of `y` (n x m) on inputs `x` (n x d), in parallel across outputs.
    ///
    /// ```
    /// use ferrolab::gp::{GaussianProcess, GpParams};
    /// let x = ndarray::array![[0.0], [1.0], [2.0], [3.0]];
    /// let y = ndarray::array![[0.0], [0.8], [0.9], [0.1]];
    /// let gp = GaussianProcess::fit(x.view(), y.view(), &GpParams::default())?;
    /// let (mean, std) = gp.predict(ndarray::array![[1.5]].view())?;
    /// assert!(mean[(0, 0)] > 0.5 && std[(0, 0)] > 0.0);
    /// # Ok::<(), ferrolab::gp::GpError>(())
    /// ```
    pub fn fit(x: ArrayView2<f64>, y: ArrayView2<f64>, params: &GpParams) -> Result<Self, GpError> {
        let params = params.clone().checked()?;
        let (n, d) = x.dim();
        if n == 0 || d == 0 {
            return Err(GpError::Invalid(format!(
                "x is {n} x {d}: need at least one point and one dimension"
            )));
        }
        if y.nrows() != n || y.ncols() == 0 {
            return Err(GpError::Invalid(format!(
                "y is {} x {}, x has {n} rows",
                y.nrows(),
                y.ncols()
            )));
        }
        check_finite("x", x.iter().copied())?;
        check_finite("y", y.iter().copied())?;
        let m = y.ncols();
        check_fit_memory(n, m)?;
        let x = x.as_standard_layout().to_owned();
        let outputs = crate::parallel::install(|| {
            // Parallel across outputs; one output gets the whole pool for its matrix work.
            let inner = if m == 1 {
                Par::rayon(crate::parallel::num_threads())
            } else {
                Par::Seq
            };
            (0..m)
                .into_par_iter()
                .map(|j| fit_output(&params, x.view(), y.column(j), j, inner))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| GpError::Invalid(e.to_string()))??;
        Ok(Self {
            x,
            y: y.to_owned(),
            params: params.into_inner(),
            outputs,
        })
    }

    /// Refit with every output's hyper-parameters fixed at `fitted` (kernel, noise): the
    /// deterministic reconstruction used when loading a saved model. Every output's settings
    /// are checked against the `gp.*` keys' ranges first.
    pub(crate) fn refit(
        x: Array2<f64>,
        y: Array2<f64>,
        params: GpParams,
        fitted: &[(Kernel, f64)],
    ) -> Result<Self, GpError> {
        check_fit_memory(x.nrows(), 1)?;
        let outputs = fitted
            .iter()
            .enumerate()
            .map(|(j, (kernel, noise))| {
                let fixed = GpParams {
                    kernel: KernelChoice::of(kernel.kind, kernel.length_scales.len() > 1),
                    signal_variance: kernel.signal_variance,
                    length_scales: kernel.length_scales.clone(),
                    noise_variance: *noise,
                    optimize: false,
                    ..params.clone()
                }
                .checked()?;
                fit_output(&fixed, x.view(), y.column(j), j, Par::Seq)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            x,
            y,
            params,
            outputs,
        })
    }

    /// Training inputs and outputs, and the options the model was fitted with.
    pub(crate) fn training(&self) -> (&Array2<f64>, &Array2<f64>, &GpParams) {
        (&self.x, &self.y, &self.params)
    }

    /// The fitted outputs.
    pub fn outputs(&self) -> &[OutputModel] {
        &self.outputs
    }

    /// Input dimension.
    pub fn input_dim(&self) -> usize {
        self.x.ncols()
    }

    /// K(query, training) (nq x n) of one output's kernel, transposed (n x nq).
    fn cross_covariance(&self, out: &OutputModel, xq: &Array2<f64>) -> Mat<f64> {
        let train = row_slices(&self.x);
        let query = row_slices(xq);
        Mat::from_fn(train.len(), query.len(), |i, q| {
            out.kernel.eval(train[i], query[q])
        })
    }

    fn check_query(&self, xq: ArrayView2<f64>) -> Result<Array2<f64>, GpError> {
        if xq.ncols() != self.x.ncols() {
            return Err(GpError::Invalid(format!(
                "xq has {} columns, the GP was fitted on {}",
                xq.ncols(),
                self.x.ncols()
            )));
        }
        check_finite("xq", xq.iter().copied())?;
        Ok(xq.as_standard_layout().to_owned())
    }

    /// Predicted means only (nq x m): the fast path, O(n) per point and output.
    ///
    /// ```
    /// use ferrolab::gp::{GaussianProcess, GpParams};
    /// let x = ndarray::array![[0.0], [1.0], [2.0]];
    /// let y = ndarray::array![[0.0], [1.0], [0.5]];
    /// let gp = GaussianProcess::fit(x.view(), y.view(), &GpParams::default())?;
    /// assert_eq!(gp.predict_mean(x.view())?, gp.predict(x.view())?.0);
    /// # Ok::<(), ferrolab::gp::GpError>(())
    /// ```
    pub fn predict_mean(&self, xq: ArrayView2<f64>) -> Result<Array2<f64>, GpError> {
        self.check_cross_memory(xq.nrows(), None)?;
        let xq = self.check_query(xq)?;
        let mut mean = Array2::zeros((xq.nrows(), self.outputs.len()));
        for (j, out) in self.outputs.iter().enumerate() {
            let k = self.cross_covariance(out, &xq);
            for q in 0..xq.nrows() {
                let mu: f64 = (0..self.x.nrows()).map(|i| k[(i, q)] * out.alpha[i]).sum();
                mean[(q, j)] = mu * out.y_scale + out.y_mean;
            }
        }
        Ok(mean)
    }

    /// The full predictive covariance (nq x nq) of output `output` at the rows of `xq`
    /// (including the noise variance on the diagonal unless gp.predict_latent).
    pub fn predict_covariance(
        &self,
        xq: ArrayView2<f64>,
        output: usize,
    ) -> Result<Array2<f64>, GpError> {
        self.check_cross_memory(xq.nrows(), None)?;
        let xq = self.check_query(xq)?;
        let out = self.outputs.get(output).ok_or_else(|| {
            GpError::Invalid(format!(
                "output = {output} but the GP has {} outputs",
                self.outputs.len()
            ))
        })?;
        let mut v = self.cross_covariance(out, &xq);
        faer::linalg::triangular_solve::solve_lower_triangular_in_place(
            out.factor.l.as_ref(),
            v.as_mut(),
            Par::Seq,
        );
        let nq = xq.nrows();
        let rows: Vec<&[f64]> = xq
            .rows()
            .into_iter()
            .map(|r| r.to_slice().unwrap())
            .collect();
        let noise = if self.params.predict_latent {
            0.0
        } else {
            out.noise_variance
        };
        let scale2 = out.y_scale * out.y_scale;
        Ok(Array2::from_shape_fn((nq, nq), |(a, b)| {
            let explained: f64 = (0..self.x.nrows()).map(|i| v[(i, a)] * v[(i, b)]).sum();
            let prior = out.kernel.eval(rows[a], rows[b]) + if a == b { noise } else { 0.0 };
            (prior - explained) * scale2
        }))
    }

    /// `n_samples` joint draws from the posterior of output `output` at the rows of `xq`
    /// (n_samples x nq), seeded: the same seed gives the same draws (for Thompson sampling).
    ///
    /// ```
    /// use ferrolab::gp::{GaussianProcess, GpParams};
    /// let x = ndarray::array![[0.0], [1.0], [2.0]];
    /// let y = ndarray::array![[0.0], [1.0], [0.5]];
    /// let gp = GaussianProcess::fit(x.view(), y.view(), &GpParams::default())?;
    /// let draws = gp.sample_posterior(ndarray::array![[0.5], [1.5]].view(), 0, 3, 42)?;
    /// assert_eq!(draws.dim(), (3, 2));
    /// assert_eq!(draws, gp.sample_posterior(ndarray::array![[0.5], [1.5]].view(), 0, 3, 42)?);
    /// # Ok::<(), ferrolab::gp::GpError>(())
    /// ```
    pub fn sample_posterior(
        &self,
        xq: ArrayView2<f64>,
        output: usize,
        n_samples: usize,
        seed: u64,
    ) -> Result<Array2<f64>, GpError> {
        self.check_cross_memory(xq.nrows(), Some(n_samples))?;
        let cov = self.predict_covariance(xq, output)?;
        let mean = self.predict_mean(xq)?;
        let nq = cov.nrows();
        // A small relative jitter keeps the factorisation of a rank-deficient covariance.
        let scale = (0..nq)
            .map(|i| cov[(i, i)].abs())
            .fold(0.0, f64::max)
            .max(1e-300);
        let mut l = Mat::from_fn(nq, nq, |a, b| cov[(a, b)]);
        let mut added = 1e-12 * scale;
        let factored = loop {
            let mut trial = l.clone();
            for i in 0..nq {
                trial[(i, i)] += added;
            }
            let par = Par::Seq;
            let mut mem = faer::dyn_stack::MemBuffer::new(
                faer::linalg::cholesky::llt::factor::cholesky_in_place_scratch::<f64>(
                    nq,
                    par,
                    Default::default(),
                ),
            );
            let stack = faer::dyn_stack::MemStack::new(&mut mem);
            if faer::linalg::cholesky::llt::factor::cholesky_in_place(
                trial.as_mut(),
                Default::default(),
                par,
                stack,
                Default::default(),
            )
            .is_ok()
            {
                break trial;
            }
            added *= 10.0;
            if added > scale {
                return Err(GpError::NotPositiveDefinite { jitter: added });
            }
        };
        l = factored;
        let mut rng = Xoshiro256::seed_from_u64(derive_seed(seed, output as u64));
        let mut draws = Array2::zeros((n_samples, nq));
        for s in 0..n_samples {
            let z: Vec<f64> = (0..nq).map(|_| rng.normal()).collect();
            for a in 0..nq {
                let correlated: f64 = (0..=a).map(|b| l[(a, b)] * z[b]).sum();
                draws[(s, a)] = mean[(a, output)] + correlated;
            }
        }
        Ok(draws)
    }

    /// Refuse predictions at `nq` points (and `n_samples` joint draws) whose matrices would
    /// exceed the memory budget: the cross-covariance (n x nq) and, for covariances and draws,
    /// the nq x nq covariance, its factor and the draws with their normals.
    fn check_cross_memory(&self, nq: usize, n_samples: Option<usize>) -> Result<(), GpError> {
        let n = self.x.nrows();
        let cross = limits::bytes_of::<f64>(&[n, nq]);
        let (what, bytes) = match n_samples {
            None => (format!("xq with {nq} rows"), cross),
            Some(s) => (
                format!("n_samples = {s} at xq with {nq} rows"),
                limits::total(&[
                    cross,
                    limits::bytes_of::<f64>(&[3, nq, nq]),
                    limits::bytes_of::<f64>(&[2, s, nq]),
                ]),
            ),
        };
        Ok(limits::check(&what, bytes)?)
    }

    /// Predicted means and standard deviations (nq x m each) at the rows of `xq` (nq x d).
    pub fn predict(&self, xq: ArrayView2<f64>) -> Result<(Array2<f64>, Array2<f64>), GpError> {
        let (nq, d) = xq.dim();
        if d != self.x.ncols() {
            return Err(GpError::Invalid(format!(
                "xq has {d} columns, the GP was fitted on {}",
                self.x.ncols()
            )));
        }
        check_finite("xq", xq.iter().copied())?;
        self.check_cross_memory(nq, None)?;
        let xq = xq.as_standard_layout().to_owned();
        let n = self.x.nrows();
        let m = self.outputs.len();
        let mut mean = Array2::zeros((nq, m));
        let mut std = Array2::zeros((nq, m));
        let train = row_slices(&self.x);
        let query = row_slices(&xq);
        for (j, out) in self.outputs.iter().enumerate() {
            // K*ᵀ (n x nq), then V = L⁻¹ K*ᵀ.
            let mut v = Mat::from_fn(n, nq, |i, q| out.kernel.eval(train[i], query[q]));
            for q in 0..nq {
                let mu: f64 = (0..n).map(|i| v[(i, q)] * out.alpha[i]).sum();
                mean[(q, j)] = mu * out.y_scale + out.y_mean;
            }
            faer::linalg::triangular_solve::solve_lower_triangular_in_place(
                out.factor.l.as_ref(),
                v.as_mut(),
                Par::Seq,
            );
            let noise = if self.params.predict_latent {
                0.0
            } else {
                out.noise_variance
            };
            let prior = out.kernel.signal_variance + noise;
            for q in 0..nq {
                let explained: f64 = (0..n).map(|i| v[(i, q)] * v[(i, q)]).sum();
                std[(q, j)] = (prior - explained).max(0.0).sqrt() * out.y_scale;
            }
        }
        Ok((mean, std))
    }
}

/// The rows of a standard-layout matrix as slices.
fn row_slices(a: &Array2<f64>) -> Vec<&[f64]> {
    a.rows()
        .into_iter()
        .map(|r| r.to_slice().expect("standard layout"))
        .collect()
}
/// Refuse a fit on `n` points with `m` outputs whose matrices would exceed the memory budget:
/// per output fitted at once, the kernel matrix, its factor and the optimiser's gradients.
fn check_fit_memory(n: usize, m: usize) -> Result<(), GpError> {
    let at_once = m.min(crate::parallel::num_threads());
    let bytes = limits::bytes_of::<f64>(&[4, n, n, at_once]);
    Ok(limits::check(&format!("x with {n} rows"), bytes)?)
}
