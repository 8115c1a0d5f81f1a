"""Reference 9-parameter loop fits from SciPy for tests/suite/beps.rs: the BEPS switching-loop
function (branch 1 = first half of the points; g = (b_hi - b_lo)/2 (erf(1000 (v - c)) + 1) + b_lo,
y = (g erf((v - c)/g) + b_lo)/(b_lo + b_hi), f = a0 + a1 y + a4 v) fitted by
scipy.optimize.least_squares (bounds as ferrolab's: coercive voltages within the voltage range,
widths in [1e-3, 1] x range) to 8 noisy loops, each started from its true parameters.

Run: python3 tests/oracles/loop_reference.py > tests/oracles/loop_reference.json
"""
import json

import numpy as np
import scipy
from scipy.optimize import least_squares
from scipy.special import erf

v = np.concatenate([np.linspace(-8, 8, 48), np.linspace(8, -8, 48)])


def model(p):
    a0, a1, a2, a3, a4, b0, b1, b2, b3 = p
    out = []
    for vv, c, bl, bh in ((v[:48], a2, b0, b1), (v[48:], a3, b2, b3)):
        g = (bh - bl) / 2 * (erf((vv - c) * 1000) + 1) + bl
        y = (g * erf((vv - c) / g) + bl) / (bl + bh)
        out.append(a0 + a1 * y + a4 * vv)
    return np.concatenate(out)


rng = np.random.default_rng(11)
span = 16.0
lower = [-np.inf, -np.inf, -8, -8, -np.inf, 1e-3 * span, 1e-3 * span, 1e-3 * span, 1e-3 * span]
upper = [np.inf, np.inf, 8, 8, np.inf, span, span, span, span]
cases = []
for k in range(8):
    truth = [rng.uniform(-1, 0), rng.uniform(1, 3), rng.uniform(1, 4), rng.uniform(-4, -1),
             rng.uniform(-0.02, 0.02), rng.uniform(0.5, 2), rng.uniform(0.5, 2), rng.uniform(0.5, 2),
             rng.uniform(0.5, 2)]
    loop = model(truth) + rng.normal(0, 0.02 * truth[1], v.size)
    sol = least_squares(lambda p: model(p) - loop, truth, bounds=(lower, upper),
                        xtol=1e-15, ftol=1e-15, gtol=1e-15, max_nfev=20000)
    cases.append(dict(loop=loop.tolist(), truth=truth, scipy=sol.x.tolist(), cost=float(2 * sol.cost)))
print(json.dumps(dict(scipy=scipy.__version__, voltage=v.tolist(), cases=cases)))
