//! `ferrolab_polycrystal`: a generated polycrystalline HZO film (grains, boundaries,
//! orientations), for simulators that want the structure itself.

use crate::arrays::{out_arg, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::handles::{self, HandleType};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FfiError};
use engine::phasefield::polycrystal::{Polycrystal, PolycrystalParams};
use std::ffi::c_char;
use std::sync::Arc;

/// Opaque handle of a generated film: create with `ferrolab_polycrystal_new`, release with
/// `ferrolab_polycrystal_free`. Immutable: every call on it may run concurrently.
pub struct ferrolab_polycrystal {
    _opaque: [u8; 0],
}

const FILM: HandleType<Polycrystal> = HandleType::new("film", "ferrolab_polycrystal");

fn lookup(p: *const ferrolab_polycrystal) -> Result<Arc<Polycrystal>, FfiError> {
    FILM.get(p.addr())
}

/// Generate the film described by the `pf.*` structure keys of `cfg` (NULL: the defaults, the
/// paper's 10 nm x 128 nm film at 0.5 nm with D_G 16.2 nm, nu_ortho 0.87, mu_theta 0.54 rad,
/// sigma_theta 0.38 rad, seed 0) and store its handle in `*out`. Deterministic in `pf.seed`.
///
/// Ownership: the caller releases the handle with `ferrolab_polycrystal_free`; on error `*out`
/// is NULL. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE (cfg) or
/// _OUT_OF_RANGE (keys that are inconsistent together, e.g. a thickness that is not a whole
/// number of cells), with the keys named.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_polycrystal_new(
    cfg: *const ferrolab_config,
    out: *mut *mut ferrolab_polycrystal,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let out = unsafe { out_arg(out, "out") }?;
        *out = std::ptr::null_mut();
        let params = PolycrystalParams::from_config(&config_or_default(cfg)?)?;
        let film = Polycrystal::generate(&params)?;
        *out = std::ptr::without_provenance_mut(handles::insert(film)?);
        Ok(())
    })
}

/// Release a film. NULL is a no-op; a freed or foreign handle returns
/// FERROLAB_ERR_INVALID_HANDLE. Must not run concurrently with other calls on the handle.
#[unsafe(no_mangle)]
pub extern "C" fn ferrolab_polycrystal_free(film: *mut ferrolab_polycrystal) -> i32 {
    crate::ffi_boundary!({ FILM.free(film.addr()) })
}

/// Write the grid shape: `*n_rows` cells across the thickness (row 0 at the bottom electrode),
/// `*n_cols` across the periodic width. Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER or
/// _INVALID_HANDLE.
///
/// # Safety
/// `n_rows` and `n_cols` are NULL or valid for one size_t each.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_polycrystal_shape(
    film: *const ferrolab_polycrystal,
    n_rows: *mut usize,
    n_cols: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = film, {
        // SAFETY: caller's contract.
        let (rows, cols) = unsafe { (out_arg(n_rows, "n_rows")?, out_arg(n_cols, "n_cols")?) };
        (*rows, *cols) = lookup(film)?.classes().dim();
        Ok(())
    })
}

/// Write the number of grains to `*out`. Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER or
/// _INVALID_HANDLE.
///
/// # Safety
/// `out` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_polycrystal_grain_count(
    film: *const ferrolab_polycrystal,
    out: *mut usize,
) -> i32 {
    crate::ffi_boundary!(handle = film, {
        // SAFETY: caller's contract.
        *unsafe { out_arg(out, "out") }? = lookup(film)?.grain_count();
        Ok(())
    })
}

/// Fill per-cell maps, each `n_rows x n_cols` row-major (the shape from
/// `ferrolab_polycrystal_shape`; a different shape is FERROLAB_ERR_INVALID_ARGUMENT):
/// `classes` (0 polar, 1 non-polar grain, 2 grain boundary), `grains` (index of the nearest
/// grain) and `orientation_rad` (the polar-axis angle of that grain from the film normal). Any
/// of the three may be NULL to skip it. Returns FERROLAB_OK, or FERROLAB_ERR_INVALID_HANDLE,
/// _INVALID_ARGUMENT.
///
/// # Safety
/// Each non-NULL output is valid for `n_rows * n_cols` elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_polycrystal_cells(
    film: *const ferrolab_polycrystal,
    classes: *mut i32,
    grains: *mut i32,
    orientation_rad: *mut f64,
    n_rows: usize,
    n_cols: usize,
) -> i32 {
    crate::ffi_boundary!(handle = film, {
        let film = lookup(film)?;
        let shape = film.classes().dim();
        if (n_rows, n_cols) != shape {
            return Err(FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                format!(
                    "n_rows x n_cols = {n_rows} x {n_cols}, but the film is {} x {}",
                    shape.0, shape.1
                ),
            ));
        }
        let n = n_rows * n_cols;
        // Skipped outputs are NULL with length 0 from here on.
        let len = |p: bool| if p { 0 } else { n };
        // SAFETY: caller's contract.
        let (classes, grains, orientation) = unsafe {
            (
                slice_out(classes, len(classes.is_null()), "classes")?,
                slice_out(grains, len(grains.is_null()), "grains")?,
                slice_out(
                    orientation_rad,
                    len(orientation_rad.is_null()),
                    "orientation_rad",
                )?,
            )
        };
        for (o, c) in classes.iter_mut().zip(film.classes()) {
            *o = *c as i32;
        }
        for (o, g) in grains.iter_mut().zip(film.grain_of_cell()) {
            *o = *g as i32;
        }
        for (o, t) in orientation.iter_mut().zip(film.cell_orientation_rad()) {
            *o = t;
        }
        Ok(())
    })
}

/// Fill per-grain data for `n_grains` grains (the count from
/// `ferrolab_polycrystal_grain_count`; another count is FERROLAB_ERR_INVALID_ARGUMENT):
/// `orientation_rad` (polar-axis angle from the film normal), `polar` (1 polar, 0 non-polar)
/// and `seeds_nm` (`n_grains x 2`: seed position across the thickness, then across the width,
/// in nm). Any may be NULL to skip it. Returns FERROLAB_OK, or FERROLAB_ERR_INVALID_HANDLE,
/// _INVALID_ARGUMENT.
///
/// # Safety
/// Each non-NULL output is valid for its documented number of elements.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_polycrystal_grains(
    film: *const ferrolab_polycrystal,
    orientation_rad: *mut f64,
    polar: *mut i32,
    seeds_nm: *mut f64,
    n_grains: usize,
) -> i32 {
    crate::ffi_boundary!(handle = film, {
        let film = lookup(film)?;
        if n_grains != film.grain_count() {
            return Err(FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                format!(
                    "n_grains = {n_grains}, but the film has {} grains",
                    film.grain_count()
                ),
            ));
        }
        let len = |p: bool, per: usize| if p { 0 } else { n_grains * per };
        // SAFETY: caller's contract.
        let (orientation, polar_out, seeds) = unsafe {
            (
                slice_out(
                    orientation_rad,
                    len(orientation_rad.is_null(), 1),
                    "orientation_rad",
                )?,
                slice_out(polar, len(polar.is_null(), 1), "polar")?,
                slice_out(seeds_nm, len(seeds_nm.is_null(), 2), "seeds_nm")?,
            )
        };
        if !orientation.is_empty() {
            orientation.copy_from_slice(film.grain_orientation_rad());
        }
        for (o, p) in polar_out.iter_mut().zip(film.grain_polar()) {
            *o = i32::from(*p);
        }
        for (o, s) in seeds.chunks_exact_mut(2).zip(film.grain_seeds_nm()) {
            o.copy_from_slice(s);
        }
        Ok(())
    })
}

/// Copy the message of the last failed call on this film into `buf`, snprintf-style (see
/// `ferrolab_last_error`). Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, or
/// FERROLAB_ERR_NULL_POINTER, _INVALID_HANDLE.
///
/// # Safety
/// `buf` is NULL or valid for `cap` bytes; `needed` is NULL or valid for one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_polycrystal_last_error(
    film: *const ferrolab_polycrystal,
    buf: *mut c_char,
    cap: usize,
    needed: *mut usize,
) -> i32 {
    crate::ffi_boundary!(reader, {
        // SAFETY: caller's contract.
        unsafe { FILM.write_last_error(film.addr(), buf, cap, needed) }
    })
}

/// Write the progress of this handle's long jobs: units done and total of the current stage, the
/// stage and the last training loss. A film runs no jobs: it reports 0 of 0, stage 0 and NaN. Every
/// output may be NULL. Safe from any thread, also while a job runs. Returns FERROLAB_OK,
/// FERROLAB_ERR_NULL_POINTER (NULL handle) or _INVALID_HANDLE.
///
/// # Safety
/// `done`, `total`, `stage` and `last_loss` are each NULL or valid for one value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_polycrystal_progress_info(
    film: *const ferrolab_polycrystal,
    done: *mut u64,
    total: *mut u64,
    stage: *mut i32,
    last_loss: *mut f64,
) -> i32 {
    crate::ffi_boundary!(handle = film, {
        // SAFETY: caller's contract.
        unsafe { FILM.write_progress(film.addr(), done, total, stage, last_loss) }
    })
}
