//! `ferrolab_gp`: exact Gaussian-process regression, one GP per output column.

use crate::arrays::{check_finite, out_arg, shape_len, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FERROLAB_WARN_TRUNCATED, FfiError};
use crate::strings::str_arg;
use engine::gp::{GaussianProcess, GpParams};
use ndarray::ArrayView2;
use std::ffi::c_char;
use std::sync::Arc;

/// Opaque handle of a fitted GP: `ferrolab_gp_fit` or `ferrolab_gp_load`, released with
/// `ferrolab_gp_free`. Immutable: every call on it may run concurrently.
pub struct ferrolab_gp {
    _opaque: [u8; 0],
}

const GP: HandleType<GaussianProcess> = HandleType::new("gp", "ferrolab_gp");

fn lookup(gp: *const ferrolab_gp) -> Result<Arc<GaussianProcess>, FfiError> {
    GP.get(gp.addr())
}

/// Fit one GP per column of `y` (n x m, row-major) on inputs `x` (n x d, row-major) with the
/// `gp.*` keys of `cfg` (NULL: paper 000's GP, scikit-learn's ConstantKernel(1.0) * RBF(1.0)
/// plus WhiteKernel(0.005, fixed), optimised), outputs in parallel on the worker pool. The data
/// are copied. Ownership: the caller frees `*out` with `ferrolab_gp_free`; `*out` is NULL on
/// error. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (shapes),
/// _NON_FINITE (x or y, element named), _INVALID_HANDLE (cfg), a configuration error, or
/// _NUMERICAL (kernel matrix singular even with jitter).
///
/// # Safety
/// `x` is valid for n*d doubles, `y` for n*m, `out` for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_fit(
    cfg: *const ferrolab_config,
    x: *const f64,
    n: usize,
    d: usize,
    y: *const f64,
    m: usize,
    out: *mut *mut ferrolab_gp,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        let params = GpParams::from_config(&config_or_default(cfg)?)?;
        let (nx, ny) = (shape_len(n, d, "x")?, shape_len(n, m, "y")?);
        // SAFETY: caller's contract.
        let (xs, ys) = unsafe { (slice_in(x, nx, "x")?, slice_in(y, ny, "y")?) };
        check_finite(xs, "x")?;
        check_finite(ys, "y")?;
        let xv = ArrayView2::from_shape((n, d), xs).expect("length checked");
        let yv = ArrayView2::from_shape((n, m), ys).expect("length checked");
        let gp = GaussianProcess::fit(xv, yv, &params)?;
        *out = std::ptr::without_provenance_mut(handles::insert(gp)?);
        Ok(())
    })
}

/// Predict at `nq` query points `xq` (nq x d, row-major): `mean` and `std` are nq x m
/// (row-major; m = outputs of the fit). `std` may be NULL (means only). The std includes the
/// noise variance unless `gp.predict_latent` was 1. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (d differs from the fit),
/// _NON_FINITE.
///
/// # Safety
/// `xq` is valid for nq*d doubles; `mean` (and `std` unless NULL) for nq*m.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_predict(
    gp: *const ferrolab_gp,
    xq: *const f64,
    nq: usize,
    d: usize,
    mean: *mut f64,
    std: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = gp, {
        let model = lookup(gp)?;
        let m = model.outputs().len();
        let nx = shape_len(nq, d, "xq")?;
        // SAFETY: caller's contract.
        let xs = unsafe { slice_in(xq, nx, "xq") }?;
        check_finite(xs, "xq")?;
        let (mu, sd) =
            model.predict(ArrayView2::from_shape((nq, d), xs).expect("length checked"))?;
        // SAFETY: caller's contract.
        let mean_out = unsafe { slice_out(mean, nq * m, "mean") }?;
        mean_out
            .iter_mut()
            .zip(mu.iter())
            .for_each(|(o, v)| *o = *v);
        if !std.is_null() {
            // SAFETY: caller's contract.
            let std_out = unsafe { slice_out(std, nq * m, "std") }?;
            std_out.iter_mut().zip(sd.iter()).for_each(|(o, v)| *o = *v);
        }
        Ok(())
    })
}

/// The full predictive covariance (nq x nq, row-major) of output `output` at the query
/// points `xq` (nq x d), including the noise variance on the diagonal unless
/// gp.predict_latent was 1. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE, _INVALID_ARGUMENT (d or output), _NON_FINITE.
///
/// # Safety
/// `xq` is valid for nq*d doubles, `cov` for nq*nq.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_predict_covariance(
    gp: *const ferrolab_gp,
    xq: *const f64,
    nq: usize,
    d: usize,
    output: usize,
    cov: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = gp, {
        let model = lookup(gp)?;
        let nx = shape_len(nq, d, "xq")?;
        // SAFETY: caller's contract.
        let xs = unsafe { slice_in(xq, nx, "xq") }?;
        check_finite(xs, "xq")?;
        let c = model.predict_covariance(
            ArrayView2::from_shape((nq, d), xs).expect("length checked"),
            output,
        )?;
        // SAFETY: caller's contract.
        let out = unsafe { slice_out(cov, nq * nq, "cov") }?;
        out.iter_mut().zip(c.iter()).for_each(|(o, v)| *o = *v);
        Ok(())
    })
}

/// `n_samples` joint draws from the posterior of output `output` at the query points `xq`
/// (nq x d) into `samples` (n_samples x nq, row-major); the same `seed` gives the same draws
/// (Thompson sampling). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE,
/// _INVALID_ARGUMENT (d, output or a zero count), _NON_FINITE, _NUMERICAL.
///
/// # Safety
/// `xq` is valid for nq*d doubles, `samples` for n_samples*nq.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_sample(
    gp: *const ferrolab_gp,
    xq: *const f64,
    nq: usize,
    d: usize,
    output: usize,
    n_samples: usize,
    seed: u64,
    samples: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = gp, {
        let model = lookup(gp)?;
        let nx = shape_len(nq, d, "xq")?;
        let total = shape_len(n_samples, nq, "samples")?;
        // SAFETY: caller's contract.
        let xs = unsafe { slice_in(xq, nx, "xq") }?;
        check_finite(xs, "xq")?;
        let draws = model.sample_posterior(
            ArrayView2::from_shape((nq, d), xs).expect("length checked"),
            output,
            n_samples,
            seed,
        )?;
        // SAFETY: caller's contract.
        let out = unsafe { slice_out(samples, total, "samples") }?;
        out.iter_mut().zip(draws.iter()).for_each(|(o, v)| *o = *v);
        Ok(())
    })
}

/// Write the input dimension d and the number of outputs m of a fitted GP. Returns
/// FERROLAB_OK, FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
///
/// # Safety
/// `d` and `m` are NULL or valid for one size_t each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_shape(
    gp: *const ferrolab_gp,
    d: *mut usize,
    m: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = gp, {
        // SAFETY: caller's contract.
        let (d, m) = unsafe { (out_arg(d, "d")?, out_arg(m, "m")?) };
        let model = lookup(gp)?;
        (*d, *m) = (model.input_dim(), model.outputs().len());
        Ok(())
    })
}

/// Write the log marginal likelihood of each of the `m` outputs (of the normalised outputs
/// when gp.normalize_y was 1, as scikit-learn reports it). Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (m differs from the fit).
///
/// # Safety
/// `lml` is valid for m doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_log_marginal_likelihood(
    gp: *const ferrolab_gp,
    lml: *mut f64,
    m: usize,
) -> i32 {
    crate::ffi_boundary!(handle = gp, {
        let model = lookup(gp)?;
        if m != model.outputs().len() {
            return Err(FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                format!("m = {m} but the GP has {} outputs", model.outputs().len()),
            ));
        }
        // SAFETY: caller's contract.
        let out = unsafe { slice_out(lml, m, "lml") }?;
        for (o, output) in out.iter_mut().zip(model.outputs()) {
            *o = output.log_marginal_likelihood;
        }
        Ok(())
    })
}

/// The fitted hyper-parameters of output `output`: signal variance, length scales (up to
/// `cap` into `length_scales`; `*n_length_scales` receives how many there are: 1, or d for
/// ARD), noise variance and the diagonal jitter actually used. Returns FERROLAB_OK,
/// FERROLAB_WARN_TRUNCATED (cap too small), or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE,
/// _INVALID_ARGUMENT (output out of range).
///
/// # Safety
/// The scalar outputs are valid for one value each; `length_scales` is NULL or valid for
/// `cap` doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_hyperparameters(
    gp: *const ferrolab_gp,
    output: usize,
    signal_variance: *mut f64,
    length_scales: *mut f64,
    cap: usize,
    n_length_scales: *mut usize,
    noise_variance: *mut f64,
    jitter: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = gp, {
        let model = lookup(gp)?;
        let o = model.outputs().get(output).ok_or_else(|| {
            FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                format!(
                    "output = {output} but the GP has {} outputs",
                    model.outputs().len()
                ),
            )
        })?;
        // SAFETY: caller's contract.
        unsafe {
            *out_arg(signal_variance, "signal_variance")? = o.kernel.signal_variance;
            *out_arg(noise_variance, "noise_variance")? = o.noise_variance;
            *out_arg(jitter, "jitter")? = o.jitter;
            *out_arg(n_length_scales, "n_length_scales")? = o.kernel.length_scales.len();
            let out = slice_out(length_scales, cap, "length_scales")?;
            let k = cap.min(o.kernel.length_scales.len());
            out[..k].copy_from_slice(&o.kernel.length_scales[..k]);
        }
        if cap < o.kernel.length_scales.len() {
            return Err(FfiError::new(
                FERROLAB_WARN_TRUNCATED,
                format!(
                    "cap = {cap} but there are {} length scales",
                    o.kernel.length_scales.len()
                ),
            ));
        }
        Ok(())
    })
}

/// Save the model to `path` (atomically; format version and checksum included). Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _IO.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_save(gp: *const ferrolab_gp, path: *const c_char) -> i32 {
    crate::ffi_boundary!(handle = gp, {
        // SAFETY: caller's contract.
        let path = unsafe { str_arg(path, "path") }?;
        Ok(lookup(gp)?.save(path.as_ref())?)
    })
}

/// Load a model saved by `ferrolab_gp_save`. Ownership as for `ferrolab_gp_fit`. Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _IO (unreadable, named),
/// _CORRUPT_FILE (damaged, foreign or other-version file).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_load(path: *const c_char, out: *mut *mut ferrolab_gp) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (out, path) = unsafe { (out_arg(out, "out")?, str_arg(path, "path")?) };
        *out = std::ptr::null_mut();
        let gp = GaussianProcess::load(path.as_ref())?;
        *out = std::ptr::without_provenance_mut(handles::insert(gp)?);
        Ok(())
    })
}

/// Release a GP. NULL is a no-op; a freed or foreign handle returns
/// FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_gp_free(gp: *mut ferrolab_gp) -> i32 {
    crate::ffi_boundary!({ GP.free(gp.addr()) })
}

/// Copy the message of the last failed call on this GP into `buf`, snprintf-style.
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_last_error(
    gp: *const ferrolab_gp,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { GP.write_last_error(gp.addr(), buf, cap, needed) }
    })
}

/// Write the progress of this handle's long jobs: units done and total of the current stage, the
/// stage and the last training loss. A fitted GP runs no jobs: it reports 0 of 0, stage 0 and NaN.
/// Every output may be NULL. Safe from any thread, also while a job runs. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_gp_progress_info(
    gp: *const ferrolab_gp,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = gp, {
        // SAFETY: caller's contract.
        unsafe { GP.write_progress(gp.addr(), done, total, stage, last_loss) }
    })
}
