#!/usr/bin/env python3
"""PyTorch CPU peer of benches/rvae_epoch.rs: seconds per epoch of papers 002/004's rotationally
invariant VAE at issue 19's reference size, with fused modules (nn.Conv2d, nn.Linear, tanh,
leaky_relu), float32, 2 threads, one warm-up epoch excluded.

The network (docs/models.md, "rVAE"; ferrolab's src/nn/rvae/network.rs):
  encoder  Conv2d(1 -> 128, 3x3, padding 1) -> LeakyReLU(0.1) -> Conv2d(128 -> 128) ->
           LeakyReLU(0.1) -> flatten -> Linear heads for the means and log sds of 5 latents
           (angle, two offsets, two content)
  decoder  the n x n pixel grid in [-1, 1]^2 rotated by the angle and shifted by 0.1 (dx, dy);
           tanh(Linear(2 -> 128)(points) + Linear(2 -> 128, no bias)(content)), two
           Linear(128 -> 128) -> tanh, Linear(128 -> 1) per pixel
Loss per image (AtomAI's rvae_loss), mean over the batch: 0.5 sum of squared errors + the KL of
the angle's spread against N(0, 0.1^2) (no mean term) + the standard-normal KL of the offsets and
content. n = 48: 3,131,787 parameters, like ferrolab's.

Data: 3,610 random 48 x 48 images (uniform in [0, 1)), batch 32, Adam lr 1e-4, shuffled every
epoch.

Usage (the torch venv of benches/torch_venv.sh):
  python benches/rvae_peer/rvae_torch.py [--n 48 --images 3610 --epochs 3 --threads 2]
Prints the parameter count, the seconds of every timed epoch and their median, in
benches/rvae_epoch.rs's format.
"""
import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

FILTERS, HIDDEN, CONTENT = 128, 128, 2
SLOPE, TRANSLATION_SCALE, ROTATION_PRIOR_SD = 0.1, 0.1, 0.1


class Rvae(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.n = n
        self.latents = 1 + 2 + CONTENT
        self.conv1 = nn.Conv2d(1, FILTERS, 3, padding=1)
        self.conv2 = nn.Conv2d(FILTERS, FILTERS, 3, padding=1)
        self.mu = nn.Linear(FILTERS * n * n, self.latents)
        self.log_sd = nn.Linear(FILTERS * n * n, self.latents)
        self.coord = nn.Linear(2, HIDDEN)
        self.latent = nn.Linear(CONTENT, HIDDEN, bias=False)
        self.hidden = nn.ModuleList(nn.Linear(HIDDEN, HIDDEN) for _ in range(2))
        self.out = nn.Linear(HIDDEN, 1)
        # Pixel (row r, column c) at (x, y) = (-1 + 2c/(n-1), 1 - 2r/(n-1)).
        ys, xs = torch.meshgrid(torch.linspace(1, -1, n), torch.linspace(-1, 1, n), indexing="ij")
        self.register_buffer("grid", torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1))

    def encode(self, x):
        h = F.leaky_relu(self.conv1(x.view(-1, 1, self.n, self.n)), SLOPE)
        h = F.leaky_relu(self.conv2(h), SLOPE).flatten(1)
        return self.mu(h), self.log_sd(h)

    def decode(self, phi, offsets, content):
        c, s = torch.cos(phi)[:, None], torch.sin(phi)[:, None]
        x, y = self.grid[:, 0], self.grid[:, 1]
        points = torch.stack([c * x - s * y, s * x + c * y], dim=-1)
        points = points + TRANSLATION_SCALE * offsets[:, None, :]
        h = torch.tanh(self.coord(points) + self.latent(content)[:, None, :])
        for layer in self.hidden:
            h = torch.tanh(layer(h))
        return self.out(h).squeeze(-1)

    def loss(self, x, eps):
        mu, log_sd = self.encode(x)
        sd = log_sd.exp()
        z = mu + sd * eps
        x_hat = self.decode(z[:, 0], z[:, 1:3], z[:, 3:])
        reconstruction = 0.5 * ((x_hat - x) ** 2).sum(1)
        # KL(N(0, sd^2) || N(0, s^2)) of the angle, KL(N(mu, sd^2) || N(0, 1)) of the rest.
        s = ROTATION_PRIOR_SD
        kl_angle = -log_sd[:, 0] + torch.log(torch.tensor(s)) + sd[:, 0] ** 2 / (2 * s * s) - 0.5
        kl_rest = 0.5 * (mu[:, 1:] ** 2 + sd[:, 1:] ** 2 - 1) - log_sd[:, 1:]
        return (reconstruction + kl_angle + kl_rest.sum(1)).mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=48)
    parser.add_argument("--images", type=int, default=3610)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    args = parser.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    n = args.n
    images = torch.rand(args.images, n * n)
    model = Rvae(n)
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-4)
    print(f"rVAE {n} x {n}, {sum(p.numel() for p in model.parameters())} parameters, "
          f"{args.images} images (PyTorch {torch.__version__}, {args.threads} threads)")

    def one_epoch():
        order = torch.randperm(args.images)
        for start in range(0, args.images, args.batch):
            x = images[order[start:start + args.batch]]
            eps = torch.randn(x.shape[0], model.latents)
            optimiser.zero_grad()
            model.loss(x, eps).backward()
            optimiser.step()

    model.train()
    one_epoch()  # warm-up: first touch of every buffer, oneDNN's kernel choice
    seconds = []
    for k in range(args.epochs):
        start = time.perf_counter()
        one_epoch()
        seconds.append(time.perf_counter() - start)
        print(f"rvae_torch epoch {k + 1}: {seconds[-1]:.2f} s", flush=True)
    print(f"rvae_torch median of {args.epochs} epochs: {statistics.median(seconds):.2f} s")


if __name__ == "__main__":
    main()
