"""PyTorch CPU peer of ferrolab's LSTM layers and paper 001's LSTM beta-VAE: times what
benches/lstm.rs and benches/lstm_epoch.rs time, with fused nn.LSTM, float32, warm-up excluded.

block: two stacked BiLSTMs (1 -> 2x128 -> 2x128), T = 96, batch 64; one iteration is the
       forward of both and the backward of both with the output gradient set to the output
       (as the Rust bench), input gradient included; parameter gradients accumulate.
epoch: the paper-size toy model (25 steps of one channel, h = 128, three residual blocks,
       16 + 16 latents), seconds of one epoch over 10,000 random rows, batch 300 (the last
       batch partial), Adam lr 3e-5, eps 1e-7.

Usage: python lstm_torch.py block [--threads 2 --samples 10]
       python lstm_torch.py epoch [--threads 2 --epochs 1 --rows 10000]
Prints one JSON object.
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn

H = 128


def bilstm(inp):
    # Keras has one bias per gate; PyTorch's two add up to it (same cost either way).
    return nn.LSTM(inp, H, batch_first=True, bidirectional=True)


def block_bench(samples):
    first, second = bilstm(1), bilstm(2 * H)
    x = torch.randn(64, 96, 1, requires_grad=True)

    def once():
        a, _ = first(x)
        y, _ = second(a)
        y.backward(y.detach())

    for _ in range(3):
        once()
    times = []
    for _ in range(samples):
        t0 = time.perf_counter()
        once()
        times.append(time.perf_counter() - t0)
    return {"median_seconds": statistics.median(times), "min_seconds": min(times), "samples": samples}


class Block(nn.Module):
    """BiLSTM -> ReLU -> BiLSTM -> ReLU -> + input (broadcast) -> LayerNorm over time -> ReLU."""

    def __init__(self, inp, steps):
        super().__init__()
        self.first, self.second = bilstm(inp), bilstm(2 * H)
        self.norm = nn.LayerNorm(steps, eps=1e-3)

    def forward(self, x):
        y = torch.relu(self.first(x)[0])
        y = torch.relu(self.second(y)[0]) + x
        return torch.relu(self.norm(y.transpose(1, 2)).transpose(1, 2))


class LstmVae(nn.Module):
    def __init__(self, steps=25, blocks=3, embedding=16, latent=16):
        super().__init__()
        self.steps = steps
        self.enc_blocks = nn.ModuleList(Block(1 if k == 0 else 2 * H, steps) for k in range(blocks))
        self.enc_last = bilstm(2 * H)
        # Keras' momentum 0.99 on the old value is PyTorch's 0.01 on the new one.
        self.enc_norm = nn.BatchNorm1d(2 * H, eps=1e-3, momentum=0.01)
        self.enc_emb = nn.Linear(2 * H, embedding)
        self.mu = nn.Linear(embedding, latent)
        self.log_var = nn.Linear(embedding, latent)
        self.dec_emb = nn.Linear(latent, embedding)
        self.dec_first = bilstm(embedding)
        self.dec_blocks = nn.ModuleList(Block(2 * H, steps) for _ in range(blocks))
        self.dec_norm = nn.LayerNorm(steps, eps=1e-3)
        self.out = nn.Linear(2 * H, 1)

    def forward(self, x):
        for b in self.enc_blocks:
            x = b(x)
        _, (h_n, _) = self.enc_last(x)
        # Keras' last output of a bidirectional LSTM: both directions' final states.
        e = torch.relu(self.enc_emb(torch.relu(self.enc_norm(torch.cat([h_n[0], h_n[1]], 1)))))
        mu, log_var = self.mu(e), self.log_var(e)
        z = mu + torch.exp(0.5 * log_var) * torch.randn_like(mu)
        d = torch.relu(self.dec_emb(z))
        y = torch.relu(self.dec_first(d.unsqueeze(1).expand(-1, self.steps, -1).contiguous())[0])
        for b in self.dec_blocks:
            y = b(y)
        y = self.dec_norm(y.transpose(1, 2)).transpose(1, 2)
        return self.out(y), mu, log_var, e, d


def epoch_bench(epochs, rows, beta=0.0, lam=0.0):
    model = LstmVae()
    lstms = [m for m in model.modules() if isinstance(m, nn.LSTM)]
    params = sum(p.numel() for p in model.parameters())
    # Less the second bias of both directions of every LSTM: ferrolab's count, 5,018,527.
    keras_params = params - len(lstms) * 2 * 4 * H
    opt = torch.optim.Adam(model.parameters(), lr=3e-5, eps=1e-7)
    data = torch.randn(rows, 25, 1)
    batch = 300

    def step(xb):
        x_hat, mu, log_var, e, d = model(xb)
        mse = torch.mean((x_hat - xb) ** 2)
        kl = torch.mean(-0.5 * (1 + log_var - mu**2 - log_var.exp()))
        l1 = (e.abs().sum() + d.abs().sum()) / xb.shape[0]
        loss = mse + beta * kl + lam * l1
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(2):  # warm-up
        step(data[:batch])
    seconds = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(rows)
        for start in range(0, rows, batch):
            step(data[perm[start : start + batch]])
        seconds.append(time.perf_counter() - t0)
    return {
        "seconds_per_epoch": seconds,
        "median_seconds_per_epoch": statistics.median(seconds),
        "parameters_one_bias": keras_params,
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("what", choices=["block", "epoch"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--samples", type=int, default=10)
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--rows", type=int, default=10000)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    result = block_bench(a.samples) if a.what == "block" else epoch_bench(a.epochs, a.rows)
    result["torch"] = torch.__version__
    result["threads"] = torch.get_num_threads()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
