#!/usr/bin/env bash
# Side-by-side: ferrolab vs the NumPy/SciPy implementation of the same scheme, on the same
# structure, in one run. Installs NumPy and SciPy into its own venv (target/bench-venv).
# Usage: bash benches/numpy_peer/run.sh [extra --set KEY=VALUE ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check numpy scipy
fi
cargo build --release -q
# The Landau preset of the run (ferrolab's default unless pf.landau is set), for the peer.
landau=stabilized
for arg in "$@"; do
  case "$arg" in pf.landau=*) landau="${arg#pf.landau=}" ;; esac
done
out=target/bench-loop
rm -rf "$out"
./target/release/ferrolab simulate --out "$out" "$@" | tee "$out.log"
"$venv/bin/python" benches/numpy_peer/phasefield_loop.py "$out" --landau "$landau" | tee -a "$out.log"
"$venv/bin/python" - "$out" <<'PY'
import re, sys
import numpy as np
out = sys.argv[1]
ours = np.loadtxt(f"{out}/loop.csv", delimiter=",", skiprows=1)
theirs = np.loadtxt(f"{out}/numpy_loop.csv", delimiter=",", skiprows=1)
log = open(f"{out}.log").read()
t_ours = float(re.search(r"steps in ([0-9.]+) s", log).group(1))
t_numpy = float(re.search(r"numpy: ([0-9.]+) s", log).group(1))
diff = np.max(np.abs(ours[:, 1] - theirs[:, 1]))
print(f"max |P_ferrolab - P_numpy| = {diff:.2e} C/m^2 over {len(ours)} points")
print(f"ferrolab {t_ours:.2f} s, numpy/scipy {t_numpy:.2f} s: ferrolab is {t_numpy / t_ours:.1f}x faster")
PY
