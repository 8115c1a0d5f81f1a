#!/usr/bin/env python3
"""scikit-learn reference values for ferrolab's t-SNE, trustworthiness, MDS and Isomap
(src/analysis/{tsne,mds,isomap}.rs, tests/suite/analysis_manifold.rs).

Produced with scikit-learn 1.9.1, NumPy 2.4.6, SciPy 1.17.1 (Python 3.11) in a venv:
    python3 -m venv /tmp/manifold-venv && /tmp/manifold-venv/bin/pip install scikit-learn
    /tmp/manifold-venv/bin/python tests/oracles/manifold_reference.py > tests/oracles/manifold_reference.json
CI only reads the JSON.

Datasets (stored in the JSON, so the Rust tests never depend on NumPy's random streams):
  blobs   three isotropic Gaussian blobs in 10-D (unit spread, centres 6 apart), n = 120;
  scurve  sklearn.datasets.make_s_curve(200, noise=0.0, random_state=0), 200 x 3;
  pair    a fixed random pair (x 40 x 6, y 40 x 2) for trustworthiness alone;
  queries five new points near the S-curve for Isomap.transform.
Outputs:
  trustworthiness  sklearn.manifold.trustworthiness(pair.x, pair.y, n_neighbors=k), k = 3, 5, 10;
  tsne   TSNE(random_state=0) defaults (perplexity 30, init "pca", learning_rate "auto",
         max_iter 1000) with method "barnes_hut" and "exact" on blobs and scurve:
         trustworthiness (k = 5) of the embedding, kl_divergence_, n_iter_;
  mds    MDS(metric_mds=True, init="random", random_state=0) (1.9.1 defaults: n_init=1,
         max_iter=300, eps=1e-6, raw stress for metric MDS) on blobs and scurve: stress_ with
         n_init 1 and 4; the stress is 1.9.1's definition, 0.5 * sum_ij (d_ij - delta_ij)^2 of
         the returned embedding;
  classical  ClassicalMDS(n_components=2) embedding and eigenvalues on blobs (and the stress of
         that embedding, NumPy);
  isomap Isomap(n_neighbors=5, n_components=2) on scurve: embedding, reconstruction_error(),
         eigenvalues, a few geodesic distances, transform(queries).
"""
import json
import sys
import warnings

import numpy as np
import scipy
import sklearn
from sklearn.datasets import make_s_curve
from sklearn.manifold import MDS, TSNE, ClassicalMDS, Isomap, trustworthiness

warnings.simplefilter("ignore", FutureWarning)
rng = np.random.default_rng(4004)

centres = 6.0 * rng.standard_normal((3, 10)) / np.sqrt(2.0)
blobs = np.concatenate([c + rng.standard_normal((40, 10)) for c in centres])
blobs = blobs[rng.permutation(len(blobs))]
scurve, _ = make_s_curve(200, noise=0.0, random_state=0)
pair_x = rng.standard_normal((40, 6))
pair_y = pair_x[:, :2] + 0.7 * rng.standard_normal((40, 2))
queries = scurve[:5] + 0.05 * rng.standard_normal((5, 3))
data = {"blobs": blobs, "scurve": scurve}


def stress(x, y):
    dx = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    dy = np.sqrt(((y[:, None, :] - y[None, :, :]) ** 2).sum(-1))
    return float(((dx - dy) ** 2).sum() / 2)


trust = [dict(k=k, value=float(trustworthiness(pair_x, pair_y, n_neighbors=k))) for k in (3, 5, 10)]

tsne = []
for name, x in data.items():
    for method in ("barnes_hut", "exact"):
        t = TSNE(method=method, random_state=0)
        y = t.fit_transform(x)
        tsne.append(dict(data=name, method=method, trustworthiness=float(trustworthiness(x, y, n_neighbors=5)),
                         kl_divergence=float(t.kl_divergence_), n_iter=int(t.n_iter_),
                         learning_rate=float(t.learning_rate_)))

mds = []
for name, x in data.items():
    for n_init in (1, 4):
        m = MDS(n_components=2, metric_mds=True, n_init=n_init, init="random", random_state=0)
        y = m.fit_transform(x)
        mds.append(dict(data=name, n_init=n_init, stress=float(m.stress_), n_iter=int(m.n_iter_),
                        stress_check=stress(x, y)))

cmds = ClassicalMDS(n_components=2)
cy = cmds.fit_transform(blobs)
classical = dict(data="blobs", embedding=cy.tolist(), eigenvalues=cmds.eigenvalues_.tolist(), stress=stress(blobs, cy))

iso = Isomap(n_neighbors=5, n_components=2)
iy = iso.fit_transform(scurve)
pairs = [(0, 1), (0, 199), (17, 123), (55, 160), (100, 101)]
isomap = dict(data="scurve", n_neighbors=5, embedding=iy.tolist(), reconstruction_error=float(iso.reconstruction_error()),
              eigenvalues=iso.kernel_pca_.eigenvalues_.tolist(),
              geodesic=[dict(i=i, j=j, value=float(iso.dist_matrix_[i, j])) for i, j in pairs],
              queries=queries.tolist(), transform=iso.transform(queries).tolist())

json.dump(dict(sklearn=sklearn.__version__, numpy=np.__version__, scipy=scipy.__version__,
               data={k: v.tolist() for k, v in data.items()}, pair=dict(x=pair_x.tolist(), y=pair_y.tolist()),
               trustworthiness=trust, tsne=tsne, mds=mds, classical=classical, isomap=isomap),
          sys.stdout, indent=1)
sys.stdout.write("\n")
