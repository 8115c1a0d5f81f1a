//! `ferrolab_vae`: paper 000's MLP beta-VAE: train (with progress, cancel, checkpoints),
//! encode, decode, decode a latent grid, save and load.

use crate::arrays::{check_finite, out_arg, shape_len, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FERROLAB_WARN_TRUNCATED, FfiError};
use crate::strings::str_arg;
use engine::nn::{EpochRecord, MlpVae, VaeSettings};
use engine::progress::Progress;
use ndarray::ArrayView2;
use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Opaque handle of a VAE: `ferrolab_vae_new` or `ferrolab_vae_load`, released with
/// `ferrolab_vae_free`. Training holds the model exclusively (encode, decode and save wait
/// for it); progress and cancellation may be called from other threads while it trains.
pub struct ferrolab_vae {
    _opaque: [u8; 0],
}

const VAE: HandleType<VaeHandle> = HandleType::new("vae", "ferrolab_vae");

struct VaeHandle {
    model: RwLock<MlpVae>,
    checkpoint: Mutex<Option<PathBuf>>,
}

fn progress(vae: *const ferrolab_vae) -> Result<Arc<Progress>, FfiError> {
    VAE.progress(vae.addr())
}

fn lookup(vae: *const ferrolab_vae) -> Result<Arc<VaeHandle>, FfiError> {
    VAE.get(vae.addr())
}

fn expect_dim(what: &str, given: usize, model: usize) -> Result<(), FfiError> {
    if given == model {
        return Ok(());
    }
    Err(FfiError::new(
        FERROLAB_ERR_INVALID_ARGUMENT,
        format!("{what} = {given} but the model's is {model}"),
    ))
}

fn insert(out: &mut *mut ferrolab_vae, model: MlpVae) -> Result<(), FfiError> {
    let handle = VaeHandle {
        model: RwLock::new(model),
        checkpoint: Mutex::new(None),
    };
    *out = std::ptr::without_provenance_mut(handles::insert(handle)?);
    Ok(())
}

/// Write up to `cap` rows (total, reconstruction, KL per row) of `history` into `out`;
/// FERROLAB_WARN_TRUNCATED when more epochs are done than `cap`.
///
/// # Safety
/// `out` is NULL (with cap 0) or valid for `3 * cap` doubles.
unsafe fn write_history(
    history: &[EpochRecord],
    out: *mut f64,
    cap: usize,
) -> Result<(), FfiError> {
    if cap > 0 {
        let len = cap.checked_mul(3).ok_or_else(|| {
            FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                format!("cap = {cap}: too large"),
            )
        })?;
        // SAFETY: caller's contract.
        let rows = unsafe { slice_out(out, len, "loss_history") }?;
        for (row, r) in rows.chunks_exact_mut(3).zip(history) {
            row.copy_from_slice(&[r.train.total, r.train.reconstruction, r.train.kl]);
        }
    }
    if history.len() > cap {
        return Err(FfiError::new(
            FERROLAB_WARN_TRUNCATED,
            format!("cap = {cap} rows but {} epochs are done", history.len()),
        ));
    }
    Ok(())
}

/// Make an untrained VAE for rows of `input_dim` values with the `vae.*` keys of `cfg` (NULL:
/// paper 000: hidden [256], latent 2, BCE, beta 0.1, Adam 1e-3, batch 128, 200 epochs, seed
/// 0). The training settings are fixed here and used by `ferrolab_vae_train`. Ownership: the
/// caller frees `*out` with `ferrolab_vae_free`; `*out` is NULL on error. Returns FERROLAB_OK,
/// or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (input_dim), _INVALID_HANDLE (cfg), a
/// configuration error naming the key.
///
/// # Safety
/// `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_new(
    cfg: *const ferrolab_config,
    input_dim: usize,
    out: *mut *mut ferrolab_vae,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        let settings = VaeSettings::from_config(&config_or_default(cfg)?)?;
        insert(out, MlpVae::new(&settings, input_dim)?)
    })
}

/// Checkpoint file of later `ferrolab_vae_train` calls (NULL: none): resumed from when it
/// exists (same model, settings and data), rewritten atomically every `vae.checkpoint_every`
/// epochs and when training is cancelled. Returns FERROLAB_OK, or FERROLAB_ERR_INVALID_UTF8,
/// _INVALID_HANDLE, _IO (its folder is missing or read-only, or it is a link or not a regular
/// file: checked now, not at the first checkpoint).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_set_checkpoint(
    vae: *const ferrolab_vae,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        let h = lookup(vae)?;
        let path = if path.is_null() {
            None
        } else {
            // SAFETY: caller's contract.
            Some(PathBuf::from(unsafe { str_arg(path, "path") }?))
        };
        if let Some(p) = &path {
            engine::io::atomic::check_writable(p)
                .map_err(|e| engine::io::IoError::os(p, "write a checkpoint to", e))?;
        }
        *h.checkpoint.lock().unwrap_or_else(PoisonError::into_inner) = path;
        Ok(())
    })
}

/// Train on `x` (n x d, row-major, the data's own units; scaled to [0, 1] by one global
/// min-max fitted on the first call and stored with the model) until `vae.epochs` epochs are
/// done in total, on the library's worker pool (`ferrolab_set_num_threads`), blocking. The
/// same seed gives the same weights whatever the thread count. After a cancellation, calling
/// it again with the same data continues exactly where it stopped. `loss_history` receives up
/// to `cap` rows of (total, reconstruction, KL), per-row means per epoch, and `*epochs_done`
/// the number of epochs done (also on cancellation); `loss_history` may be NULL when `cap` is
/// 0. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED (cap < epochs done), or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (shape, constant data, other
/// data than before, validation split), _NON_FINITE, _CANCELLED, _NUMERICAL (the loss
/// diverged), _IO / _CORRUPT_FILE (checkpoint).
///
/// # Safety
/// `x` is valid for n*d doubles, `loss_history` for 3*cap doubles (or NULL with cap 0),
/// `epochs_done` for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_train(
    vae: *const ferrolab_vae,
    x: *const f64,
    n: usize,
    d: usize,
    loss_history: *mut f64,
    cap: usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        let h = lookup(vae)?;
        // SAFETY: caller's contract.
        let done_out = unsafe { out_arg(epochs_done, "epochs_done") }?;
        let len = shape_len(n, d, "x")?;
        // SAFETY: caller's contract.
        let xs = unsafe { slice_in(x, len, "x") }?;
        check_finite(xs, "x")?;
        let checkpoint = h
            .checkpoint
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let progress = progress(vae)?;
        progress.clear_cancel();
        let mut model = h.model.write().unwrap_or_else(PoisonError::into_inner);
        expect_dim("d", d, model.architecture().input_dim)?;
        let view = ArrayView2::from_shape((n, d), xs).expect("length checked");
        model.set_checkpoint(checkpoint)?;
        let result = model.train(view, &progress);
        *done_out = model.epochs_done();
        // SAFETY: caller's contract.
        let written = unsafe { write_history(model.history(), loss_history, cap) };
        // An unusable output is reported before the run's outcome, a truncation after it.
        if written.as_ref().is_err_and(|e| e.status < 0) {
            return written;
        }
        result?;
        written
    })
}

/// Write the epochs done and the epochs of the run (known once training has started). Safe
/// from any thread while `ferrolab_vae_train` runs. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
///
/// # Safety
/// `done` and `total` are NULL or valid for one size_t each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_progress(
    vae: *const ferrolab_vae,
    done: *mut usize,
    total: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        // SAFETY: caller's contract.
        unsafe { VAE.write_counts(vae.addr(), done, total) }
    })
}

/// Ask a running `ferrolab_vae_train` to stop before its next batch; it returns
/// FERROLAB_ERR_CANCELLED with the model at its last finished epoch (and the checkpoint
/// written, when one is set). Safe from any thread. Returns FERROLAB_OK or
/// FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_vae_request_cancel(vae: *const ferrolab_vae) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        progress(vae)?.request_cancel();
        Ok(())
    })
}

/// Write the input length d and the latent dimension of the model. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
///
/// # Safety
/// `input_dim` and `latent_dim` are NULL or valid for one size_t each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_shape(
    vae: *const ferrolab_vae,
    input_dim: *mut usize,
    latent_dim: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        // SAFETY: caller's contract.
        let (d, k) = unsafe {
            (
                out_arg(input_dim, "input_dim")?,
                out_arg(latent_dim, "latent_dim")?,
            )
        };
        let h = lookup(vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        (*d, *k) = (
            model.architecture().input_dim,
            model.architecture().latent_dim,
        );
        Ok(())
    })
}

/// The training history so far (e.g. of a loaded model): up to `cap` rows of (total,
/// reconstruction, KL) into `loss_history`, and the epochs done into `*epochs_done`. Returns
/// FERROLAB_OK, FERROLAB_WARN_TRUNCATED, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE.
///
/// # Safety
/// As for `ferrolab_vae_train`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_history(
    vae: *const ferrolab_vae,
    loss_history: *mut f64,
    cap: usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        // SAFETY: caller's contract.
        let done = unsafe { out_arg(epochs_done, "epochs_done") }?;
        let h = lookup(vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        *done = model.epochs_done();
        // SAFETY: caller's contract.
        unsafe { write_history(model.history(), loss_history, cap) }
    })
}

/// Encode the rows of `x` (n x d, the data's units): latent means into `z_mean` and
/// log-variances into `z_log_var` (each n x latent_dim, row-major; `z_log_var` may be NULL).
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (d or
/// latent_dim differ from the model's, model not trained), _NON_FINITE.
///
/// # Safety
/// `x` is valid for n*d doubles; `z_mean` (and `z_log_var` unless NULL) for n*latent_dim.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_encode(
    vae: *const ferrolab_vae,
    x: *const f64,
    n: usize,
    d: usize,
    z_mean: *mut f64,
    z_log_var: *mut f64,
    latent_dim: usize,
) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        let h = lookup(vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        expect_dim("d", d, model.architecture().input_dim)?;
        expect_dim("latent_dim", latent_dim, model.architecture().latent_dim)?;
        let len = shape_len(n, d, "x")?;
        // SAFETY: caller's contract.
        let xs = unsafe { slice_in(x, len, "x") }?;
        check_finite(xs, "x")?;
        let (mu, lv) = model.encode(ArrayView2::from_shape((n, d), xs).expect("length checked"))?;
        // SAFETY: caller's contract.
        let out = unsafe { slice_out(z_mean, n * latent_dim, "z_mean") }?;
        out.iter_mut().zip(mu.iter()).for_each(|(o, v)| *o = *v);
        if !z_log_var.is_null() {
            // SAFETY: caller's contract.
            let out = unsafe { slice_out(z_log_var, n * latent_dim, "z_log_var") }?;
            out.iter_mut().zip(lv.iter()).for_each(|(o, v)| *o = *v);
        }
        Ok(())
    })
}

/// Decode latent points `z` (n x latent_dim) into `x_out` (n x d, row-major, the data's own
/// units). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE,
/// _INVALID_ARGUMENT (sizes differ from the model's, model not trained), _NON_FINITE.
///
/// # Safety
/// `z` is valid for n*latent_dim doubles, `x_out` for n*d.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_decode(
    vae: *const ferrolab_vae,
    z: *const f64,
    n: usize,
    latent_dim: usize,
    x_out: *mut f64,
    d: usize,
) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        let h = lookup(vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        expect_dim("latent_dim", latent_dim, model.architecture().latent_dim)?;
        expect_dim("d", d, model.architecture().input_dim)?;
        let len = shape_len(n, latent_dim, "z")?;
        // SAFETY: caller's contract.
        let zs = unsafe { slice_in(z, len, "z") }?;
        check_finite(zs, "z")?;
        let decoded =
            model.decode(ArrayView2::from_shape((n, latent_dim), zs).expect("length checked"))?;
        // SAFETY: caller's contract.
        let out = unsafe { slice_out(x_out, n * d, "x_out") }?;
        out.iter_mut()
            .zip(decoded.iter())
            .for_each(|(o, v)| *o = *v);
        Ok(())
    })
}

/// Decode the regular grid over [lo, hi]^latent_dim with `steps` points per axis (paper 000's
/// manifold: -2, 2, 10): `rows` = steps^latent_dim rows, the last latent coordinate varying
/// fastest. Grid points into `z_out` (rows x latent_dim; may be NULL) and decoded rows into
/// `x_out` (rows x d, the data's units). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE, _INVALID_ARGUMENT (bounds, steps < 2, rows or d differ, more than 10^7
/// points, model not trained).
///
/// # Safety
/// `z_out` is NULL or valid for rows*latent_dim doubles, `x_out` for rows*d.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_decode_grid(
    vae: *const ferrolab_vae,
    lo: f64,
    hi: f64,
    steps: usize,
    z_out: *mut f64,
    x_out: *mut f64,
    rows: usize,
    d: usize,
) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        let h = lookup(vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        expect_dim("d", d, model.architecture().input_dim)?;
        let (z, decoded) = model.decode_grid(lo, hi, steps)?;
        expect_dim("rows (steps^latent_dim)", rows, z.nrows())?;
        // SAFETY: caller's contract.
        let out = unsafe { slice_out(x_out, rows * d, "x_out") }?;
        out.iter_mut()
            .zip(decoded.iter())
            .for_each(|(o, v)| *o = *v);
        if !z_out.is_null() {
            // SAFETY: caller's contract.
            let out = unsafe { slice_out(z_out, z.len(), "z_out") }?;
            out.iter_mut().zip(z.iter()).for_each(|(o, v)| *o = *v);
        }
        Ok(())
    })
}

/// Save the model (weights, scaling, settings, history, optimiser state) to `path` as
/// safetensors with JSON metadata, atomically; readable by Python's `safetensors`. Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _IO.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_save(vae: *const ferrolab_vae, path: *const c_char) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        // SAFETY: caller's contract.
        let path = unsafe { str_arg(path, "path") }?;
        let h = lookup(vae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        Ok(model.save(path.as_ref())?)
    })
}

/// Load a model saved by `ferrolab_vae_save` (or a checkpoint). Ownership as for
/// `ferrolab_vae_new`. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _IO
/// (unreadable, named), _CORRUPT_FILE (damaged, foreign or other-version file).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_load(
    path: *const c_char,
    out: *mut *mut ferrolab_vae,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (out, path) = unsafe { (out_arg(out, "out")?, str_arg(path, "path")?) };
        *out = std::ptr::null_mut();
        insert(out, MlpVae::load(path.as_ref())?)
    })
}

/// Release a VAE (not while it trains). NULL is a no-op; a freed or foreign handle returns
/// FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_vae_free(vae: *mut ferrolab_vae) -> i32 {
    crate::ffi_boundary!({ VAE.free(vae.addr()) })
}

/// Copy the message of the last failed call on this VAE into `buf`, snprintf-style.
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_last_error(
    vae: *const ferrolab_vae,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { VAE.write_last_error(vae.addr(), buf, cap, needed) }
    })
}

/// Write the progress of this handle's long jobs: units done and total of the current stage, the
/// stage and the last training loss. Units are epochs (stage 0) of the current or last
/// `ferrolab_vae_train`; the last loss is the latest epoch's mean training loss per row (NaN before
/// any). Every output may be NULL. Safe from any thread, also while a job runs. Returns
/// FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_vae_progress_info(
    vae: *const ferrolab_vae,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = vae, {
        // SAFETY: caller's contract.
        unsafe { VAE.write_progress(vae.addr(), done, total, stage, last_loss) }
    })
}
