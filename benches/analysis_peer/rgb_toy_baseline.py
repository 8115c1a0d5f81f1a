"""Paper 001's dictionary-learning baseline in scikit-learn, as a peer of
`ferrolab analyze rgb-toy`: the same model on the same kind of data, drawn independently.

Per seed: 10,000 colours uniform in [0, 1]^3 (NumPy's generator, so not ferrolab's colours),
toy spectra on t = linspace(-1, 1, 25), standardised per time step with the training set's mean
and std (StandardScaler); DictionaryLearning(3, alpha=0.57, fit_algorithm='cd'); validation on
the 21^3 gamut and the 128 x 128 validation image (ferrolab's definitions), coded by
scikit-learn's default transform (OMP, 2 of 3 atoms) and by lasso (transform_algorithm='lasso_cd',
transform_alpha=0.57). Prints the MSEs in standardised units per seed and their mean and
standard deviation. About 30 s per seed on 2 cores.

Run with scikit-learn and NumPy (no ferrolab needed):
    python3 benches/analysis_peer/rgb_toy_baseline.py [SEEDS]      # default 3
"""
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import DictionaryLearning
from sklearn.preprocessing import StandardScaler

T = np.linspace(-1, 1, 25)


def spectra(c):
    z = T - 2 * (c[:, 1:2] - 0.5)
    selu = 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0)))
    return np.tanh(20 * (T - 2 * (c[:, :1] - 0.5))) + selu + 1 / (1 + np.exp(20 * (T - (c[:, 2:] - 0.5))))


levels = np.linspace(0, 1, 21)
gamut = np.array([(r, g, b) for r in levels for g in levels for b in levels])
i, j = np.divmod(np.arange(128 * 128), 128)
image = np.column_stack([j / 127, 0.5 + 0.5 * np.sin(2 * np.pi * i / 64),
                         np.where((i - 64) ** 2 + (j - 64) ** 2 < 40 ** 2, 1.0, 0.2)])

seeds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
rows = []
for seed in range(seeds):
    train = spectra(np.random.default_rng(seed).uniform(size=(10000, 3)))
    scaler = StandardScaler().fit(train)
    start = time.perf_counter()
    model = DictionaryLearning(3, alpha=0.57, fit_algorithm="cd", max_iter=1000, tol=1e-8,
                               random_state=seed).fit(scaler.transform(train))
    seconds = time.perf_counter() - start
    row = []
    for colours in (image, gamut):
        z = scaler.transform(spectra(colours))
        for algorithm in ("omp", "lasso_cd"):
            model.set_params(transform_algorithm=algorithm, transform_alpha=0.57)
            row.append(np.mean((z - model.transform(z) @ model.components_) ** 2))
    rows.append(row)
    print(f"seed {seed}: {model.n_iter_} iterations in {seconds:.1f} s; image omp {row[0]:.4f} "
          f"lasso {row[1]:.4f}; gamut omp {row[2]:.4f} lasso {row[3]:.4f}", flush=True)
rows = np.array(rows)
for k, name in enumerate(("image omp", "image lasso", "gamut omp", "gamut lasso")):
    print(f"{name}: {rows[:, k].mean():.4f} +- {rows[:, k].std(ddof=1) if seeds > 1 else 0:.4f}")
print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}")
