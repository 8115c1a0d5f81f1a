"""PyTorch CPU peer of ferrolab's MLP beta-VAE (paper 000): trains it on P-V loops and records
seconds per epoch and the loss history, for a side-by-side comparison with ferrolab's own VAE.

Data: a float64 NPY array [n, d] of loops in original units, scaled by one global min-max to
[0, 1] (float32). Model: encoder Linear(d, H) + ReLU, heads Linear(H, L) for mu and log-variance,
z = mu + exp(logvar / 2) * eps, decoder Linear(L, H) + ReLU, Linear(H, d) giving logits.
Loss per batch of B: recon = BCE-with-logits summed over the batch / B, kl = -1/2 sum(1 + logvar
- mu^2 - exp(logvar)) / B, total = recon + beta * kl; Adam; reshuffled batches, last one partial.

Usage: python train_torch.py --data loops.npy --epochs 200 --threads 2 --seed 0 --out result.json
       [--beta 0.1 --lr 1e-3 --batch 128 --hidden 256 --latent 2]
"""
import argparse
import json
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class VAE(nn.Module):
    def __init__(self, d, hidden, latent):
        super().__init__()
        self.enc = nn.Linear(d, hidden)
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.dec_hidden = nn.Linear(latent, hidden)
        self.dec_out = nn.Linear(hidden, d)

    def forward(self, x):
        h = F.relu(self.enc(x))
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        return self.dec_out(F.relu(self.dec_hidden(z))), mu, logvar


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--beta", type=float, default=0.1)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--latent", type=int, default=2)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    raw = np.load(a.data).astype(np.float64)
    lo, hi = raw.min(), raw.max()
    x = torch.from_numpy(((raw - lo) / (hi - lo)).astype(np.float32))
    n, d = x.shape

    model = VAE(d, a.hidden, a.latent)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    gen = torch.Generator().manual_seed(a.seed)
    seconds, history = [], []
    for epoch in range(a.epochs):
        sums = torch.zeros(3, dtype=torch.float64)  # per-sample total, recon, kl, summed * B
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, a.batch):
            xb = x[perm[start:start + a.batch]]
            b = xb.shape[0]
            logits, mu, logvar = model(xb)
            recon = F.binary_cross_entropy_with_logits(logits, xb, reduction="sum") / b
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / b
            total = recon + a.beta * kl
            opt.zero_grad()
            total.backward()
            opt.step()
            sums += torch.stack([total.detach(), recon.detach(), kl.detach()]).double() * b
        seconds.append(time.perf_counter() - t0)
        history.append((sums / n).tolist())

    result = {
        "torch_version": torch.__version__, "threads": a.threads, "n": n, "d": d,
        "epochs": a.epochs, "seconds_per_epoch": seconds,
        "median_seconds_per_epoch": statistics.median(seconds),
        "history": history, "final": history[-1],
    }
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    t, r, k = history[-1]
    print(f"torch {torch.__version__}, {a.threads} threads, n={n} d={d}, {a.epochs} epochs: "
          f"median {result['median_seconds_per_epoch']:.4f} s/epoch, "
          f"final total {t:.4f} recon {r:.4f} kl {k:.4f}")


if __name__ == "__main__":
    main()
