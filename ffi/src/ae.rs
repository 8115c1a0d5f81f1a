//! `ferrolab_ae`: the automated-experiment session of paper 003 (design note models.md 3.7):
//! a structural image, the spectra a controller has measured, an ensemble of im2spec models
//! trained on them, the ranking of where to measure next, predictions with their spread, the
//! "surprise" of each new measurement, maps, and a session directory to resume from.
//!
//! Where this differs from the sketch in models.md 3.7, the house conventions of the other
//! handles govern (listed in the doc of [`ferrolab_ae`], which the header carries): progress is
//! `ferrolab_ae_progress_info` (the sketch's `ferrolab_ae_progress` with fraction and last loss:
//! here done / total of the current member's epochs, the member as the stage, and the last
//! loss), and every output array comes with the size it is checked against (`spectrum_len`,
//! `height`, `width`).

use crate::arrays::{check_finite, out_arg, shape_len, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::running::Running;
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FERROLAB_WARN_TRUNCATED, FfiError};
use crate::strings::str_arg;
use engine::experiment::{AeSettings, ErrorMetric, Session};
use engine::nn::im2spec::Im2SpecSettings;
use ndarray::ArrayView2;
use std::ffi::c_char;
use std::sync::{Arc, PoisonError, RwLock};

/// Opaque handle of an automated-experiment session over one structural image:
/// `ferrolab_ae_new` or `ferrolab_ae_load`, released with `ferrolab_ae_free`. An update holds
/// the session exclusively (every other call on it waits); progress and cancellation may be
/// called from other threads while it runs. Differences from the sketch in the design note
/// (models.md 3.7), for the conventions every handle follows: progress is
/// `ferrolab_ae_progress_info` (not `ferrolab_ae_progress`), `ferrolab_ae_free` returns a status,
/// `ferrolab_ae_rank` and `ferrolab_ae_predict` take `spectrum_len` and `ferrolab_ae_maps` takes
/// `height` and `width`, each checked against the session, and `ferrolab_ae_shape` reports the
/// sizes.
pub struct ferrolab_ae {
    _opaque: [u8; 0],
}

const AE: HandleType<AeHandle> = HandleType::new("ae", "ferrolab_ae");

struct AeHandle {
    session: RwLock<Session>,
    /// Image height and width, spectrum points and latent size: fixed for the session's life.
    height: usize,
    width: usize,
    spectrum_len: usize,
    latent_dim: usize,
    metric: ErrorMetric,
    running: Running,
}

fn lookup(ae: *const ferrolab_ae) -> Result<Arc<AeHandle>, FfiError> {
    AE.get(ae.addr())
}

fn invalid(message: String) -> FfiError {
    FfiError::new(FERROLAB_ERR_INVALID_ARGUMENT, message)
}

fn expect_dim(what: &str, given: usize, session: usize) -> Result<(), FfiError> {
    if given == session {
        return Ok(());
    }
    Err(invalid(format!(
        "{what} = {given} but the session's is {session}"
    )))
}

fn insert(out: &mut *mut ferrolab_ae, session: Session) -> Result<(), FfiError> {
    let (height, width) = session.image().dim();
    let handle = AeHandle {
        height,
        width,
        spectrum_len: session.spectrum_len(),
        latent_dim: session.settings().latent_dim,
        metric: session.settings().error_metric,
        session: RwLock::new(session),
        running: Running::default(),
    };
    *out = std::ptr::without_provenance_mut(handles::insert(handle)?);
    Ok(())
}

/// The locations of `rows` and `cols` (n each) as `[row, col]`; a negative value is refused.
///
/// # Safety
/// `rows` and `cols` are NULL or valid for n values each.
unsafe fn locations(
    rows: *const i64,
    cols: *const i64,
    n: usize,
) -> Result<Vec<[usize; 2]>, FfiError> {
    shape_len(n, 1, "rows")?;
    // SAFETY: caller's contract.
    let (rs, cs) = unsafe { (slice_in(rows, n, "rows")?, slice_in(cols, n, "cols")?) };
    let index = |values: &[i64], k: usize, arg: &str| {
        usize::try_from(values[k]).map_err(|_| {
            invalid(format!(
                "argument {arg}[{k}] = {} is not a pixel index",
                values[k]
            ))
        })
    };
    (0..n)
        .map(|k| Ok([index(rs, k, "rows")?, index(cs, k, "cols")?]))
        .collect()
}

/// An optional output (NULL: not wanted) of `len` doubles.
///
/// # Safety
/// `ptr` is NULL or valid for `len` doubles.
unsafe fn optional_out<'a>(
    ptr: *mut f64,
    len: usize,
    arg: &str,
) -> Result<Option<&'a mut [f64]>, FfiError> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: caller's contract.
    unsafe { slice_out(ptr, len, arg) }.map(Some)
}

/// Copies `values` into the caller's `out` with room for `cap` doubles (NULL: not wanted, no
/// warning) and the count into `*needed` (NULL: not wanted); writes the first `cap` values and
/// returns FERROLAB_WARN_TRUNCATED when they do not all fit.
///
/// # Safety
/// `out` is NULL or valid for `cap` doubles; `needed` NULL or valid for one size_t.
unsafe fn write_capped<'v>(
    values: impl ExactSizeIterator<Item = &'v f64>,
    out: *mut f64,
    cap: usize,
    needed: *mut usize,
    arg: &str,
) -> Result<(), FfiError> {
    let count = values.len();
    // SAFETY: caller's contract.
    if let Some(needed) = unsafe { needed.as_mut() } {
        *needed = count;
    }
    if out.is_null() {
        return Ok(());
    }
    // SAFETY: caller's contract.
    let out = unsafe { slice_out(out, cap, arg) }?;
    out.iter_mut().zip(values).for_each(|(o, v)| *o = *v);
    if count > cap {
        return Err(FfiError::new(
            FERROLAB_WARN_TRUNCATED,
            format!("{arg}: cap = {cap} but {count} values are needed"),
        ));
    }
    Ok(())
}

/// Start a session over `image` (height x width, row-major, the structural image) for spectra
/// of `spectrum_len` points measured at `voltage` (spectrum_len values, for the loop-area
/// error), with the `ae.*` keys of `cfg` (window 8, latent 2, `ensemble_std`, 5 members,
/// exclusion radius 4 px, 250 initial and 50 update epochs, seed 0) and the members' network
/// and optimiser from its `im2spec.*` keys (latent size, epochs and seed come from `ae.*`).
/// NULL cfg: all defaults. Ownership: the caller frees `*out` with `ferrolab_ae_free`; `*out` is
/// NULL on error. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (the
/// window does not fit the image, fewer than 2 spectrum points, keys inconsistent together),
/// _NON_FINITE, _INVALID_HANDLE (cfg), _OUT_OF_MEMORY, a configuration error naming the key.
///
/// ```c
/// ferrolab_ae *ae = NULL;
/// int32_t s = ferrolab_ae_new(cfg, image, 60, 60, voltage, 64, &ae);
/// ```
///
/// # Safety
/// `image` is valid for height*width doubles, `voltage` for spectrum_len, `out` NULL or valid
/// for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_new(
    cfg: *const ferrolab_config,
    image: *const f64,
    height: usize,
    width: usize,
    voltage: *const f64,
    spectrum_len: usize,
    out: *mut *mut ferrolab_ae,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        let len = shape_len(height, width, "image")?;
        // SAFETY: caller's contract.
        let (pixels, volts) = unsafe {
            (
                slice_in(image, len, "image")?,
                slice_in(voltage, spectrum_len, "voltage")?,
            )
        };
        check_finite(pixels, "image")?;
        check_finite(volts, "voltage")?;
        let cfg = config_or_default(cfg)?;
        let settings = AeSettings::from_config(&cfg)?;
        let network = Im2SpecSettings::from_config(&cfg)?;
        let view = ArrayView2::from_shape((height, width), pixels).expect("length checked");
        insert(out, Session::new(&settings, &network, view, volts)?)
    })
}

/// Release a session (an update on another thread keeps it until it returns). NULL is a no-op;
/// a freed, foreign or other-type handle returns FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_ae_free(ae: *mut ferrolab_ae) -> i32 {
    crate::ffi_boundary!({ AE.free(ae.addr()) })
}

/// Add `n` measured spectra (n x spectrum_len, row-major) at pixels (`rows[k]`, `cols[k]`),
/// each where the `ae.window_px` window fits. `out_surprise` (NULL: not wanted) receives each
/// one's surprise by `ae.error_metric`: its error against the ensemble's prediction made before
/// it was measured, NaN while no model is trained. The ensemble is not retrained:
/// `ferrolab_ae_update` does that. A location is measured once: one already measured or given
/// twice in `rows`/`cols` is refused (the message names it and its index). Waits while an
/// update runs. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE,
/// _INVALID_ARGUMENT (n = 0, spectrum_len differs from the session's, a location outside the
/// window range or negative, already measured or repeated), _NON_FINITE, _OUT_OF_MEMORY; on an
/// error nothing is added.
///
/// # Safety
/// `rows` and `cols` are valid for n values, `spectra` for n*spectrum_len doubles,
/// `out_surprise` NULL or valid for n.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_add_measurements(
    ae: *const ferrolab_ae,
    rows: *const i64,
    cols: *const i64,
    spectra: *const f64,
    n: usize,
    spectrum_len: usize,
    out_surprise: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = ae, {
        let h = lookup(ae)?;
        // SAFETY: caller's contract.
        let points = unsafe { locations(rows, cols, n) }?;
        expect_dim("spectrum_len", spectrum_len, h.spectrum_len)?;
        let len = shape_len(n, spectrum_len, "spectra")?;
        // SAFETY: caller's contract.
        let ys = unsafe { slice_in(spectra, len, "spectra") }?;
        check_finite(ys, "spectra")?;
        // SAFETY: caller's contract (checked before anything is added).
        let out = unsafe { optional_out(out_surprise, n, "out_surprise") }?;
        let view = ArrayView2::from_shape((n, spectrum_len), ys).expect("length checked");
        let mut session = h.session.write().unwrap_or_else(PoisonError::into_inner);
        let surprises = session.add_measurements(&points, view)?;
        if let Some(out) = out {
            for (o, s) in out.iter_mut().zip(&surprises) {
                *o = s.map_or(f64::NAN, |s| s.value(h.metric));
            }
        }
        Ok(())
    })
}

/// (Re)train the ensemble on every measurement, blocking, on the library's worker pool: the
/// first time each member trains `ae.epochs_initial` epochs from fresh weights, later it is
/// warm-started for `ae.epochs_update` epochs; then every candidate location is predicted, so
/// ranking is fast. Long-running: progress with `ferrolab_ae_progress_info` (stage k = member
/// k from 1, epochs done and total of its run), cancel with `ferrolab_ae_request_cancel`; after a
/// cancellation the members that finished are kept and calling it again continues the rest.
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (no
/// measurements yet), _CANCELLED, _NUMERICAL, _OUT_OF_MEMORY, _BUSY (an update of this session
/// runs on another thread; it is not disturbed).
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_ae_update(ae: *const ferrolab_ae) -> i32 {
    crate::ffi_boundary!(handle = ae, {
        let h = lookup(ae)?;
        let _running = h.running.enter("session")?;
        let progress = AE.progress(ae.addr())?;
        progress.clear_cancel();
        let mut session = h.session.write().unwrap_or_else(PoisonError::into_inner);
        Ok(session.update(&progress)?)
    })
}

/// Write the progress of this session's update (the sketch's `ferrolab_ae_progress`, in the
/// house form of every handle): epochs done and total of the member training now, the member
/// as the stage (from 1), and its latest epoch's mean training loss (NaN before any). Every
/// output may be NULL. Safe from any thread, also while an update runs. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_progress_info(
    ae: *const ferrolab_ae,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = ae, {
        // SAFETY: caller's contract.
        unsafe { AE.write_progress(ae.addr(), done, total, stage, last_loss) }
    })
}

/// Ask a running `ferrolab_ae_update` to stop before its next batch; it returns
/// FERROLAB_ERR_CANCELLED. Safe from any thread. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_ae_request_cancel(ae: *const ferrolab_ae) -> i32 {
    crate::ffi_boundary!(handle = ae, {
        AE.progress(ae.addr())?.request_cancel();
        Ok(())
    })
}

/// Copy the message of the last failed call (or warning) on this session into `buf`,
/// snprintf-style. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, FERROLAB_ERR_NULL_POINTER or
/// _INVALID_HANDLE (this failure does not replace any stored message).
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_last_error(
    ae: *const ferrolab_ae,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { AE.write_last_error(ae.addr(), buf, cap, needed) }
    })
}

/// The next `k` locations to measure, best first: the highest `ae.acquisition` scores among the
/// unmeasured candidates, no two closer than `ae.exclusion_radius_px`. Writes their rows and
/// columns, their scores (`out_score`, may be NULL), the ensemble's predicted spectra and their
/// spread (`out_pred`, `out_pred_std`: k x spectrum_len each, may be NULL) and their number into
/// `*out_n` (below k when the candidates run out). Reads the last update's predictions, so it
/// is fast. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE,
/// _INVALID_ARGUMENT (spectrum_len differs from the session's; no model yet: call
/// `ferrolab_ae_update`).
///
/// # Safety
/// `out_rows` and `out_cols` are valid for k values, `out_score` NULL or valid for k,
/// `out_pred` and `out_pred_std` NULL or valid for k*spectrum_len doubles, `out_n` for one
/// size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_rank(
    ae: *const ferrolab_ae,
    k: usize,
    out_rows: *mut i64,
    out_cols: *mut i64,
    out_score: *mut f64,
    out_pred: *mut f64,
    out_pred_std: *mut f64,
    spectrum_len: usize,
    out_n: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = ae, {
        let h = lookup(ae)?;
        expect_dim("spectrum_len", spectrum_len, h.spectrum_len)?;
        let len = k
            .checked_mul(spectrum_len)
            .ok_or_else(|| invalid(format!("k = {k}: too large")))?;
        // SAFETY: caller's contract (every output checked before anything is written).
        let (n_out, rows_out, cols_out, mut score, pred, std) = unsafe {
            (
                out_arg(out_n, "out_n")?,
                slice_out(out_rows, k, "out_rows")?,
                slice_out(out_cols, k, "out_cols")?,
                optional_out(out_score, k, "out_score")?,
                optional_out(out_pred, len, "out_pred")?,
                optional_out(out_pred_std, len, "out_pred_std")?,
            )
        };
        let session = h.session.read().unwrap_or_else(PoisonError::into_inner);
        let picks = session.rank(k)?;
        let points: Vec<[usize; 2]> = picks.iter().map(|p| [p.row, p.col]).collect();
        if pred.is_some() || std.is_some() {
            let predicted = session.predict(&points)?;
            for (out, values) in [(pred, &predicted.mean), (std, &predicted.std)] {
                if let Some(out) = out {
                    out.iter_mut().zip(values.iter()).for_each(|(o, v)| *o = *v);
                }
            }
        }
        for (i, p) in picks.iter().enumerate() {
            rows_out[i] = p.row as i64;
            cols_out[i] = p.col as i64;
            if let Some(score) = score.as_deref_mut() {
                score[i] = p.score;
            }
        }
        *n_out = picks.len();
        Ok(())
    })
}

/// The ensemble's predictions at `n` locations (`rows[k]`, `cols[k]`, where the window fits):
/// mean spectra into `out_pred` and their spread over the members into `out_pred_std` (n x
/// spectrum_len each; `out_pred_std` may be NULL), and the first member's latent vectors into
/// `out_latent`: n x `ae.latent_dim` values, a width the configuration sets, so `latent_cap` says
/// how many doubles `out_latent` holds and `*latent_needed` (may be NULL) receives n x
/// latent_dim; `out_latent` may be NULL (no latents wanted). Returns FERROLAB_OK,
/// FERROLAB_WARN_TRUNCATED (latent_cap too small: the first latent_cap values are written, all
/// else in full), or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (n = 0,
/// spectrum_len differs, a location outside the window range; no model yet: call
/// `ferrolab_ae_update`).
///
/// # Safety
/// `rows` and `cols` are valid for n values; `out_pred` for n*spectrum_len doubles,
/// `out_pred_std` NULL or as `out_pred`; `out_latent` NULL or valid for latent_cap doubles;
/// `latent_needed` NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_predict(
    ae: *const ferrolab_ae,
    rows: *const i64,
    cols: *const i64,
    n: usize,
    out_pred: *mut f64,
    out_pred_std: *mut f64,
    spectrum_len: usize,
    out_latent: *mut f64,
    latent_cap: usize,
    latent_needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = ae, {
        let h = lookup(ae)?;
        // SAFETY: caller's contract.
        let points = unsafe { locations(rows, cols, n) }?;
        expect_dim("spectrum_len", spectrum_len, h.spectrum_len)?;
        let len = shape_len(n, spectrum_len, "out_pred")?;
        // SAFETY: caller's contract (checked before anything is computed).
        let (pred, std) = unsafe {
            (
                slice_out(out_pred, len, "out_pred")?,
                optional_out(out_pred_std, len, "out_pred_std")?,
            )
        };
        let session = h.session.read().unwrap_or_else(PoisonError::into_inner);
        let predicted = session.predict(&points)?;
        pred.iter_mut()
            .zip(predicted.mean.iter())
            .for_each(|(o, v)| *o = *v);
        if let Some(std) = std {
            std.iter_mut()
                .zip(predicted.std.iter())
                .for_each(|(o, v)| *o = *v);
        }
        // SAFETY: caller's contract.
        unsafe {
            write_capped(
                predicted.latent.iter(),
                out_latent,
                latent_cap,
                latent_needed,
                "out_latent",
            )
        }
    })
}

/// Maps over the image (height x width, row-major, NaN where undefined): the acquisition score
/// of every unmeasured candidate (NaN before the first update), the surprise of every measured
/// location that had a prediction (normalised RMS, MSE, loop-area error), and the first
/// member's latent vector at every candidate into `out_latent` (height x width x
/// `ae.latent_dim`, capacity as in `ferrolab_ae_predict`). Every output may be NULL (not
/// wanted). Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED (latent_cap too small), or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, _INVALID_ARGUMENT (height or width differ from
/// the image's), _OUT_OF_MEMORY.
///
/// # Safety
/// Each map is NULL or valid for height*width doubles; `out_latent` NULL or valid for
/// latent_cap doubles; `latent_needed` NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_maps(
    ae: *const ferrolab_ae,
    height: usize,
    width: usize,
    out_score: *mut f64,
    out_err_nrms: *mut f64,
    out_err_mse: *mut f64,
    out_err_area: *mut f64,
    out_latent: *mut f64,
    latent_cap: usize,
    latent_needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = ae, {
        let h = lookup(ae)?;
        expect_dim("height", height, h.height)?;
        expect_dim("width", width, h.width)?;
        let len = shape_len(height, width, "the maps")?;
        // SAFETY: caller's contract (every output checked before anything is written).
        let outs = unsafe {
            [
                optional_out(out_score, len, "out_score")?,
                optional_out(out_err_nrms, len, "out_err_nrms")?,
                optional_out(out_err_mse, len, "out_err_mse")?,
                optional_out(out_err_area, len, "out_err_area")?,
            ]
        };
        if !out_latent.is_null() && latent_cap > 0 {
            // SAFETY: caller's contract.
            unsafe { slice_out(out_latent, latent_cap, "out_latent") }?;
        }
        let session = h.session.read().unwrap_or_else(PoisonError::into_inner);
        let maps = session.maps()?;
        let sources = [
            &maps.score,
            &maps.surprise_nrms,
            &maps.surprise_mse,
            &maps.surprise_area,
        ];
        for (out, map) in outs.into_iter().zip(sources) {
            if let Some(out) = out {
                out.iter_mut().zip(map.iter()).for_each(|(o, v)| *o = *v);
            }
        }
        debug_assert_eq!(maps.latent.len(), len * h.latent_dim);
        // SAFETY: caller's contract.
        unsafe {
            write_capped(
                maps.latent.iter(),
                out_latent,
                latent_cap,
                latent_needed,
                "out_latent",
            )
        }
    })
}

/// Write the image's height and width, the spectrum length, `ae.latent_dim`, the number of
/// measurements so far and whether a finished update's model is there (1) or not (0: rank and
/// predict need `ferrolab_ae_update`). Every output may be NULL. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// Each size_t output is NULL or valid for one size_t, `trained` NULL or valid for one int32_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_shape(
    ae: *const ferrolab_ae,
    height: *mut usize,
    width: *mut usize,
    spectrum_len: *mut usize,
    latent_dim: *mut usize,
    measurements: *mut usize,
    trained: *mut i32,
) -> i32 {
    crate::ffi_boundary!(handle = ae, {
        let h = lookup(ae)?;
        let session = h.session.read().unwrap_or_else(PoisonError::into_inner);
        let values = [
            (height, h.height),
            (width, h.width),
            (spectrum_len, h.spectrum_len),
            (latent_dim, h.latent_dim),
            (measurements, session.measurements().len()),
        ];
        // SAFETY: caller's contract; NULL outputs are skipped.
        unsafe {
            for (out, value) in values {
                if let Some(out) = out.as_mut() {
                    *out = value;
                }
            }
            if let Some(out) = trained.as_mut() {
                *out = i32::from(session.is_trained());
            }
        }
        Ok(())
    })
}

/// Save the session into directory `dir` (created if missing; a link or a file there is
/// refused): `manifest.json` (format, version, settings, measurements, surprises, members'
/// progress, checksums), the image and spectra as `.npy` and each member as a network file,
/// atomically as a whole (a crash at any moment leaves the previous or the new session). A
/// session saved after a cancelled update resumes it on the next `ferrolab_ae_update`. Waits
/// while an update runs. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8,
/// _INVALID_HANDLE, _IO.
///
/// # Safety
/// `dir` is NULL or a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_save(ae: *const ferrolab_ae, dir: *const c_char) -> i32 {
    crate::ffi_boundary!(handle = ae, {
        // SAFETY: caller's contract.
        let dir = unsafe { str_arg(dir, "dir") }?;
        let h = lookup(ae)?;
        let session = h.session.read().unwrap_or_else(PoisonError::into_inner);
        Ok(session.save(dir.as_ref())?)
    })
}

/// Load a session saved by `ferrolab_ae_save` from directory `dir`, checking the manifest's
/// format, version and checksum and every file's: a controller that crashed resumes where it
/// was. Ownership as for `ferrolab_ae_new`. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_UTF8, _IO (unreadable, named), _CORRUPT_FILE (damaged, foreign or other-version
/// manifest or file), _OUT_OF_MEMORY.
///
/// # Safety
/// `dir` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_ae_load(dir: *const c_char, out: *mut *mut ferrolab_ae) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (out, dir) = unsafe { (out_arg(out, "out")?, str_arg(dir, "dir")?) };
        *out = std::ptr::null_mut();
        insert(out, Session::load(dir.as_ref())?)
    })
}
