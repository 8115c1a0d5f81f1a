"""SHO fits side by side: scipy.optimize.least_squares per spectrum (as BGlib fits, one spectrum
at a time, complex residual split in real and imaginary parts) against ferrolab_sho_fit on the
same spectra, through the Python binding. Prints seconds per spectrum and the ratio.

Run with the Python package installed (`pip install ./bindings/python`) and SciPy:
    python3 benches/beps_peer/compare.py [N_SPECTRA]
"""
import sys
import time

import ferrolab
import numpy as np
from scipy.optimize import least_squares

n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
rng = np.random.default_rng(3)
f = np.linspace(290e3, 310e3, 64)


def model(p, w):
    a, w0, q, phi = p
    return a * w0**2 * np.exp(1j * phi) / (w**2 - w0**2 - 1j * w * w0 / q)


truth = np.column_stack([rng.uniform(0.5e-3, 2e-3, n), rng.uniform(295e3, 305e3, n),
                         rng.uniform(60, 300, n), rng.uniform(-3, 3, n)])
clean = np.array([model(p, f) for p in truth])
noise = np.abs(clean).max(axis=1, keepdims=True) / 20
data = clean + noise * (rng.standard_normal(clean.shape) + 1j * rng.standard_normal(clean.shape))



def ferrolab_seconds(threads):
    """Best of three calls after a warm-up (which starts the worker pool)."""
    ferrolab.set_num_threads(threads)
    ferrolab.sho_fit(f, data.real[:8], data.imag[:8])
    best = np.inf
    for _ in range(3):
        start = time.perf_counter()
        out = ferrolab.sho_fit(f, data.real, data.imag)
        best = min(best, time.perf_counter() - start)
    return best, out


t_ferrolab_1, _ = ferrolab_seconds(1)
t_ferrolab, (params, errors, r2, flags) = ferrolab_seconds(2)


def scipy_fit(d):
    """The usual per-spectrum recipe: normalised data, guess from the peak, least_squares."""
    scale_w, scale_r = f.mean(), np.abs(d).max()
    w, y = f / scale_w, d / scale_r
    k = np.argmax(np.abs(y))
    p0 = [np.abs(y[k]) / 100.0, w[k], 100.0, np.angle(y[k]) - np.pi / 2]

    def residual(p):
        r = model(p, w) - y
        return np.concatenate([r.real, r.imag])

    s = least_squares(residual, p0)
    return s.x[1] * scale_w


start = time.perf_counter()
w0_scipy = np.array([scipy_fit(d) for d in data])
t_scipy = time.perf_counter() - start

agree = np.median(np.abs(w0_scipy - params[:, 1]))
print(f"{n} spectra of 64 bins: scipy {t_scipy / n * 1e6:.1f} us/spectrum (1 process); ferrolab "
      f"{t_ferrolab_1 / n * 1e6:.2f} us/spectrum on 1 thread ({t_scipy / t_ferrolab_1:.0f}x, per core), "
      f"{t_ferrolab / n * 1e6:.2f} us/spectrum on 2 threads ({t_scipy / t_ferrolab:.0f}x); "
      f"{np.sum(flags == 0)} converged; median |w0 difference| {agree:.3g} Hz")
