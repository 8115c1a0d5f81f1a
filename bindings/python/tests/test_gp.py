"""GaussianProcess against scikit-learn's own results (tests/oracles/gp_reference.json, written by
tests/oracles/gp_reference.py with scikit-learn's GaussianProcessRegressor), and its estimator
conventions."""
import inspect
import json

import numpy as np
import pytest

import ferrolab

from conftest import ROOT

REF = json.loads((ROOT / "tests" / "oracles" / "gp_reference.json").read_text())
X, Y, XQ = np.array(REF["x"]), np.array(REF["y"]), np.array(REF["xq"])


def _estimator(case):
    # The reference's settings are the estimator's parameters, by the keys' names.
    return ferrolab.GaussianProcess(kernel=case["kernel"], signal_variance=case["signal_variance"],
                                    length_scale=case["length_scale"], noise_variance=case["noise_variance"],
                                    optimize=case["optimize"], normalize_y=case["normalize_y"])


@pytest.mark.parametrize("case", [c for c in REF["cases"] if not c["optimize"]], ids=lambda c: c["name"])
def test_fixed_hyperparameters_match_scikit_learn(case):
    gp = _estimator(case).fit(X, Y)
    mean, std = gp.predict(XQ, return_std=True)
    _, cov = gp.predict(XQ[:4], return_cov=True)
    assert mean.shape == std.shape == (len(XQ), 2) and cov.shape == (4, 4, 2)
    for j, out in enumerate(case["outputs"]):
        np.testing.assert_allclose(mean[:, j], out["mean"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(std[:, j], out["std"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(cov[:, :, j], out["cov_first_4"], rtol=1e-9, atol=1e-12)
        assert gp.log_marginal_likelihood()[j] == pytest.approx(out["log_marginal_likelihood"], rel=1e-9)
        assert gp.hyperparameters(j)["length_scales"] == case["length_scale"]


@pytest.mark.parametrize("case", [c for c in REF["cases"] if c["optimize"]], ids=lambda c: c["name"])
def test_optimised_likelihoods_reach_scikit_learns(case):
    gp = _estimator(case).fit(X, Y)
    for j, out in enumerate(case["outputs"]):
        assert gp.log_marginal_likelihood_value_[j] >= out["log_marginal_likelihood"] - 1e-6


def test_one_output_answers_without_an_output_axis_as_scikit_learn():
    gp = ferrolab.GaussianProcess(length_scale=0.7, signal_variance=1.3, optimize=False).fit(X, Y[:, 0])
    mean, std = gp.predict(XQ, return_std=True)
    assert mean.shape == std.shape == (len(XQ),)
    assert isinstance(gp.log_marginal_likelihood(), float) and gp.n_features_in_ == 2 and gp.n_outputs_ == 1
    _, cov = gp.predict(XQ, return_cov=True)
    assert cov.shape == (len(XQ), len(XQ))
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), std, rtol=1e-12)
    draws = gp.sample_y(XQ, n_samples=3, random_state=7)
    assert draws.shape == (len(XQ), 3)
    np.testing.assert_array_equal(draws, gp.sample_y(XQ, n_samples=3, random_state=7))
    assert not np.array_equal(draws, gp.sample_y(XQ, n_samples=3, random_state=8))
    assert ferrolab.GaussianProcess().fit(X, Y).sample_y(XQ, 5).shape == (len(XQ), 2, 5)
    with pytest.raises(ferrolab.ArgumentError, match="at most one of return_std and return_cov"):
        gp.predict(XQ, return_std=True, return_cov=True)


def test_many_draws_recover_the_predictive_covariance():
    gp = ferrolab.GaussianProcess(optimize=False).fit(X, Y[:, 1])
    _, cov = gp.predict(XQ[:3], return_cov=True)
    draws = gp.sample_y(XQ[:3], n_samples=20000, random_state=1)
    np.testing.assert_allclose(np.cov(draws), cov, atol=0.05 * np.abs(cov).max())


def test_estimator_conventions():
    gp = ferrolab.GaussianProcess(kernel="matern52", length_scale=[0.5])
    assert repr(gp) == "GaussianProcess(kernel='matern52', length_scale=[0.5])"
    params = gp.get_params()
    assert params["kernel"] == "matern52" and params["noise_variance"] == 0.005
    assert set(params) == {k[len("gp."):] for k in ferrolab.keys("gp.")}
    # scikit-learn's clone: the class called with get_params() gives the same estimator.
    twin = type(gp)(**gp.get_params())
    assert repr(twin) == repr(gp) and twin is not gp
    assert gp.set_params(optimize=False) is gp and gp.optimize is False
    with pytest.raises(ferrolab.UnknownKeyError, match='unknown parameter "lenght_scale" .*"length_scale"'):
        ferrolab.GaussianProcess(lenght_scale=1.0)
    with pytest.raises(ValueError, match="unknown parameter"):
        gp.set_params(noise=0.1)
    # Values are checked when fit hands them to C, naming the key.
    with pytest.raises(ferrolab.OutOfRangeError, match="gp.noise_variance"):
        ferrolab.GaussianProcess(noise_variance=-1.0).fit(X, Y)
    assert "length_scale : float or list of float, in input units, default [1.0]" in ferrolab.GaussianProcess.__doc__
    assert inspect.signature(ferrolab.GaussianProcess).parameters["kernel"].default == "rbf"


def test_save_and_load(tmp_path):
    gp = ferrolab.GaussianProcess(kernel="rbf_ard", length_scale=[0.5, 1.2], optimize=False).fit(X, Y)
    gp.save(tmp_path / "gp.model")
    again = ferrolab.GaussianProcess.load(tmp_path / "gp.model")
    np.testing.assert_array_equal(again.predict(XQ), gp.predict(XQ))
    assert again.hyperparameters(1) == gp.hyperparameters(1) and again.n_outputs_ == 2
    assert again.progress_info()[:3] == (0, 0, 0) and again.last_error() == ""
    (tmp_path / "bad.model").write_bytes((tmp_path / "gp.model").read_bytes()[:-20])
    with pytest.raises(ferrolab.CorruptFileError):
        ferrolab.GaussianProcess.load(tmp_path / "bad.model")
    with pytest.raises(ferrolab.FileError):
        ferrolab.GaussianProcess.load(tmp_path / "none.model")
    with pytest.raises(ferrolab.NotFittedError):
        ferrolab.GaussianProcess().save(tmp_path / "x.model")


def test_non_finite_inputs_name_the_element():
    x = X.copy()
    x[3, 1] = np.nan
    with pytest.raises(ferrolab.NonFiniteError, match=r"x\[7\] = NaN"):  # row-major index of [3, 1]
        ferrolab.GaussianProcess().fit(x, Y)


def test_scikit_learns_own_tools_accept_the_estimators():
    # scikit-learn is not a dependency (and CI does not install it: about a minute); where it is
    # installed, its clone, cross-validation, grid search and pipelines must take the estimators.
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    from sklearn.model_selection import GridSearchCV, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    gp = ferrolab.GaussianProcess(kernel="matern52")
    assert repr(clone(gp)) == repr(gp) and sklearn.base.is_regressor(gp)
    assert cross_val_score(gp, X, Y[:, 0], cv=3, scoring="r2").min() > 0.5
    search = GridSearchCV(gp, {"kernel": ["rbf", "matern32"]}, cv=3, scoring="r2").fit(X, Y[:, 0])
    assert search.best_params_["kernel"] in ("rbf", "matern32")
    pipe = make_pipeline(ferrolab.Vae(epochs=2, hidden=[8]), StandardScaler()).fit(np.abs(X))
    assert pipe.transform(np.abs(X[:3])).shape == (3, 2)
    # The paper's GP is scikit-learn's ConstantKernel * RBF + a fixed WhiteKernel, optimised.
    theirs = GaussianProcessRegressor(ConstantKernel(1.0) * RBF(1.0) + WhiteKernel(0.005, noise_level_bounds="fixed"),
                                      random_state=0).fit(X, Y[:, 0])
    ours = ferrolab.GaussianProcess().fit(X, Y[:, 0])
    np.testing.assert_allclose(ours.predict(XQ), theirs.predict(XQ), atol=1e-6)
    assert ours.log_marginal_likelihood() >= theirs.log_marginal_likelihood_value_ - 1e-6
