"""The linear baselines against NumPy's own linear algebra and scikit-learn's results
(tests/oracles/*_reference.json), with their keyword options."""
import json

import numpy as np
import pytest

import ferrolab

from conftest import ROOT


def test_pca_matches_numpy_svd():
    rng = np.random.default_rng(4)
    # 40 x 6 takes the thin SVD, 400 x 6 (n >= 10 d) the Gram matrix's eigenvectors.
    for n in (40, 400):
        x = rng.normal(size=(n, 6)) @ rng.normal(size=(6, 6))
        components, variance, scores = ferrolab.pca(x, 3)
        centred = x - x.mean(axis=0)
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        for k in range(3):
            assert abs(abs(components[k] @ vt[k]) - 1) < 1e-10
        assert np.allclose(variance, s[:3] ** 2 / (n - 1), rtol=1e-11)
    assert np.allclose(scores, centred @ components.T, atol=1e-10)


def test_nmf_error_and_pearson_agree_with_numpy():
    rng = np.random.default_rng(5)
    x = rng.uniform(size=(30, 8))
    w, h, err = ferrolab.nmf(x, 3)
    assert (w >= 0).all() and (h >= 0).all()
    assert abs(err - np.linalg.norm(x - w @ h)) < 1e-9 * err
    r = ferrolab.pearson_matrix(x[:, :2], x[:, 2:5])
    assert np.allclose(r, np.corrcoef(x[:, :2].T, x[:, 2:5].T)[:2, 2:], atol=1e-14)
    with pytest.raises(ferrolab.ArgumentError, match="x\\[0, 0\\]"):
        ferrolab.nmf(-x, 3)


def test_dictionary_learning_reports_its_mse():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(50, 10))
    codes, atoms, mse = ferrolab.dictionary_learning(x, 4, 0.1)
    assert (np.linalg.norm(atoms, axis=1) <= 1 + 1e-12).all()
    assert abs(mse - np.mean((x - codes @ atoms) ** 2)) < 1e-12


def test_kde_matches_the_formula_in_numpy():
    rng = np.random.default_rng(7)
    data = rng.normal(size=(200, 2)) @ np.array([[1.0, 0.3], [0.0, 0.5]])
    points = rng.normal(size=(15, 2))
    density = ferrolab.kde(data, points)
    # scipy.stats.gaussian_kde's definition: Scott's factor n^(-1/(d+4)) on the data covariance.
    cov = np.cov(data.T) * len(data) ** (-2 / 6)
    inv, det = np.linalg.inv(cov), np.linalg.det(cov)
    diff = points[:, None, :] - data[None, :, :]
    expected = np.exp(-0.5 * np.einsum("mni,ij,mnj->mn", diff, inv, diff)).mean(axis=1)
    expected /= 2 * np.pi * np.sqrt(det)
    assert np.allclose(density, expected, rtol=1e-12)


def test_kmeans_and_mixture_agree_on_separated_groups():
    rng = np.random.default_rng(8)
    x = np.concatenate([rng.normal(size=(50, 2)), rng.normal(size=(50, 2)) + 12.0])
    centres, labels, inertia = ferrolab.kmeans(x, 2)
    assert len(set(labels[:50])) == 1 and len(set(labels[50:])) == 1 and labels[0] != labels[50]
    assert abs(inertia - ((x - centres[labels]) ** 2).sum()) < 1e-9 * inertia
    weights, means, covs, glabels, score = ferrolab.gmm(x, 2)
    assert abs(weights.sum() - 1) < 1e-12
    assert (glabels == glabels[0]).sum() == 50
    for c in range(2):
        members = x[glabels == c]
        assert np.allclose(means[c], members.mean(axis=0), atol=1e-6)
        assert np.allclose(covs[c], np.cov(members.T, bias=True) + 1e-6 * np.eye(2), atol=1e-6)


CLUSTERING = json.loads((ROOT / "tests" / "oracles" / "clustering_reference.json").read_text())


@pytest.mark.parametrize("case", CLUSTERING["kde"][:6], ids=lambda c: f"{c['data']}-{c['bandwidth']}")
def test_kde_bandwidth_options_match_scipy(case):
    data = np.array(CLUSTERING["data"][case["data"]])
    data = data.reshape(len(data), -1)
    points = np.array(case["points"]).reshape(len(case["points"]), -1)
    # scipy's bw_method: a rule's name, or a number that scales the data covariance ("factor").
    options = ({"bandwidth": case["bandwidth"]} if isinstance(case["bandwidth"], str)
               else {"bandwidth": "factor", "bandwidth_value": case["bandwidth"]})
    np.testing.assert_allclose(ferrolab.kde(data, points, **options), case["density"], rtol=1e-12)


@pytest.mark.parametrize("case", CLUSTERING["kernel_density"], ids=lambda c: c["data"])
def test_isotropic_kde_matches_scikit_learns_kernel_density(case):
    data = np.array(CLUSTERING["data"][case["data"]])
    data = data.reshape(len(data), -1)
    points = np.array(case["points"]).reshape(len(case["points"]), -1)
    cfg = ferrolab.Config({"kde.bandwidth": "isotropic", "kde.bandwidth_value": case["bandwidth"]})
    np.testing.assert_allclose(np.log(ferrolab.kde(data, points, cfg)), case["score_samples"], rtol=1e-12)


def test_mixture_and_pca_options_take_effect():
    x = np.array(CLUSTERING["data"]["blobs2d"])
    result = ferrolab.gmm(x, 4, covariance="spherical", n_init=2)
    for cov in result.covariances:
        assert cov[0, 1] == 0.0 and cov[0, 0] == cov[1, 1]
    assert ferrolab.gmm(x, 4).covariances[:, 0, 1].any()  # "full" by default
    rng = np.random.default_rng(9)
    y = rng.normal(size=(30, 4)) * [1.0, 10.0, 100.0, 1000.0]
    raw = ferrolab.pca(y, 2, center="none")
    standard = ferrolab.pca(y, 2, center="standardize")
    assert raw.explained_variance.tolist() == ferrolab.pca(y, 2, center=0).explained_variance.tolist()
    # Standardised, no feature dominates; raw, the largest-scale one does.
    assert abs(raw.components[0, 3]) > 0.99 and abs(standard.components[0, 3]) < 0.99
    with pytest.raises(ferrolab.ArgumentError, match="center must be one of"):
        ferrolab.pca(y, 2, center="centre")
    with pytest.raises(ferrolab.UnknownKeyError, match="kmeans.n_inits"):
        ferrolab.kmeans(y, 2, n_inits=3)
