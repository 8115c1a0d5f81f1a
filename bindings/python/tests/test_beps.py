"""Band-excitation calls against analytic spectra and SciPy's fits (tests/oracles/*_reference.json)."""
import json

import numpy as np
import pytest

import ferrolab

from conftest import ROOT


def _resonance(f, a=1.5e-3, w0=301.5e3, q=140.0, phi=0.4):
    return a * w0**2 * np.exp(1j * phi) / (f**2 - w0**2 - 1j * f * w0 / q)


def test_sho_fit_recovers_a_resonance_and_flags_bad_spectra():
    f = np.linspace(290e3, 310e3, 64)
    r = _resonance(f)
    re = np.vstack([r.real, np.zeros(64), r.real])
    im = np.vstack([r.imag, np.zeros(64), r.imag])
    re[2, 5] = np.nan
    fit = ferrolab.sho_fit(f, re, im)
    np.testing.assert_allclose(fit.params[0], [1.5e-3, 301.5e3, 140.0, 0.4], rtol=1e-9)
    assert fit.r2[0] > 0.999999 and fit.std_errors.shape == (3, 4)
    assert fit.flags.tolist() == [0, 2, 1]
    assert np.all(np.isnan(fit.params[1])) and np.all(np.isnan(fit.params[2]))
    # One spectrum as a 1-D array is one row.
    np.testing.assert_array_equal(ferrolab.sho_fit(f, r.real, r.imag).params, fit.params[:1])
    with pytest.raises(ferrolab.ArgumentError, match="must increase"):
        ferrolab.sho_fit(f[::-1], re, im)


def test_sho_fit_matches_scipy_least_squares():
    ref = json.loads((ROOT / "tests" / "oracles" / "sho_reference.json").read_text())
    f = np.array(ref["freq_hz"])
    re = np.array([c["re"] for c in ref["cases"]])
    im = np.array([c["im"] for c in ref["cases"]])
    fit = ferrolab.sho_fit(f, re, im)
    for params, case in zip(fit.params, ref["cases"]):
        ours = np.sum(np.abs(_resonance(f, *params) - (np.array(case["re"]) + 1j * np.array(case["im"]))) ** 2)
        assert ours <= case["cost"] * (1 + 1e-6)  # the reference stores the sum of squares


def test_phase_rotation_separates_the_two_states():
    rng = np.random.default_rng(3)
    amplitude = rng.uniform(0.5, 1.5, size=(4, 50))
    state = rng.choice([0.0, np.pi], size=(4, 50))
    theta_true = 0.3
    phase = state - theta_true + rng.normal(scale=0.01, size=(4, 50))
    theta = ferrolab.phase_rotation(amplitude, phase)
    assert theta == pytest.approx(theta_true, abs=0.01)
    response = ferrolab.piezoresponse(amplitude, phase, theta)
    assert response.shape == (4, 50)
    np.testing.assert_allclose(response, amplitude * np.cos(phase + theta), rtol=1e-15)
    assert np.all(np.sign(response) == np.where(state == 0, 1, -1))
    assert np.isnan(ferrolab.phase_rotation([np.nan], [0.0]))


def test_loop_fit_matches_the_scipy_reference():
    ref = json.loads((ROOT / "tests" / "oracles" / "loop_reference.json").read_text())
    v = np.array(ref["voltage"])
    loops = np.array([c["loop"] for c in ref["cases"]])
    fit = ferrolab.loop_fit(v, loops)
    scipy = np.array([c["scipy"] for c in ref["cases"]])
    np.testing.assert_allclose(fit.params[:, 2:4], scipy[:, 2:4], atol=1e-3)
    assert np.all(fit.r2 > 0.9)
    np.testing.assert_array_equal(ferrolab.loop_fit(v, loops[0]).params, fit.params[:1])
    with pytest.raises(ferrolab.ArgumentError, match="n_steps = 5"):
        ferrolab.loop_fit(v[:5], loops[:, :5])


def test_loop_parameters_of_a_fitted_loop():
    v = np.concatenate([np.linspace(-8, 8, 64), np.linspace(8, -8, 64)])
    truth = np.array([-1.0, 2.0, 2.5, -1.5, 0.0, 0.8, 0.8, 0.8, 0.8])
    s = dict(zip(ferrolab.LOOP_PARAMETERS, ferrolab.loop_parameters(v, truth)[0]))
    assert s["v_plus"] == 2.5 and s["v_minus"] == -1.5
    assert abs(s["imprint"] - 0.5) < 1e-12 and abs(s["width"] - 4.0) < 1e-12
    assert s["nucleation_1"] < 2.5 and s["nucleation_2"] > -1.5
    assert 0 < s["area"] < 2.0 * 16
