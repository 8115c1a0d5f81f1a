"""t-SNE, MDS, Isomap and trustworthiness against scikit-learn 1.9.1's results
(tests/oracles/manifold_reference.json; scikit-learn is not installed in CI), with their keyword
options."""
import json

import numpy as np
import pytest

import ferrolab

from conftest import ROOT

REFERENCE = json.loads((ROOT / "tests" / "oracles" / "manifold_reference.json").read_text())


def _data(name):
    return np.array(REFERENCE["data"][name])


def _max_rel_up_to_sign(a, b):
    """Largest |a - s b| / max |b| over the columns, s = +-1 chosen per column."""
    scale = np.abs(b).max()
    return max(min(np.abs(a[:, c] - b[:, c]).max(), np.abs(a[:, c] + b[:, c]).max()) / scale
               for c in range(b.shape[1]))


def _stress(x, y):
    dx = np.sqrt(((x[:, None] - x[None]) ** 2).sum(-1))
    dy = np.sqrt(((y[:, None] - y[None]) ** 2).sum(-1))
    return ((dx - dy) ** 2).sum() / 2


@pytest.mark.parametrize("case", REFERENCE["trustworthiness"], ids=lambda c: f"k{c['k']}")
def test_trustworthiness_equals_scikit_learns(case):
    pair = REFERENCE["pair"]
    value = ferrolab.trustworthiness(pair["x"], pair["y"], n_neighbors=case["k"])
    assert isinstance(value, float) and abs(value - case["value"]) < 1e-12


def test_isomap_equals_scikit_learns_up_to_sign():
    ref = REFERENCE["isomap"]
    embedding, error = ferrolab.isomap(_data("scurve"), n_neighbors=ref["n_neighbors"])
    assert embedding.shape == (200, 2)
    assert _max_rel_up_to_sign(embedding, np.array(ref["embedding"])) < 1e-6
    assert abs(error - ref["reconstruction_error"]) < 0.01 * ref["reconstruction_error"]
    # The same fit through a Config, and one component asked for: the first column again.
    cfg = ferrolab.Config({"isomap.n_neighbors": 5, "isomap.n_components": 1})
    one = ferrolab.isomap(_data("scurve"), config=cfg)
    assert isinstance(one, ferrolab.IsomapResult) and one.embedding.shape == (200, 1)
    assert _max_rel_up_to_sign(one.embedding, embedding[:, :1]) < 1e-12
    with pytest.raises(ferrolab.ArgumentError, match="n_neighbors = 1: .* 4 connected components"):
        ferrolab.isomap(_data("scurve")[::20], n_neighbors=1)


def test_classical_mds_equals_scikit_learns_up_to_sign_and_smacof_its_stress():
    x = _data("blobs")
    ref = REFERENCE["classical"]
    embedding, stress = ferrolab.mds(x, method="classical")
    assert _max_rel_up_to_sign(embedding, np.array(ref["embedding"])) < 1e-9
    assert abs(stress - ref["stress"]) < 1e-9 * ref["stress"]
    case = next(c for c in REFERENCE["mds"] if c["data"] == "blobs" and c["n_init"] == 1)
    fit = ferrolab.mds(x)
    assert isinstance(fit, ferrolab.MdsResult) and fit.embedding.shape == (120, 2)
    assert fit.stress <= 1.01 * case["stress"]
    # The stress reported is the raw stress of the embedding returned.
    assert abs(_stress(x, fit.embedding) - fit.stress) < 1e-9 * fit.stress
    # Deterministic for a seed; another seed starts elsewhere.
    np.testing.assert_array_equal(ferrolab.mds(x, max_iter=5).embedding, ferrolab.mds(x, max_iter=5).embedding)
    assert not np.array_equal(ferrolab.mds(x, max_iter=5).embedding, ferrolab.mds(x, max_iter=5, seed=1).embedding)


def test_tsne_is_as_trustworthy_as_scikit_learns():
    x = _data("blobs")
    case = next(c for c in REFERENCE["tsne"] if c["data"] == "blobs" and c["method"] == "barnes_hut")
    result = ferrolab.tsne(x)
    assert isinstance(result, ferrolab.TsneResult) and result.embedding.shape == (120, 2)
    assert ferrolab.trustworthiness(x, result.embedding, 5) > case["trustworthiness"] - 0.01
    assert abs(result.kl_divergence - case["kl_divergence"]) < 0.1
    # Options: a short exact run in 3-D, reproducible.
    short = ferrolab.tsne(x[:30], 3, perplexity=5, max_iter=250, method="exact")
    assert short.embedding.shape == (30, 3) and np.isfinite(short.kl_divergence)
    np.testing.assert_array_equal(short.embedding,
                                  ferrolab.tsne(x[:30], 3, perplexity=5, max_iter=250, method="exact").embedding)


def test_options_and_arguments_are_checked():
    x = _data("blobs")[:20]
    with pytest.raises(ferrolab.ArgumentError, match="perplexity"):
        ferrolab.tsne(x)  # perplexity 30 is not below 20 samples
    with pytest.raises(ferrolab.UnknownKeyError, match="tsne.perplexty"):
        ferrolab.tsne(x, perplexty=5)
    with pytest.raises(ferrolab.OutOfRangeError, match="mds.n_init"):
        ferrolab.mds(x, n_init=0)
    with pytest.raises(ferrolab.OutOfRangeError, match="n_components must be in"):
        ferrolab.mds(x, -1)
    with pytest.raises(ferrolab.ArgumentError, match="n_neighbors"):
        ferrolab.trustworthiness(x, x[:, :2], n_neighbors=10)
    bad = x.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ferrolab.NonFiniteError):
        ferrolab.isomap(bad)
