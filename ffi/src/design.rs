//! `ferrolab_design`: paper 000's inverse design end to end into an output folder (report.md,
//! design.npz, vae.safetensors; the PNG figures are the command line's), with progress and
//! cancellation.

use crate::arrays::{out_arg, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::running::Running;
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FfiError};
use crate::strings::str_arg;
use engine::config::Config;
use engine::design::{DataSource, DesignOutcome, Stage};
use engine::progress::Progress;
use std::ffi::c_char;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

/// Opaque handle of an inverse-design run: `ferrolab_design_new`, `ferrolab_design_run`,
/// `ferrolab_design_free`. Every call takes a const handle: progress and cancellation may be
/// called from other threads while it runs.
pub struct ferrolab_design {
    _opaque: [u8; 0],
}

const DESIGN: HandleType<DesignHandle> = HandleType::new("design", "ferrolab_design");

/// What a finished run found, kept for `ferrolab_design_result`.
struct Found {
    z: [f64; 2],
    mean: [f64; 4],
    std: [f64; 4],
}

struct DesignHandle {
    config: Config,
    out: PathBuf,
    source: DataSource,
    found: Mutex<Option<Found>>,
    running: Running,
}

fn lookup(h: *const ferrolab_design) -> Result<Arc<DesignHandle>, FfiError> {
    DESIGN.get(h.addr())
}

fn progress(h: *const ferrolab_design) -> Result<Arc<Progress>, FfiError> {
    DESIGN.progress(h.addr())
}

/// Prepare a design run with the `design.*`, `vae.*`, `pf.*` and `sweep.*` keys of `cfg`
/// (NULL: paper 000's defaults with design.samples random structures) writing into the folder
/// `out_dir`. `dataset` is NULL to simulate the loops (resumable, in `out_dir/dataset.*`;
/// `full` = 1 for the paper's 10^4 grid instead of design.samples structures) or the path of
/// an existing dataset. The configuration is copied. Returns FERROLAB_OK, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_UTF8, _INVALID_HANDLE, _INVALID_ARGUMENT (full with a
/// dataset), a configuration error naming the key.
///
/// # Safety
/// `out_dir` is NULL or a NUL-terminated string, `dataset` NULL or one; `out` is NULL or
/// valid for one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_design_new(
    cfg: *const ferrolab_config,
    out_dir: *const c_char,
    dataset: *const c_char,
    full: i32,
    out: *mut *mut ferrolab_design,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let (out, dir) = unsafe { (out_arg(out, "out")?, str_arg(out_dir, "out_dir")?) };
        *out = std::ptr::null_mut();
        let config = config_or_default(cfg)?;
        engine::design::DesignSettings::from_config(&config)?;
        let source = match (dataset.is_null(), full) {
            // SAFETY: caller's contract.
            (false, 0) => {
                DataSource::Existing(PathBuf::from(unsafe { str_arg(dataset, "dataset") }?))
            }
            (false, _) => {
                return Err(FfiError::new(
                    FERROLAB_ERR_INVALID_ARGUMENT,
                    "full = 1 needs dataset = NULL (the grid is simulated)",
                ));
            }
            (true, 0) => DataSource::Sample,
            (true, _) => DataSource::FullGrid,
        };
        let handle = DesignHandle {
            config,
            out: PathBuf::from(dir),
            source,
            found: Mutex::new(None),
            running: Running::default(),
        };
        *out = std::ptr::without_provenance_mut(handles::insert(handle)?);
        Ok(())
    })
}

/// Run the whole pipeline on the library's worker pool, blocking until it finishes, is
/// cancelled or fails. Writes `report.md`, `design.npz` and `vae.safetensors` into the output
/// folder. A run that finds no latent point meeting the targets still succeeds (the report
/// says by how much they are missed; `ferrolab_design_result` then returns
/// FERROLAB_ERR_INVALID_ARGUMENT). Returns FERROLAB_OK, FERROLAB_ERR_CANCELLED (a later run
/// resumes the dataset), FERROLAB_ERR_IO, _CORRUPT_FILE (dataset), _NUMERICAL,
/// _INVALID_ARGUMENT (too few loops), _INVALID_HANDLE, _BUSY (this handle is running on another
/// thread, or another run, of any handle or process, is writing the same folder).
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_design_run(design: *const ferrolab_design) -> i32 {
    crate::ffi_boundary!(handle = design, {
        let (h, progress) = (lookup(design)?, progress(design)?);
        let _running = h.running.enter("design")?;
        progress.clear_cancel();
        let outcome: DesignOutcome = engine::design::run(&h.config, &h.source, &h.out, &progress)?;
        *h.found.lock().unwrap_or_else(PoisonError::into_inner) =
            match (outcome.design.chosen, outcome.design.prediction) {
                (Some(c), Some(p)) => Some(Found {
                    z: c.z,
                    mean: p.mean,
                    std: p.std,
                }),
                _ => None,
            };
        Ok(())
    })
}

/// The running stage (0 dataset, 1 training, 2 analysis, 3 inverse design, 4 verification,
/// 5 report) and its work done / total (structures, epochs or films). Safe from any thread
/// while `ferrolab_design_run` runs. Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER or
/// _INVALID_HANDLE.
///
/// # Safety
/// `stage`, `done` and `total` are NULL or valid for one value each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_design_progress(
    design: *const ferrolab_design,
    stage: *mut i32,
    done: *mut usize,
    total: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = design, {
        // SAFETY: caller's contract.
        let (stage, done, total) = unsafe {
            (
                out_arg(stage, "stage")?,
                out_arg(done, "done")?,
                out_arg(total, "total")?,
            )
        };
        let progress = progress(design)?;
        *stage = match Stage::of(&progress) {
            Stage::Dataset => 0,
            Stage::Training => 1,
            Stage::Analysis => 2,
            Stage::InverseDesign => 3,
            Stage::Verification => 4,
            Stage::Report => 5,
        };
        let as_usize = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        (*done, *total) = (as_usize(progress.done()), as_usize(progress.total()));
        Ok(())
    })
}

/// Ask a running `ferrolab_design_run` to stop soon; it returns FERROLAB_ERR_CANCELLED and a
/// later run resumes the dataset from its checkpoints. Safe from any thread. Returns
/// FERROLAB_OK or FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_design_request_cancel(design: *const ferrolab_design) -> i32 {
    crate::ffi_boundary!(handle = design, {
        progress(design)?.request_cancel();
        Ok(())
    })
}

/// The design of a finished run: the chosen latent point `z` (2 values) and the predicted
/// D_G (nm), nu, mu (rad), sigma (rad) with their standard deviations (4 values each; `std`
/// may be NULL). Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE, or
/// _INVALID_ARGUMENT (not run yet, or no latent point met the targets).
///
/// # Safety
/// `z` is valid for 2 doubles, `mean` for 4, `std` for 4 or NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_design_result(
    design: *const ferrolab_design,
    z: *mut f64,
    mean: *mut f64,
    std: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = design, {
        let h = lookup(design)?;
        let found = h.found.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(f) = found.as_ref() else {
            return Err(FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                "no design: the run has not finished, or no latent point met the targets (see report.md)",
            ));
        };
        // SAFETY: caller's contract.
        unsafe {
            slice_out(z, 2, "z")?.copy_from_slice(&f.z);
            slice_out(mean, 4, "mean")?.copy_from_slice(&f.mean);
            if !std.is_null() {
                slice_out(std, 4, "std")?.copy_from_slice(&f.std);
            }
        }
        Ok(())
    })
}

/// Release a design handle (not while it runs). NULL is a no-op; a freed or foreign handle
/// returns FERROLAB_ERR_INVALID_HANDLE.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_design_free(design: *mut ferrolab_design) -> i32 {
    crate::ffi_boundary!({ DESIGN.free(design.addr()) })
}

/// Copy the message of the last failed call on this design handle into `buf`,
/// snprintf-style.
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_design_last_error(
    design: *const ferrolab_design,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { DESIGN.write_last_error(design.addr(), buf, cap, needed) }
    })
}

/// Write the progress of this handle's long jobs: units done and total of the current stage, the
/// stage and the last training loss. Stages as `ferrolab_design_progress`; units are structures,
/// epochs or films; the last loss is the beta-VAE's latest epoch loss (NaN before training). Every
/// output may be NULL. Safe from any thread, also while a job runs. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_design_progress_info(
    design: *const ferrolab_design,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = design, {
        // SAFETY: caller's contract.
        unsafe { DESIGN.write_progress(design.addr(), done, total, stage, last_loss) }
    })
}
