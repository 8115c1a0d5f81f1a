"""Paper 001's LSTM beta-VAE from Python: train on spectra whose shape is set by three numbers,
watch the latent channels switch off stage by stage, keep the stage with three active channels,
encode, decode, save and reload.

    python examples/python/lstm_vae_spectra.py [OUT_DIR]

A small model and a compressed schedule so that it runs in seconds; the paper's defaults
(h = 128, three blocks, 6500 epochs) are what `ferrolab.LstmVae()` gives.
"""
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np

import ferrolab


def spectra(n, seed=0):
    """Paper 001's toy: f(t) = tanh(20 (t - 2 (R - 0.5))) + selu(t - 2 (G - 0.5))
    + sigmoid(-20 (t - (B - 0.5))) on 25 times in [-1, 1], for random colours (R, G, B)."""
    rgb = np.random.default_rng(seed).uniform(size=(n, 3))
    t = np.linspace(-1.0, 1.0, 25)
    r, g, b = (rgb[:, k, None] for k in range(3))
    u = t - 2 * (g - 0.5)
    selu = 1.0507009873554805 * np.where(u > 0, u, 1.6732632423543772 * np.expm1(np.minimum(u, 0)))
    return np.tanh(20 * (t - 2 * (r - 0.5))) + selu + 1 / (1 + np.exp(20 * (t - (b - 0.5))))


def main(out):
    x = spectra(400)
    vae = ferrolab.LstmVae(hidden=16, blocks=0, latent=8, embedding=8, epochs=60, priming_epochs=20,
                           stage_epochs=8, beta_step=0.3, learning_rate=3e-3, batch_size=50,
                           target_active=3, stage_dir=out)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ferrolab.NoSelectionWarning)
        vae.fit(x)
    stages = vae.stages()
    print("stage  beta    active  channel KL (nat)")
    for k in range(len(stages["stage"])):
        kl = " ".join(f"{v:4.2f}" for v in stages["channel_kl"][k])
        print(f"{stages['stage'][k]:5d}  {stages['beta'][k]:.3f}  {stages['active'][k]:6d}  {kl}")
    if vae.selected_stage() is None:
        print("no stage with 3 active channels:", caught[-1].message if caught else "")
    else:
        print(f"selected stage {vae.selected_stage()}")
    codes = vae.encode(x)
    mse = np.mean(vae.residuals(x) ** 2)
    print(f"latent means {codes.mu.shape}, reconstruction MSE {mse:.3f} (standardised units)")
    model = Path(out) / "model.safetensors"
    vae.save(model)
    again = ferrolab.LstmVae.load(model)
    assert np.array_equal(again.transform(x), vae.transform(x))
    print(f"saved and reloaded {model}: same encoding")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as d:
            main(d)
