#!/usr/bin/env python3
"""PyTorch reference of the rotationally invariant VAE (papers 002/004) as a whole network, on a
tiny size (8 x 8 images, float64), for src/nn/rvae/parity.rs.

The network is written here from docs/models.md ("rVAE"), with ferrolab's tensor names:
  encoder.conv1, encoder.conv2   Conv2d(1 -> F), Conv2d(F -> F), 3 x 3, padding 1, LeakyReLU(0.1)
  encoder.mu, encoder.log_sd     Linear(F n^2 -> L) heads, L = 1 + 2 (translation) + k
  decoder.coord                  Linear(2 -> H) on the rotated and shifted pixel coordinates
  decoder.latent                 Linear(k -> H, bias=False) on the content latents, broadcast
  decoder.hidden.0, .1           Linear(H -> H), each after tanh
  decoder.out                    Linear(H -> 1) per pixel, linear output
z = mu + exp(log_sd) eps with the stored eps; latent 0 is the angle, 1-2 the offsets (when
translation is on), the rest the content. Pixel (row r, column c) sits at
(x, y) = (-1 + 2c/(n-1), 1 - 2r/(n-1)); x' = R(phi) x + 0.1 (dx, dy), R = [[cos, -sin], [sin, cos]].
Loss (AtomAI's rvae_loss): mean over the batch of
  0.5 sum_pixels (x_hat - x)^2 + KL(N(0, sd_phi^2) || N(0, 0.1^2)) + KL(N(mu, sd^2) || N(0, 1)) summed
over the offsets and content latents, the KL terms from torch.distributions.

For each case (translation on and off) the JSON holds the weights, the batch and eps, the means
and log sds, the decoded batch, the loss and its parts, and the loss's gradient in every weight.
CI reads only the JSON. Regenerate (torch 2.15.0, NumPy 2) from the repository root with:
  bash benches/torch_venv.sh
  /tmp/ferrolab-torch-venv/bin/python tests/oracles/rvae_reference.py > tests/oracles/rvae_reference.json
"""
import json

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
N, FILTERS, CONTENT, HIDDEN, BATCH = 8, 3, 2, 6, 3
TRANSLATION_SCALE, ROTATION_PRIOR_SD, SLOPE = 0.1, 0.1, 0.1
Normal, kl_divergence = torch.distributions.Normal, torch.distributions.kl_divergence


def coordinate_grid(n):
    ys, xs = torch.meshgrid(torch.linspace(1, -1, n), torch.linspace(-1, 1, n), indexing="ij")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)  # (n^2, 2)


class TinyRvae(nn.Module):
    def __init__(self, translation):
        super().__init__()
        self.translation = translation
        self.latents = 1 + (2 if translation else 0) + CONTENT
        flat = FILTERS * N * N
        self.encoder = nn.ModuleDict(dict(
            conv1=nn.Conv2d(1, FILTERS, 3, padding=1),
            conv2=nn.Conv2d(FILTERS, FILTERS, 3, padding=1),
            mu=nn.Linear(flat, self.latents),
            log_sd=nn.Linear(flat, self.latents)))
        self.decoder = nn.ModuleDict(dict(
            coord=nn.Linear(2, HIDDEN),
            latent=nn.Linear(CONTENT, HIDDEN, bias=False),
            hidden=nn.ModuleList([nn.Linear(HIDDEN, HIDDEN) for _ in range(2)]),
            out=nn.Linear(HIDDEN, 1)))

    def encode(self, x):
        e = self.encoder
        h = F.leaky_relu(e["conv1"](x.view(-1, 1, N, N)), SLOPE)
        h = F.leaky_relu(e["conv2"](h), SLOPE).flatten(1)
        return e["mu"](h), e["log_sd"](h)

    def decode(self, phi, offsets, content):
        c, s = torch.cos(phi), torch.sin(phi)
        rotation = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)
        points = torch.einsum("bij,pj->bpi", rotation, coordinate_grid(N))
        points = points + TRANSLATION_SCALE * offsets[:, None, :]
        d = self.decoder
        h = torch.tanh(d["coord"](points) + d["latent"](content)[:, None, :])
        for layer in d["hidden"]:
            h = torch.tanh(layer(h))
        return d["out"](h).squeeze(-1)

    def loss(self, x, eps):
        mu, log_sd = self.encode(x)
        z = mu + log_sd.exp() * eps
        t = 3 if self.translation else 1
        offsets = z[:, 1:3] if self.translation else torch.zeros(x.shape[0], 2)
        x_hat = self.decode(z[:, 0], offsets, z[:, t:])
        reconstruction = 0.5 * ((x_hat - x) ** 2).sum(1)
        sd = log_sd.exp()
        kl_rotation = kl_divergence(Normal(torch.zeros_like(sd[:, 0]), sd[:, 0]),
                                    Normal(torch.zeros_like(sd[:, 0]),
                                           torch.full_like(sd[:, 0], ROTATION_PRIOR_SD)))
        kl_rest = kl_divergence(Normal(mu[:, 1:], sd[:, 1:]),
                                Normal(torch.zeros_like(mu[:, 1:]), torch.ones_like(mu[:, 1:])))
        kl = kl_rotation + kl_rest.sum(1)
        return (reconstruction + kl).mean(), reconstruction.mean(), kl.mean(), mu, log_sd, x_hat


def case(translation, rng):
    model = TinyRvae(translation)
    weights = {}
    with torch.no_grad():
        for name, p in model.named_parameters():
            # Weights ~ N(0, 1/fan_in) (fan_in: the product of the trailing axes), biases ~ 0.1 N.
            fan_in = int(np.prod(p.shape[1:])) if p.dim() > 1 else 10
            values = rng.standard_normal(tuple(p.shape)) / np.sqrt(fan_in)
            p.copy_(torch.tensor(values))
            weights[name] = {"shape": list(p.shape), "values": values.ravel().tolist()}
    # Images: a bright blob at a random place on a dim background, values in [0, 1].
    rows, cols = np.meshgrid(np.arange(N), np.arange(N), indexing="ij")
    x = np.stack([np.exp(-((rows - rng.uniform(2, 6)) ** 2 + (cols - rng.uniform(2, 6)) ** 2) / 4.0)
                  + 0.1 * rng.random((N, N)) for _ in range(BATCH)]).reshape(BATCH, N * N)
    eps = rng.standard_normal((BATCH, model.latents))
    loss, reconstruction, kl, mu, log_sd, x_hat = model.loss(torch.tensor(x), torch.tensor(eps))
    loss.backward()
    grads = {k: p.grad.numpy().ravel().tolist() for k, p in model.named_parameters()}
    return {
        "translation": translation,
        "weights": weights,
        "input": x.ravel().tolist(),
        "eps": eps.ravel().tolist(),
        "mu": mu.detach().numpy().ravel().tolist(),
        "log_sd": log_sd.detach().numpy().ravel().tolist(),
        "output": x_hat.detach().numpy().ravel().tolist(),
        "loss": loss.item(),
        "reconstruction": reconstruction.item(),
        "kl": kl.item(),
        "gradients": grads,
    }


def main():
    rng = np.random.default_rng(2025)
    out = {
        "torch": torch.__version__,
        "numpy": np.__version__,
        "sizes": {"n": N, "filters": FILTERS, "content": CONTENT, "hidden": HIDDEN,
                  "batch": BATCH, "translation_scale": TRANSLATION_SCALE,
                  "rotation_prior_sd": ROTATION_PRIOR_SD},
        "cases": {"translation": case(True, rng), "no_translation": case(False, rng)},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
