"""Manifold learning, as paper 004 compares with the rVAE's latents: t-SNE, MDS and Isomap with
scikit-learn's definitions, and the trustworthiness of an embedding (`ferrolab_tsne`,
`ferrolab_mds`, `ferrolab_isomap`, `ferrolab_trustworthiness`).

Data are samples x features, as in scikit-learn. Each function fits once and returns a named
tuple, the embedding (n_samples, n_components) first (``y, kl = tsne(x)`` unpacks); options are
the `tsne.*`, `mds.*` and `isomap.*` keys, given as keywords without the prefix
(``tsne(x, perplexity=5, seed=1)``) or in a `Config`. Results do not depend on the thread count.
"""
import ctypes
from collections import namedtuple
from ctypes import c_double

import numpy as np

from . import _lib
from ._check import Args
from .config import build, handle_of

TsneResult = namedtuple("TsneResult", "embedding kl_divergence")
MdsResult = namedtuple("MdsResult", "embedding stress")
IsomapResult = namedtuple("IsomapResult", "embedding reconstruction_error")


def _n_components(a, n_components, config, key):
    """The embedding's dimension: the argument, else the key in `config`, else its default (2).
    C takes it as an argument and ignores the key, so it is resolved here."""
    if n_components is None:
        n_components = 2 if config is None else config[key]
    return a.integer("n_components", n_components)


def _embed(where, function, x, n_components, config, options):
    a = Args(where)
    x = a.array("x", x, ("n", "d"))
    k = _n_components(a, n_components, config, f"{where}.n_components")
    cfg = build(where, config, options, f"{where}.")
    n, d = x.shape
    embedding, value = np.zeros((n, k)), c_double()
    _lib.check(function(handle_of(cfg), _lib.ptr(x), n, d, k, _lib.ptr(embedding), ctypes.byref(value)))
    return embedding, value.value


def tsne(x, n_components=None, config=None, **options):
    """t-SNE of `x` (n_samples, n_features) into `n_components` dimensions (None: the config's
    tsne.n_components, 2 by default), scikit-learn's TSNE: perplexity 30, early exaggeration 12,
    learning rate "auto", 1000 iterations, Barnes-Hut (angle 0.5), PCA start, seed 0 (keys
    tsne.perplexity, .early_exaggeration, .learning_rate, .max_iter, .method, .angle, .init,
    .min_grad_norm, .n_iter_without_progress, .seed). The perplexity must be below n_samples.

    Returns `TsneResult`: embedding (n_samples, n_components), kl_divergence (the final
    Kullback-Leibler divergence, scikit-learn's `kl_divergence_`).
    """
    return TsneResult(*_embed("tsne", _lib.lib.ferrolab_tsne, x, n_components, config, options))


def mds(x, n_components=None, config=None, **options):
    """Metric multidimensional scaling of `x` (n_samples, n_features) into `n_components`
    dimensions (None: the config's mds.n_components, 2 by default): scikit-learn 1.9's SMACOF
    (1 start, 300 iterations, eps 1e-6, seed 0; keys mds.n_init, .max_iter, .eps, .seed), or
    Torgerson's classical scaling with ``method="classical"``.

    Returns `MdsResult`: embedding (n_samples, n_components), stress (the raw stress of the
    embedding, the sum over pairs i < j of (distance - dissimilarity)^2: scikit-learn's
    `stress_`).
    """
    return MdsResult(*_embed("mds", _lib.lib.ferrolab_mds, x, n_components, config, options))


def isomap(x, n_components=None, config=None, **options):
    """Isomap of `x` (n_samples, n_features) into `n_components` dimensions (None: the config's
    isomap.n_components, 2 by default): the graph of each sample's isomap.n_neighbors nearest
    neighbours (5), geodesic distances by shortest paths, classical scaling of them, as
    scikit-learn's Isomap. A graph in pieces is an `ArgumentError` (raise n_neighbors).

    Returns `IsomapResult`: embedding (n_samples, n_components; each component's sign is
    arbitrary), reconstruction_error (scikit-learn's `reconstruction_error()`).
    """
    return IsomapResult(*_embed("isomap", _lib.lib.ferrolab_isomap, x, n_components, config, options))


def trustworthiness(x, embedding, n_neighbors=5):
    """Trustworthiness of `embedding` (n_samples, n_components) of `x` (n_samples, n_features)
    with `n_neighbors` neighbours (below n_samples / 2), scikit-learn's
    `sklearn.manifold.trustworthiness` (Euclidean): 1 when every embedded neighbourhood holds only
    original neighbours, lower as strangers intrude. Returns a float."""
    a = Args("trustworthiness")
    x = a.array("x", x, ("n", "d"))
    embedding = a.array("embedding", embedding, ("n", "k"))
    n_neighbors = a.integer("n_neighbors", n_neighbors)
    (n, d), k = x.shape, embedding.shape[1]
    out = c_double()
    _lib.check(_lib.lib.ferrolab_trustworthiness(_lib.ptr(x), _lib.ptr(embedding), n, d, k, n_neighbors,
                                                 ctypes.byref(out)))
    return out.value
