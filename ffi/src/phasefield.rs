//! Phase-field P-V loops and loop features.

use crate::arrays::{check_finite, out_arg, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FERROLAB_WARN_TRUNCATED, FfiError};
use engine::loops::features::loop_features;
use engine::phasefield::params::PhaseFieldParams;
use engine::phasefield::pv_loop::simulate_loop;

/// Number of values `ferrolab_loop_features` writes.
pub const FERROLAB_LOOP_FEATURE_COUNT: usize = 8;

/// Simulate one P-V loop of the polycrystalline HZO film described by `cfg` (NULL: paper 000's
/// defaults; see `ferrolab_config_key_describe` for the `pf.*` keys) and write its
/// `*n_points` = pf.points samples: `voltage` (top electrode, V) and `polarization`
/// (−⟨P1⟩, C/m²), one full cycle −V_max → +V_max → −V_max.
///
/// When `cap` is smaller than the loop, nothing is simulated or written, `*n_points` tells the
/// size needed and the call returns FERROLAB_WARN_TRUNCATED (so `cap = 0` with NULL buffers
/// asks for the size). Takes about a second at the paper's size on one core; runs on the
/// calling thread. Returns FERROLAB_OK, FERROLAB_WARN_TRUNCATED, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_HANDLE (cfg), _OUT_OF_RANGE (inconsistent keys, named), _NUMERICAL (runaway
/// polarization; the message names the cell and step).
///
/// # Safety
/// `voltage` and `polarization` are NULL or valid for `cap` doubles; `n_points` is valid for
/// one size_t.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_pf_simulate_loop(
    cfg: *const ferrolab_config,
    voltage: *mut f64,
    polarization: *mut f64,
    cap: usize,
    n_points: *mut usize,
) -> i32 {
    crate::ffi_boundary!({
        // SAFETY: caller's contract.
        let n_points = unsafe { out_arg(n_points, "n_points") }?;
        let params = PhaseFieldParams::from_config(&config_or_default(cfg)?)?;
        *n_points = params.points;
        if cap < params.points {
            return Err(FfiError::new(
                FERROLAB_WARN_TRUNCATED,
                format!(
                    "cap = {cap} but the loop has pf.points = {} points; nothing simulated",
                    params.points
                ),
            ));
        }
        // SAFETY: caller's contract.
        let (v_out, p_out) = unsafe {
            (
                slice_out(voltage, params.points, "voltage")?,
                slice_out(polarization, params.points, "polarization")?,
            )
        };
        let run = simulate_loop(&params)?;
        v_out.copy_from_slice(&run.voltage);
        p_out.copy_from_slice(&run.polarization);
        Ok(())
    })
}

/// Features of a sampled P-V loop (simulated or measured; any start, direction, length or
/// number of cycles: the last complete cycle is used). Writes, in this order: coercive field
/// Ec (MV/cm), remanent polarization Pr, saturation polarization Ps (C/m²), loop area (J/m²),
/// imprint (V), offset (C/m²), and the numbers of zero crossings on the up and on the down
/// branch. Undefined features (no crossing) are NaN. `thickness_m` (film thickness, m) turns
/// coercive voltages into fields; `cap` must be at least FERROLAB_LOOP_FEATURE_COUNT.
///
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _NON_FINITE (a NaN or infinite sample,
/// named), _OUT_OF_RANGE (thickness), _INVALID_ARGUMENT (cap too small, or no complete
/// cycle). Thread-safe.
///
/// # Safety
/// `voltage` and `polarization` are valid for `n` doubles, `features` for `cap`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_loop_features(
    voltage: *const f64,
    polarization: *const f64,
    n: usize,
    thickness_m: f64,
    features: *mut f64,
    cap: usize,
) -> i32 {
    crate::ffi_boundary!({
        if cap < FERROLAB_LOOP_FEATURE_COUNT {
            return Err(FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                format!("cap = {cap}; features needs {FERROLAB_LOOP_FEATURE_COUNT} values"),
            ));
        }
        // SAFETY: caller's contract.
        let (v, p, out) = unsafe {
            (
                slice_in(voltage, n, "voltage")?,
                slice_in(polarization, n, "polarization")?,
                slice_out(features, FERROLAB_LOOP_FEATURE_COUNT, "features")?,
            )
        };
        check_finite(v, "voltage")?;
        check_finite(p, "polarization")?;
        out.copy_from_slice(&loop_features(v, p, thickness_m)?.to_array());
        Ok(())
    })
}
