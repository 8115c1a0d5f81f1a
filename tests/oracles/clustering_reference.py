#!/usr/bin/env python3
"""scikit-learn and SciPy reference values for ferrolab's k-means, Gaussian mixtures and
Gaussian kernel density estimates (src/analysis/{kmeans,gmm,kde}.rs, tests/suite/analysis_clustering.rs).

Datasets (built with NumPy and stored in the JSON, so the Rust tests never depend on NumPy's
random streams):
  blobs2d  four well-separated 2-D Gaussian blobs of different sizes and spreads, n = 200;
  aniso3d  three overlapping, anisotropic (full-covariance) 3-D Gaussians, n = 240;
  kde1d    a bimodal 1-D sample, n = 120;      kde2d  a correlated 2-D sample, n = 150.
Outputs:
  kmeans     KMeans(k-means++, n_init=10) on blobs2d (inertia, centres, labels); KMeans from a
             given initial array on aniso3d (the Lloyd trajectory is deterministic from there);
  gmm        GaussianMixture (full, diag, tied, spherical) on blobs2d and (full, diag) on
             aniso3d: weights, means, covariances, lower bound(s), n_iter, score, bic, aic,
             score_samples and predict_proba at query points, and the labels of the
             KMeans(n_init=1, random_state) that GaussianMixture starts from;
  kde        scipy.stats.gaussian_kde (scott, silverman, a given factor, weighted) densities and
             log densities at query points in 1-D and 2-D;
  kernel_density  sklearn KernelDensity(kernel='gaussian', bandwidth=h).score_samples.
scikit-learn and SciPy are needed only to regenerate the JSON:
    python3 tests/oracles/clustering_reference.py > tests/oracles/clustering_reference.json
"""
import json

import numpy as np
import scipy
import sklearn
from scipy.stats import gaussian_kde
from sklearn.cluster import KMeans
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity

rng = np.random.default_rng(909)

# Four blobs, 50 points each, far apart relative to their spreads.
centres = np.array([[0.0, 0.0], [8.0, 1.0], [1.0, 9.0], [9.0, 10.0]])
spreads = np.array([0.6, 1.0, 0.8, 0.5])
blobs2d = np.concatenate([c + s * rng.standard_normal((50, 2)) for c, s in zip(centres, spreads)])
blobs2d = blobs2d[rng.permutation(len(blobs2d))]

# Three anisotropic 3-D Gaussians with correlated coordinates, partly overlapping.
aniso_means = np.array([[0.0, 0.0, 0.0], [4.0, 1.0, -1.0], [1.0, 5.0, 2.0]])
aniso_factors = [np.array([[1.0, 0.0, 0.0], [0.8, 0.5, 0.0], [0.3, -0.2, 0.4]]),
                 np.array([[0.5, 0.0, 0.0], [-0.4, 1.2, 0.0], [0.1, 0.6, 0.3]]),
                 np.array([[0.9, 0.0, 0.0], [0.0, 0.4, 0.0], [0.7, 0.2, 0.8]])]
aniso3d = np.concatenate([m + rng.standard_normal((n, 3)) @ f.T
                          for m, f, n in zip(aniso_means, aniso_factors, [100, 60, 80])])
aniso3d = aniso3d[rng.permutation(len(aniso3d))]

gmm_queries = {"blobs2d": rng.uniform(-2.0, 11.0, size=(10, 2)),
               "aniso3d": rng.uniform(-2.0, 6.0, size=(10, 3))}
data = {"blobs2d": blobs2d, "aniso3d": aniso3d}

# k-means.
km = KMeans(4, init="k-means++", n_init=10, random_state=0).fit(blobs2d)
kmeans = [dict(name="blobs2d_kmeanspp", data="blobs2d", k=4, init=None, inertia=float(km.inertia_),
               centres=km.cluster_centers_.tolist(), labels=km.labels_.tolist(), n_iter=int(km.n_iter_))]
init = aniso3d[[0, 1, 2]]
km = KMeans(3, init=init, n_init=1, max_iter=300, tol=1e-4).fit(aniso3d)
kmeans.append(dict(name="aniso3d_given", data="aniso3d", k=3, init=init.tolist(), inertia=float(km.inertia_),
                   centres=km.cluster_centers_.tolist(), labels=km.labels_.tolist(), n_iter=int(km.n_iter_)))


def full_covariances(g, kind, k, d):
    c = g.covariances_
    if kind == "full":
        return c
    if kind == "diag":
        return np.stack([np.diag(v) for v in c])
    if kind == "tied":
        return np.stack([c] * k)
    return np.stack([v * np.eye(d) for v in c])


gmm = []
for name, kind, k in [("blobs2d", "full", 4), ("blobs2d", "diag", 4), ("blobs2d", "tied", 4),
                      ("blobs2d", "spherical", 4), ("aniso3d", "full", 3), ("aniso3d", "diag", 3)]:
    x = data[name]
    seed = 3
    g = GaussianMixture(k, covariance_type=kind, random_state=seed).fit(x)
    # The clustering GaussianMixture starts from (its default init_params='kmeans').
    labels0 = KMeans(k, n_init=1, random_state=np.random.RandomState(seed)).fit(x).labels_
    q = gmm_queries[name]
    gmm.append(dict(data=name, covariance_type=kind, k=k, init_labels=labels0.tolist(),
                    weights=g.weights_.tolist(), means=g.means_.tolist(),
                    covariances=full_covariances(g, kind, k, x.shape[1]).tolist(),
                    converged=bool(g.converged_), n_iter=int(g.n_iter_), lower_bound=float(g.lower_bound_),
                    lower_bounds=[float(v) for v in g.lower_bounds_], score=float(g.score(x)),
                    bic=float(g.bic(x)), aic=float(g.aic(x)), queries=q.tolist(),
                    score_samples=g.score_samples(q).tolist(), predict_proba=g.predict_proba(q).tolist()))

# Gaussian KDEs (SciPy) and sklearn's isotropic KernelDensity.
kde1d = np.concatenate([rng.normal(-1.0, 0.5, 70), rng.normal(2.0, 1.0, 50)])[:, None]
kde2d = rng.standard_normal((150, 2)) @ np.array([[1.0, 0.0], [0.6, 0.5]]).T + np.array([0.5, -1.0])
kde_weights = rng.uniform(0.2, 1.0, 150)
q1 = np.linspace(-4.0, 6.0, 21)[:, None]
q2 = rng.uniform(-3.0, 3.0, size=(15, 2))
kde = []
for name, x, q in [("kde1d", kde1d, q1), ("kde2d", kde2d, q2)]:
    for bw in ["scott", "silverman", 0.3]:
        est = gaussian_kde(x.T, bw_method=bw)
        kde.append(dict(data=name, bandwidth=bw, weighted=False, factor=float(est.factor),
                        covariance=np.atleast_2d(est.covariance).tolist(), points=q.tolist(),
                        density=est.evaluate(q.T).tolist(), log_density=est.logpdf(q.T).tolist()))
est = gaussian_kde(kde2d.T, bw_method="scott", weights=kde_weights)
kde.append(dict(data="kde2d", bandwidth="scott", weighted=True, factor=float(est.factor), n_eff=float(est.neff),
                covariance=est.covariance.tolist(), points=q2.tolist(),
                density=est.evaluate(q2.T).tolist(), log_density=est.logpdf(q2.T).tolist()))

kernel_density = []
for name, x, q, h in [("kde2d", kde2d, q2, 0.4), ("kde1d", kde1d, q1, 0.25)]:
    kd = KernelDensity(kernel="gaussian", bandwidth=h).fit(x)
    kernel_density.append(dict(data=name, bandwidth=h, points=q.tolist(), score_samples=kd.score_samples(q).tolist()))

print(json.dumps(dict(sklearn=sklearn.__version__, scipy=scipy.__version__, numpy=np.__version__,
                      data={"blobs2d": blobs2d.tolist(), "aniso3d": aniso3d.tolist(), "kde1d": kde1d.tolist(),
                            "kde2d": kde2d.tolist(), "kde2d_weights": kde_weights.tolist()},
                      kmeans=kmeans, gmm=gmm, kde=kde, kernel_density=kernel_density), indent=1))
