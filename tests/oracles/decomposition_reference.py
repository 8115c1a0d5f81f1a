#!/usr/bin/env python3
"""scikit-learn reference values for ferrolab's decompositions (src/analysis/: pca.rs, nmf.rs,
dictionary.rs, lasso.rs), read by tests/suite/analysis_decomposition.rs.

Builds small seeded datasets with NumPy and stores them (so the Rust tests never depend on
NumPy's generator) together with scikit-learn's results:

- pca: a 60 x 12 matrix with three latent factors, offsets and unequal feature scales.
  PCA(4, svd_solver='full') on the raw data (centred), on StandardScaler output (standardised),
  and TruncatedSVD(4, algorithm='arpack', tol=0) on the raw data (uncentred): components,
  singular values, explained variance (+ ratio) and scores. TruncatedSVD is iterative, so its
  components are checked here against numpy.linalg.svd (sign-aligned) before being stored.
- nmf: an exactly rank-3 non-negative 60 x 12 matrix W0 H0 and a noisy non-negative version;
  NMF(3, solver='cd', max_iter=200) with init 'nndsvd' and 'nndsvda', tol 1e-4 (the default;
  every run reaches max_iter) and tol 1e-2 / 1e-3 (runs that stop on the tolerance):
  reconstruction_err_, n_iter_, and the objective 0.5 ||X - WH||_F^2.
- dictionary: 60 x 12 data made of sparse combinations of 5 atoms plus noise, standardised
  (StandardScaler), and 20 validation rows standardised with the training statistics;
  DictionaryLearning(5, alpha=0.5, fit_algorithm='cd', transform_algorithm='lasso_cd',
  max_iter=1000, tol=1e-8): the objective 0.5 ||X - G D||^2 + alpha ||G||_1 computed here from
  its code and dictionary (asserted equal to its own error_[-1], i.e. scikit-learn optimises
  this objective, with alpha not divided by anything), the training MSE, and the validation MSE
  of transform() (transform_alpha defaults to alpha).

scikit-learn is needed only to regenerate the JSON (it is not installed in CI):
    python3 tests/oracles/decomposition_reference.py > tests/oracles/decomposition_reference.json
"""
import json

import numpy as np
import sklearn
from sklearn.decomposition import NMF, PCA, DictionaryLearning, TruncatedSVD
from sklearn.preprocessing import StandardScaler

N, D, K = 60, 12, 4


def pca_data():
    rng = np.random.default_rng(20240903)
    factors = rng.standard_normal((N, 3)) * [3.0, 1.5, 0.7]
    loadings = rng.standard_normal((3, D))
    x = factors @ loadings + 0.2 * rng.standard_normal((N, D))
    x *= np.linspace(0.5, 4.0, D)  # unequal feature scales
    x += np.linspace(-2.0, 5.0, D)  # offsets: centring matters
    return x


def pca_case(model, data, x_raw):
    scores = model.transform(data)
    return dict(
        components=model.components_.tolist(),
        singular_values=model.singular_values_.tolist(),
        explained_variance=model.explained_variance_.tolist(),
        explained_variance_ratio=model.explained_variance_ratio_.tolist(),
        scores=scores.tolist(),
    )


def pca_section():
    x = pca_data()
    centred = PCA(K, svd_solver="full").fit(x)
    z = StandardScaler().fit_transform(x)
    standardised = PCA(K, svd_solver="full").fit(z)
    uncentred = TruncatedSVD(K, algorithm="arpack", tol=0.0).fit(x)
    # TruncatedSVD's arpack solution against the exact SVD, sign-aligned row by row.
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    for row, exact in zip(uncentred.components_, vt[:K]):
        assert min(np.abs(row - exact).max(), np.abs(row + exact).max()) < 1e-11
    assert np.abs(uncentred.singular_values_ - s[:K]).max() < 1e-10 * s[0]
    return dict(
        x=x.tolist(),
        n_components=K,
        centre=pca_case(centred, x, x),
        standardise=pca_case(standardised, z, x),
        none=pca_case(uncentred, x, x),
    )


def nmf_section():
    rng = np.random.default_rng(7)
    w0 = rng.uniform(0.0, 1.0, (N, 3))
    h0 = rng.uniform(0.0, 1.0, (3, D))
    h0[h0 < 0.25] = 0.0  # some sparsity in the parts
    exact = w0 @ h0
    noisy = np.maximum(exact + 0.1 * rng.standard_normal(exact.shape), 0.0)
    runs = []
    for name, x in [("exact", exact), ("noisy", noisy)]:
        # The default tol runs all 200 iterations; the larger ones stop on the tolerance.
        for init, tol in [("nndsvd", 1e-4), ("nndsvda", 1e-4), ("nndsvd", 1e-2), ("nndsvda", 1e-3)]:
            model = NMF(3, init=init, solver="cd", beta_loss="frobenius", tol=tol, max_iter=200)
            w = model.fit_transform(x)
            h = model.components_
            runs.append(dict(
                data=name, init=init, tol=tol, n_iter=int(model.n_iter_),
                reconstruction_err=float(model.reconstruction_err_),
                objective=float(0.5 * np.sum((x - w @ h) ** 2)),
            ))
    return dict(exact=exact.tolist(), noisy=noisy.tolist(), n_components=3, max_iter=200, runs=runs)


def dictionary_section():
    rng = np.random.default_rng(11)
    atoms = rng.standard_normal((5, D))
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)

    def sample(m):
        codes = rng.standard_normal((m, 5)) * (rng.uniform(size=(m, 5)) < 0.4)
        return 2.0 * codes @ atoms + 0.1 * rng.standard_normal((m, D)) + np.linspace(0, 3, D)

    x_train, x_valid = sample(N), sample(20)
    scaler = StandardScaler().fit(x_train)
    z, zv = scaler.transform(x_train), scaler.transform(x_valid)
    alpha = 0.5
    model = DictionaryLearning(5, alpha=alpha, fit_algorithm="cd", transform_algorithm="lasso_cd",
                               max_iter=1000, tol=1e-8, random_state=0)
    code = model.fit_transform(z)
    dic = model.components_
    objective = 0.5 * np.sum((z - code @ dic) ** 2) + alpha * np.abs(code).sum()
    assert abs(objective - model.error_[-1]) <= 1e-9 * objective, (objective, model.error_[-1])
    valid_code = model.transform(zv)
    return dict(
        x=x_train.tolist(), x_valid=x_valid.tolist(), n_components=5, alpha=alpha,
        objective=float(objective), error_last=float(model.error_[-1]), n_iter=int(model.n_iter_),
        mse=float(np.mean((z - code @ dic) ** 2)),
        valid_mse=float(np.mean((zv - valid_code @ dic) ** 2)),
        atom_norms=np.linalg.norm(dic, axis=1).tolist(),
        nonzero_codes=int(np.count_nonzero(code)),
    )


print(json.dumps(dict(sklearn=sklearn.__version__, numpy=np.__version__, pca=pca_section(),
                      nmf=nmf_section(), dictionary=dictionary_section()), indent=1))
