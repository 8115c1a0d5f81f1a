//! Linear baselines and statistics on caller arrays: PCA, NMF, dictionary learning and Pearson
//! correlation matrices. Matrices are row-major doubles, n samples x d features.

use crate::arrays::{check_finite, out_arg, shape_len, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FfiError};
use engine::analysis::{
    AnalysisError, Centring, Dictionary, DictionaryParams, Nmf, NmfParams, Pca, PcaParams,
    pearson_matrix,
};
use ndarray::{ArrayView, ArrayView2, Dimension};

impl From<AnalysisError> for FfiError {
    fn from(e: AnalysisError) -> Self {
        match e {
            AnalysisError::Config(c) => c.into(),
            AnalysisError::Invalid(m) => Self::new(FERROLAB_ERR_INVALID_ARGUMENT, m),
        }
    }
}

/// Borrow `x` (n x d) after checking its size and values.
///
/// # Safety
/// `x` is valid for n*d doubles.
unsafe fn matrix<'a>(
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
