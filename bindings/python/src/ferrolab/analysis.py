"""Linear baselines and statistics: PCA, NMF, dictionary learning, k-means, Gaussian mixtures,
Gaussian KDE and Pearson correlations (`ferrolab_pca` ... `ferrolab_pearson_matrix`).

Data are samples x features, as in scikit-learn. Each function fits once and returns its results
as a named tuple (so ``components, variance, scores = pca(x, 3)`` unpacks as before); options are
the `nmf.*`, `dictionary.*`, `kmeans.*`, `gmm.*` and `kde.*` keys, given as keywords without the
prefix (``kmeans(x, 4, n_init=10, seed=1)``) or in a `Config`.
"""
import ctypes
from collections import namedtuple
from ctypes import c_double

import numpy as np

from . import _lib, errors
from ._check import Args
from .config import build, handle_of

PcaResult = namedtuple("PcaResult", "components explained_variance scores")
NmfResult = namedtuple("NmfResult", "w h reconstruction_error")
DictionaryResult = namedtuple("DictionaryResult", "codes dictionary mse")
KmeansResult = namedtuple("KmeansResult", "centres labels inertia")
GmmResult = namedtuple("GmmResult", "weights means covariances labels mean_log_likelihood")

# PCA's `center` argument: its C integer for each name.
_CENTER = {"none": 0, "mean": 1, "standardize": 2}


def pca(x, k, center="mean"):
    """Principal component analysis of `x` (n_samples, n_features).

    `center`: "mean" (centre each feature: scikit-learn's PCA), "none" (truncated SVD of the raw
    data, as paper 003 applies it to loops; variances as scikit-learn's TruncatedSVD) or
    "standardize" (centre and divide by each feature's standard deviation); 0, 1, 2 also work.

    Returns `PcaResult`: components (k, n_features; unit rows, each with its largest-magnitude
    entry positive), explained_variance (k), scores (n_samples, k).
    """
    a = Args("pca")
    x = a.array("x", x, ("n", "d"))
    k = a.integer("k", k)
    if isinstance(center, str):
        if center not in _CENTER:
            raise errors.ArgumentError(errors.ERR_INVALID_ARGUMENT,
                                       f"pca: center must be one of {sorted(_CENTER)}; got {center!r}")
        center = _CENTER[center]
    center = a.integer("center", center)
    n, d = x.shape
    components, variance, scores = np.zeros((k, d)), np.zeros(k), np.zeros((n, k))
    _lib.check(_lib.lib.ferrolab_pca(_lib.ptr(x), n, d, k, center, _lib.ptr(components), _lib.ptr(variance),
                                     _lib.ptr(scores)))
    return PcaResult(components, variance, scores)


def nmf(x, k, config=None, **options):
    """Non-negative matrix factorisation x ~ w h of `x` (n_samples, n_features; all >= 0) with
    `k` components by coordinate descent (scikit-learn's defaults; keys nmf.init, nmf.tol,
    nmf.max_iter, nmf.seed).

    Returns `NmfResult`: w (n_samples, k), h (k, n_features), reconstruction_error ||x - w h||_F.
    """
    a = Args("nmf")
    x = a.array("x", x, ("n", "d"))
    k = a.integer("k", k)
    cfg = build("nmf", config, options, "nmf.")
    n, d = x.shape
    w, h, err = np.zeros((n, k)), np.zeros((k, d)), c_double()
    _lib.check(_lib.lib.ferrolab_nmf(handle_of(cfg), _lib.ptr(x), n, d, k, _lib.ptr(w), _lib.ptr(h),
                                     ctypes.byref(err)))
    return NmfResult(w, h, err.value)


def dictionary_learning(x, k, lam, config=None, **options):
    """Dictionary learning (paper 001; scikit-learn's DictionaryLearning with alpha = `lam`):
    min over codes G (n_samples, k) and atoms D (k, n_features; rows of norm <= 1) of
    0.5 ||x - G D||_F^2 + lam ||G||_1. Keys dictionary.init, .tol, .max_iter, .standardise
    (1: centre and scale each feature first, as paper 001; atoms and MSE are then in standardised
    units), .seed.

    Returns `DictionaryResult`: codes (n_samples, k), dictionary (k, n_features), mse (the mean
    squared reconstruction error).
    """
    a = Args("dictionary_learning")
    x = a.array("x", x, ("n", "d"))
    k = a.integer("k", k)
    lam = a.real("lam", lam)
    cfg = build("dictionary_learning", config, options, "dictionary.")
    n, d = x.shape
    codes, atoms, mse = np.zeros((n, k)), np.zeros((k, d)), c_double()
    _lib.check(_lib.lib.ferrolab_dictionary_learning(handle_of(cfg), _lib.ptr(x), n, d, k, lam, _lib.ptr(codes),
                                                     _lib.ptr(atoms), ctypes.byref(mse)))
    return DictionaryResult(codes, atoms, mse.value)


def pearson_matrix(a, b):
    """Pearson r of every column of `a` (n_samples, p) with every column of `b` (n_samples, q):
    (p, q); NaN where a column is constant."""
    args = Args("pearson_matrix")
    a = args.array("a", a, ("n", "p"))
    b = args.array("b", b, ("n", "q"))
    n, p = a.shape
    q = b.shape[1]
    r = np.zeros((p, q))
    _lib.check(_lib.lib.ferrolab_pearson_matrix(_lib.ptr(a), _lib.ptr(b), n, p, q, _lib.ptr(r)))
    return r


def kmeans(x, k, config=None, **options):
    """k-means of `x` (n_samples, n_features) into `k` clusters (k-means++ starts, Lloyd
    iterations; keys kmeans.n_init, .max_iter, .tol, .seed).

    Returns `KmeansResult`: centres (k, n_features), labels (n_samples; int32, 0-based), inertia
    (the sum of squared distances to the nearest centre).
    """
    a = Args("kmeans")
    x = a.array("x", x, ("n", "d"))
    k = a.integer("k", k)
    cfg = build("kmeans", config, options, "kmeans.")
    n, d = x.shape
    centres, labels, inertia = np.zeros((k, d)), np.zeros(n, np.int32), c_double()
    _lib.check(_lib.lib.ferrolab_kmeans(handle_of(cfg), _lib.ptr(x), n, d, k, _lib.ptr(centres), _lib.ptr(labels),
                                        ctypes.byref(inertia)))
    return KmeansResult(centres, labels, inertia.value)


def gmm(x, k, config=None, **options):
    """Gaussian mixture of `k` components fitted to `x` (n_samples, n_features) by EM from a
    k-means start (paper 003's GMM in latent space; keys gmm.covariance ("full", "diag", "tied",
    "spherical"), .tol, .reg_covar, .max_iter, .n_init, .init, .seed).

    Returns `GmmResult`: weights (k), means (k, n_features), covariances (k, n_features,
    n_features; full matrices whatever gmm.covariance says), labels (n_samples; the most
    probable component, int32), mean_log_likelihood (per sample).
    """
    a = Args("gmm")
    x = a.array("x", x, ("n", "d"))
    k = a.integer("k", k)
    cfg = build("gmm", config, options, "gmm.")
    n, d = x.shape
    weights, means, covs = np.zeros(k), np.zeros((k, d)), np.zeros((k, d, d))
    labels, score = np.zeros(n, np.int32), c_double()
    _lib.check(_lib.lib.ferrolab_gmm(handle_of(cfg), _lib.ptr(x), n, d, k, _lib.ptr(weights), _lib.ptr(means),
                                     _lib.ptr(covs), _lib.ptr(labels), ctypes.byref(score)))
    return GmmResult(weights, means, covs, labels, score.value)


def kde(data, points, config=None, **options):
    """Gaussian kernel density estimate of `data` (n_samples, n_features) evaluated at `points`
    (n_points, n_features): the density at each point (n_points), in 1 / (units of the data)^d.

    Key kde.bandwidth: "scott" and "silverman" scale the data covariance as
    scipy.stats.gaussian_kde; "factor" scales it by kde.bandwidth_value; "isotropic" uses
    kde.bandwidth_value as the kernel width in data units, as scikit-learn's KernelDensity.
    """
    a = Args("kde")
    data = a.array("data", data, ("n", "d"))
    points = a.array("points", points, ("m", "d"))
    cfg = build("kde", config, options, "kde.")
    n, d = data.shape
    density = np.zeros(points.shape[0])
    _lib.check(_lib.lib.ferrolab_kde(handle_of(cfg), _lib.ptr(data), n, d, _lib.ptr(points), points.shape[0],
                                     _lib.ptr(density)))
    return density
