"""Reference switching parameters of fitted BEPS loops, as BGlib (pycroscopy be_loop.py,
calc_switching_coef_vec, nuc_threshold 0.03) defines them, for tests/suite/beps.rs.

BGlib reads a loop starting at its most positive voltage, so its branch 1 (a2, b0, b1) is the
falling sweep and branch 2 (a3, b2, b3) the rising one; ferrolab starts at the most negative
voltage, so its branch 1 is the rising sweep. Each case gives ferrolab's 9 parameters, BGlib's
(branches swapped) and BGlib's numbers: V+ = a3, V- = a2, Imprint, R+ = a0 + a1, R- = a0,
Switchable Polarization = a1, Nucleation Bias 1 (rising branch at 3 % of its height, closed
form with erfinv) and 2 (falling branch at 97 %), each with a flag saying whether BGlib's
closed form is a true root of the branch (see `nucleation`).

Run: python3 tests/oracles/switching_reference.py > tests/oracles/switching_reference.json
"""
import json

import numpy as np
import scipy
from scipy.special import erfinv

T = 0.03


def nucleation(c, b_lo, b_hi, y):
    """BGlib's closed form for the voltage where the branch's normalised shape
    (g erf((v-c)/g) + b_lo)/(b_lo + b_hi), g = b_lo below c and b_hi above, equals y: the
    solution with g = b_lo when the erfinv argument is in range, else the one with g = b_hi.
    Returns it and whether it is self-consistent (the g used is the one on its side of c):
    with b_lo != b_hi the first candidate can land above c, where the shape uses b_hi, and
    is then not a root of the branch."""
    for g in (b_lo, b_hi):
        v = g * erfinv((y * (b_lo + b_hi) - b_lo) / g) + c
        if np.isfinite(v):
            return float(v), bool((v < c) == (g == b_lo) or b_lo == b_hi)
    return float("nan"), False


rng = np.random.default_rng(17)
cases = []
for _ in range(6):
    ours = [rng.uniform(-1, 0), rng.uniform(1, 3), rng.uniform(1, 4), rng.uniform(-4, -1),
            rng.uniform(-0.02, 0.02), rng.uniform(0.3, 1.5), rng.uniform(0.3, 1.5),
            rng.uniform(0.3, 1.5), rng.uniform(0.3, 1.5)]
    a0, a1, a2, a3, a4, b0, b1, b2, b3 = ours
    bglib = [a0, a1, a3, a2, a4, b2, b3, b0, b1]
    A = bglib
    cases.append(dict(
        params=ours,
        bglib_params=bglib,
        v_plus=A[3], v_minus=A[2], imprint=(A[2] + A[3]) / 2, r_plus=A[0] + A[1], r_minus=A[0],
        switchable=A[1],
    ))
    for name, (value, consistent) in (("nucleation_rising", nucleation(A[3], A[7], A[8], T)),
                                      ("nucleation_falling", nucleation(A[2], A[5], A[6], 1 - T))):
        cases[-1][name] = value
        cases[-1][name + "_consistent"] = consistent
print(json.dumps(dict(scipy=scipy.__version__, nuc_threshold=T, cases=cases), indent=1))
