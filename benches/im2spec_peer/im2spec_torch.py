#!/usr/bin/env python3
"""PyTorch peer of paper 003's im2spec and spec2im (docs/models.md, "im2spec and spec2im").

The networks as the paper's code defines them (a kernel-3 convolution, stride 1, 64 filters
unless noted, is followed by LeakyReLU(0.1) then BatchNorm; the dilated pyramid returns the sum of
every module's output, 12 terms):
  im2spec: (1, h, w) -> 3 x conv2d -> flatten -> Linear -> latent;
           Linear(latent -> 64 L) -> (64, L) -> pyramid 1-D (dilations 1-4) -> conv1d(64 -> 1)
           -> Conv1d(1 -> 1, kernel 1).
  spec2im: (1, L) -> 4 x conv1d -> flatten -> Linear -> latent;
           Linear(latent -> 64 (h/4)(w/4)) -> conv2d -> nearest x2 -> conv2d -> nearest x2
           -> pyramid 2-D -> conv2d(64 -> 1) -> Conv2d(1 -> 1, kernel 1).

Usage (the torch venv of benches/torch_venv.sh):
  python im2spec_torch.py count                  parameter counts at the paper's sizes (JSON)
  python im2spec_torch.py epoch [im2spec|spec2im] seconds per epoch: 2,067 random samples of
                                                 8 x 8 patches and 64-point spectra, batch 64,
                                                 Adam 1e-3, MSE, float32, 2 threads; the median
                                                 of 3 epochs after one warm-up epoch (JSON)
"""
import json
import sys
import time

import torch
from torch import nn


def conv_unit(dim, c_in, c_out, kernel=3, dilation=1):
    """Conv (padding keeps the extent) -> LeakyReLU(0.1) -> BatchNorm, as one Sequential."""
    conv = (nn.Conv1d if dim == 1 else nn.Conv2d)(
        c_in, c_out, kernel, padding=dilation * (kernel // 2), dilation=dilation)
    norm = (nn.BatchNorm1d if dim == 1 else nn.BatchNorm2d)(c_out)
    return nn.Sequential(conv, nn.LeakyReLU(0.1), norm)


class Pyramid(nn.Module):
    """Four conv units with dilations 1-4 in a chain; the output sums all 12 module outputs."""

    def __init__(self, dim, channels):
        super().__init__()
        self.units = nn.ModuleList(conv_unit(dim, channels, channels, dilation=d) for d in (1, 2, 3, 4))

    def forward(self, x):
        total = 0
        for unit in self.units:
            for module in unit:
                x = module(x)
                total = total + x
        return total


class Im2Spec(nn.Module):
    def __init__(self, patch=(8, 8), length=64, latent=10, filters=64):
        super().__init__()
        self.patch, self.length, self.filters = patch, length, filters
        self.encoder_convs = nn.Sequential(
            conv_unit(2, 1, filters), conv_unit(2, filters, filters), conv_unit(2, filters, filters))
        self.encoder_dense = nn.Linear(filters * patch[0] * patch[1], latent)
        self.decoder_dense = nn.Linear(latent, filters * length)
        self.pyramid = Pyramid(1, filters)
        self.decoder_conv = conv_unit(1, filters, 1)
        self.out = nn.Conv1d(1, 1, 1)

    def forward(self, x):
        z = self.encoder_dense(self.encoder_convs(x).flatten(1))
        y = self.decoder_dense(z).view(-1, self.filters, self.length)
        return self.out(self.decoder_conv(self.pyramid(y)))


class Spec2Im(nn.Module):
    def __init__(self, length=64, patch=(8, 8), latent=10, filters=64):
        super().__init__()
        self.patch, self.filters = patch, filters
        self.encoder_convs = nn.Sequential(
            conv_unit(1, 1, filters), *(conv_unit(1, filters, filters) for _ in range(3)))
        self.encoder_dense = nn.Linear(filters * length, latent)
        self.decoder_dense = nn.Linear(latent, filters * (patch[0] // 4) * (patch[1] // 4))
        self.conv1 = conv_unit(2, filters, filters)
        self.conv2 = conv_unit(2, filters, filters)
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        self.pyramid = Pyramid(2, filters)
        self.decoder_conv = conv_unit(2, filters, 1)
        self.out = nn.Conv2d(1, 1, 1)

    def forward(self, x):
        z = self.encoder_dense(self.encoder_convs(x).flatten(1))
        h, w = self.patch
        y = self.decoder_dense(z).view(-1, self.filters, h // 4, w // 4)
        y = self.up(self.conv2(self.up(self.conv1(y))))
        return self.out(self.decoder_conv(self.pyramid(y)))


def count(model):
    return sum(p.numel() for p in model.parameters())


def counts():
    out = {}
    for patch in (8, 16):
        for latent in (2, 10):
            out[f"im2spec_{patch}x{patch}_to_64_latent{latent}"] = count(
                Im2Spec((patch, patch), 64, latent))
            out[f"spec2im_64_to_{patch}x{patch}_latent{latent}"] = count(
                Spec2Im(64, (patch, patch), latent))
    return out


def epoch_seconds(kind, samples=2067, batch=64, epochs=3):
    torch.manual_seed(1)
    torch.set_num_threads(2)
    patches, spectra = torch.randn(samples, 1, 8, 8), torch.randn(samples, 1, 64)
    model, x, y = ((Im2Spec(), patches, spectra) if kind == "im2spec"
                   else (Spec2Im(), spectra, patches))
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()

    def one_epoch():
        order = torch.randperm(samples)
        for start in range(0, samples, batch):
            rows = order[start:start + batch]
            optimiser.zero_grad()
            loss = loss_fn(model(x[rows]), y[rows])
            loss.backward()
            optimiser.step()
        return loss.item()

    model.train()
    one_epoch()  # warm-up
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        one_epoch()
        times.append(time.perf_counter() - start)
    return {"model": kind, "torch": torch.__version__, "threads": 2, "samples": samples,
            "batch": batch, "seconds_per_epoch": times,
            "median_seconds_per_epoch": sorted(times)[len(times) // 2]}


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "count"
    if what == "count":
        print(json.dumps(counts(), indent=1))
    elif what == "epoch":
        print(json.dumps(epoch_seconds(sys.argv[2] if len(sys.argv) > 2 else "im2spec")))
    else:
        sys.exit(f"unknown command {what}: count | epoch [im2spec|spec2im]")
