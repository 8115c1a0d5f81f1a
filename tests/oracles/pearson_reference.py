"""Reference Pearson correlations from NumPy (numpy.corrcoef) for tests/suite/analysis.rs.

Inputs, n = 50 samples, i = 0..49: a = [sin(0.7 i), cos(1.3 i) + 0.5 sin(0.7 i), i / 49],
b = [exp(-i / 20), (i mod 7) - 3]. Writes the 3 x 2 matrix r(a_j, b_k), one row per line.
Run: python3 tests/oracles/pearson_reference.py > tests/oracles/pearson_reference.txt
"""
import numpy as np

i = np.arange(50.0)
a = np.stack([np.sin(0.7 * i), np.cos(1.3 * i) + 0.5 * np.sin(0.7 * i), i / 49.0], axis=1)
b = np.stack([np.exp(-i / 20.0), (i % 7) - 3.0], axis=1)
r = np.corrcoef(a.T, b.T)[:3, 3:]
for row in r:
    print(" ".join(repr(float(v)) for v in row))
