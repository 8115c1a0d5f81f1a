"""The linear baselines through the Python binding against NumPy's own linear algebra."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bindings" / "python"))
import ferrolab  # noqa: E402


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
    with pytest.raises(ferrolab.FerrolabError, match="x\\[0, 0\\]"):
        ferrolab.nmf(-x, 3)


def test_dictionary_learning_reports_its_mse():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(50, 10))
    codes, atoms, mse = ferrolab.dictionary_learning(x, 4, 0.1)
    assert (np.linalg.norm(atoms, axis=1) <= 1 + 1e-12).all()
    assert abs(mse - np.mean((x - codes @ atoms) ** 2)) < 1e-12
