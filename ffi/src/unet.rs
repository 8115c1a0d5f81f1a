//! `ferrolab_unet`: AtomAI's U-Net of papers 002 and 004: training on labelled crops (with
//! progress, cancel and checkpoints), per-pixel class probabilities and classes of whole frames
//! of any size, atom finding, save and load.
//!
//! Images are doubles in their own units (each crop and frame is scaled to [0, 1] by its
//! minimum and maximum inside); masks and classes are bytes; every array is row-major.

use crate::arrays::{check_finite, out_arg, shape_len, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::lstm_vae::optional_path;
use crate::running::Running;
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FERROLAB_WARN_TRUNCATED, FfiError};
use crate::strings::str_arg;
use engine::nn::unet::{Unet, UnetSettings};
use ndarray::{ArrayView2, ArrayView3};
use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// Values per atom in `ferrolab_unet_find_atoms`: row, column (pixels, sub-pixel) and class.
pub const FERROLAB_UNET_ATOM_FIELDS: usize = 3;

/// Opaque handle of a U-Net: `ferrolab_unet_new` or `ferrolab_unet_load`, released with
/// `ferrolab_unet_free`. Training holds the model exclusively (every call that reads the model
/// waits for it); progress, cancellation and the checkpoint may be used from other threads
/// while it trains.
pub struct ferrolab_unet {
    _opaque: [u8; 0],
}

const UNET: HandleType<UnetHandle> = HandleType::new("unet", "ferrolab_unet");

struct UnetHandle {
    model: RwLock<Unet>,
    /// Checkpoint file of the next training run (checked when set, handed over when it starts).
    checkpoint: Mutex<Option<PathBuf>>,
    /// Classes of the model, fixed for its life: read without waiting for a training run.
    classes: usize,
    running: Running,
}

fn lookup(h: *const ferrolab_unet) -> Result<Arc<UnetHandle>, FfiError> {
    UNET.get(h.addr())
}

fn insert(out: &mut *mut ferrolab_unet, model: Unet) -> Result<(), FfiError> {
    let handle = UnetHandle {
        classes: model.architecture().classes,
        model: RwLock::new(model),
        checkpoint: Mutex::new(None),
        running: Running::default(),
    };
    *out = std::ptr::without_provenance_mut(handles::insert(handle)?);
    Ok(())
}

fn invalid(message: String) -> FfiError {
    FfiError::new(FERROLAB_ERR_INVALID_ARGUMENT, message)
}

/// The caller's `h x w` frame as checked, finite `f32` values.
///
/// # Safety
/// `frame` is NULL or valid for `h * w` doubles.
unsafe fn frame_in(frame: *const f64, h: usize, w: usize) -> Result<Vec<f32>, FfiError> {
    let len = shape_len(h, w, "frame")?;
    // SAFETY: caller's contract.
    let xs = unsafe { slice_in(frame, len, "frame") }?;
    check_finite(xs, "frame")?;
    Ok(xs.iter().map(|&v| v as f32).collect())
}

/// Make an untrained U-Net with the `unet.*` keys of `cfg` (NULL: AtomAI's default network,
/// 16 filters, for 3 classes (paper 002: domain, wall, contaminant); Adam 1e-3, batch 32, 100
/// epochs, a 15 % test split, quarter turns, flips, zoom up to 2 and contrast powers in
/// [1/2, 2] on the fly, seed 0). Ownership: the caller frees `*out` with `ferrolab_unet_free`;
/// `*out` is NULL on error. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE (cfg), _OUT_OF_MEMORY, a configuration error naming the key.
///
/// ```c
/// ferrolab_unet *u = NULL;
/// if (ferrolab_unet_new(NULL, &u) != FERROLAB_OK) { /* ferrolab_last_error */ }
/// ```
///
/// # Safety
/// `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_new(
    cfg: *const ferrolab_config,
    out: *mut *mut ferrolab_unet,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        let settings = UnetSettings::from_config(&config_or_default(cfg)?)?;
        insert(out, Unet::new(&settings)?)
    })
}

/// Checkpoint file of later `ferrolab_unet_train` calls (NULL: none): resumed from when it
/// exists (same model, settings and data), rewritten atomically every `unet.checkpoint_every`
/// epochs, at the end and when training is cancelled. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _IO (its folder is missing or
/// read-only, or it is a link or not a regular file: checked now).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_set_checkpoint(
    unet: *const ferrolab_unet,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = unet, {
        let h = lookup(unet)?;
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

/// Train on `n` crops (n x h x w doubles, sides multiples of 8) and their masks (n x h x w
/// bytes, classes below `unet.classes`) until `unet.epochs` epochs are done in total, on the
/// library's worker pool, blocking; each crop is augmented on the fly. The same seed gives the
/// same weights whatever the thread count. After a cancellation, calling it again with the
/// same data continues exactly where it stopped. `loss_history` receives up to `cap` epochs'
/// mean training cross-entropy of the current run (NULL with cap 0: not wanted) and
/// `*epochs_done` the epochs done, both also when the run is cancelled or fails. Progress: `ferrolab_unet_progress_info`; cancel:
/// `ferrolab_unet_request_cancel`. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED (cap < epochs
/// done), or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (a side not a
/// multiple of 8, n = 0, a class out of range, other data than the run's, a checkpoint of
/// another model), _NON_FINITE, _CANCELLED, _NUMERICAL, _OUT_OF_MEMORY, _IO / _CORRUPT_FILE
/// (checkpoint), _BUSY (training on another thread).
///
/// # Safety
/// `images` is valid for n*h*w doubles, `masks` for n*h*w bytes, `loss_history` for cap (or
/// NULL with cap 0), `epochs_done` for one size_t.
#[unsafe(no_mangle)]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn ferrolab_unet_train(
    unet: *const ferrolab_unet,
    images: *const f64,
    masks: *const u8,
    n: usize,
    h: usize,
    w: usize,
    loss_history: *mut f64,
    cap: usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = unet, {
        let handle = lookup(unet)?;
        // SAFETY: caller's contract.
        let done_out = unsafe { out_arg(epochs_done, "epochs_done") }?;
        let pixels = shape_len(h, w, "h x w")?;
        let len = shape_len(n, pixels, "images")?;
        // SAFETY: caller's contract.
        let (xs, ys) = unsafe {
            (
                slice_in(images, len, "images")?,
                slice_in(masks, len, "masks")?,
            )
        };
        check_finite(xs, "images")?;
        let mut history_out = if loss_history.is_null() && cap == 0 {
            None
        } else {
            // SAFETY: caller's contract (checked before the run, not after it).
            Some(unsafe { slice_out(loss_history, cap, "loss_history") }?)
        };
        // A second run on this handle is refused before the images are copied.
        let _running = handle.running.enter("U-Net")?;
        engine::limits::check("images as f32", engine::limits::bytes_of::<f32>(&[len]))?;
        let xs: Vec<f32> = xs.iter().map(|&v| v as f32).collect();
        let images = ArrayView3::from_shape((n, h, w), &xs[..]).expect("length checked");
        let masks = ArrayView3::from_shape((n, h, w), ys).expect("length checked");
        let progress = UNET.progress(unet.addr())?;
        progress.clear_cancel();
        let checkpoint = handle
            .checkpoint
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut model = handle.model.write().unwrap_or_else(PoisonError::into_inner);
        *done_out = model.epochs_done();
        model.set_checkpoint(checkpoint)?;
        let result = model.train(images, masks, &progress);
        *done_out = model.epochs_done();
        let losses: Vec<f64> = model.history().iter().map(|r| r.train.total).collect();
        // The history of the epochs done is written also when the run was cancelled or failed.
        if let Some(out) = &mut history_out {
            out.iter_mut().zip(&losses).for_each(|(o, v)| *o = *v);
        }
        result?;
        if history_out.is_some() && losses.len() > cap {
            return Err(FfiError::new(
                FERROLAB_WARN_TRUNCATED,
                format!("cap = {cap} but {} epochs are done", losses.len()),
            ));
        }
        Ok(())
    })
}

/// Write the progress of this handle's training: epochs done and total of the current or last
/// `ferrolab_unet_train`, stage 0, and the latest epoch's mean training cross-entropy (NaN
/// before any). Every output may be NULL. Safe from any thread, also while training runs.
/// Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_progress_info(
    unet: *const ferrolab_unet,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = unet, {
        // SAFETY: caller's contract.
        unsafe { UNET.write_progress(unet.addr(), done, total, stage, last_loss) }
    })
}

/// Ask a running `ferrolab_unet_train` to stop before its next batch; it returns
/// FERROLAB_ERR_CANCELLED with the model at its last finished epoch (and the checkpoint
/// written, when one is set). Safe from any thread. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_unet_request_cancel(unet: *const ferrolab_unet) -> i32 {
    crate::ffi_boundary!(handle = unet, {
        UNET.progress(unet.addr())?.request_cancel();
        Ok(())
    })
}

/// Class probabilities of a whole frame (h x w doubles, any size) into `out` (classes x h x w
/// floats, class-major), in inference mode: run whole or, when larger than `unet.tile`, in
/// overlapping tiles. `classes` must be the model's (`ferrolab_unet_shape`). Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (an empty
/// frame, another class count), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `frame` is valid for h*w doubles, `out` for classes*h*w floats.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_probabilities(
    unet: *const ferrolab_unet,
    frame: *const f64,
    h: usize,
    w: usize,
    out: *mut f32,
    classes: usize,
) -> i32 {
    crate::ffi_boundary!(handle = unet, {
        let handle = lookup(unet)?;
        if classes != handle.classes {
            return Err(invalid(format!(
                "classes = {classes} but the model has {}",
                handle.classes
            )));
        }
        // SAFETY: caller's contract.
        let xs = unsafe { frame_in(frame, h, w) }?;
        let len = shape_len(classes, h * w, "out")?;
        // SAFETY: caller's contract.
        let out = unsafe { slice_out(out, len, "out") }?;
        let model = handle.model.read().unwrap_or_else(PoisonError::into_inner);
        let view = ArrayView2::from_shape((h, w), &xs[..]).expect("length checked");
        let p = model.probabilities(view)?;
        out.iter_mut().zip(p.iter()).for_each(|(o, v)| *o = *v);
        Ok(())
    })
}

/// The most likely class of every pixel of a whole frame (h x w doubles) into `out` (h x w
/// bytes). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE,
/// _INVALID_ARGUMENT (an empty frame), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `frame` is valid for h*w doubles, `out` for h*w bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_segment(
    unet: *const ferrolab_unet,
    frame: *const f64,
    h: usize,
    w: usize,
    out: *mut u8,
) -> i32 {
    crate::ffi_boundary!(handle = unet, {
        let handle = lookup(unet)?;
        // SAFETY: caller's contract.
        let xs = unsafe { frame_in(frame, h, w) }?;
        // SAFETY: caller's contract.
        let out = unsafe { slice_out(out, h * w, "out") }?;
        let model = handle.model.read().unwrap_or_else(PoisonError::into_inner);
        let view = ArrayView2::from_shape((h, w), &xs[..]).expect("length checked");
        let classes = model.segment(view)?;
        out.iter_mut()
            .zip(classes.iter())
            .for_each(|(o, v)| *o = *v);
        Ok(())
    })
}

/// The atoms of a whole frame (h x w doubles) for a model trained to mark atom centres (class
/// 0 background, class c > 0 the disks around sites of class c): up to `cap` atoms into
/// `atoms` (cap x FERROLAB_UNET_ATOM_FIELDS: row, column, class) and their number into
/// `*count` (all of them, also when more than `cap`). Per class, the 4-connected regions where
/// its probability exceeds `unet.atom_threshold` with at least `unet.atom_min_pixels` pixels,
/// each at its probability-weighted centre of mass. Returns FERROLAB_OK,
/// FERROLAB_WARN_TRUNCATED (more atoms than cap), or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE, _INVALID_ARGUMENT (an empty frame), _NON_FINITE, _OUT_OF_MEMORY.
///
/// # Safety
/// `frame` is valid for h*w doubles, `atoms` for cap*3 doubles (or NULL with cap 0), `count`
/// for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_find_atoms(
    unet: *const ferrolab_unet,
    frame: *const f64,
    h: usize,
    w: usize,
    atoms: *mut f64,
    cap: usize,
    count: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = unet, {
        let handle = lookup(unet)?;
        // SAFETY: caller's contract.
        let count = unsafe { out_arg(count, "count") }?;
        *count = 0;
        // SAFETY: caller's contract.
        let xs = unsafe { frame_in(frame, h, w) }?;
        let out = if atoms.is_null() && cap == 0 {
            &mut [][..]
        } else {
            let len = shape_len(cap, FERROLAB_UNET_ATOM_FIELDS, "atoms")?;
            // SAFETY: caller's contract.
            unsafe { slice_out(atoms, len, "atoms") }?
        };
        let model = handle.model.read().unwrap_or_else(PoisonError::into_inner);
        let view = ArrayView2::from_shape((h, w), &xs[..]).expect("length checked");
        let found = model.find_atoms(view)?;
        *count = found.len();
        for (row, atom) in out.chunks_exact_mut(FERROLAB_UNET_ATOM_FIELDS).zip(&found) {
            row.copy_from_slice(&[atom.row, atom.col, f64::from(atom.class)]);
        }
        if found.len() > cap {
            return Err(FfiError::new(
                FERROLAB_WARN_TRUNCATED,
                format!("cap = {cap} but {} atoms were found", found.len()),
            ));
        }
        Ok(())
    })
}

/// Write the model's classes, filters of its first level, the training crop's height and width
/// (0 before training), its trainable parameter count and the epochs done in its current run.
/// Every output may be NULL. Waits while the model trains. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// Each output is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_shape(
    unet: *const ferrolab_unet,
    classes: *mut usize,
    filters: *mut usize,
    crop_h: *mut usize,
    crop_w: *mut usize,
    parameter_count: *mut usize,
    epochs_done: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = unet, {
        let handle = lookup(unet)?;
        let model = handle.model.read().unwrap_or_else(PoisonError::into_inner);
        let crop = model.crop().unwrap_or([0, 0]);
        let values = [
            (classes, handle.classes),
            (filters, model.architecture().filters),
            (crop_h, crop[0]),
            (crop_w, crop[1]),
            (parameter_count, model.parameter_count()),
            (epochs_done, model.epochs_done()),
        ];
        for (out, value) in values {
            // SAFETY: caller's contract; NULL outputs are skipped.
            if let Some(out) = unsafe { out.as_mut() } {
                *out = value;
            }
        }
        Ok(())
    })
}

/// Save the model (weights, running statistics, settings and, once trained, everything a
/// continued run needs) to `path` in the network file format (safetensors with JSON metadata,
/// kind "unet"), atomically and byte-deterministically. Waits while the model trains. Returns
/// FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _IO.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_save(
    unet: *const ferrolab_unet,
    path: *const c_char,
) -> i32 {
    crate::ffi_boundary!(handle = unet, {
        // SAFETY: caller's contract.
        let path = unsafe { str_arg(path, "path") }?;
        let h = lookup(unet)?;
        let model = h.model.read().unwrap_or_else(PoisonError::into_inner);
        Ok(model.save(path.as_ref())?)
    })
}

/// Load a model saved by `ferrolab_unet_save` (or a checkpoint), checking format, checksum,
/// shapes, values and settings (as if given as keys) before allocating the weights. Ownership
/// as for `ferrolab_unet_new`. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_UTF8, _IO (unreadable, named), _CORRUPT_FILE (damaged, foreign or other-version
/// file), _OUT_OF_MEMORY.
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_load(
    path: *const c_char,
    out: *mut *mut ferrolab_unet,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (out, path) = unsafe { (out_arg(out, "out")?, str_arg(path, "path")?) };
        *out = std::ptr::null_mut();
        insert(out, Unet::load(path.as_ref())?)
    })
}

/// Release a U-Net (a training run on another thread keeps the model until it returns). NULL
/// is a no-op; a freed or foreign handle returns FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_unet_free(unet: *mut ferrolab_unet) -> i32 {
    crate::ffi_boundary!({ UNET.free(unet.addr()) })
}

/// Copy the message of the last failed call (or warning) on this U-Net into `buf`,
/// snprintf-style. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, FERROLAB_ERR_NULL_POINTER or
/// _INVALID_HANDLE (this failure does not replace any stored message).
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_unet_last_error(
    unet: *const ferrolab_unet,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { UNET.write_last_error(unet.addr(), buf, cap, needed) }
    })
}
