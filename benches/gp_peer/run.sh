#!/usr/bin/env bash
# ferrolab's GP vs scikit-learn, in one run. Installs numpy, scipy and scikit-learn into its own
# venv (target/bench-venv-gp). Usage: bash benches/gp_peer/run.sh [n ...]
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=target/bench-venv-gp
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check numpy scipy scikit-learn
fi
cargo build --release -q
"$venv/bin/python" benches/gp_peer/compare.py "$PWD/target/release/ferrolab" "$@"
