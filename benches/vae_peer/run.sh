#!/usr/bin/env bash
# Side-by-side, in one run: paper 000's MLP beta-VAE trained on the same 10,000 x 400 loops by
# ferrolab's fast path, ferrolab's burn path and PyTorch CPU (2 threads each, same model,
# settings and data), reporting seconds per epoch, the ratios and the final losses.
# Usage: bash benches/vae_peer/run.sh [EPOCHS]      (default 200; never run in CI)
# Needs the torch venv of benches/torch_venv.sh (created on first use, several GB).
set -euo pipefail
cd "$(dirname "$0")/../.."
epochs="${1:-200}"
venv="${TORCH_PEER_VENV:-/tmp/ferrolab-torch-venv}"
bash benches/torch_venv.sh
work="$(mktemp -d)"
# The bench profile: release with burn's crates optimised (Cargo.toml compiles them unoptimised
# in release builds, for the tests).
cargo build -q --profile bench --features burn --example vae_train
bin=target/release/examples/vae_train
"$bin" --synthetic 10000x400 --write-data "$work/loops.npy"
"$bin" --data "$work/loops.npy" --epochs "$epochs" --threads 2 --engine fast --out "$work/fast.json"
"$bin" --data "$work/loops.npy" --epochs "$epochs" --threads 2 --engine burn --out "$work/burn.json"
"$venv/bin/python" benches/vae_peer/train_torch.py --data "$work/loops.npy" --epochs "$epochs" \
  --threads 2 --seed 0 --out "$work/torch.json"
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
r = {k: json.load(open(f"{w}/{k}.json")) for k in ("fast", "burn", "torch")}
t = r["torch"]["median_seconds_per_epoch"]
print(f"\n{'engine':8} {'s/epoch':>9} {'vs torch':>9} {'final total':>12} {'recon':>10} {'KL':>8}")
for k, v in r.items():
    s = v["median_seconds_per_epoch"]
    f = v["final"]
    print(f"{k:8} {s:9.4f} {t / s:8.2f}x {f[0]:12.4f} {f[1]:10.4f} {f[2]:8.4f}")
d = (r["fast"]["final"][0] - r["torch"]["final"][0]) / r["torch"]["final"][0]
print(f"fast vs torch final total: {100 * d:+.2f} %")
PY
echo "results in $work"
