"""PyTorch peer of ferrolab's U-Net (src/nn/unet/): AtomAI's default `Unet` (the network papers
002 and 004 cite) rebuilt from torch.nn modules with the same tensor names, float32, CPU.

    python unet_torch.py count [classes]           # trainable parameters
    python unet_torch.py epoch CROPS SIDE BATCH    # seconds per epoch of Adam on random crops

`epoch` times one epoch of training (forward, cross-entropy, backward, Adam 1e-3) on CROPS random
SIDE x SIDE crops with 3 classes, after one warm-up epoch, with torch.set_num_threads(2)
(override with FERROLAB_TORCH_THREADS). It prints `seconds_per_epoch <s>`.

Tested with torch 2.x (CPU wheel); benches/unet_peer/run.sh sets up the environment.
"""
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def units(count, c_in, c_out):
    """count x (3x3 conv -> LeakyReLU(0.01) -> BatchNorm2d), AtomAI's ConvBlock layout."""
    layers = []
    for k in range(count):
        layers += [
            nn.Conv2d(c_in if k == 0 else c_out, c_out, 3, padding=1),
            nn.LeakyReLU(0.01),
            nn.BatchNorm2d(c_out),
        ]
    return nn.Sequential(*layers)


class Block(nn.Module):
    def __init__(self, count, c_in, c_out):
        super().__init__()
        self.block = units(count, c_in, c_out)

    def forward(self, x):
        return self.block(x)


class Up(nn.Module):
    """Bilinear x2 (align_corners=False) then a 1x1 convolution."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False))


class Unet(nn.Module):
    def __init__(self, classes=3, filters=16, blocks=(1, 2, 2, 3)):
        super().__init__()
        f = filters
        self.c1 = Block(blocks[0], 1, f)
        self.c2 = Block(blocks[1], f, 2 * f)
        self.c3 = Block(blocks[2], 2 * f, 4 * f)
        self.bn = Block(blocks[3], 4 * f, 8 * f)
        self.upsample_block1 = Up(8 * f, 4 * f)
        self.c4 = Block(blocks[2], 8 * f, 4 * f)
        self.upsample_block2 = Up(4 * f, 2 * f)
        self.c5 = Block(blocks[1], 4 * f, 2 * f)
        self.upsample_block3 = Up(2 * f, f)
        self.c6 = Block(blocks[0], 2 * f, f)
        self.px = nn.Conv2d(f, classes, 1)

    def forward(self, x):
        c1 = self.c1(x)
        c2 = self.c2(F.max_pool2d(c1, 2, 2))
        c3 = self.c3(F.max_pool2d(c2, 2, 2))
        b = self.bn(F.max_pool2d(c3, 2, 2))
        u = self.c4(torch.cat([c3, self.upsample_block1(b)], dim=1))
        u = self.c5(torch.cat([c2, self.upsample_block2(u)], dim=1))
        u = self.c6(torch.cat([c1, self.upsample_block3(u)], dim=1))
        return self.px(u)


def count(classes):
    net = Unet(classes)
    print(sum(p.numel() for p in net.parameters() if p.requires_grad))


def epoch(crops, side, batch):
    torch.set_num_threads(int(os.environ.get("FERROLAB_TORCH_THREADS", "2")))
    torch.manual_seed(0)
    net = Unet(3)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(crops, 1, side, side)
    y = torch.randint(0, 3, (crops, side, side))

    def one_epoch():
        net.train()
        for start in range(0, crops, batch):
            xb, yb = x[start:start + batch], y[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()

    one_epoch()  # warm-up
    t = time.perf_counter()
    one_epoch()
    print(f"seconds_per_epoch {time.perf_counter() - t:.4f}")


if __name__ == "__main__":
    if sys.argv[1] == "count":
        count(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
    elif sys.argv[1] == "epoch":
        epoch(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
