//! Linear baselines and statistics on caller arrays: PCA, NMF, dictionary learning, k-means,
//! Gaussian mixtures, Gaussian kernel densities and Pearson correlation matrices. Matrices are
//! row-major doubles, n samples x d features.

use crate::arrays::{check_finite, out_arg, shape_len, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FfiError};
use engine::analysis::{
    AnalysisError, Bandwidth, Centring, Dictionary, DictionaryParams, GaussianKde, GaussianMixture,
    GmmParams, KMeans, KMeansParams, Nmf, NmfParams, Pca, PcaParams, pearson_matrix,
};
use ndarray::{ArrayView, ArrayView2, Dimension};

impl From<AnalysisError> for FfiError {
    fn from(e: AnalysisError) -> Self {
        match e {
            AnalysisError::Config(c) => c.into(),
            AnalysisError::Invalid(m) => Self::new(FERROLAB_ERR_INVALID_ARGUMENT, m),
            AnalysisError::Numerical(m) => Self::new(crate::status::FERROLAB_ERR_NUMERICAL, m),
            AnalysisError::TooLarge(t) => t.into(),
        }
    }
}

/// Borrow `x` (n x d) after checking its size and values.
///
/// # Safety
/// `x` is valid for n*d doubles.
pub(crate) unsafe fn matrix<'a>(
    x: *const f64,
    n: usize,
    d: usize,
    arg: &str,
) -> Result<ArrayView2<'a, f64>, FfiError> {
    let len = shape_len(n, d, arg)?;
    // SAFETY: caller's contract.
    let values = unsafe { slice_in(x, len, arg)? };
    check_finite(values, arg)?;
    Ok(ArrayView2::from_shape((n, d), values).expect("length checked"))
}

/// Copy `values` (in row-major order) into the caller's array `out` of exactly their length.
///
/// # Safety
/// `out` is valid for values.len() doubles.
unsafe fn write<D: Dimension>(
    out: *mut f64,
    values: ArrayView<f64, D>,
    arg: &str,
) -> Result<(), FfiError> {
    // SAFETY: caller's contract.
    let out = unsafe { slice_out(out, values.len(), arg)? };
    for (o, v) in out.iter_mut().zip(values.iter()) {
        *o = *v;
    }
    Ok(())
}

/// Principal component analysis of `x` (n x d): the first `k` components (k x d, unit rows,
/// each with its largest-magnitude entry positive), their explained variances (k) and the
/// scores (n x k). `center`: 0 = no centring (truncated SVD of the raw data, as paper 003
/// applies it to loops; variances as scikit-learn's TruncatedSVD), 1 = centre each feature
/// (scikit-learn's PCA), 2 = centre and divide by each feature's standard deviation.
/// `explained_variance` and `scores` may be NULL. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (sizes, k not in 1..=min(n, d), center),
/// _NON_FINITE (x).
///
/// # Safety
/// `x` is valid for n*d doubles, `components` for k*d; `explained_variance` (k) and `scores`
/// (n*k) are NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_pca(
    x: *const f64,
    n: usize,
    d: usize,
    k: usize,
    center: i32,
    components: *mut f64,
    explained_variance: *mut f64,
    scores: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let x = unsafe { matrix(x, n, d, "x")? };
        let centring = match center {
            0 => Centring::None,
            1 => Centring::Centre,
            2 => Centring::Standardise,
            _ => {
                return Err(FfiError::new(
                    FERROLAB_ERR_INVALID_ARGUMENT,
                    format!("center = {center}: 0 (none), 1 (centre) or 2 (standardise)"),
                ));
            }
        };
        let pca = Pca::fit(x, &PcaParams::new(k).centring(centring))?;
        // SAFETY: caller's contract.
        unsafe {
            write(components, pca.components(), "components")?;
            if !explained_variance.is_null() {
                write(
                    explained_variance,
                    pca.explained_variance(),
                    "explained_variance",
                )?;
            }
            if !scores.is_null() {
                let s = pca.transform(x)?;
                write(scores, s.view(), "scores")?;
            }
        }
        Ok(())
    })
}

/// Non-negative matrix factorisation `x ~ w h` of `x` (n x d, all >= 0) with `k` components
/// by coordinate descent: `w` (n x k), `h` (k x d), and `*reconstruction_error` =
/// ||x - w h||_F (may be NULL). Keys: nmf.init ("nndsvd", "nndsvda", "random"), nmf.tol,
/// nmf.max_iter, nmf.seed; `cfg` NULL for scikit-learn's defaults. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (sizes, k, negative entries),
/// _NON_FINITE (x), _INVALID_HANDLE (cfg).
///
/// # Safety
/// `x` is valid for n*d doubles, `w` for n*k, `h` for k*d; `reconstruction_error` is NULL or
/// valid for one double.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_nmf(
    cfg: *const ferrolab_config,
    x: *const f64,
    n: usize,
    d: usize,
    k: usize,
    w: *mut f64,
    h: *mut f64,
    reconstruction_error: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        let cfg = config_or_default(cfg)?;
        // SAFETY: caller's contract.
        let x = unsafe { matrix(x, n, d, "x")? };
        let nmf = Nmf::fit(x, &NmfParams::from_config(&cfg, k)?)?;
        // SAFETY: caller's contract.
        unsafe {
            write(w, nmf.w(), "w")?;
            write(h, nmf.components(), "h")?;
            if !reconstruction_error.is_null() {
                *out_arg(reconstruction_error, "reconstruction_error")? = nmf.reconstruction_err();
            }
        }
        Ok(())
    })
}

/// Dictionary learning (paper 001; scikit-learn's DictionaryLearning with alpha = lambda):
/// min over codes G (n x k) and atoms D (k x d, rows of norm <= 1) of
/// 0.5 ||x - G D||_F^2 + lambda ||G||_1. Outputs `codes` (n x k), `dictionary` (k x d) and
/// `*mse`, the mean squared reconstruction error (may be NULL). With dictionary.standardise =
/// 1 (paper 001) every feature is centred and scaled to unit variance first, and atoms and MSE
/// are in standardised units. Keys: dictionary.init, .tol, .max_iter, .standardise, .seed;
/// `cfg` NULL for the defaults. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_ARGUMENT (sizes, k = 0, lambda < 0), _NON_FINITE (x, lambda), _INVALID_HANDLE.
///
/// # Safety
/// `x` is valid for n*d doubles, `codes` for n*k, `dictionary` for k*d; `mse` is NULL or
/// valid for one double.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_dictionary_learning(
    cfg: *const ferrolab_config,
    x: *const f64,
    n: usize,
    d: usize,
    k: usize,
    lambda: f64,
    codes: *mut f64,
    dictionary: *mut f64,
    mse: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        let cfg = config_or_default(cfg)?;
        check_finite(&[lambda], "lambda")?;
        // SAFETY: caller's contract.
        let x = unsafe { matrix(x, n, d, "x")? };
        let dl = Dictionary::fit(x, &DictionaryParams::from_config(&cfg, k, lambda)?)?;
        // SAFETY: caller's contract.
        unsafe {
            write(codes, dl.codes(), "codes")?;
            write(dictionary, dl.atoms(), "dictionary")?;
            if !mse.is_null() {
                *out_arg(mse, "mse")? = dl.mse();
            }
        }
        Ok(())
    })
}

/// Pearson correlation of every column of `a` (n x p) with every column of `b` (n x q):
/// `r` (p x q, row-major); NaN where a column is constant. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (sizes, n < 2), _NON_FINITE.
///
/// # Safety
/// `a` is valid for n*p doubles, `b` for n*q, `r` for p*q.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_pearson_matrix(
    a: *const f64,
    b: *const f64,
    n: usize,
    p: usize,
    q: usize,
    r: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (a, b) = unsafe { (matrix(a, n, p, "a")?, matrix(b, n, q, "b")?) };
        let m = pearson_matrix(a, b)?;
        // SAFETY: caller's contract.
        unsafe { write(r, m.view(), "r") }
    })
}

/// Copy cluster labels into the caller's int32 array.
///
/// # Safety
/// `out` is valid for labels.len() int32 values.
unsafe fn write_labels(out: *mut i32, labels: &[usize], arg: &str) -> Result<(), FfiError> {
    // SAFETY: caller's contract.
    let out = unsafe { slice_out(out, labels.len(), arg)? };
    for (o, l) in out.iter_mut().zip(labels) {
        *o = *l as i32;
    }
    Ok(())
}

/// k-means of `x` (n x d) into `k` clusters (k-means++ starts, Lloyd iterations): `centres`
/// (k x d), and optionally each sample's cluster `labels` (n, 0-based) and the `*inertia`
/// (sum of squared distances to the nearest centre); NULL skips them. Keys: kmeans.n_init,
/// .max_iter, .tol, .seed; `cfg` NULL for the defaults. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (sizes, k not in 1..=n), _NON_FINITE,
/// _INVALID_HANDLE.
///
/// # Safety
/// `x` is valid for n*d doubles, `centres` for k*d; `labels` (n int32) and `inertia` (one
/// double) are NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_kmeans(
    cfg: *const ferrolab_config,
    x: *const f64,
    n: usize,
    d: usize,
    k: usize,
    centres: *mut f64,
    labels: *mut i32,
    inertia: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        let cfg = config_or_default(cfg)?;
        // SAFETY: caller's contract.
        let x = unsafe { matrix(x, n, d, "x")? };
        let km = KMeans::fit(x, &KMeansParams::from_config(&cfg, k)?)?;
        // SAFETY: caller's contract.
        unsafe {
            write(centres, km.centres(), "centres")?;
            if !labels.is_null() {
                write_labels(labels, &km.labels().to_vec(), "labels")?;
            }
            if !inertia.is_null() {
                *out_arg(inertia, "inertia")? = km.inertia();
            }
        }
        Ok(())
    })
}

/// Gaussian mixture of `k` components fitted to `x` (n x d) by EM from a k-means start (paper
/// 003's GMM in latent space): `weights` (k), `means` (k x d), and optionally `covariances`
/// (k x d x d, full matrices whatever gmm.covariance says: diagonal ones have zero
/// off-diagonal entries), each sample's most probable component `labels` (n, 0-based) and
/// `*mean_log_likelihood` (per sample); NULL skips them. Keys: gmm.covariance ("full",
/// "diag", "tied", "spherical"), gmm.tol, .reg_covar, .max_iter, .n_init, .init, .seed.
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (sizes, k not in
/// 1..=n, a component collapsing onto too few samples), _NON_FINITE, _INVALID_HANDLE.
///
/// # Safety
/// `x` is valid for n*d doubles, `weights` for k, `means` for k*d; `covariances` (k*d*d),
/// `labels` (n int32) and `mean_log_likelihood` (one double) are NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gmm(
    cfg: *const ferrolab_config,
    x: *const f64,
    n: usize,
    d: usize,
    k: usize,
    weights: *mut f64,
    means: *mut f64,
    covariances: *mut f64,
    labels: *mut i32,
    mean_log_likelihood: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        let cfg = config_or_default(cfg)?;
        // SAFETY: caller's contract.
        let x = unsafe { matrix(x, n, d, "x")? };
        let gmm = GaussianMixture::fit(x, &GmmParams::from_config(&cfg, k)?)?;
        // SAFETY: caller's contract.
        unsafe {
            write(weights, gmm.weights().view(), "weights")?;
            write(means, gmm.means().view(), "means")?;
            if !covariances.is_null() {
                write(covariances, gmm.covariances().view(), "covariances")?;
            }
            if !labels.is_null() {
                write_labels(labels, &gmm.predict(x)?.to_vec(), "labels")?;
            }
            if !mean_log_likelihood.is_null() {
                *out_arg(mean_log_likelihood, "mean_log_likelihood")? = gmm.score(x)?;
            }
        }
        Ok(())
    })
}

/// Gaussian kernel density estimate of `data` (n x d) evaluated at `points` (m x d):
/// `density` (m). Keys: kde.bandwidth ("scott" and "silverman" scale the data covariance as
/// scipy.stats.gaussian_kde does; "factor" scales it by kde.bandwidth_value; "isotropic" uses
/// kde.bandwidth_value as the kernel width in data units, as scikit-learn's KernelDensity).
/// Paper 002 maps densities of 2-D latents: pass the grid's points. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (sizes, a singular data covariance),
/// _NON_FINITE, _INVALID_HANDLE.
///
/// # Safety
/// `data` is valid for n*d doubles, `points` for m*d, `density` for m.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_kde(
    cfg: *const ferrolab_config,
    data: *const f64,
    n: usize,
    d: usize,
    points: *const f64,
    m: usize,
    density: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        let cfg = config_or_default(cfg)?;
        // SAFETY: caller's contract.
        let (data, points) =
            unsafe { (matrix(data, n, d, "data")?, matrix(points, m, d, "points")?) };
        let kde = GaussianKde::new(data, Bandwidth::from_config(&cfg)?, None)?;
        let f = kde.evaluate(points)?;
        // SAFETY: caller's contract.
        unsafe { write(density, f.view(), "density") }
    })
}
