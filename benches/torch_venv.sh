#!/usr/bin/env bash
# Creates (once) the Python venv of the PyTorch peer benchmarks (benches/vae_peer,
# benches/lstm_peer) and installs torch + numpy into it. Only for someone running a benchmark by
# hand: it refuses to run in CI (the wheel and its dependencies are several GB). Idempotent: a
# venv that already imports torch is kept.
# Usage: bash benches/torch_venv.sh    (venv at ${TORCH_PEER_VENV:-/tmp/ferrolab-torch-venv})
set -euo pipefail
if [ -n "${CI:-}" ]; then
  echo "torch_venv.sh: CI is set; the torch peer benchmark never runs in CI" >&2
  exit 1
fi
venv="${TORCH_PEER_VENV:-/tmp/ferrolab-torch-venv}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch, numpy' 2>/dev/null; then
  echo "$venv: torch $("$venv/bin/python" -c 'import torch; print(torch.__version__)') already there"
  exit 0
fi
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check torch numpy
echo "$venv: torch $("$venv/bin/python" -c 'import torch; print(torch.__version__)') installed"
