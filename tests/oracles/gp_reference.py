#!/usr/bin/env python3
"""scikit-learn reference values for ferrolab's GP (src/gp/). One GaussianProcessRegressor per
output, alpha = 1e-10, the paper's kernel ConstantKernel * RBF + WhiteKernel(0.005, fixed) and
variants. Writes gp_reference.json (data, settings and sklearn's numbers); scikit-learn is
needed only to regenerate it:
    python3 tests/oracles/gp_reference.py > tests/oracles/gp_reference.json
"""
import json

import numpy as np
import sklearn
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

rng = np.random.default_rng(2024)
n, d = 40, 2
x = rng.uniform(-2, 2, size=(n, d))
y = np.c_[np.sin(1.3 * x[:, 0]) * np.cos(0.7 * x[:, 1]), 0.5 * x[:, 0] - x[:, 1] ** 2 / 3]
y += 0.05 * rng.standard_normal(y.shape)
xq = rng.uniform(-2.2, 2.2, size=(12, d))


def kernel(kind, signal, length, noise, fixed):
    bounds = "fixed" if fixed else (1e-5, 1e5)
    corr = {"rbf": RBF, "rbf_ard": RBF}.get(kind)
    if corr is not None:
        c = corr(length, length_scale_bounds=bounds)
    else:
        c = Matern(length, length_scale_bounds=bounds, nu={"matern32": 1.5, "matern52": 2.5}[kind])
    return ConstantKernel(signal, constant_value_bounds=bounds) * c + WhiteKernel(noise, "fixed")


cases = []
for name, kind, signal, length, optimize, normalize in [
    ("rbf_fixed", "rbf", 1.3, 0.7, False, False),
    ("rbf_ard_fixed", "rbf_ard", 0.9, [0.5, 1.2], False, False),
    ("matern32_fixed", "matern32", 1.1, 0.8, False, False),
    ("matern52_fixed", "matern52", 1.1, 0.8, False, False),
    ("rbf_paper_optimized", "rbf", 1.0, 1.0, True, False),
    ("rbf_ard_optimized", "rbf_ard", 1.0, [1.0, 1.0], True, False),
    ("rbf_normalized_optimized", "rbf", 1.0, 1.0, True, True),
]:
    outputs = []
    for j in range(y.shape[1]):
        gp = GaussianProcessRegressor(kernel(kind, signal, length, 0.005, not optimize), alpha=1e-10,
                                      optimizer="fmin_l_bfgs_b" if optimize else None,
                                      normalize_y=normalize)
        gp.fit(x, y[:, j])
        mean, std = gp.predict(xq, return_std=True)
        _, cov = gp.predict(xq[:4], return_cov=True)
        params = gp.kernel_.get_params()
        outputs.append(dict(
            log_marginal_likelihood=float(gp.log_marginal_likelihood_value_),
            signal_variance=float(params["k1__k1__constant_value"]),
            length_scale=np.atleast_1d(params["k1__k2__length_scale"]).tolist(),
            mean=mean.tolist(), std=std.tolist(), cov_first_4=cov.tolist()))
    cases.append(dict(name=name, kernel=kind, signal_variance=signal, length_scale=np.atleast_1d(length).tolist(),
                      noise_variance=0.005, optimize=optimize, normalize_y=normalize, outputs=outputs))

print(json.dumps(dict(sklearn=sklearn.__version__, x=x.tolist(), y=y.tolist(), xq=xq.tolist(), cases=cases),
                 indent=1))
