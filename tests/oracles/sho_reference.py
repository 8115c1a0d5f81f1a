"""Reference SHO fits from SciPy for tests/suite/beps.rs: scipy.optimize.least_squares (trust region
reflective, tight tolerances) of R(w) = A w0^2 e^{i phi} / (w^2 - w0^2 - i w w0 / Q) on the real
and imaginary residuals of 12 noisy spectra, each started from its true parameters. ferrolab
must find the same least-squares minimum from its own initial guess.

Run: python3 tests/oracles/sho_reference.py > tests/oracles/sho_reference.json
"""
import json

import numpy as np
import scipy
from scipy.optimize import least_squares

rng = np.random.default_rng(7)
f = np.linspace(290e3, 310e3, 64)


def model(p, w):
    a, w0, q, phi = p
    return a * w0**2 * np.exp(1j * phi) / (w**2 - w0**2 - 1j * w * w0 / q)


cases = []
for k in range(12):
    truth = [rng.uniform(0.5e-3, 2e-3), rng.uniform(295e3, 305e3), rng.uniform(60, 300),
             rng.uniform(-3.0, 3.0)]
    clean = model(truth, f)
    noise = np.abs(clean).max() / [50, 10, 5][k % 3]
    data = clean + noise * (rng.standard_normal(f.size) + 1j * rng.standard_normal(f.size))
    scale_w, scale_r = f.mean(), np.abs(data).max()
    w, d = f / scale_w, data / scale_r
    p0 = [truth[0] / scale_r, truth[1] / scale_w, truth[2], truth[3]]

    def residual(p):
        r = model(p, w) - d
        return np.concatenate([r.real, r.imag])

    sol = least_squares(residual, p0, xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=10000)
    a, w0, q, phi = sol.x
    if a < 0:
        a, phi = -a, phi + np.pi
    phi = (phi + np.pi) % (2 * np.pi) - np.pi
    cases.append(dict(re=data.real.tolist(), im=data.imag.tolist(), truth=truth,
                      scipy=[a * scale_r, w0 * scale_w, q, phi],
                      cost=float(2 * sol.cost * scale_r**2)))
print(json.dumps(dict(scipy=scipy.__version__, freq_hz=f.tolist(), cases=cases)))
