//! Band-excitation spectroscopy: SHO fits of many spectra on caller arrays (LabVIEW-friendly:
//! plain double arrays, int32 status, no callbacks).

use crate::arrays::{check_finite, shape_len, slice_in, slice_out};
use crate::config::{config_or_default, ferrolab_config};
use crate::status::{FERROLAB_ERR_INVALID_ARGUMENT, FfiError};
use engine::beps::{fit_spectra, fits_to_arrays};
use engine::progress::Progress;
use ndarray::ArrayView2;

/// Fit the simple harmonic oscillator R(w) = A w0^2 e^{i phi} / (w^2 - w0^2 - i w w0 / Q) to
/// `n_spectra` complex spectra (`re`, `im`: n_spectra x n_freq, row-major) sampled at
/// `freq_hz` (n_freq increasing values, n_freq >= 5), by Levenberg-Marquardt with an analytic
/// Jacobian, in parallel on the worker pool. Outputs per spectrum: `params` (n_spectra x 4:
/// amplitude, resonance frequency in Hz, Q, phase in rad), `r2`, and optionally `std_errors`
/// (n_spectra x 4, same order) and `flags` (0 ok, 1 NaN/inf in the spectrum, 2 no signal,
/// 3 not converged); NULL skips them. Degenerate spectra are flagged with NaN parameters, not
/// errors; NaN is accepted in `re`/`im` for that reason. `cfg` may be NULL (no keys are read
/// yet). Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (sizes),
/// _NON_FINITE (freq_hz), _INVALID_HANDLE (cfg).
///
/// # Safety
/// `freq_hz` is valid for n_freq doubles; `re`, `im` for n_spectra*n_freq; `params` for
/// n_spectra*4, `r2` for n_spectra; `std_errors` (n_spectra*4) and `flags` (n_spectra) are
/// NULL or valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_sho_fit(
    cfg: *const ferrolab_config,
    freq_hz: *const f64,
    n_freq: usize,
    re: *const f64,
    im: *const f64,
    n_spectra: usize,
    params: *mut f64,
    std_errors: *mut f64,
    r2: *mut f64,
    flags: *mut i32,
) -> i32 {
    crate::ffi_boundary!({
        config_or_default(cfg)?;
        let len = shape_len(n_spectra, n_freq, "re")?;
        // SAFETY: caller's contract.
        let (f, r, i) = unsafe {
            (
                slice_in(freq_hz, n_freq, "freq_hz")?,
                slice_in(re, len, "re")?,
                slice_in(im, len, "im")?,
            )
        };
        check_finite(f, "freq_hz")?;
        let view = |s| ArrayView2::from_shape((n_spectra, n_freq), s).expect("length checked");
        let fits = fit_spectra(f, view(r), view(i), &Progress::new())
            .map_err(|e| FfiError::new(FERROLAB_ERR_INVALID_ARGUMENT, e.to_string()))?;
        let (p, e, q, codes) = fits_to_arrays(&fits);
        // SAFETY: caller's contract.
        unsafe {
            slice_out(params, n_spectra * 4, "params")?
                .copy_from_slice(p.as_slice().expect("standard"));
            slice_out(r2, n_spectra, "r2")?.copy_from_slice(&q);
            if !std_errors.is_null() {
                slice_out(std_errors, n_spectra * 4, "std_errors")?
                    .copy_from_slice(e.as_slice().expect("standard"));
            }
            if !flags.is_null() {
                slice_out(flags, n_spectra, "flags")?.copy_from_slice(&codes);
            }
        }
        Ok(())
    })
}

/// The phase offset theta that turns fitted amplitudes and phases into piezoresponse loops
/// `A cos(phi + theta)`: it rotates the responses' common axis onto the real axis (the two
/// polarization states respond with opposite phases), theta = -arg(sum A^2 e^{2 i phi}) / 2,
/// in (-pi/2, pi/2]. NaN pairs are skipped. `*theta` is NaN when no pair is usable. Returns
/// FERROLAB_OK, FERROLAB_ERR_NULL_POINTER or _INVALID_ARGUMENT (n = 0).
///
/// # Safety
/// `amplitude` and `phase` are valid for n doubles, `theta` for one.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_phase_rotation(
    amplitude: *const f64,
    phase: *const f64,
    n: usize,
    theta: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        shape_len(n, 1, "amplitude")?;
        // SAFETY: caller's contract.
        let (a, p, out) = unsafe {
            (
                slice_in(amplitude, n, "amplitude")?,
                slice_in(phase, n, "phase")?,
                crate::arrays::out_arg(theta, "theta")?,
            )
        };
        *out = engine::beps::phase_rotation(a, p);
        Ok(())
    })
}

/// Piezoresponse `out[k] = amplitude[k] cos(phase[k] + theta)` for n pairs (e.g. one pixel's
/// loop over its voltage steps). Returns FERROLAB_OK, FERROLAB_ERR_NULL_POINTER,
/// _INVALID_ARGUMENT (n = 0) or _NON_FINITE (theta).
///
/// # Safety
/// `amplitude`, `phase` and `out` are valid for n doubles.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_piezoresponse(
    amplitude: *const f64,
    phase: *const f64,
    n: usize,
    theta: f64,
    out: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        shape_len(n, 1, "amplitude")?;
        check_finite(&[theta], "theta")?;
        // SAFETY: caller's contract.
        let (a, p, o) = unsafe {
            (
                slice_in(amplitude, n, "amplitude")?,
                slice_in(phase, n, "phase")?,
                slice_out(out, n, "out")?,
            )
        };
        o.copy_from_slice(&engine::beps::piezoresponse(a, p, theta));
        Ok(())
    })
}

/// Fit the 9-parameter switching-loop function of the BEPS literature (as BGlib) to
/// `n_loops` loops (`loops`: n_loops x n_steps, row-major) measured at `voltage` (n_steps
/// values, one cycle; the first half of the points is branch 1, the second branch 2), by
/// bounded Levenberg-Marquardt with an analytic Jacobian from a data-driven start, in
/// parallel. `params` receives n_loops x 9 values a0 (floor), a1 (height), a2, a3 (coercive
/// voltages of branches 1 and 2), a4 (linear background), b0..b3 (branch widths below and
/// above each coercive voltage); `r2` (NULL to skip) the coefficient of determination. Loops
/// with NaN get NaN parameters. Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER,
/// _INVALID_ARGUMENT (n_steps < 10, n_loops = 0), _NON_FINITE (voltage).
///
/// # Safety
/// `voltage` is valid for n_steps doubles, `loops` for n_loops*n_steps, `params` for
/// n_loops*9, `r2` for n_loops or NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_loop_fit(
    voltage: *const f64,
    n_steps: usize,
    loops: *const f64,
    n_loops: usize,
    params: *mut f64,
    r2: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        let len = shape_len(n_loops, n_steps, "loops")?;
        if n_steps < 10 {
            return Err(FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                format!("n_steps = {n_steps}: the loop fit needs at least 10 points"),
            ));
        }
        // SAFETY: caller's contract.
        let (v, l) = unsafe {
            (
                slice_in(voltage, n_steps, "voltage")?,
                slice_in(loops, len, "loops")?,
            )
        };
        check_finite(v, "voltage")?;
        let fits = engine::beps::fit_loops(
            v,
            ArrayView2::from_shape((n_loops, n_steps), l).expect("length checked"),
        );
        // SAFETY: caller's contract.
        unsafe {
            let out = slice_out(params, n_loops * 9, "params")?;
            for (o, f) in out.chunks_exact_mut(9).zip(&fits) {
                o.copy_from_slice(&f.params);
            }
            if !r2.is_null() {
                let out = slice_out(r2, n_loops, "r2")?;
                for (o, f) in out.iter_mut().zip(&fits) {
                    *o = f.r2;
                }
            }
        }
        Ok(())
    })
}

/// Number of values per loop written by `ferrolab_loop_parameters`.
pub const FERROLAB_LOOP_PARAMETER_COUNT: usize = 10;

/// Switching parameters of loops fitted by `ferrolab_loop_fit` (`params`: n_loops x 9) for
/// loops measured at `voltage` (n_steps values): per loop, into `out` (n_loops x 10): V+, V-,
/// width, imprint (V), R+, R-, switchable response, loop area (response x V), and the
/// nucleation biases of branches 1 and 2 (V; where a branch has switched 3 % of its height).
/// Returns FERROLAB_OK, or FERROLAB_ERR_NULL_POINTER, _INVALID_ARGUMENT (sizes; a loop needs
/// at least 2 steps), _NON_FINITE (voltage).
///
/// # Safety
/// `voltage` is valid for n_steps doubles, `params` for n_loops*9, `out` for n_loops*10.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn ferrolab_loop_parameters(
    voltage: *const f64,
    n_steps: usize,
    params: *const f64,
    n_loops: usize,
    out: *mut f64,
) -> i32 {
    crate::ffi_boundary!({
        if n_steps < 2 {
            return Err(FfiError::new(
                FERROLAB_ERR_INVALID_ARGUMENT,
                format!("n_steps = {n_steps}: a loop needs at least 2 voltage steps"),
            ));
        }
        shape_len(n_loops, n_steps, "loops")?;
        let params_len = shape_len(n_loops, 9, "params")?;
        let out_len = shape_len(n_loops, FERROLAB_LOOP_PARAMETER_COUNT, "out")?;
        // SAFETY: caller's contract.
        let (v, p, o) = unsafe {
            (
                slice_in(voltage, n_steps, "voltage")?,
                slice_in(params, params_len, "params")?,
                slice_out(out, out_len, "out")?,
            )
        };
        check_finite(v, "voltage")?;
        for (row, fit) in o
            .chunks_exact_mut(FERROLAB_LOOP_PARAMETER_COUNT)
            .zip(p.chunks_exact(9))
        {
            let fit = engine::beps::LoopFit {
                params: std::array::from_fn(|i| fit[i]),
                r2: f64::NAN,
                converged: true,
            };
            row.copy_from_slice(&engine::beps::loop_parameters(v, &fit).to_array());
        }
        Ok(())
    })
}
