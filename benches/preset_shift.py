"""Ensemble-mean shift of the loop features between two Landau presets on the same structures.

Usage: python benches/preset_shift.py PAPER.npz STABILIZED.npz
The two files are `ferrolab simulate --sweep` datasets of the same sweep (same seeds) run with
`pf.landau=paper` and `pf.landau=stabilized`. Structures that ran away under either preset are
left out. Prints, per feature, both means, their relative shift, the seed-to-seed standard
deviation and the shift in units of the standard error of the paired differences.
"""
import json
import sys

import numpy as np


def load(path):
    data = np.load(path)
    names = json.load(open(path[: -len(".npz")] + ".json"))["feature_names"]
    return data, names


def main(paper_path, stabilized_path):
    paper, names = load(paper_path)
    stabilized, _ = load(stabilized_path)
    if not np.array_equal(paper["seed"], stabilized["seed"]):
        sys.exit("the two datasets hold different structures")
    ok = (paper["status"] == 0) & (stabilized["status"] == 0)
    print(f"{ok.sum()} of {ok.size} structures ran on both presets "
          f"(paper runaways {(paper['status'] == 1).sum()}, "
          f"stabilized runaways {(stabilized['status'] == 1).sum()})")
    print("| feature | paper mean | stabilized mean | shift | seed-to-seed sd | shift / sd | "
          "shift / standard error of the paired difference |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for k, name in enumerate(names):
        a = paper["features"][ok, k]
        b = stabilized["features"][ok, k]
        if a.std() == 0 and b.std() == 0 and a.mean() == b.mean():
            continue  # a count equal on every structure (the crossings)
        shift = b.mean() - a.mean()
        sd = a.std(ddof=1)
        se = (b - a).std(ddof=1) / np.sqrt(ok.sum())
        rel = shift / abs(a.mean()) if a.mean() != 0 else float("nan")
        print(f"| {name} | {a.mean():.4g} | {b.mean():.4g} | {100 * rel:+.2f} % | "
              f"{sd:.3g} | {shift / sd:+.2f} | {shift / se if se > 0 else float('nan'):+.1f} |")


if __name__ == "__main__":
    main(*sys.argv[1:3])
