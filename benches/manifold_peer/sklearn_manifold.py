#!/usr/bin/env python3
"""scikit-learn's side of the manifold peer bench (benches/README.md, "Manifold learning against
scikit-learn"): writes the shared data set (a seeded 5-component Gaussian mixture, 5,000 x 50,
float64: unit-variance components whose centres are drawn from 0.85 N(0, I), overlapping enough
that the 5-nearest-neighbour graph is connected -- Isomap needs one component: with separated
blobs scikit-learn patches the graph and ferrolab refuses) to DATA.npy if it is missing,
then times TSNE (barnes_hut, defaults, random_state=0), MDS (metric SMACOF, init="random", n_init=1 -- 1.9's default; it was 4 before 1.9 -- max_iter
300, eps 1e-6, random_state=0) and Isomap (n_neighbors=5, n_components=2) on it, one call
each, and prints one JSON line per method with the time and a quality number computed by
scikit-learn (trustworthiness with k = 5 for t-SNE, stress_ for MDS, reconstruction_error() for
Isomap). Threads: run it with OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 (run.sh does) and
n_jobs=2 where the estimator takes one.

Usage: python sklearn_manifold.py DATA.npy [tsne] [mds] [isomap]
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.manifold import MDS, TSNE, Isomap, trustworthiness

warnings.simplefilter("ignore", FutureWarning)
path = sys.argv[1]
which = sys.argv[2:] or ["tsne", "mds", "isomap"]
if not os.path.exists(path):
    rng = np.random.default_rng(5050)
    centres = 0.85 * rng.standard_normal((5, 50))
    labels = rng.integers(0, 5, size=5000)
    x = centres[labels] + rng.standard_normal((5000, 50))
    np.save(path, x)
x = np.load(path)


def emit(method, seconds, quality_name, quality, **extra):
    print(json.dumps(dict(side="sklearn", version=sklearn.__version__, method=method, seconds=seconds,
                          quality_name=quality_name, quality=quality, n=x.shape[0], d=x.shape[1], **extra)),
          flush=True)


if "tsne" in which:
    t0 = time.perf_counter()
    t = TSNE(method="barnes_hut", random_state=0, n_jobs=2)
    y = t.fit_transform(x)
    dt = time.perf_counter() - t0
    emit("tsne", dt, "trustworthiness", float(trustworthiness(x, y, n_neighbors=5)),
         kl_divergence=float(t.kl_divergence_), n_iter=int(t.n_iter_))
if "mds" in which:
    t0 = time.perf_counter()
    m = MDS(n_components=2, metric_mds=True, n_init=1, init="random", random_state=0, n_jobs=2)
    m.fit(x)
    dt = time.perf_counter() - t0
    emit("mds", dt, "stress", float(m.stress_), n_iter=int(m.n_iter_))
if "isomap" in which:
    t0 = time.perf_counter()
    iso = Isomap(n_neighbors=5, n_components=2, n_jobs=2)
    iso.fit(x)
    dt = time.perf_counter() - t0
    emit("isomap", dt, "reconstruction_error", float(iso.reconstruction_error()))
