#!/usr/bin/env python3
"""Feature errors of the time stepper against a converged reference (issue 20).

For each structure, the loop's features (Ec, Pr, Ps, area) from `ferrolab simulate` under each
variant are compared with the reference: the double-precision direct solver at a quarter of
the time step (hold time fixed). The "today" variant is the engine as the issue found it (f64
direct solve, the paper's step); the others are what may replace it.

    cargo build --release
    python3 benches/step_error.py [--jobs 2] [--seeds 4]

Prints one row per structure and variant (relative errors in per cent) and, per variant, the
largest error of each feature minus today's on the same structure.
"""

import argparse
import concurrent.futures
import csv
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "ferrolab")
FEATURES = ["ec_mv_per_cm", "pr_c_per_m2", "ps_c_per_m2", "area_j_per_m2"]

REFERENCE = [
    "pf.poisson=direct_f64",
    "pf.solve_every=1",
    "pf.time_step_t0=0.015",
    "pf.hold_steps=200",
]
VARIANTS = {
    "today (f64, dt)": ["pf.poisson=direct_f64", "pf.solve_every=1"],
    "f32 solve": ["pf.poisson=direct", "pf.solve_every=1"],
    "f32 solve every 2nd step": ["pf.poisson=direct", "pf.solve_every=2"],
    "f32 solve every 3rd step": ["pf.poisson=direct", "pf.solve_every=3"],
}
# The paper's example film and two other corners of its grain-statistics grid.
FILMS = {
    "D_G 16.2": [],
    "D_G 8, nu 0.6": ["pf.grain_diameter_nm=8", "pf.polar_fraction=0.6"],
    "D_G 25, mu 0.2": ["pf.grain_diameter_nm=25", "pf.orientation_mean_rad=0.2"],
}


def features(settings):
    with tempfile.TemporaryDirectory() as out:
        args = [BINARY, "simulate", "--out", os.path.join(out, "loop")]
        for s in settings:
            args += ["--set", s]
        subprocess.run(args, check=True, capture_output=True)
        with open(os.path.join(out, "loop", "features.csv")) as f:
            row = next(csv.DictReader(f))
    return [float(row[k]) for k in FEATURES]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    structures = [
        (film, seed, extra + [f"pf.seed={seed}"])
        for film, extra in FILMS.items()
        for seed in range(args.seeds)
    ]
    runs = {}
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for film, seed, base in structures:
            runs[(film, seed, "reference")] = pool.submit(features, base + REFERENCE)
            for name, extra in VARIANTS.items():
                runs[(film, seed, name)] = pool.submit(features, base + extra)
    print("| film | seed | variant | Ec | Pr | Ps | area |")
    print("|---|---:|---|---:|---:|---:|---:|")
    excess = {name: [-1e9] * len(FEATURES) for name in VARIANTS}
    for film, seed, _ in structures:
        ref = runs[(film, seed, "reference")].result()
        errors = {}
        for name in VARIANTS:
            got = runs[(film, seed, name)].result()
            errors[name] = [100 * abs(g - r) / abs(r) for g, r in zip(got, ref)]
            cells = " | ".join(f"{e:.3f} %" for e in errors[name])
            print(f"| {film} | {seed} | {name} | {cells} |")
        for name in VARIANTS:
            excess[name] = [
                max(x, e - t)
                for x, e, t in zip(excess[name], errors[name], errors["today (f64, dt)"])
            ]
    print()
    print("Largest error minus today's on the same structure (percentage points):")
    for name, worst in excess.items():
        cells = ", ".join(f"{k.split('_')[0]} {w:+.3f}" for k, w in zip(FEATURES, worst))
        print(f"  {name}: {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
