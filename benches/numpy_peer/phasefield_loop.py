#!/usr/bin/env python3
"""A faithful vectorised NumPy/SciPy implementation of ferrolab's phase-field loop scheme
(physics spec §3-§8 with ferrolab's defaults), for the side-by-side comparison in
benches/README.md. It reads the structure that `ferrolab simulate` wrote (classes.npy,
orientation_rad.npy), factors the same finite-volume Poisson operator once with SuperLU
(scipy.sparse.linalg.splu), and runs the same explicit Euler scheme with numpy array operations.

Usage: python3 phasefield_loop.py STRUCTURE_DIR [--points N --hold H]
Prints the loop to STRUCTURE_DIR/numpy_loop.csv and the wall time of the time loop.
"""
import argparse
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

EPS0 = 8.8541878128e-12
A1, A11, A111 = -7.79e8, 1.15e10, -2.51e10
A1111 = {"paper": 0.0, "stabilized": 5.0e10}
G11, DX = 2.0e-10, 0.5e-9
EPS_GRAIN, EPS_GB = 30.0, 12.0
DT, GUARD, V_MAX = 0.06, 0.45, 4.0


def harmonic(a, b):
    return 2 * a * b / (a + b)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("structure_dir", type=Path)
    ap.add_argument("--points", type=int, default=400)
    ap.add_argument("--hold", type=int, default=50)
    ap.add_argument("--landau", choices=sorted(A1111), default="stabilized")
    args = ap.parse_args()
    a8 = A1111[args.landau]
    classes = np.load(args.structure_dir / "classes.npy")  # (n1, n2), row 0 at the bottom
    theta = np.load(args.structure_dir / "orientation_rad.npy")
    n1, n2 = classes.shape
    polar = classes == 0
    eps = np.where(classes == 2, EPS_GB, EPS_GRAIN)

    # Face coefficients: below/above (2 eps at electrodes), right (periodic).
    below = np.empty_like(eps)
    above = np.empty_like(eps)
    below[0] = 2 * eps[0]
    below[1:] = harmonic(eps[1:], eps[:-1])
    above[-1] = 2 * eps[-1]
    above[:-1] = harmonic(eps[:-1], eps[1:])
    right = harmonic(eps, np.roll(eps, -1, axis=1))
    left = np.roll(right, 1, axis=1)

    idx = np.arange(n1 * n2).reshape(n1, n2)
    diag = below + above + right + left
    rows, cols, vals = [idx.ravel()], [idx.ravel()], [diag.ravel()]
    rows += [idx[1:].ravel(), idx[:-1].ravel()]
    cols += [idx[:-1].ravel(), idx[1:].ravel()]
    vals += [-below[1:].ravel(), -above[:-1].ravel()]
    rows += [idx.ravel(), np.roll(idx, -1, axis=1).ravel()]
    cols += [np.roll(idx, -1, axis=1).ravel(), idx.ravel()]
    vals += [-right.ravel(), -right.ravel()]
    a = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n1 * n2, n1 * n2))
    lu = spla.splu(a)

    c1 = np.where(polar, np.cos(theta), 0.0)
    c2 = np.where(polar, -np.sin(theta), 0.0)
    bond_up = (polar[:-1] & polar[1:]).astype(float)           # between row i and i+1
    bond_right = (polar & np.roll(polar, -1, axis=1)).astype(float)
    report = np.where(polar, 0.0, EPS0 * (eps - 1.0))
    # Spontaneous polarization: smallest positive root of a1 + 2 a11 x + 3 a111 x^2 + 4 a1111
    # x^3, x = p^2.
    roots = np.roots([4 * a8, 3 * A111, 2 * A11, A1] if a8 else [3 * A111, 2 * A11, A1])
    x0 = min(r.real for r in roots if abs(r.imag) < 1e-12 and r.real > 0)
    p = np.where(polar, np.sqrt(x0) * np.where(c1 >= 0, 1.0, -1.0), 0.0)
    rate = DT / abs(A1)
    grad = 2 * G11 / DX**2

    def solve(p, v):
        p1, p2 = p * c1, p * c2
        up1 = np.vstack([p1[1:], p1[-1:]])
        down1 = np.vstack([p1[:1], p1[:-1]])
        b = -0.5 * DX / EPS0 * ((up1 - down1) + (np.roll(p2, -1, axis=1) - np.roll(p2, 1, axis=1)))
        b[-1] += above[-1] * v
        return lu.solve(b.ravel()).reshape(n1, n2)

    def field(phi, v):
        phi_above = np.vstack([phi[1:], 2 * v - phi[-1:]])
        phi_below = np.vstack([-phi[:1], phi[:-1]])
        e1 = -(phi_above - phi_below) / (2 * DX)
        e2 = -(np.roll(phi, -1, axis=1) - np.roll(phi, 1, axis=1)) / (2 * DX)
        return e1, e2

    half = args.points // 2
    dv = 4 * V_MAX / args.points
    volts = [-V_MAX + k * dv if k <= half else V_MAX - (k - half) * dv for k in range(args.points)]
    loop = []
    start = time.perf_counter()
    for v in volts:
        for _ in range(args.hold):
            e1, e2 = field(solve(p, v), v)
            lap = np.zeros_like(p)
            lap[:-1] += bond_up * (p[1:] - p[:-1])
            lap[1:] += bond_up * (p[:-1] - p[1:])
            lap += bond_right * (np.roll(p, -1, axis=1) - p)
            lap += np.roll(bond_right, 1, axis=1) * (np.roll(p, 1, axis=1) - p)
            x = p * p
            landau = p * (2 * A1 + x * (4 * A11 + x * 6 * A111))
            p = p - rate * (landau - grad * lap - (c1 * e1 + c2 * e2))
            if a8:
                # The eighth-order term at the new p, its coefficient p^6 at the old one.
                p = p / (1 + rate * 8 * a8 * x**3)
            if np.any(~(np.abs(p) <= GUARD)):
                raise SystemExit(f"runaway at V = {v}")
        e1, _ = field(solve(p, v), v)
        loop.append(-np.mean(p * c1 + report * e1))
    seconds = time.perf_counter() - start
    out = args.structure_dir / "numpy_loop.csv"
    np.savetxt(out, np.c_[volts, loop], delimiter=",", header="voltage_V,polarization_C_per_m2",
               comments="", fmt=["%.6f", "%.9e"])
    print(f"numpy: {seconds:.2f} s for {args.points} points x {args.hold} steps on {n1} x {n2} cells")


if __name__ == "__main__":
    main()
