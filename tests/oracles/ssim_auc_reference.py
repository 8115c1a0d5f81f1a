#!/usr/bin/env python3
"""Reference values for ferrolab's experiment metrics (src/experiment/metrics.rs), read by
tests/suite/experiment_metrics.rs:

- SSIM: `skimage.metrics.structural_similarity(a, b, data_range=R)` with every other argument
  at its default (7 x 7 uniform window, K1 = 0.01, K2 = 0.03, sample covariance), on random
  images of 8 x 8, 16 x 16 and 12 x 9 pixels with data ranges 1, 2, 255 and 0.5 (the second
  image the first plus noise, or independent of it), and an image against itself.
- ROC-AUC: `sklearn.metrics.roc_auc_score(mask, score)` on scores with many ties, with
  power-of-two class counts (every step of scikit-learn's trapezoid is exact then) and without,
  and the same AUC as an exact fraction (the Mann-Whitney statistic with ties counted half,
  twice_u / (2 pairs)) rounded once to a double (`auc_exact`). scikit-learn sums trapezoids in
  floating point, so without power-of-two counts its value may differ from `auc_exact` in the
  last bit (the script asserts at most 2 ulp; case "many" differs by 1 ulp).
- Per-loop errors with NumPy, written out as the design note gives them (models.md 3.4):
  nrms = sqrt(mean((yhat - y)^2) / mean((yhat + y)^2)), mse = mean((yhat - y)^2), and the
  loop-area error |A(yhat) - A(y)| with A = 0.5 |x . roll(y, 1) - y . roll(x, 1)| (the shoelace
  area of the closed polygon, the form of [IS] `loop_area`), over a 16-step triangle cycle.

Every input is a multiple of 2^-10 (or an integer), so the JSON holds it exactly and the Rust
test reads the very numbers used here.

Written with Python 3.11.7, numpy 2.4.6, scikit-image 0.26.0, scikit-learn 1.9.1 (the script
prints the versions it ran with into the JSON). Regenerate (the test reads the committed file):
    python3 -m venv /tmp/oracle-venv && /tmp/oracle-venv/bin/pip install numpy scikit-image scikit-learn
    /tmp/oracle-venv/bin/python tests/oracles/ssim_auc_reference.py > tests/oracles/ssim_auc_reference.json
"""
import json
import sys
from fractions import Fraction

import numpy as np
import skimage
import sklearn
from skimage.metrics import structural_similarity
from sklearn.metrics import roc_auc_score

rng = np.random.default_rng(2026)


def dyadic(shape, scale=1.0):
    """Uniform values in [0, scale), multiples of scale * 2^-10."""
    return rng.integers(0, 1024, size=shape) / 1024.0 * scale


def ssim_cases():
    cases = []
    # b = a plus uniform noise of `noise` times the range (1: b independent of a), clipped.
    for name, shape, data_range, noise in [
            ("rand8_r1", (8, 8), 1.0, 0.25), ("rand16_r2", (16, 16), 2.0, 1.0),
            ("rand16_r255", (16, 16), 255.0, 0.1), ("rand12x9_r05", (12, 9), 0.5, 0.5)]:
        a = dyadic(shape, data_range)
        if noise == 1.0:
            b = dyadic(shape, data_range)
        else:
            b = np.clip(a + dyadic(shape, data_range * noise) - data_range * noise / 2, 0,
                        data_range)
        value = structural_similarity(a, b, data_range=data_range)
        cases.append(dict(name=name, a=a.tolist(), b=b.tolist(), data_range=data_range,
                          ssim=float(value)))
    a = dyadic((8, 8))
    cases.append(dict(name="identical", a=a.tolist(), b=a.tolist(), data_range=1.0,
                      ssim=float(structural_similarity(a, a, data_range=1.0))))
    return cases


def auc_cases():
    cases = []
    for name, n_pos, n_neg, levels in [("dyadic_ties", 8, 16, 5), ("odd_ties", 7, 13, 4),
                                       ("many", 211, 389, 30), ("continuous", 32, 64, 1 << 20)]:
        mask = np.array([True] * n_pos + [False] * n_neg)
        rng.shuffle(mask)
        score = rng.integers(0, levels, size=mask.size).astype(float) + 0.5 * mask
        score = np.floor(score)  # positives rank higher on average, with ties
        auc = float(roc_auc_score(mask, score))
        # The Mann-Whitney statistic with ties counted half, as an exact fraction.
        pos, neg = score[mask], score[~mask]
        twice_u = int(2 * (pos[:, None] > neg[None, :]).sum() + (pos[:, None] == neg[None, :]).sum())
        exact = Fraction(twice_u, 2 * n_pos * n_neg)
        assert abs(auc - float(exact)) <= 2 * np.spacing(auc), (name, auc, exact)
        cases.append(dict(name=name, score=score.tolist(), mask=mask.tolist(), auc=auc,
                          auc_exact=float(exact), twice_u=twice_u, pairs=n_pos * n_neg))
    return cases


def loop_cases():
    v = np.concatenate([np.arange(0, 4), np.arange(4, -4, -1), np.arange(-4, 0)]) * 3.0
    assert v.size == 16
    cases = []
    for name in ["a", "b", "c"]:
        y = np.tanh(v / 4.0) + dyadic(v.shape) - 0.5
        y = np.round(y * 1024) / 1024
        yhat = y + dyadic(v.shape, 0.5) - 0.25

        def area(x, p):
            return 0.5 * abs(np.dot(x, np.roll(p, 1)) - np.dot(p, np.roll(x, 1)))

        cases.append(dict(
            name=name, voltage=v.tolist(), y=y.tolist(), yhat=yhat.tolist(),
            nrms=float(np.sqrt(np.mean((yhat - y) ** 2) / np.mean((yhat + y) ** 2))),
            mse=float(np.mean((yhat - y) ** 2)),
            area_y=float(area(v, y)),
            area_error=float(abs(area(v, yhat) - area(v, y)))))
    return cases


json.dump(dict(python=sys.version.split()[0], numpy=np.__version__, skimage=skimage.__version__,
               sklearn=sklearn.__version__, ssim=ssim_cases(), auc=auc_cases(),
               loops=loop_cases()), sys.stdout)
print()
