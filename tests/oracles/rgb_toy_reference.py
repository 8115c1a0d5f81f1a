"""Reference values of paper 001's toy function f(t,R,G,B) = tanh(20[t - 2(R - 0.5)]) +
SELU(t - 2(G - 0.5)) + sigmoid(-20[t - (B - 0.5)]) from PyTorch (torch.tanh,
torch.nn.functional.selu, torch.sigmoid in float64), for tests/suite/analysis.rs. One line per point:
t R G B f.

Run (with PyTorch, e.g. the venv of benches/torch_venv.sh):
    /tmp/ferrolab-torch-venv/bin/python tests/oracles/rgb_toy_reference.py > tests/oracles/rgb_toy_reference.txt
"""
import numpy as np
import torch

rng = np.random.default_rng(1)
points = np.column_stack([rng.uniform(-1.2, 1.2, 40), rng.uniform(0, 1, (40, 3))])
x = torch.tensor(points, dtype=torch.float64)
t, r, g, b = x.T
f = torch.tanh(20 * (t - 2 * (r - 0.5))) + torch.nn.functional.selu(t - 2 * (g - 0.5)) \
    + torch.sigmoid(-20 * (t - (b - 0.5)))
for p, v in zip(points, f.numpy()):
    print(" ".join(repr(float(a)) for a in (*p, v)))
