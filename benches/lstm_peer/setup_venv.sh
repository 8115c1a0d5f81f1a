#!/usr/bin/env bash
# Creates (once) the Python venv for the PyTorch LSTM peer benchmark and installs torch + numpy
# into it. Only for someone running the benchmark by hand: it refuses to run in CI (the wheel
# and its dependencies are several GB). Idempotent: a venv that already imports torch is kept,
# so the VAE peer's venv (the same default path) serves both.
# Usage: bash benches/lstm_peer/setup_venv.sh    (venv at ${LSTM_PEER_VENV:-/tmp/ferrolab-torch-venv})
set -euo pipefail
if [ -n "${CI:-}" ]; then
  echo "setup_venv.sh: CI is set; the torch peer benchmark never runs in CI" >&2
  exit 1
fi
venv="${LSTM_PEER_VENV:-/tmp/ferrolab-torch-venv}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch, numpy' 2>/dev/null; then
  echo "$venv: torch $("$venv/bin/python" -c 'import torch; print(torch.__version__)') already there"
  exit 0
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check torch numpy
echo "$venv: torch $("$venv/bin/python" -c 'import torch; print(torch.__version__)') installed"
