//! `ferrolab_im2spec` and `ferrolab_spec2im`: paper 003's encoder-decoders (structure patch ->
//! spectrum and spectrum -> patch): new, train (with progress, cancel, checkpoints), predict,
//! encode, decode, shape, save and load. Both C types share one implementation
//! (`encoder_decoder.rs`); each export below only names its direction's arguments.
//!
//! Patches are h x w, row-major, in the image's units; spectra have spectrum_len points; paper
//! 003 scales nothing. A model of one direction saved to a file is refused by the other
//! type's load (FERROLAB_ERR_CORRUPT_FILE, naming the right call).

use crate::config::ferrolab_config;
use crate::encoder_decoder::{self as ed, Kind, ModelHandle};
use crate::handles::HandleType;
use engine::config::Config;
use engine::nn::NnError;
use engine::nn::im2spec::{Direction, EncoderDecoder, Im2SpecSettings, Spec2ImSettings};
use std::ffi::c_char;

/// Opaque handle of an im2spec model (structure patch -> spectrum at its centre):
/// `ferrolab_im2spec_new` or `ferrolab_im2spec_load`, released with `ferrolab_im2spec_free`.
/// Training holds the model exclusively (calls that read it wait); progress, cancellation and
/// the checkpoint may be used from other threads while it trains.
pub struct ferrolab_im2spec {
    _opaque: [u8; 0],
}

/// Opaque handle of a spec2im model (spectrum -> structure patch around it):
/// `ferrolab_spec2im_new` or `ferrolab_spec2im_load`, released with `ferrolab_spec2im_free`.
/// Threads as for `ferrolab_im2spec`.
pub struct ferrolab_spec2im {
    _opaque: [u8; 0],
}

/// The im2spec direction.
pub(crate) struct Im2Spec;
/// The spec2im direction.
pub(crate) struct Spec2Im;

impl Kind for Im2Spec {
    const TYPE: HandleType<ModelHandle<Self>> = HandleType::new("im2spec", "ferrolab_im2spec");
    const DIRECTION: Direction = Direction::ImageToSpectrum;
    const NAME: &'static str = "im2spec";
    const OTHER: &'static str = "spec2im";

    fn build(
        cfg: &Config,
        patch: [usize; 2],
        spectrum_len: usize,
    ) -> Result<EncoderDecoder, NnError> {
        EncoderDecoder::im2spec(&Im2SpecSettings::from_config(cfg)?, patch, spectrum_len)
    }
}

impl Kind for Spec2Im {
    const TYPE: HandleType<ModelHandle<Self>> = HandleType::new("spec2im", "ferrolab_spec2im");
    const DIRECTION: Direction = Direction::SpectrumToImage;
    const NAME: &'static str = "spec2im";
    const OTHER: &'static str = "im2spec";

    fn build(
        cfg: &Config,
        patch: [usize; 2],
        spectrum_len: usize,
    ) -> Result<EncoderDecoder, NnError> {
        EncoderDecoder::spec2im(&Spec2ImSettings::from_config(cfg)?, spectrum_len, patch)
    }
}

// ---------------------------------------------------------------------------------------------
// ferrolab_im2spec

/// Make an untrained im2spec model for `patch_h` x `patch_w` patches and spectra of
/// `spectrum_len` points with the `im2spec.*` keys of `cfg` (NULL: paper 003: latent 10, 64
/// filters, Adam 1e-3, batch 64, 250 epochs, seed 1). The training settings are fixed here.
/// Ownership: the caller frees `*out` with `ferrolab_im2spec_free`; `*out` is NULL on error.
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (a size is 0),
/// _INVALID_HANDLE (cfg), _OUT_OF_MEMORY (the network beyond the memory budget), a
/// configuration error naming the key.
///
/// ```c
/// ferrolab_im2spec *m = NULL;
/// if (ferrolab_im2spec_new(NULL, 8, 8, 64, &m) != FERROLAB_OK) { /* ferrolab_last_error */ }
/// ```
///
/// # Safety
/// `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_new(
    cfg: *const ferrolab_config,
    patch_h: usize,
    patch_w: usize,
    spectrum_len: usize,
    out: *mut *mut ferrolab_im2spec,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        unsafe { ed::new::<Im2Spec, _>(cfg, [patch_h, patch_w], spectrum_len, out) }
    })
}

/// Checkpoint file of later `ferrolab_im2spec_train` calls (NULL: none): resumed from when it
/// exists (same model, settings and data), rewritten atomically every
/// `im2spec.checkpoint_every` epochs, at the end and when training is cancelled. Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _IO (its folder is
/// missing or read-only, or it is a link or not a regular file: checked now).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_set_checkpoint(
    im2spec: *const ferrolab_im2spec,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = im2spec, {
        // SAFETY: caller's contract.
        unsafe { ed::set_checkpoint::<Im2Spec>(im2spec.addr(), path) }
    })
}

/// Train on `n` patches (n x patch_h x patch_w, row-major) and their spectra (n x
/// spectrum_len), in their own units, until `im2spec.epochs` epochs are done in total, on the
/// library's worker pool, blocking. After a cancellation, calling it again with the same data
/// continues where it stopped. `loss_history` receives up to `cap` epochs' mean training loss
/// (MSE) and `*epochs_done` the epochs done (also on cancellation); `loss_history` is NULL with
/// `cap` 0 when no history is wanted (no truncation warning then). Progress: `ferrolab_im2spec_progress_info`; cancel:
/// `ferrolab_im2spec_request_cancel`. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED (cap < epochs
/// done), or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (a size differs from
/// the model's, n = 0, other data than the run's), _NON_FINITE, _CANCELLED, _NUMERICAL,
/// _OUT_OF_MEMORY, _IO / _CORRUPT_FILE (checkpoint), _BUSY (training on another thread).
///
/// # Safety
/// `patches` is valid for n*patch_h*patch_w doubles, `spectra` for n*spectrum_len,
/// `loss_history` for cap (or NULL with cap 0), `epochs_done` for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_train(
    im2spec: *const ferrolab_im2spec,
    patches: *const f64,
    n: usize,
    patch_h: usize,
    patch_w: usize,
    spectra: *const f64,
    spectrum_len: usize,
    loss_history: *mut f64,
    cap: usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = im2spec, {
        // SAFETY: caller's contract.
        unsafe {
            ed::train::<Im2Spec>(
                im2spec.addr(),
                patches,
                n,
                &[("patch_h", patch_h), ("patch_w", patch_w)],
                spectra,
                &[("spectrum_len", spectrum_len)],
                loss_history,
                cap,
                epochs_done,
            )
        }
    })
}

/// Write the progress of this handle's training: epochs done and total of the current or last
/// `ferrolab_im2spec_train`, stage 0, and the latest epoch's mean training loss (NaN before
/// any). Every output may be NULL. Safe from any thread, also while training runs. Returns
/// FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_progress_info(
    im2spec: *const ferrolab_im2spec,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = im2spec, {
        // SAFETY: caller's contract.
        unsafe { Im2Spec::TYPE.write_progress(im2spec.addr(), done, total, stage, last_loss) }
    })
}

/// Ask a running `ferrolab_im2spec_train` to stop before its next batch; it returns
/// FERROLAB_ERR_CANCELLED with the model at its last finished epoch (and the checkpoint
/// written, when one is set). Safe from any thread. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_im2spec_request_cancel(im2spec: *const ferrolab_im2spec) -> i32 {
    crate::ffi_boundary!(handle = im2spec, {
        Im2Spec::TYPE.progress(im2spec.addr())?.request_cancel();
        Ok(())
    })
}

/// Predict the spectra (n x spectrum_len, row-major) of `n` patches (n x patch_h x patch_w),
/// in inference mode (running statistics). `out_std` (NULL: not wanted) receives n x
/// spectrum_len zeros: one model has no spread (the session's ensemble,
/// `ferrolab_ae_predict`, has). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE, _INVALID_ARGUMENT (a size differs from the model's, n = 0), _NON_FINITE,
/// _OUT_OF_MEMORY.
///
/// # Safety
/// `patches` is valid for n*patch_h*patch_w doubles, `out_spectra` (and `out_std` unless NULL)
/// for n*spectrum_len.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_predict(
    im2spec: *const ferrolab_im2spec,
    patches: *const f64,
    n: usize,
    patch_h: usize,
    patch_w: usize,
    spectrum_len: usize,
    out_spectra: *mut f64,
    out_std: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = im2spec, {
        // SAFETY: caller's contract.
        unsafe {
            ed::predict::<Im2Spec>(
                im2spec.addr(),
                patches,
                n,
                &[("patch_h", patch_h), ("patch_w", patch_w)],
                &[("spectrum_len", spectrum_len)],
                out_spectra,
                out_std,
            )
        }
    })
}

/// Encode `n` patches (n x patch_h x patch_w) into their latent vectors (n x latent,
/// row-major; `latent` must be the model's, `ferrolab_im2spec_shape`). Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (a size differs from the
/// model's, n = 0), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `patches` is valid for n*patch_h*patch_w doubles, `out_latent` for n*latent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_encode(
    im2spec: *const ferrolab_im2spec,
    patches: *const f64,
    n: usize,
    patch_h: usize,
    patch_w: usize,
    out_latent: *mut f64,
    latent: usize,
) -> i32 {
    crate::ffi_boundary!(handle = im2spec, {
        // SAFETY: caller's contract.
        unsafe {
            ed::encode::<Im2Spec>(
                im2spec.addr(),
                patches,
                n,
                &[("patch_h", patch_h), ("patch_w", patch_w)],
                out_latent,
                latent,
            )
        }
    })
}

/// Decode latent vectors `z` (n x latent) into spectra (n x spectrum_len, row-major), in
/// inference mode. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE,
/// _INVALID_ARGUMENT (a size differs from the model's, n = 0), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `z` is valid for n*latent doubles, `out_spectra` for n*spectrum_len.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_decode(
    im2spec: *const ferrolab_im2spec,
    z: *const f64,
    n: usize,
    latent: usize,
    spectrum_len: usize,
    out_spectra: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = im2spec, {
        // SAFETY: caller's contract.
        unsafe {
            ed::decode::<Im2Spec>(
                im2spec.addr(),
                z,
                n,
                latent,
                &[("spectrum_len", spectrum_len)],
                out_spectra,
            )
        }
    })
}

/// Write the model's patch height and width, spectrum length, latent size, trainable
/// parameter count and the epochs done in its current run. Every output may be NULL. Returns
/// FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// Each output is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_shape(
    im2spec: *const ferrolab_im2spec,
    patch_h: *mut usize,
    patch_w: *mut usize,
    spectrum_len: *mut usize,
    latent: *mut usize,
    parameter_count: *mut usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = im2spec, {
        // SAFETY: caller's contract.
        unsafe {
            ed::shape::<Im2Spec>(
                im2spec.addr(),
                patch_h,
                patch_w,
                spectrum_len,
                latent,
                parameter_count,
                epochs_done,
            )
        }
    })
}

/// Save the model (weights, running statistics, settings and, once trained, everything a
/// continued run needs) to `path` in the network file format (safetensors with JSON metadata,
/// kind "im2spec"), atomically. Waits while the model trains. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _IO.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_save(
    im2spec: *const ferrolab_im2spec,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = im2spec, {
        // SAFETY: caller's contract.
        unsafe { ed::save::<Im2Spec>(im2spec.addr(), path) }
    })
}

/// Load an im2spec model saved by `ferrolab_im2spec_save` (or a checkpoint). Ownership as for
/// `ferrolab_im2spec_new`. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8,
/// _IO (unreadable, named), _CORRUPT_FILE (damaged, foreign or other-version file, or a spec2im
/// model: the message says to use `ferrolab_spec2im_load`), _OUT_OF_MEMORY.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_load(
    path: *const c_char,
    out: *mut *mut ferrolab_im2spec,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        unsafe { ed::load::<Im2Spec, _>(path, out) }
    })
}

/// Release an im2spec model (a training run on another thread keeps the model until it
/// returns). NULL is a no-op; a freed, foreign or other-type handle returns
/// FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_im2spec_free(im2spec: *mut ferrolab_im2spec) -> i32 {
    crate::ffi_boundary!({ Im2Spec::TYPE.free(im2spec.addr()) })
}

/// Copy the message of the last failed call (or warning) on this im2spec model into `buf`,
/// snprintf-style. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, FERROLAB_ERR_NULL_POINTER or
/// _INVALID_HANDLE (this failure does not replace any stored message).
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_im2spec_last_error(
    im2spec: *const ferrolab_im2spec,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { Im2Spec::TYPE.write_last_error(im2spec.addr(), buf, cap, needed) }
    })
}

// ---------------------------------------------------------------------------------------------
// ferrolab_spec2im

/// Make an untrained spec2im model for spectra of `spectrum_len` points and `patch_h` x
/// `patch_w` patches (sides multiples of 4: the decoder upsamples twice by 2) with the
/// `spec2im.*` keys of `cfg` (NULL: paper 003's defaults, as for im2spec). Ownership: the
/// caller frees `*out` with `ferrolab_spec2im_free`; `*out` is NULL on error. Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (a size is 0, a side not a
/// multiple of 4), _INVALID_HANDLE (cfg), _OUT_OF_MEMORY, a configuration error naming the key.
///
/// ```c
/// ferrolab_spec2im *m = NULL;
/// if (ferrolab_spec2im_new(NULL, 64, 8, 8, &m) != FERROLAB_OK) { /* ferrolab_last_error */ }
/// ```
///
/// # Safety
/// `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_new(
    cfg: *const ferrolab_config,
    spectrum_len: usize,
    patch_h: usize,
    patch_w: usize,
    out: *mut *mut ferrolab_spec2im,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        unsafe { ed::new::<Spec2Im, _>(cfg, [patch_h, patch_w], spectrum_len, out) }
    })
}

/// Checkpoint file of later `ferrolab_spec2im_train` calls (NULL: none); as
/// `ferrolab_im2spec_set_checkpoint` with the `spec2im.checkpoint_every` key. Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _IO.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_set_checkpoint(
    spec2im: *const ferrolab_spec2im,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = spec2im, {
        // SAFETY: caller's contract.
        unsafe { ed::set_checkpoint::<Spec2Im>(spec2im.addr(), path) }
    })
}

/// Train on `n` spectra (n x spectrum_len) and their patches (n x patch_h x patch_w,
/// row-major) until `spec2im.epochs` epochs are done in total; otherwise as
/// `ferrolab_im2spec_train` (history, epochs done, resuming, progress, cancel and statuses).
///
/// # Safety
/// `spectra` is valid for n*spectrum_len doubles, `patches` for n*patch_h*patch_w,
/// `loss_history` for cap (or NULL with cap 0), `epochs_done` for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_train(
    spec2im: *const ferrolab_spec2im,
    spectra: *const f64,
    n: usize,
    spectrum_len: usize,
    patches: *const f64,
    patch_h: usize,
    patch_w: usize,
    loss_history: *mut f64,
    cap: usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = spec2im, {
        // SAFETY: caller's contract.
        unsafe {
            ed::train::<Spec2Im>(
                spec2im.addr(),
                spectra,
                n,
                &[("spectrum_len", spectrum_len)],
                patches,
                &[("patch_h", patch_h), ("patch_w", patch_w)],
                loss_history,
                cap,
                epochs_done,
            )
        }
    })
}

/// Write the progress of this handle's training, as `ferrolab_im2spec_progress_info`. Returns
/// FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_progress_info(
    spec2im: *const ferrolab_spec2im,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = spec2im, {
        // SAFETY: caller's contract.
        unsafe { Spec2Im::TYPE.write_progress(spec2im.addr(), done, total, stage, last_loss) }
    })
}

/// Ask a running `ferrolab_spec2im_train` to stop before its next batch (it returns
/// FERROLAB_ERR_CANCELLED). Safe from any thread. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_spec2im_request_cancel(spec2im: *const ferrolab_spec2im) -> i32 {
    crate::ffi_boundary!(handle = spec2im, {
        Spec2Im::TYPE.progress(spec2im.addr())?.request_cancel();
        Ok(())
    })
}

/// Predict the patches (n x patch_h x patch_w, row-major) of `n` spectra (n x spectrum_len),
/// in inference mode; `out_std` (NULL: not wanted) receives zeros, as for
/// `ferrolab_im2spec_predict`. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE, _INVALID_ARGUMENT (a size differs from the model's, n = 0), _NON_FINITE,
/// _OUT_OF_MEMORY.
///
/// # Safety
/// `spectra` is valid for n*spectrum_len doubles, `out_patches` (and `out_std` unless NULL)
/// for n*patch_h*patch_w.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_predict(
    spec2im: *const ferrolab_spec2im,
    spectra: *const f64,
    n: usize,
    spectrum_len: usize,
    patch_h: usize,
    patch_w: usize,
    out_patches: *mut f64,
    out_std: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = spec2im, {
        // SAFETY: caller's contract.
        unsafe {
            ed::predict::<Spec2Im>(
                spec2im.addr(),
                spectra,
                n,
                &[("spectrum_len", spectrum_len)],
                &[("patch_h", patch_h), ("patch_w", patch_w)],
                out_patches,
                out_std,
            )
        }
    })
}

/// Encode `n` spectra (n x spectrum_len) into latent vectors (n x latent; `latent` must be the
/// model's). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE,
/// _INVALID_ARGUMENT, _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `spectra` is valid for n*spectrum_len doubles, `out_latent` for n*latent.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_encode(
    spec2im: *const ferrolab_spec2im,
    spectra: *const f64,
    n: usize,
    spectrum_len: usize,
    out_latent: *mut f64,
    latent: usize,
) -> i32 {
    crate::ffi_boundary!(handle = spec2im, {
        // SAFETY: caller's contract.
        unsafe {
            ed::encode::<Spec2Im>(
                spec2im.addr(),
                spectra,
                n,
                &[("spectrum_len", spectrum_len)],
                out_latent,
                latent,
            )
        }
    })
}

/// Decode latent vectors `z` (n x latent) into patches (n x patch_h x patch_w, row-major).
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT,
/// _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `z` is valid for n*latent doubles, `out_patches` for n*patch_h*patch_w.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_decode(
    spec2im: *const ferrolab_spec2im,
    z: *const f64,
    n: usize,
    latent: usize,
    patch_h: usize,
    patch_w: usize,
    out_patches: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = spec2im, {
        // SAFETY: caller's contract.
        unsafe {
            ed::decode::<Spec2Im>(
                spec2im.addr(),
                z,
                n,
                latent,
                &[("patch_h", patch_h), ("patch_w", patch_w)],
                out_patches,
            )
        }
    })
}

/// Write the model's sizes, parameter count and epochs done, as `ferrolab_im2spec_shape`.
/// Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// Each output is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_shape(
    spec2im: *const ferrolab_spec2im,
    patch_h: *mut usize,
    patch_w: *mut usize,
    spectrum_len: *mut usize,
    latent: *mut usize,
    parameter_count: *mut usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = spec2im, {
        // SAFETY: caller's contract.
        unsafe {
            ed::shape::<Spec2Im>(
                spec2im.addr(),
                patch_h,
                patch_w,
                spectrum_len,
                latent,
                parameter_count,
                epochs_done,
            )
        }
    })
}

/// Save the model to `path` (network file format, kind "spec2im"), atomically. Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _IO.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_save(
    spec2im: *const ferrolab_spec2im,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = spec2im, {
        // SAFETY: caller's contract.
        unsafe { ed::save::<Spec2Im>(spec2im.addr(), path) }
    })
}

/// Load a spec2im model saved by `ferrolab_spec2im_save` (or a checkpoint). Ownership as for
/// `ferrolab_spec2im_new`. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8,
/// _IO, _CORRUPT_FILE (damaged, foreign or other-version file, or an im2spec model: the message
/// says to use `ferrolab_im2spec_load`), _OUT_OF_MEMORY.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_load(
    path: *const c_char,
    out: *mut *mut ferrolab_spec2im,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        unsafe { ed::load::<Spec2Im, _>(path, out) }
    })
}

/// Release a spec2im model. NULL is a no-op; a freed, foreign or other-type handle returns
/// FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_spec2im_free(spec2im: *mut ferrolab_spec2im) -> i32 {
    crate::ffi_boundary!({ Spec2Im::TYPE.free(spec2im.addr()) })
}

/// Copy the message of the last failed call (or warning) on this spec2im model into `buf`,
/// snprintf-style. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, FERROLAB_ERR_NULL_POINTER or
/// _INVALID_HANDLE (this failure does not replace any stored message).
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_spec2im_last_error(
    spec2im: *const ferrolab_spec2im,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { Spec2Im::TYPE.write_last_error(spec2im.addr(), buf, cap, needed) }
    })
}
