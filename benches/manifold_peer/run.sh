#!/usr/bin/env bash
# ferrolab's t-SNE, MDS and Isomap against scikit-learn's on the same 5,000 x 50 matrix, 2
# threads each (benches/README.md, "Manifold learning against scikit-learn"). Installs
# scikit-learn into its own venv (target/bench-venv-manifold). The data are written by the
# Python side (target/manifold_peer_5000x50.npy) and read by both.
# Usage: bash benches/manifold_peer/run.sh [tsne] [mds] [isomap]
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/bench-venv-manifold
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check scikit-learn
fi
data="$PWD/target/manifold_peer_5000x50.npy"
mkdir -p target
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
# The data first (the Python side writes it when missing), then each side in turn.
"$venv/bin/python" benches/manifold_peer/sklearn_manifold.py "$data" "$@" | tee target/manifold_peer_sklearn.jsonl
cargo run --release -q --example manifold_peer -- "$data" target/manifold_peer_sklearn.jsonl "$@"
