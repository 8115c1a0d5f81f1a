#!/usr/bin/env bash
# Side by side, in one run: paper 001's LSTM layers and LSTM beta-VAE, ferrolab against PyTorch
# CPU (2 threads each, float32, fused nn.LSTM, warm-up excluded), printing seconds and ratios:
#   block: one BiLSTM block forward + backward (benches/lstm.rs: two stacked BiLSTMs
#          1 -> 2x128 -> 2x128, T = 96, batch 64; criterion's median against PyTorch's median);
#   epoch: seconds per epoch of the paper-size toy model (benches/lstm_epoch.rs: 10,000 random
#          rows of 25 steps, batch 300, Adam; ferrolab's second epoch against PyTorch's first
#          after two warm-up steps).
# Usage: bash benches/lstm_peer/run.sh [block|epoch|all]   (default all, about 5 min; never in CI)
# Needs the torch venv of benches/torch_venv.sh (TORCH_PEER_VENV, created on first use, several GB).
# Timings taken while other work runs are inflated: check the load averages printed.
set -euo pipefail
cd "$(dirname "$0")/../.."
what="${1:-all}"
venv="${TORCH_PEER_VENV:-/tmp/ferrolab-torch-venv}"
bash benches/torch_venv.sh
target="${CARGO_TARGET_DIR:-target}"
py="$venv/bin/python"
peer=benches/lstm_peer/lstm_torch.py
if [ "$what" = block ] || [ "$what" = all ]; then
  cargo bench -q --bench lstm --no-run
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  cargo bench -q --bench lstm >/dev/null 2>&1
  ours=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["median"]["point_estimate"] / 1e9)' \
    "$target/criterion/bilstm_block_t96_b64_h128_fwd_bwd/new/estimates.json")
  torch=$("$py" "$peer" block | python3 -c 'import json, sys; print(json.load(sys.stdin)["median_seconds"])')
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 -c 'import sys; o, t = map(float, sys.argv[1:]); print(f"block  ferrolab {o:.3f} s  PyTorch {t:.3f} s  PyTorch / ferrolab {t / o:.2f}x")' "$ours" "$torch"
fi
if [ "$what" = epoch ] || [ "$what" = all ]; then
  cargo bench -q --bench lstm_epoch --no-run
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  ours=$(cargo bench -q --bench lstm_epoch -- 2 | tail -1 | awk '{print $3}')
  torch=$("$py" "$peer" epoch | python3 -c 'import json, sys; print(json.load(sys.stdin)["median_seconds_per_epoch"])')
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  python3 -c 'import sys; o, t = map(float, sys.argv[1:]); print(f"epoch  ferrolab {o:.1f} s  PyTorch {t:.1f} s  PyTorch / ferrolab {t / o:.2f}x")' "$ours" "$torch"
fi
