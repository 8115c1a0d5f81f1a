#!/usr/bin/env python3
"""SciPy reference values for ferrolab's circular statistics (src/analysis/circular.rs,
tests/suite/analysis_circular.rs): angles with a symmetry period P (2 pi for a motif, pi for a wall,
pi/2 for a lattice variant), results wrapped into [-P/2, P/2).

Samples (built with NumPy and stored in the JSON, so the Rust tests never depend on NumPy's
random streams):
  single  von Mises samples on each period, concentrated and wide, one centred next to the wrap
          point +-P/2, a bimodal one (two wall variants) and one of an even length;
  pairs   (phi, theta) as a model's latent angle against a true angle: reflected and rotated
          with noise (P = 2 pi), rotated with noise (P = pi), with 10 % outliers (P = pi/2),
          independent (P = 2 pi), and an even count with exact ties broken by the median's mean.
Outputs per single sample: wrap(a) (NumPy), scipy.stats.circmean / circvar / circstd with
high = P/2, low = -P/2, the mean resultant length from scipy.stats.directional_stats on the unit
vectors, and numpy.histogram of the wrapped angles on [-P/2, P/2) with 4, 9 and 36 bins.
Outputs per pair: models.md 2.6's aligned angle error written out from its definition (for s in
+1, -1: c_s = circmean(phi - s theta) on [-P/2, P/2), median |wrap(phi - s theta - c_s)|; the
smaller median wins, +1 on a tie) with its per-sample errors; Jammalamadaka-SenGupta's circular
correlation around SciPy's circmean (SciPy has no circular correlation; astropy's circcorrcoef
is this formula); Fisher-Lee's correlation from its O(n^2) pairwise definition.
NumPy and SciPy are needed only to regenerate the JSON:
    python3 tests/oracles/circular_reference.py > tests/oracles/circular_reference.json
"""
import json

import numpy as np
import scipy
from scipy.stats import circmean, circstd, circvar, directional_stats

rng = np.random.default_rng(2002)
TAU = 2.0 * np.pi


def wrap(a, p):
    return (np.asarray(a) + p / 2.0) % p - p / 2.0


def vonmises(mean, kappa, n, p):
    """von Mises angles on period p (drawn on the circle, scaled to p)."""
    return (rng.vonmises(TAU * mean / p, kappa, n)) * p / TAU


def on_circle(a, p):
    return TAU * np.asarray(a) / p


singles = []
cases = [
    ("concentrated_2pi", TAU, vonmises(1.0, 8.0, 200, TAU) + TAU * rng.integers(-2, 3, 200)),
    ("wide_2pi", TAU, vonmises(-2.0, 0.5, 150, TAU)),
    ("near_wrap_2pi", TAU, vonmises(np.pi - 0.05, 20.0, 101, TAU)),
    ("walls_pi", np.pi, np.concatenate([vonmises(np.pi / 4, 30.0, 90, np.pi),
                                        vonmises(-np.pi / 4, 30.0, 60, np.pi)])),
    ("lattice_half_pi", np.pi / 2, vonmises(0.3, 4.0, 120, np.pi / 2) + rng.uniform(-5, 5, 120)),
    ("even_count_pi", np.pi, vonmises(1.2, 2.0, 64, np.pi)),
]
for name, p, a in cases:
    lo, hi = -p / 2.0, p / 2.0
    x = on_circle(a, p)
    r = directional_stats(np.column_stack([np.cos(x), np.sin(x)])).mean_resultant_length
    hists = []
    for bins in [4, 9, 36]:
        counts, edges = np.histogram(wrap(a, p), bins=bins, range=(lo, hi))
        hists.append(dict(bins=bins, counts=counts.tolist(), edges=edges.tolist()))
    singles.append(dict(name=name, period=p, angles=a.tolist(), wrap=wrap(a, p).tolist(),
                        mean=float(circmean(a, high=hi, low=lo)),
                        variance=float(circvar(a, high=hi, low=lo)),
                        std=float(circstd(a, high=hi, low=lo)),
                        resultant_length=float(r), histograms=hists))


def aligned(phi, theta, p):
    best = None
    for s in (1.0, -1.0):
        d = phi - s * theta
        c = circmean(d, high=p / 2.0, low=-p / 2.0)
        e = np.abs(wrap(d - c, p))
        m = float(np.median(e))
        if best is None or m < best[0]:
            best = (m, s, float(wrap(c, p)), e)
    return best


def js_correlation(a, b, p):
    x, y = on_circle(a, p), on_circle(b, p)
    sx, sy = np.sin(x - circmean(x)), np.sin(y - circmean(y))
    return float(np.sum(sx * sy) / np.sqrt(np.sum(sx ** 2) * np.sum(sy ** 2)))


def fisher_lee(a, b, p):
    x, y = on_circle(a, p), on_circle(b, p)
    i, j = np.triu_indices(len(x), k=1)
    sx, sy = np.sin(x[i] - x[j]), np.sin(y[i] - y[j])
    return float(np.sum(sx * sy) / np.sqrt(np.sum(sx ** 2) * np.sum(sy ** 2)))


pairs = []
theta = rng.uniform(0.0, TAU, 160)
pairs.append(("reflected_2pi", TAU, theta, 0.7 - theta + rng.vonmises(0.0, 60.0, 160)))
theta = np.where(rng.random(140) < 0.5, np.pi / 4, -np.pi / 4) + rng.uniform(-0.05, 0.05, 140)
pairs.append(("rotated_pi", np.pi, theta, theta + 1.3 + 0.1 * rng.standard_normal(140)))
theta = rng.uniform(-np.pi / 4, np.pi / 4, 100)
phi = theta - 0.2 + 0.03 * rng.standard_normal(100)
phi[::10] = rng.uniform(-np.pi / 4, np.pi / 4, 10)
pairs.append(("outliers_half_pi", np.pi / 2, theta, phi))
pairs.append(("independent_2pi", TAU, rng.uniform(-np.pi, np.pi, 90), rng.uniform(-np.pi, np.pi, 90)))
theta = rng.uniform(0.0, TAU, 40)
pairs.append(("even_count_2pi", TAU, theta, theta + 2.5 + np.tile([0.04, -0.04, 0.1, -0.1], 10)))

pair_out = []
for name, p, th, ph in pairs:
    m, s, c, e = aligned(ph, th, p)
    pair_out.append(dict(name=name, period=p, theta=th.tolist(), phi=ph.tolist(),
                         aligned_error=m, sign=s, offset=c, errors=e.tolist(),
                         circular_correlation=js_correlation(th, ph, p),
                         fisher_lee=fisher_lee(th, ph, p)))

print(json.dumps(dict(scipy=scipy.__version__, numpy=np.__version__, single=singles, pairs=pair_out),
                 indent=1))
