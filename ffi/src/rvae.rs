//! `ferrolab_rvae`: the rotationally invariant VAE of papers 002/004: training on images (with
//! progress, cancel and checkpoints), the history, encode to angle, offsets and content, decode
//! at a given angle and offsets, save and load.

use crate::arrays::{check_finite, out_arg, shape_len, slice_in};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::lstm_vae::{
    copy_out, expect_dim, optional_path, optional_rows_out, rows_in, rows_out, write_rows,
};
use crate::running::Running;
use crate::status::FfiError;
use crate::strings::str_arg;
use engine::nn::rvae::{Rvae, RvaeSettings};
use ndarray::{Array1, Array2, ArrayView1, ArrayView2};
use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Values per epoch in `ferrolab_rvae_history`: epoch (from 1), the epoch's mean training loss
/// per image with its parts (total, reconstruction, KL), and the held-out test images' loss
/// after the epoch (total, reconstruction, KL; NaN when `rvae.test_fraction` is 0).
pub const FERROLAB_RVAE_HISTORY_FIELDS: usize = 7;

/// Opaque handle of a rotationally invariant VAE: `ferrolab_rvae_new` or `ferrolab_rvae_load`,
/// released with `ferrolab_rvae_free`. Training holds the model exclusively (every call that
/// reads the model waits for it); progress, cancellation and the checkpoint may be set or
/// called from other threads while it trains.
pub struct ferrolab_rvae {
    _opaque: [u8; 0],
}

const RVAE: HandleType<RvaeHandle> = HandleType::new("rvae", "ferrolab_rvae");

struct RvaeHandle {
    model: RwLock<Rvae>,
    /// Checkpoint file of the next training run (checked when set, handed to the model when
    /// training starts, so setting it never waits for a run).
    checkpoint: Mutex<Option<PathBuf>>,
    running: Running,
}

fn lookup(h: *const ferrolab_rvae) -> Result<Arc<RvaeHandle>, FfiError> {
    RVAE.get(h.addr())
}

fn insert(out: &mut *mut ferrolab_rvae, model: Rvae) -> Result<(), FfiError> {
    let handle = RvaeHandle {
        model: RwLock::new(model),
        checkpoint: Mutex::new(None),
        running: Running::default(),
    };
    *out = std::ptr::without_provenance_mut(handles::insert(handle)?);
    Ok(())
}

/// Make an untrained rVAE for images of `height x width` pixels (both at least 2) with the
/// `rvae.*` keys of `cfg` (NULL: paper 004's run: 2 content latents, translation on with scale
/// 0.1, angle prior sd 0.1 rad, 128 filters and hidden units, Adam 1e-4, batch 32, 100 epochs,
/// a 15 % test split, seed 0). The settings are fixed here and used by `ferrolab_rvae_train`.
/// Ownership: the caller frees `*out` with `ferrolab_rvae_free`; `*out` is NULL on error.
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (height or width below
/// 2), _INVALID_HANDLE (cfg), _OUT_OF_MEMORY (the network's parameters beyond the memory
/// budget), a configuration error naming the key.
///
/// # Safety
/// `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_new(
    cfg: *const ferrolab_config,
    height: usize,
    width: usize,
    out: *mut *mut ferrolab_rvae,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        let settings = RvaeSettings::from_config(&config_or_default(cfg)?)?;
        insert(out, Rvae::new(&settings, [height, width])?)
    })
}

/// Checkpoint file of later `ferrolab_rvae_train` calls (NULL: none): adopted when it exists
/// (a checkpoint of this model: same image size and settings but the epochs; a run killed at
/// any moment resumes to the same bytes), rewritten atomically every `rvae.checkpoint_every`
/// epochs, at the end and when training is cancelled. Returns FERROLAB_OK, or
/// FERROLAB_ERR_INVALID_UTF8, _NULL_POINTER, _INVALID_HANDLE, _IO (its folder is missing or
/// read-only, or it is a link or not a regular file: checked now, not at the first checkpoint).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_set_checkpoint(
    rvae: *const ferrolab_rvae,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        let h = lookup(rvae)?;
        // SAFETY: caller's contract.
        let path = unsafe { optional_path(path, "path") }?;
        if let Some(p) = &path {
            engine::io::atomic::check_writable(p)
                .map_err(|e| engine::io::IoError::os(p, "write a checkpoint to", e))?;
        }
        *h.checkpoint.lock().unwrap_or_else(PoisonError::into_inner) = path;
        Ok(())
    })
}

/// Train on `images` (n x pixels, row-major: each row one image of height x width pixels,
/// row by row, in the data's own units; paper 004 divided its stack by its maximum first)
/// until `rvae.epochs` epochs are done in total, on the library's worker pool
/// (`ferrolab_set_num_threads`), blocking. `rvae.test_fraction` of the images (chosen by
/// `rvae.seed`) are held out and their loss recorded each epoch. The same seed gives the same
/// weights whatever the thread count. After a cancellation, calling it again with the same
/// images continues exactly where it stopped. `*epochs_done` receives the epochs done (also
/// when training is cancelled or fails). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE, _INVALID_ARGUMENT (pixels differs from height x width, no images, a test
/// split holding out none or all, other images than before, a checkpoint of another model),
/// _NON_FINITE, _CANCELLED, _NUMERICAL (the loss diverged), _OUT_OF_MEMORY (a batch's
/// activations beyond the memory budget), _IO / _CORRUPT_FILE (checkpoint), _BUSY (this handle
/// is training on another thread; that run is not disturbed).
///
/// # Safety
/// `images` is valid for n*pixels doubles, `epochs_done` for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_train(
    rvae: *const ferrolab_rvae,
    images: *const f64,
    n: usize,
    pixels: usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        let h = lookup(rvae)?;
        // SAFETY: caller's contract.
        let done_out = unsafe { out_arg(epochs_done, "epochs_done") }?;
        let len = shape_len(n, pixels, "images")?;
        // SAFETY: caller's contract.
        let xs = unsafe { slice_in(images, len, "images") }?;
        check_finite(xs, "images")?;
        let _running = h.running.enter("rVAE")?;
        let progress = RVAE.progress(rvae.addr())?;
        progress.clear_cancel();
        let checkpoint = h
            .checkpoint
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut model = h.model.write().unwrap_or_else(PoisonError::into_inner);
        *done_out = model.epochs_done();
        expect_dim("pixels", pixels, model.architecture().pixels())?;
        let view = ArrayView2::from_shape((n, pixels), xs).expect("length checked");
        model.set_checkpoint(checkpoint)?;
        let result = model.train(view, &progress);
        *done_out = model.epochs_done();
        Ok(result?)
    })
}

/// Write the epochs done and the epochs of the run (known once training has started). Safe
/// from any thread while `ferrolab_rvae_train` runs. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
///
/// # Safety
/// `done` and `total` are NULL or valid for one size_t each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_progress(
    rvae: *const ferrolab_rvae,
    done: *mut usize,
    total: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        // SAFETY: caller's contract.
        unsafe { RVAE.write_counts(rvae.addr(), done, total) }
    })
}

/// Ask a running `ferrolab_rvae_train` to stop before its next batch; it returns
/// FERROLAB_ERR_CANCELLED with the model at its last finished epoch (and the checkpoint
/// written, when one is set). Safe from any thread. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_rvae_request_cancel(rvae: *const ferrolab_rvae) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        RVAE.progress(rvae.addr())?.request_cancel();
        Ok(())
    })
}

/// Write the progress of this handle's training: epochs done and total of the current or last
/// `ferrolab_rvae_train`, stage 0, and the latest epoch's mean training loss per image (NaN
/// before any). Every output may be NULL. Safe from any thread, also while training runs.
/// Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_progress_info(
    rvae: *const ferrolab_rvae,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        // SAFETY: caller's contract.
        unsafe { RVAE.write_progress(rvae.addr(), done, total, stage, last_loss) }
    })
}

/// Write the model's shape: the image height and width (pixels), the content latents
/// (`rvae.content_latents`; the angle and the two offsets come besides), the trainable
/// parameters and the epochs done so far. Waits while the model trains. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
///
/// # Safety
/// Each output is valid for one size_t (NULL is refused).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_shape(
    rvae: *const ferrolab_rvae,
    height: *mut usize,
    width: *mut usize,
    content_latents: *mut usize,
    parameter_count: *mut usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        // SAFETY: caller's contract.
        let (hh, w, k, p, d) = unsafe {
            (
                out_arg(height, "height")?,
                out_arg(width, "width")?,
                out_arg(content_latents, "content_latents")?,
                out_arg(parameter_count, "parameter_count")?,
                out_arg(epochs_done, "epochs_done")?,
            )
        };
        let h = lookup(rvae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        let a = model.architecture();
        (*hh, *w, *k) = (a.image[0], a.image[1], a.content);
        (*p, *d) = (model.parameter_count(), model.epochs_done());
        Ok(())
    })
}

/// The training history so far (also of a loaded model): up to `cap` rows of
/// FERROLAB_RVAE_HISTORY_FIELDS values, (epoch, train total, train reconstruction, train KL,
/// test total, test reconstruction, test KL), per-image means, the test values NaN when no
/// image is held out, into `history`, and the epochs done into `*epochs_done`; `history` may
/// be NULL when `cap` is 0 (to ask for the count). Returns FERROLAB_OK,
/// FERROLAB_WARN_TRUNCATED (cap < epochs done), or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE,
/// _INVALID_ARGUMENT (cap too large).
///
/// # Safety
/// `history` is NULL (with cap 0) or valid for 7*cap doubles; `epochs_done` for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_history(
    rvae: *const ferrolab_rvae,
    history: *mut f64,
    cap: usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        // SAFETY: caller's contract.
        let done = unsafe { out_arg(epochs_done, "epochs_done") }?;
        let h = lookup(rvae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        let records = model.history();
        *done = records.len();
        let rows = records.iter().map(|r| {
            let (t, v) = (r.train, r.validation);
            let test = |f: fn(&engine::nn::LossParts) -> f64| v.as_ref().map_or(f64::NAN, f);
            vec![
                r.epoch as f64,
                t.total,
                t.reconstruction,
                t.kl,
                test(|p| p.total),
                test(|p| p.reconstruction),
                test(|p| p.kl),
            ]
        });
        // SAFETY: caller's contract.
        unsafe {
            write_rows(
                rows,
                records.len(),
                FERROLAB_RVAE_HISTORY_FIELDS,
                history,
                cap,
                "history",
            )
        }
    })
}

/// Copy a vector of `values` into `out`, the caller's array of exactly as many.
fn copy_out_1d(out: &mut [f64], values: &Array1<f64>) {
    out.iter_mut().zip(values.iter()).for_each(|(o, v)| *o = *v);
}

/// Encode the images of `images` (n x pixels, the data's units): the angle (radians, n values)
/// into `angle`, the offsets (dx, dy; n x 2, zero when `rvae.translation` is off) into
/// `offsets` and the content latents (n x content_latents) into `content`, all latent means,
/// row-major; their standard deviations into `angle_sd`, `offsets_sd` and `content_sd` (same
/// shapes; each may be NULL when not wanted). `pixels` and `content_latents` must be the
/// model's (`ferrolab_rvae_shape`). Every size and output is checked before the encoder runs.
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (a
/// size differs from the model's), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `images` is valid for n*pixels doubles; `angle` (and `angle_sd` unless NULL) for n;
/// `offsets` (and `offsets_sd` unless NULL) for n*2; `content` (and `content_sd` unless NULL)
/// for n*content_latents.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_encode(
    rvae: *const ferrolab_rvae,
    images: *const f64,
    n: usize,
    pixels: usize,
    angle: *mut f64,
    angle_sd: *mut f64,
    offsets: *mut f64,
    offsets_sd: *mut f64,
    content: *mut f64,
    content_sd: *mut f64,
    content_latents: usize,
) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        let h = lookup(rvae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        let a = model.architecture();
        expect_dim("content_latents", content_latents, a.content)?;
        // SAFETY: caller's contract.
        let data = unsafe { rows_in(images, n, (pixels, "pixels"), a.pixels(), "images") }?;
        // SAFETY: caller's contract (each output checked before the encoder runs).
        let (angle, angle_sd, offsets, offsets_sd, content, content_sd) = unsafe {
            (
                rows_out(angle, n, 1, "angle")?,
                optional_rows_out(angle_sd, n, 1, "angle_sd")?,
                rows_out(offsets, n, 2, "offsets")?,
                optional_rows_out(offsets_sd, n, 2, "offsets_sd")?,
                rows_out(content, n, content_latents, "content")?,
                optional_rows_out(content_sd, n, content_latents, "content_sd")?,
            )
        };
        let e = model.encode(data)?;
        copy_out_1d(angle, &e.angle);
        copy_out(offsets, &e.offsets);
        copy_out(content, &e.content);
        if let Some(out) = angle_sd {
            copy_out_1d(out, &e.angle_sd);
        }
        for (out, values) in [(offsets_sd, &e.offsets_sd), (content_sd, &e.content_sd)] {
            if let Some(out) = out {
                copy_out(out, values);
            }
        }
        Ok(())
    })
}

/// Decode `n` images drawn at `angle` (n values, radians; NULL: 0, upright), `offsets` (n x
/// 2, dx and dy; NULL: 0, centred; they shift the image also for a model trained without
/// translation) and `content` (n x content_latents) into `images_out` (n x pixels, row-major).
/// With both NULL this is the latent-grid decoding of papers 002/004. `content_latents` and
/// `pixels` must be the model's. Every size and output is checked before the decoder runs.
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (a
/// size differs from the model's), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `angle` is NULL or valid for n doubles, `offsets` NULL or valid for n*2, `content` valid for
/// n*content_latents, `images_out` for n*pixels.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_decode(
    rvae: *const ferrolab_rvae,
    angle: *const f64,
    offsets: *const f64,
    content: *const f64,
    n: usize,
    content_latents: usize,
    images_out: *mut f64,
    pixels: usize,
) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        let h = lookup(rvae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        let a = model.architecture();
        expect_dim("pixels", pixels, a.pixels())?;
        // SAFETY: caller's contract.
        let codes = unsafe {
            rows_in(
                content,
                n,
                (content_latents, "content_latents"),
                a.content,
                "content",
            )
        }?;
        let zeros_1d;
        let angle = if angle.is_null() {
            zeros_1d = Array1::zeros(n);
            zeros_1d.view()
        } else {
            // SAFETY: caller's contract.
            let v = unsafe { slice_in(angle, n, "angle") }?;
            check_finite(v, "angle")?;
            ArrayView1::from(v)
        };
        let zeros_2d;
        let offsets = if offsets.is_null() {
            zeros_2d = Array2::zeros((n, 2));
            zeros_2d.view()
        } else {
            // SAFETY: caller's contract.
            unsafe { rows_in(offsets, n, (2, "offsets columns"), 2, "offsets") }?
        };
        // SAFETY: caller's contract.
        let out = unsafe { rows_out(images_out, n, pixels, "images_out") }?;
        copy_out(out, &model.decode(angle, offsets, codes)?);
        Ok(())
    })
}

/// Save the model (weights, settings and, once trained, the history and everything a
/// continued run needs) to `path` in the network file format (safetensors with JSON
/// metadata), atomically and byte-deterministically. Waits while the model trains. Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _IO.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_save(
    rvae: *const ferrolab_rvae,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = rvae, {
        // SAFETY: caller's contract.
        let path = unsafe { str_arg(path, "path") }?;
        let h = lookup(rvae)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        Ok(model.save(path.as_ref())?)
    })
}

/// Load a model saved by `ferrolab_rvae_save` (or a checkpoint), checking format, checksum,
/// shapes, values and settings (as if given as keys) before allocating the weights. Ownership
/// as for `ferrolab_rvae_new`. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_UTF8, _IO (unreadable, named), _CORRUPT_FILE (damaged, foreign or other-version
/// file), _OUT_OF_MEMORY.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_load(
    path: *const c_char,
    out: *mut *mut ferrolab_rvae,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (out, path) = unsafe { (out_arg(out, "out")?, str_arg(path, "path")?) };
        *out = std::ptr::null_mut();
        insert(out, Rvae::load(path.as_ref())?)
    })
}

/// Release an rVAE (a training run on another thread keeps the model until it returns). NULL
/// is a no-op; a freed or foreign handle returns FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_rvae_free(rvae: *mut ferrolab_rvae) -> i32 {
    crate::ffi_boundary!({ RVAE.free(rvae.addr()) })
}

/// Copy the message of the last failed call on this rVAE into `buf`, snprintf-style. Returns
/// FERROLAB_OK, FERROLAB_WARN_TRUNCATED, FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE (this
/// failure does not replace any stored message).
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_rvae_last_error(
    rvae: *const ferrolab_rvae,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { RVAE.write_last_error(rvae.addr(), buf, cap, needed) }
    })
}
