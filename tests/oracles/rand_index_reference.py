#!/usr/bin/env python3
"""scikit-learn reference values of the adjusted Rand index (src/analysis/rand_index.rs,
tests/suite/analysis_rand_index.rs): `adjusted_rand_score` and `rand_score` on label pairs drawn
from a seeded NumPy generator (stored in the JSON, so the Rust test never depends on NumPy's
random streams) plus hand-picked edge cases (identical, permuted, all in one cluster, all
singletons, independent). Regenerate (scikit-learn 1.9.1, NumPy 2) with:
    python3 -m venv /tmp/seg-venv && /tmp/seg-venv/bin/pip install scikit-learn
    /tmp/seg-venv/bin/python tests/oracles/rand_index_reference.py > tests/oracles/rand_index_reference.json
"""
import json

import numpy as np
import sklearn
from sklearn.metrics import adjusted_rand_score, rand_score


def main():
    rng = np.random.default_rng(4)
    cases = [
        ("identical", [0, 0, 1, 1, 2, 2], [0, 0, 1, 1, 2, 2]),
        ("permuted", [0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 0, 0]),
        ("one_cluster", [0] * 6, [0, 0, 1, 1, 2, 2]),
        ("singletons", [0, 1, 2, 3, 4, 5], [0, 0, 1, 1, 2, 2]),
        ("both_one_cluster", [1] * 5, [2] * 5),
        ("split", [0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]),
    ]
    for k, (n, a, b) in enumerate([(50, 3, 4), (200, 8, 8), (400, 5, 2)]):
        truth = rng.integers(0, a, n)
        noisy = np.where(rng.random(n) < 0.3, rng.integers(0, b, n), truth % b)
        cases.append((f"random{k}", truth.tolist(), noisy.tolist()))
    out = {
        "sklearn": sklearn.__version__,
        "cases": [
            {"name": name, "a": a, "b": b,
             "adjusted_rand": adjusted_rand_score(a, b), "rand": rand_score(a, b)}
            for name, a, b in cases
        ],
    }
    json.dump(out, __import__("sys").stdout, separators=(",", ":"))


if __name__ == "__main__":
    main()
