#!/usr/bin/env python3
"""Side by side: ferrolab's GP vs scikit-learn's GaussianProcessRegressor on the same data,
kernel (ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(0.005, fixed), alpha 1e-10) and restarts
(none), one regressor per output, 2-D inputs and 4 outputs as in paper 000.
Usage: python3 compare.py FERROLAB_EXE [n ...]   (run by benches/gp_peer/run.sh)
"""
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

exe = sys.argv[1]
sizes = [int(a) for a in sys.argv[2:]] or [250, 1000, 4000]
rng = np.random.default_rng(7)
for n in sizes:
    x = rng.uniform(-2, 2, size=(n, 2))
    y = np.c_[np.sin(x[:, 0]) * np.cos(x[:, 1]), 0.3 * x[:, 0] * x[:, 1], np.tanh(x[:, 0] - x[:, 1]),
              np.exp(-x[:, 0] ** 2)] + 0.05 * rng.standard_normal((n, 4))
    start = time.perf_counter()
    lml_sk = []
    for j in range(4):
        kernel = ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(0.005, "fixed")
        gp = GaussianProcessRegressor(kernel, alpha=1e-10).fit(x, y[:, j])
        lml_sk.append(gp.log_marginal_likelihood_value_)
    t_sk = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        np.save(f"{tmp}/x.npy", x)
        np.save(f"{tmp}/y.npy", y)
        out = subprocess.run([exe, "gp", "fit", "--x", f"{tmp}/x.npy", "--y", f"{tmp}/y.npy",
                              "--out", f"{tmp}/gp.model"], check=True, capture_output=True, text=True).stdout
    t_fl = float(re.search(r"in ([0-9.]+) s", out).group(1))
    lml_fl = [float(v) for v in re.findall(r"log marginal likelihood (-?[0-9.]+)", out)]
    gap = min(a - b for a, b in zip(lml_fl, lml_sk))
    print(f"n = {n}: scikit-learn {t_sk:.2f} s, ferrolab {t_fl:.2f} s -> {t_sk / t_fl:.1f}x; "
          f"min(LML_ferrolab - LML_sklearn) over outputs = {gap:+.2e}")
