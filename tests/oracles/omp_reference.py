#!/usr/bin/env python3
"""scikit-learn reference codes for ferrolab's orthogonal matching pursuit
(src/analysis/omp.rs, and the default transform of src/analysis/dictionary.rs), read by
tests/suite/analysis_omp.rs.

Each case stores a fixed dictionary (atoms as rows) and data, generated here with NumPy and
written to the JSON so the Rust test never depends on NumPy's generator, with scikit-learn's
codes:

- `orthogonal_mp_gram(D D^T, D x, n_nonzero_coefs=n)` for every n of the case: what
  `DictionaryLearning.transform` and `SparseCoder` run for transform_algorithm='omp'. The script
  asserts that `orthogonal_mp` (the direct Cholesky form on D^T) and `OrthogonalMatchingPursuit`
  (fit_intercept=False) give the same codes, so the reference does not hinge on one routine.
- `SparseCoder(D, transform_algorithm='omp').transform(x)` with transform_n_nonzero_coefs=None:
  scikit-learn's default number of non-zeros, int(min(max(n_features / 10, 1), n_atoms)), the
  rule paper 001's code ran under (scikit-learn 0.23, same rule).

Cases:
- toy: paper 001's toy spectra on t = linspace(-1, 1, 25) for 40 random colours, standardised
  per time step; 3 unit-norm atoms (the leading right singular vectors of the standardised
  spectra, rotated so that they are not orthogonal); n = 1, 2, 3 (the rule gives 2).
- beps: 12 rows of 192 values (smooth loops plus noise), 5 unit-norm random atoms; n = 1..5 (the
  rule gives 5: every atom, a least-squares fit).
- correlated: 12 features, 8 atoms of which 4 strongly correlated pairs, atoms scaled to norms
  0.5-2 (scikit-learn does not normalise the correlations, so unequal norms pin down the
  selection rule), and a row that is exactly 1.7 x atom 2: its longer partner, atom 6, is
  chosen first, the fit is exact after 4 atoms and the pursuit stops there for n = 5 and 6
  (scikit-learn warns with a RuntimeWarning); n = 1..6 (the rule gives 1).

Run (scikit-learn is needed only to regenerate the JSON; CI reads the committed file):
    python3 -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-learn numpy
    /tmp/sk/bin/python tests/oracles/omp_reference.py > tests/oracles/omp_reference.json
"""
import json
import warnings

import numpy as np
import sklearn
from sklearn.decomposition import SparseCoder
from sklearn.linear_model import OrthogonalMatchingPursuit, orthogonal_mp, orthogonal_mp_gram

warnings.simplefilter("ignore", RuntimeWarning)  # early stops are part of the cases


def selu(z):
    return 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0)))


def toy_case():
    rng = np.random.default_rng(1001)
    t = np.linspace(-1, 1, 25)
    c = rng.uniform(size=(40, 3))
    x = (np.tanh(20 * (t - 2 * (c[:, :1] - 0.5))) + selu(t - 2 * (c[:, 1:2] - 0.5))
         + 1 / (1 + np.exp(20 * (t - (c[:, 2:] - 0.5)))))
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    vt = np.linalg.svd(x, full_matrices=False)[2][:3]
    mix = np.array([[1.0, 0.3, 0.0], [0.0, 1.0, -0.4], [0.2, 0.0, 1.0]])
    atoms = mix @ vt
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    return "toy", atoms, x, [1, 2, 3]


def beps_case():
    rng = np.random.default_rng(1002)
    v = np.linspace(0, 4 * np.pi, 192)
    shift = rng.uniform(-1, 1, size=(12, 1))
    x = np.tanh(3 * np.sin(v + shift)) + 0.3 * rng.standard_normal((12, 192))
    atoms = rng.standard_normal((5, 192))
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    return "beps", atoms, x, [1, 2, 3, 4, 5]


def correlated_case():
    rng = np.random.default_rng(1003)
    base = rng.standard_normal((4, 12))
    atoms = np.vstack([base, base + 0.15 * rng.standard_normal((4, 12))])
    atoms /= np.linalg.norm(atoms, axis=1, keepdims=True)
    atoms *= np.linspace(0.5, 2.0, 8)[:, None]
    x = rng.standard_normal((25, 3)) @ atoms[[0, 5, 6]] + 0.05 * rng.standard_normal((25, 12))
    x[3] = 1.7 * atoms[2]  # exact after 4 atoms: the pursuit stops early for n > 4
    return "correlated", atoms, x, [1, 2, 3, 4, 5, 6]


def codes_by_all_routines(atoms, x, n):
    gram = atoms @ atoms.T
    cov = atoms @ x.T
    by_gram = orthogonal_mp_gram(gram, cov, n_nonzero_coefs=n).T
    direct = orthogonal_mp(atoms.T, x.T, n_nonzero_coefs=n).T
    model = OrthogonalMatchingPursuit(n_nonzero_coefs=n, fit_intercept=False)
    estimator = np.array([model.fit(atoms.T, row).coef_ for row in x])
    for other in (direct, estimator):
        assert np.allclose(by_gram, other, rtol=1e-9, atol=1e-10), np.abs(by_gram - other).max()
    return by_gram


cases = {}
for name, atoms, x, ns in (toy_case(), beps_case(), correlated_case()):
    codes = {str(n): codes_by_all_routines(atoms, x, n).tolist() for n in ns}
    default = SparseCoder(atoms, transform_algorithm="omp").transform(x)
    rule = int(min(max(x.shape[1] / 10, 1), atoms.shape[0]))
    assert np.allclose(default, codes[str(rule)]), name
    cases[name] = dict(dictionary=atoms.tolist(), x=x.tolist(), codes=codes,
                       default_codes=default.tolist(), default_nonzero=rule)

print(json.dumps(dict(sklearn=sklearn.__version__, numpy=np.__version__, cases=cases)))
