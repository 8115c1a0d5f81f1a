#!/usr/bin/env python3
"""Independent numpy check of the grain-boundary fraction that physics.md section 2.5 defines
(Voronoi grains, minimum image across the width, GB cell <=> distance to the nearest bisector
< w/2, w ~ U[1, 2] nm), for D_G = 5 nm (65 grains) on the paper's 10 nm x 128 nm grid.

numpy's generator, not ferrolab's, so only the statistics are comparable: the Rust test
`small_grains_are_mostly_boundary` checks its mean over seeds against the value printed here.
Usage: python3 tests/oracles/gb_fraction_reference.py [half|full]
  half: band |d| < w/2 (the spec, ferrolab's choice); full: |d| < w (the other reading).
"""
import sys
import numpy as np


def gb_fraction(rng, band):
    h, W, dx, n = 10.0, 128.0, 0.5, 65
    seeds = np.c_[rng.uniform(0, h, n), rng.uniform(0, W, n)]
    w = rng.uniform(1, 2)
    i, j = np.meshgrid(np.arange(20), np.arange(256), indexing="ij")
    r = np.stack([(i + 0.5) * dx, (j + 0.5) * dx], -1).reshape(-1, 2)
    u = r[:, None, :] - seeds[None, :, :]
    u[..., 1] -= W * np.floor(u[..., 1] / W + 0.5)
    d2 = (u**2).sum(-1)
    rows = np.arange(len(r))
    g = d2.argmin(1)
    sep = np.linalg.norm(u - u[rows, g][:, None, :], axis=-1)
    with np.errstate(all="ignore"):
        d = (d2 - d2[rows, g][:, None]) / (2 * sep)
    d[rows, g] = np.inf
    return (d.min(1) < band * w).mean()


band = 1.0 if sys.argv[1:] == ["full"] else 0.5
rng = np.random.default_rng(0)
samples = [gb_fraction(rng, band) for _ in range(200)]
print(f"mean {np.mean(samples):.4f} sd {np.std(samples):.4f} over {len(samples)} structures")
