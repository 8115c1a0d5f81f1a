//! Datasets of loops: running (and resuming, cancelling) a sweep, and reading a dataset.

use crate::arrays::{out_arg, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::running::Running;
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FfiError};
use crate::strings::str_arg;
use engine::config::Config;
use engine::phasefield::dataset::{Dataset, Shard, run_sweep};
use engine::progress::Progress;
use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::Arc;

/// Opaque handle of a sweep run: create with `ferrolab_sweep_new`, run with
/// `ferrolab_sweep_run`, release with `ferrolab_sweep_free`. Every call takes a const handle:
/// progress and cancellation may be called from other threads while it runs.
pub struct ferrolab_sweep {
    _opaque: [u8; 0],
}

/// Opaque handle of a dataset read from disk: `ferrolab_dataset_open`,
/// `ferrolab_dataset_free`. Immutable; calls may run concurrently.
pub struct ferrolab_dataset {
    _opaque: [u8; 0],
}

const SWEEP: HandleType<SweepHandle> = HandleType::new("sweep", "ferrolab_sweep");
const DATASET: HandleType<Dataset> = HandleType::new("dataset", "ferrolab_dataset");

struct SweepHandle {
    config: Config,
    path: PathBuf,
    shard: Shard,
    running: Running,
}

fn progress(h: *const ferrolab_sweep) -> Result<Arc<Progress>, FfiError> {
    SWEEP.progress(h.addr())
}

fn sweep(h: *const ferrolab_sweep) -> Result<Arc<SweepHandle>, FfiError> {
    SWEEP.get(h.addr())
}

fn dataset(h: *const ferrolab_dataset) -> Result<Arc<Dataset>, FfiError> {
    DATASET.get(h.addr())
}

/// Prepare a sweep of the `sweep.*` and `pf.*` keys of `cfg` (NULL: paper 000's 10^4-loop
/// grid) writing `path.npz` and `path.json` (checkpoints in `path.partial/` meanwhile), taking
/// shard `shard_index` of `shard_count` (0 of 1: the whole sweep). The configuration is
/// copied. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE,
/// _INVALID_ARGUMENT (shard), a configuration error naming the key, or
/// FERROLAB_ERR_OUT_OF_MEMORY when the run's results would exceed the memory budget
/// (`ferrolab_set_max_alloc_bytes`).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_sweep_new(
    cfg: *const ferrolab_config,
    path: *const c_char,
    shard_index: usize,
    shard_count: usize,
    out: *mut *mut ferrolab_sweep,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (out, path) = unsafe { (out_arg(out, "out")?, str_arg(path, "path")?) };
        *out = std::ptr::null_mut();
        let config = config_or_default(cfg)?;
        // Check the settings now rather than when the run starts.
        let params = engine::phasefield::params::PhaseFieldParams::from_config(&config)?;
        let shard = Shard::new(shard_index, shard_count)?;
        engine::phasefield::dataset::Sweep::from_config(&config)?
            .check_memory(shard, params.points)?;
        let handle = SweepHandle {
            config,
            path: PathBuf::from(path),
            shard,
            running: Running::default(),
        };
        *out = std::ptr::without_provenance_mut(handles::insert(handle)?);
        Ok(())
    })
}

/// Run the sweep on the library's worker pool (`ferrolab_set_num_threads`), blocking until it
/// finishes, is cancelled or fails. Resumes from the checkpoints of an earlier run of the
/// same sweep (killed, cancelled or failed); the finished files are identical to an
/// uninterrupted run. Structures whose polarization runs away are recorded (status 1), not
/// errors. Returns FERROLAB_OK, FERROLAB_ERR_CANCELLED, FERROLAB_ERR_IO, FERROLAB_ERR_INVALID_HANDLE,
/// _INVALID_ARGUMENT (checkpoints of another sweep at the path), _BUSY (this handle is running
/// on another thread, or another run, of any handle or process, is writing the same path; the
/// running one is not disturbed).
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_sweep_run(sweep_handle: *const ferrolab_sweep) -> i32 {
    crate::ffi_boundary!(handle = sweep_handle, {
        let (h, progress) = (sweep(sweep_handle)?, progress(sweep_handle)?);
        let _running = h.running.enter("sweep")?;
        progress.clear_cancel();
        progress.begin(0, 0, "sweep");
        run_sweep(&h.config, &h.path, h.shard, &progress)?;
        Ok(())
    })
}

/// Write the structures finished so far and the structures of the run (0 before it starts).
/// Safe from any thread while `ferrolab_sweep_run` runs. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
///
/// # Safety
/// `done` and `total` are NULL or valid for one size_t each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_sweep_progress(
    sweep_handle: *const ferrolab_sweep,
    done: *mut usize,
    total: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = sweep_handle, {
        // SAFETY: caller's contract.
        unsafe { SWEEP.write_counts(sweep_handle.addr(), done, total) }
    })
}

/// Ask a running `ferrolab_sweep_run` to stop soon (within one voltage point); it returns
/// FERROLAB_ERR_CANCELLED and keeps its checkpoints, so a later run resumes. Safe from any
/// thread. Returns FERROLAB_OK or FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_sweep_request_cancel(sweep_handle: *const ferrolab_sweep) -> i32 {
    crate::ffi_boundary!(handle = sweep_handle, {
        progress(sweep_handle)?.request_cancel();
        Ok(())
    })
}

/// Release a sweep handle (not while it runs). NULL is a no-op; a freed or foreign handle
/// returns FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_sweep_free(sweep_handle: *mut ferrolab_sweep) -> i32 {
    crate::ffi_boundary!({ SWEEP.free(sweep_handle.addr()) })
}

/// Copy the message of the last failed call on this sweep into `buf`, snprintf-style (see
/// `ferrolab_last_error`).
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_sweep_last_error(
    sweep_handle: *const ferrolab_sweep,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { SWEEP.write_last_error(sweep_handle.addr(), buf, cap, needed) }
    })
}

/// Write the progress of this handle's long jobs: units done and total of the current stage, the
/// stage and the last training loss. Units are structures (stage 0) of the current or last
/// `ferrolab_sweep_run`; no loss (NaN). Every output may be NULL. Safe from any thread, also while
/// a job runs. Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_sweep_progress_info(
    sweep_handle: *const ferrolab_sweep,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = sweep_handle, {
        // SAFETY: caller's contract.
        unsafe { SWEEP.write_progress(sweep_handle.addr(), done, total, stage, last_loss) }
    })
}

/// Read and verify a dataset (`path` is NAME, NAME.json or NAME.npz): format, version, the
/// archive's size and CRC-32 and the array shapes. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _IO (missing or unreadable file, named),
/// _CORRUPT_FILE (damaged, foreign or other-version file, with the reason).
///
/// # Safety
/// `path` is NULL or a NUL-terminated string; `out` is NULL or valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_dataset_open(
    path: *const c_char,
    out: *mut *mut ferrolab_dataset,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (out, path) = unsafe { (out_arg(out, "out")?, str_arg(path, "path")?) };
        *out = std::ptr::null_mut();
        let data = Dataset::read(path.as_ref())?;
        *out = std::ptr::without_provenance_mut(handles::insert(data)?);
        Ok(())
    })
}

/// Write the number of structures and of points per loop. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER or _INVALID_HANDLE.
///
/// # Safety
/// `n_structures` and `n_points` are NULL or valid for one size_t each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_dataset_shape(
    dataset_handle: *const ferrolab_dataset,
    n_structures: *mut usize,
    n_points: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = dataset_handle, {
        // SAFETY: caller's contract.
        let (n, points) = unsafe {
            (
                out_arg(n_structures, "n_structures")?,
                out_arg(n_points, "n_points")?,
            )
        };
        let data = dataset(dataset_handle)?;
        (*n, *points) = (data.len(), data.voltage.len());
        Ok(())
    })
}

fn check_shape(
    data: &Dataset,
    n_structures: usize,
    n_points: Option<usize>,
) -> Result<(), FfiError> {
    let points = n_points.unwrap_or(data.voltage.len());
    if (n_structures, points) != (data.len(), data.voltage.len()) {
        return Err(FfiError::new(
            FERROLAB_ERR_INVALID_ARGUMENT,
            format!(
                "shape {n_structures} x {points} given, the dataset is {} structures x {} points",
                data.len(),
                data.voltage.len()
            ),
        ));
    }
    Ok(())
}

/// Copy the loops: `voltage` (n_points, V) and `polarization` (n_structures x n_points,
/// row-major, C/m²; NaN rows where the status is not 0). Either may be NULL. The shape must
/// be the dataset's (`ferrolab_dataset_shape`). Returns FERROLAB_OK, or
/// FERROLAB_ERR_INVALID_HANDLE, _INVALID_ARGUMENT (shape).
///
/// # Safety
/// Each non-NULL output is valid for its documented number of doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_dataset_loops(
    dataset_handle: *const ferrolab_dataset,
    voltage: *mut f64,
    polarization: *mut f64,
    n_structures: usize,
    n_points: usize,
) -> i32 {
    crate::ffi_boundary!(handle = dataset_handle, {
        let data = dataset(dataset_handle)?;
        check_shape(&data, n_structures, Some(n_points))?;
        let len = |p: bool, n: usize| if p { 0 } else { n };
        // SAFETY: caller's contract.
        let (v, p) = unsafe {
            (
                slice_out(voltage, len(voltage.is_null(), n_points), "voltage")?,
                slice_out(
                    polarization,
                    len(polarization.is_null(), n_structures * n_points),
                    "polarization",
                )?,
            )
        };
        if !v.is_empty() {
            v.copy_from_slice(&data.voltage);
        }
        for (o, x) in p.iter_mut().zip(data.polarization.iter()) {
            *o = *x;
        }
        Ok(())
    })
}

/// Copy per-structure data for `n_structures` rows: `parameters` (x 4: D_G nm, ν, μ_θ rad,
/// σ_θ rad), `features` (x FERROLAB_LOOP_FEATURE_COUNT, as `ferrolab_loop_features`),
/// `status` (0 ok, 1 runaway, 2 failed), `seed` and `index` (position in the sweep). Any may
/// be NULL. Returns FERROLAB_OK, or FERROLAB_ERR_INVALID_HANDLE, _INVALID_ARGUMENT (count).
///
/// # Safety
/// Each non-NULL output is valid for its documented number of elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_dataset_structures(
    dataset_handle: *const ferrolab_dataset,
    parameters: *mut f64,
    features: *mut f64,
    status: *mut i32,
    seed: *mut u64,
    index: *mut u64,
    n_structures: usize,
) -> i32 {
    crate::ffi_boundary!(handle = dataset_handle, {
        let data = dataset(dataset_handle)?;
        check_shape(&data, n_structures, None)?;
        let n = n_structures;
        let len = |null: bool, per: usize| if null { 0 } else { n * per };
        // SAFETY: caller's contract.
        unsafe {
            let out = slice_out(parameters, len(parameters.is_null(), 4), "parameters")?;
            out.iter_mut()
                .zip(data.parameters.iter())
                .for_each(|(o, x)| *o = *x);
            let out = slice_out(features, len(features.is_null(), 8), "features")?;
            out.iter_mut()
                .zip(data.features.iter())
                .for_each(|(o, x)| *o = *x);
            slice_out(status, len(status.is_null(), 1), "status")?
                .iter_mut()
                .zip(&data.status)
                .for_each(|(o, x)| *o = *x);
            slice_out(seed, len(seed.is_null(), 1), "seed")?
                .iter_mut()
                .zip(&data.seed)
                .for_each(|(o, x)| *o = *x);
            slice_out(index, len(index.is_null(), 1), "index")?
                .iter_mut()
                .zip(&data.index)
                .for_each(|(o, x)| *o = *x);
        }
        Ok(())
    })
}

/// Release a dataset. NULL is a no-op; a freed or foreign handle returns
/// FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_dataset_free(dataset_handle: *mut ferrolab_dataset) -> i32 {
    crate::ffi_boundary!({ DATASET.free(dataset_handle.addr()) })
}

/// Copy the message of the last failed call on this dataset into `buf`, snprintf-style.
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_dataset_last_error(
    dataset_handle: *const ferrolab_dataset,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { DATASET.write_last_error(dataset_handle.addr(), buf, cap, needed) }
    })
}

/// Write the progress of this handle's long jobs: units done and total of the current stage, the
/// stage and the last training loss. A dataset runs no jobs: it reports 0 of 0, stage 0 and NaN.
/// Every output may be NULL. Safe from any thread, also while a job runs. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_dataset_progress_info(
    dataset_handle: *const ferrolab_dataset,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = dataset_handle, {
        // SAFETY: caller's contract.
        unsafe { DATASET.write_progress(dataset_handle.addr(), done, total, stage, last_loss) }
    })
}
