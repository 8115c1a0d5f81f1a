"""Band-excitation piezoresponse spectroscopy: SHO fits of spectra, phase rotation, piezoresponse
loops, 9-parameter loop fits and switching parameters (`ferrolab_sho_fit` ... `_loop_parameters`).
"""
import ctypes
from collections import namedtuple
from ctypes import c_double

import numpy as np

from . import _lib
from ._check import Args
from .config import build, handle_of

ShoFit = namedtuple("ShoFit", "params std_errors r2 flags")
LoopFit = namedtuple("LoopFit", "params r2")

SHO_PARAMETERS = ("amplitude", "frequency_hz", "q", "phase_rad")
"""Columns of `sho_fit`'s params and std_errors: amplitude (the spectra's units), resonance
frequency (Hz), quality factor Q, phase (rad)."""

LOOP_FIT_PARAMETERS = ("a0", "a1", "a2", "a3", "a4", "b0", "b1", "b2", "b3")
"""Columns of `loop_fit`'s params: a0 floor, a1 height (response units), a2, a3 coercive voltages of
branches 1 and 2 (V), a4 linear background (response / V), b0..b3 branch widths below and above
each coercive voltage (V)."""

LOOP_PARAMETERS = ("v_plus", "v_minus", "width", "imprint", "r_plus", "r_minus", "switchable", "area",
                   "nucleation_1", "nucleation_2")
"""Columns of `loop_parameters`: V+, V-, width, imprint (V), R+, R-, switchable response, loop area
(response x V), nucleation biases of branches 1 and 2 (V; where the branch has switched 3 %)."""


def sho_fit(freq_hz, re, im, config=None):
    """Fit the simple harmonic oscillator R(w) = A w0² e^{i phi} / (w² - w0² - i w w0 / Q) to
    complex spectra, by Levenberg-Marquardt in parallel on ferrolab's worker pool.

    Parameters
    ----------
    freq_hz : array_like, (n_freq,)
        Increasing frequencies in Hz (at least 5).
    re, im : array_like, (n_spectra, n_freq) or (n_freq,)
        Real and imaginary parts of the spectra (a 1-D array is one spectrum). NaN is accepted:
        such spectra are flagged, not errors.
    config : Config, optional
        Passed to C, which reads no keys for SHO fits yet.

    Returns
    -------
    ShoFit
        params (n_spectra, 4; columns `SHO_PARAMETERS`), std_errors (same), r2 (n_spectra),
        flags (n_spectra; 0 ok, 1 NaN/inf in the spectrum, 2 no signal, 3 not converged; the
        parameters of flagged spectra are NaN).
    """
    a = Args("sho_fit")
    f = a.array("freq_hz", freq_hz, ("f",))
    re = a.array("re", re, ("f",), ("n", "f"))
    im = a.array("im", im, re.shape)
    if re.ndim == 1:  # one spectrum: one row
        re, im = re[None, :], im[None, :]
    cfg = build("sho_fit", config, {}, "")
    n = re.shape[0]
    params, errors_, r2, flags = np.zeros((n, 4)), np.zeros((n, 4)), np.zeros(n), np.zeros(n, np.int32)
    _lib.check(_lib.lib.ferrolab_sho_fit(handle_of(cfg), _lib.ptr(f), f.size, _lib.ptr(re), _lib.ptr(im), n,
                                         _lib.ptr(params), _lib.ptr(errors_), _lib.ptr(r2), _lib.ptr(flags)))
    return ShoFit(params, errors_, r2, flags)


def phase_rotation(amplitude, phase):
    """The phase offset theta (rad, in (-pi/2, pi/2]) that makes A cos(phi + theta) separate the
    two polarization states: theta = -arg(sum A² e^{2 i phi}) / 2. `amplitude` and `phase` (rad)
    are arrays of one shape (e.g. a map's fitted amplitudes and phases); NaN pairs are skipped, and
    theta is NaN when no pair is usable."""
    a = Args("phase_rotation")
    amp = a.array("amplitude", amplitude)
    ph = a.array("phase", phase, amp.shape)
    theta = c_double()
    _lib.check(_lib.lib.ferrolab_phase_rotation(_lib.ptr(amp), _lib.ptr(ph), amp.size, ctypes.byref(theta)))
    return theta.value


def piezoresponse(amplitude, phase, theta):
    """amplitude * cos(phase + theta), element by element, for arrays of one shape (phases and
    theta in rad); the result has that shape."""
    a = Args("piezoresponse")
    amp = a.array("amplitude", amplitude)
    ph = a.array("phase", phase, amp.shape)
    theta = a.real("theta", theta)
    out = np.zeros(amp.shape)
    _lib.check(_lib.lib.ferrolab_piezoresponse(_lib.ptr(amp), _lib.ptr(ph), amp.size, theta, _lib.ptr(out)))
    return out


def loop_fit(voltage, loops):
    """Fit the 9-parameter switching-loop function of the BEPS literature (as BGlib) to loops
    measured over one voltage cycle, by bounded Levenberg-Marquardt in parallel.

    `voltage` (n_steps,) in V, the first half of the points branch 1 and the second branch 2;
    `loops` (n_loops, n_steps) or (n_steps,) for one loop, in response units. Returns `LoopFit`:
    params (n_loops, 9; columns `LOOP_FIT_PARAMETERS`; NaN for loops with NaN) and r2 (n_loops).
    """
    a = Args("loop_fit")
    v = a.array("voltage", voltage, ("s",))
    loops = a.array("loops", loops, ("s",), ("n", "s"))
    if loops.ndim == 1:  # one loop: one row
        loops = loops[None, :]
    n = loops.shape[0]
    params, r2 = np.zeros((n, len(LOOP_FIT_PARAMETERS))), np.zeros(n)
    _lib.check(_lib.lib.ferrolab_loop_fit(_lib.ptr(v), v.size, _lib.ptr(loops), n, _lib.ptr(params), _lib.ptr(r2)))
    return LoopFit(params, r2)


def loop_parameters(voltage, params):
    """Switching parameters (n_loops, 10; columns `LOOP_PARAMETERS`) of loops fitted by `loop_fit`
    (`params`: (n_loops, 9) or (9,)) and measured at `voltage` (n_steps,) in V."""
    a = Args("loop_parameters")
    v = a.array("voltage", voltage, (None,))
    nine = len(LOOP_FIT_PARAMETERS)
    params = a.array("params", params, (nine,), (None, nine))
    if params.ndim == 1:  # one loop's parameters: one row
        params = params[None, :]
    n = params.shape[0]
    out = np.zeros((n, len(LOOP_PARAMETERS)))
    _lib.check(_lib.lib.ferrolab_loop_parameters(_lib.ptr(v), v.size, _lib.ptr(params), n, _lib.ptr(out)))
    return out

