"""Stand-alone fallback data for testing train_torch.py only: random tanh-shaped P-V hysteresis
loops, saved as a float64 NPY array [n, d] (ferrolab provides its own generator for real runs).

Each loop has d points: the descending branch (V from +Vmax to -Vmax) then the ascending one,
P = Ps * tanh((V +/- Vc) / w) + chi * V, with Ps, Vc, w, chi drawn at random, P in uC/cm^2.
Usage: python make_synthetic.py --n 10000 --d 400 --seed 0 --out loops.npy
"""
import argparse

import numpy as np

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument("--n", type=int, default=10000)
p.add_argument("--d", type=int, default=400)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--out", default="loops.npy")
a = p.parse_args()

rng = np.random.default_rng(a.seed)
v_down = np.linspace(1.0, -1.0, a.d // 2)             # normalised voltage, +Vmax -> -Vmax
v_up = np.linspace(-1.0, 1.0, a.d - a.d // 2)         # and back
col = lambda lo, hi: rng.uniform(lo, hi, (a.n, 1))
ps, vc, w, chi = col(10, 40), col(0.1, 0.6), col(0.05, 0.3), col(0.0, 5.0)
down = ps * np.tanh((v_down + vc) / w) + chi * v_down  # switches down at V = -Vc
up = ps * np.tanh((v_up - vc) / w) + chi * v_up        # switches up at V = +Vc
loops = np.concatenate([down, up], axis=1)
loops += rng.normal(0, 0.2, loops.shape)              # measurement noise
np.save(a.out, loops.astype(np.float64))
print(f"wrote {a.out}: {loops.shape}, min {loops.min():.2f}, max {loops.max():.2f}")
