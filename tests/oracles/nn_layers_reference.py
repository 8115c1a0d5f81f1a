#!/usr/bin/env python3
"""PyTorch reference values for ferrolab's layer set (src/nn/layers/, docs/nn.md).

For tiny sizes, each layer is built in PyTorch in float64, its weights and input are drawn from
a seeded NumPy generator, and the backward pass runs on loss = sum(y * r) for a seeded
projection r. The JSON keeps, per case: the weights (under PyTorch's names and shapes), the
inputs, r, the output, and the gradients of the loss in every input and weight.
src/nn/layers/pytorch_parity.rs maps the names onto ferrolab's layouts and runs the same case in
f64 (relative error below 1e-10) and f32 (below 1e-4). CI never runs this script; it reads the
committed JSON.

Conventions pinned here, as ferrolab implements them:
- LSTM: PyTorch has two biases per gate; bias_hh is 0 and bias_ih is ferrolab's single `bias`
  (gate order i, f, g, o in both). `Last` of a bidirectional LSTM is the concatenation of both
  directions' final states h_n[0], h_n[1] (Keras' Bidirectional(return_sequences=False)), not
  output[:, -1], whose backward half has read one step only.
- LayerNorm over time (Keras axis=1 on (B, T, C)): nn.LayerNorm(T, eps=1e-3) on x.transpose(1, 2).
- BatchNorm1d in training mode (momentum 0.1, unbiased running variance), the running
  statistics after that one step, then an eval-mode forward on a second input.
- KL and L1 are sums; the reparameterisation's noise eps is an input without gradient.
- Conv1d/Conv2d (zero padding, stride, dilation, with and without bias) and
  Upsample(scale_factor=2, mode="nearest") in 1-D and 2-D, appended after the cases above so
  their draws are unchanged.
- The rVAE's pieces, appended last: the coordinate grid rotated and shifted (packed input rows
  [phi, dx, dy]), Linear without bias, the KL in terms of log sd and the angle's sd-only KL (both
  from torch.distributions.kl_divergence), and the decoder's first layer (coordinates through
  Linear(2, H) plus content latents through Linear(k, H, bias=False) broadcast over pixels,
  tanh).
- The U-Net's pieces, appended last: F.max_pool2d and F.max_pool1d (kernel = stride = 2, odd
  extents, inputs rounded to integers so windows hold ties: the first maximum in scan order
  takes the gradient), F.interpolate(align_corners=False) bilinear by 2 on 3 x 5, linear by 3
  and trilinear by 2, torch.cat(dim=1) of three tensors, and nn.CrossEntropyLoss
  (reduction="mean") on (B, K, H, W) logits with (B, H, W) class indices, without and with class
  weights (the targets and weights are written as float lists, `targets` and `class_weights`).

Generated with torch 2.15.0+cu132 (the PyPI wheel, run on the CPU in float64) and numpy 2.4.6;
the versions are also written into the JSON. Regenerate, with a Python that has torch and numpy
(bash benches/torch_venv.sh makes one at /tmp/ferrolab-torch-venv), from the repository root:
    /tmp/ferrolab-torch-venv/bin/python tests/oracles/nn_layers_reference.py > tests/oracles/nn_layers_reference.json
Another CPU can change the last bits (below 1e-12 relative) of the computed values of existing
cases, never the seeded inputs: when adding cases, keep the committed lines of the old ones and
append the new lines. (Adding the rVAE cases, the same torch and numpy on another CPU changed
the four convolution cases by at most 1.4e-15 relative; their committed lines were kept. Adding
the U-Net cases, the regenerated old cases differed by at most 2.5e-16 relative; their committed
lines were kept.)
"""
import json
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(20250101)


def normal(*shape, scale=1.0):
    return scale * rng.standard_normal(shape)


def flat(t):
    """A tensor as {shape, data} with the data row-major (float64, exact in JSON)."""
    a = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    return dict(shape=list(a.shape), data=[float(v) for v in a.reshape(-1)])


def run(name, forward, inputs, params=None, extra=None, **config):
    """One case: forward(**inputs) with the module's parameters set to `params`, then the
    gradients of sum(y * r) in every input and parameter."""
    params = params or {}
    # PyTorch adds into .grad: a module shared by two cases (sequence and last state) would
    # otherwise carry the first case's weight gradients into the second.
    for p in params.values():
        p.grad = None
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in inputs.items()}
    y = forward(**leaves)
    r = torch.tensor(normal(*y.shape))
    (y * r).sum().backward()
    case = dict(name=name, **config,
                inputs={k: flat(v) for k, v in inputs.items()},
                params={k: flat(p) for k, p in params.items()},
                r=flat(r), output=flat(y),
                grad_inputs={k: flat(v.grad) for k, v in leaves.items()},
                grad_params={k: flat(p.grad) for k, p in params.items()})
    case.update(extra or {})
    return case


def set_params(module, values):
    """Copies the arrays of `values` into the module's parameters of the same names."""
    with torch.no_grad():
        for k, v in values.items():
            getattr(module, k).copy_(torch.tensor(v))
    return {k: getattr(module, k) for k in values}


cases = []

# Linear on (B, F) and on every time step of (B, T, F): weight [out, in].
for name, shape in [("linear_rows", (4, 5)), ("linear_sequence", (2, 3, 5))]:
    lin = nn.Linear(5, 3)
    p = set_params(lin, dict(weight=normal(3, 5, scale=0.5), bias=normal(3, scale=0.5)))
    cases.append(run(name, lambda x: lin(x), dict(x=normal(*shape)), p,
                     layer="linear", fan_in=5, fan_out=3))

# LSTM, one direction, every step's output and the last state.
B, T, C, H = 3, 5, 3, 4


def lstm_weights(suffix=""):
    return {f"weight_ih_l0{suffix}": normal(4 * H, C, scale=0.5),
            f"weight_hh_l0{suffix}": normal(4 * H, H, scale=0.5),
            f"bias_ih_l0{suffix}": normal(4 * H, scale=0.5),
            f"bias_hh_l0{suffix}": np.zeros(4 * H)}


lstm = nn.LSTM(C, H, batch_first=True)
p = set_params(lstm, lstm_weights())
x = normal(B, T, C)
cases.append(run("lstm_sequence", lambda x: lstm(x)[0], dict(x=x), p,
                 layer="lstm", input=C, hidden=H, returns="sequence"))
cases.append(run("lstm_last", lambda x: lstm(x)[1][0][0], dict(x=x), p,
                 layer="lstm", input=C, hidden=H, returns="last"))

# Bidirectional: forward then backward direction on the last axis.
bilstm = nn.LSTM(C, H, batch_first=True, bidirectional=True)
p = set_params(bilstm, {**lstm_weights(), **lstm_weights("_reverse")})
x = normal(B, T, C)
cases.append(run("bilstm_sequence", lambda x: bilstm(x)[0], dict(x=x), p,
                 layer="bilstm", input=C, hidden=H, returns="sequence"))

def final_states(x):
    h_n = bilstm(x)[1][0]  # (directions, B, H)
    return torch.cat([h_n[0], h_n[1]], dim=1)


cases.append(run("bilstm_last", final_states, dict(x=x), p,
                 layer="bilstm", input=C, hidden=H, returns="last"))

# LayerNorm over the channels (PyTorch's default use) and over time (Keras axis=1).
B, T, C = 3, 6, 4
ln = nn.LayerNorm(C, eps=1e-5)
p = set_params(ln, dict(weight=1 + normal(C, scale=0.3), bias=normal(C, scale=0.3)))
cases.append(run("layer_norm_channels", lambda x: ln(x), dict(x=normal(B, T, C)), p,
                 layer="layer_norm", axis=2, n=C, eps=1e-5))
ln_t = nn.LayerNorm(T, eps=1e-3)
p = set_params(ln_t, dict(weight=1 + normal(T, scale=0.3), bias=normal(T, scale=0.3)))
cases.append(run("layer_norm_time", lambda x: ln_t(x.transpose(1, 2)).transpose(1, 2),
                 dict(x=normal(B, T, C)), p, layer="layer_norm", axis=1, n=T, eps=1e-3))

# BatchNorm1d on (B, C) and (B, C, L): one training step from given running statistics, then
# inference with the updated statistics.
for name, shape in [("batch_norm_features", (6, 4)), ("batch_norm_channels", (4, 3, 5))]:
    c = shape[1]
    bn = nn.BatchNorm1d(c, eps=1e-5, momentum=0.1)
    p = set_params(bn, dict(weight=1 + normal(c, scale=0.3), bias=normal(c, scale=0.3)))
    running_mean, running_var = normal(c, scale=0.5), 0.5 + rng.uniform(size=c)
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor(running_mean))
        bn.running_var.copy_(torch.tensor(running_var))
    bn.train()
    case = run(name, lambda x: bn(x), dict(x=normal(*shape, scale=2.0) + 1.0), p,
               layer="batch_norm", channels=c, eps=1e-5, momentum=0.1)
    bn.eval()
    x_eval = normal(*shape)
    with torch.no_grad():
        y_eval = bn(torch.tensor(x_eval))
    case.update(state_before=dict(running_mean=flat(running_mean), running_var=flat(running_var)),
                state_after=dict(running_mean=flat(bn.running_mean), running_var=flat(bn.running_var)),
                eval_input=flat(x_eval), eval_output=flat(y_eval))
    cases.append(case)

# Activations (inputs are draws of a normal, never exactly 0).
for name, f in [("relu", F.relu), ("leaky_relu", lambda x: F.leaky_relu(x, 0.1)),
                ("tanh", torch.tanh), ("sigmoid", torch.sigmoid)]:
    cases.append(run(name, lambda x, f=f: f(x), dict(x=normal(2, 3, 4, scale=2.0)),
                     layer="activation", activation=name))

# Repeat over time: (B, C) -> (B, T, C).
cases.append(run("repeat_time", lambda x: x.unsqueeze(1).expand(3, 5, 4), dict(x=normal(3, 4)),
                 layer="repeat_time", steps=5))

# Residual add of a one-channel (B, T, 1) input to every channel of (B, T, C).
cases.append(run("add_broadcast", lambda a, b: a + b, dict(a=normal(2, 3, 4), b=normal(2, 3, 1)),
                 layer="add_broadcast"))

# The variational pieces, on (B, latent) = (3, 2); eps is fixed noise, not differentiated.
eps = normal(3, 2)
cases.append(run("reparameterise", lambda mu, log_var: mu + torch.exp(log_var / 2) * torch.tensor(eps),
                 dict(mu=normal(3, 2), log_var=normal(3, 2, scale=0.5)), layer="reparameterise",
                 extra=dict(eps=flat(eps))))
cases.append(run("gaussian_kl",
                 lambda mu, log_var: (0.5 * (mu ** 2 + torch.exp(log_var) - log_var - 1)).sum(),
                 dict(mu=normal(3, 2), log_var=normal(3, 2, scale=0.5)), layer="gaussian_kl"))
cases.append(run("activity_l1", lambda a: a.abs().sum(), dict(a=normal(3, 4)), layer="activity_l1"))

# Convolutions (appended after the cases above, so their draws are unchanged): weight
# [out, in, k, (k)], zero padding, stride and dilation; the geometry is in the case.
conv_cases = [
    ("conv1d_dilated", 1, (2, 3, 7), dict(kernel_size=3, stride=1, padding=2, dilation=2, bias=True)),
    ("conv1d_strided", 1, (2, 3, 8), dict(kernel_size=3, stride=2, padding=1, dilation=1, bias=True)),
    ("conv2d_padded", 2, (2, 2, 5, 4), dict(kernel_size=3, stride=1, padding=1, dilation=1, bias=True)),
    ("conv2d_strided_dilated", 2, (2, 2, 7, 6),
     dict(kernel_size=3, stride=2, padding=1, dilation=2, bias=False)),
]
for name, dims, shape, geometry in conv_cases:
    cin, cout, k = shape[1], 3 if dims == 2 else 2, geometry["kernel_size"]
    conv = (nn.Conv1d if dims == 1 else nn.Conv2d)(cin, cout, **geometry)
    weights = dict(weight=normal(cout, cin, *[k] * dims, scale=0.5))
    if geometry["bias"]:
        weights["bias"] = normal(cout, scale=0.5)
    p = set_params(conv, weights)
    cases.append(run(name, lambda x, conv=conv: conv(x), dict(x=normal(*shape)), p,
                     layer="conv", spatial_dims=dims, in_channels=cin, out_channels=cout,
                     kernel=k, stride=geometry["stride"], padding=geometry["padding"],
                     dilation=geometry["dilation"], bias=geometry["bias"]))

# Nearest-neighbour upsampling by 2 of (B, C, L) and (B, C, H, W).
up = nn.Upsample(scale_factor=2, mode="nearest")
for name, dims, shape in [("upsample_1d", 1, (2, 3, 4)), ("upsample_2d", 2, (2, 2, 3, 4))]:
    cases.append(run(name, lambda x: up(x), dict(x=normal(*shape)),
                     layer="upsample", spatial_dims=dims, factor=2))

# The rotationally invariant VAE's pieces (papers 002/004; appended after the cases above, so
# their draws are unchanged). The coordinate grid of an h x w image: pixel (row r, column c) at
# (x, y) = (-1 + 2c/(w - 1), 1 - 2r/(h - 1)), built here from linspace and meshgrid; each
# sample's points rotated by R(phi) = [[cos, -sin], [sin, cos]] on the column (x, y) and shifted
# by scale * (dx, dy). Packed input rows [phi, dx, dy] (ferrolab's Layer form).
def coordinate_grid(h, w):
    ys, xs = torch.meshgrid(torch.linspace(1, -1, h), torch.linspace(-1, 1, w), indexing="ij")
    return torch.stack([xs.reshape(-1), ys.reshape(-1)], dim=1)  # (P, 2)


def rotate_translate(phi, offsets, grid, scale):
    c, s = torch.cos(phi), torch.sin(phi)
    rotation = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)  # (B, 2, 2)
    return torch.einsum("bij,pj->bpi", rotation, grid) + scale * offsets[:, None, :]


H_GRID, W_GRID, GRID_SCALE = 3, 4, 0.3
cases.append(run("rotate_translate",
                 lambda x: rotate_translate(x[:, 0], x[:, 1:], coordinate_grid(H_GRID, W_GRID),
                                            GRID_SCALE),
                 dict(x=normal(4, 3, scale=2.0)), layer="rotate_translate", height=H_GRID,
                 width=W_GRID, translation_scale=GRID_SCALE))

# Linear without bias (the rVAE's content-latent term).
lin_nb = nn.Linear(5, 3, bias=False)
p = set_params(lin_nb, dict(weight=normal(3, 5, scale=0.5)))
cases.append(run("linear_no_bias", lambda x: lin_nb(x), dict(x=normal(4, 5)), p,
                 layer="linear", fan_in=5, fan_out=3, bias=False))

# The KL terms from torch.distributions: the standard one in terms of log sd, and the rVAE's
# angle term KL(N(m, sd^2) || N(m, s^2)), whose mean cancels (m = 0 here).
Normal, kl_divergence = torch.distributions.Normal, torch.distributions.kl_divergence
cases.append(run("gaussian_kl_log_sd",
                 lambda mu, log_sd: kl_divergence(Normal(mu, log_sd.exp()),
                                                  Normal(torch.zeros_like(mu),
                                                         torch.ones_like(mu))).sum(),
                 dict(mu=normal(3, 2), log_sd=normal(3, 2, scale=0.5)), layer="gaussian_kl_log_sd"))
PRIOR_SD = 0.1
cases.append(run("rotation_kl_sd_only",
                 lambda log_sd: kl_divergence(Normal(torch.zeros_like(log_sd), log_sd.exp()),
                                              Normal(torch.zeros_like(log_sd),
                                                     torch.full_like(log_sd, PRIOR_SD))).sum(),
                 dict(log_sd=np.log(PRIOR_SD) + normal(5, scale=0.7)),
                 layer="rotation_kl_sd_only", prior_sd=PRIOR_SD))


def set_named(module, values):
    """set_params for nested parameters (`coord.weight`)."""
    with torch.no_grad():
        for k, v in values.items():
            module.get_parameter(k).copy_(torch.tensor(v))
    return {k: module.get_parameter(k) for k in values}


# The rVAE decoder's first layer: Linear(2, H) on the transformed coordinates plus Linear(k, H)
# without bias on the content latents, the latter broadcast over the pixels, then tanh.
N_PIX, K_CONTENT, H_FIRST, FIRST_SCALE = 4, 2, 5, 0.1
first = nn.ModuleDict(dict(coord=nn.Linear(2, H_FIRST),
                           latent=nn.Linear(K_CONTENT, H_FIRST, bias=False)))
p = set_named(first, {"coord.weight": normal(H_FIRST, 2, scale=0.5),
                      "coord.bias": normal(H_FIRST, scale=0.5),
                      "latent.weight": normal(H_FIRST, K_CONTENT, scale=0.5)})


def rvae_first_layer(angle, offsets, content):
    points = rotate_translate(angle, offsets, coordinate_grid(N_PIX, N_PIX), FIRST_SCALE)
    return torch.tanh(first["coord"](points) + first["latent"](content)[:, None, :])


cases.append(run("rvae_first_layer", rvae_first_layer,
                 dict(angle=normal(3, scale=2.0), offsets=normal(3, 2), content=normal(3, K_CONTENT)),
                 p, layer="rvae_first_layer", n=N_PIX, content=K_CONTENT, hidden=H_FIRST,
                 translation_scale=FIRST_SCALE))

# The U-Net's layers (appended after the cases above, so their draws are unchanged).
# Max pooling, window = stride = 2, on odd extents (the last row/column is dropped) and with
# ties: values rounded to integers, so windows hold equal maxima and PyTorch's rule
# (the first maximum in scan order wins) decides where the gradient goes.
cases.append(run("max_pool2d", lambda x: F.max_pool2d(x, kernel_size=2, stride=2),
                 dict(x=np.round(normal(2, 2, 5, 7))), layer="max_pool", spatial_dims=2,
                 kernel=2))
cases.append(run("max_pool1d", lambda x: F.max_pool1d(x, kernel_size=2, stride=2),
                 dict(x=np.round(normal(2, 3, 7))), layer="max_pool", spatial_dims=1, kernel=2))

# Linear interpolation with half-pixel centres (align_corners=False): bilinear by 2 on a
# 3 x 5 plane (the U-Net's), linear by 3 in 1-D (a factor whose 1/3 is inexact), trilinear by
# 2 in 3-D.
for name, dims, shape, factor, mode in [("bilinear_2d", 2, (2, 2, 3, 5), 2, "bilinear"),
                                        ("linear_1d", 1, (2, 2, 4), 3, "linear"),
                                        ("trilinear_3d", 3, (1, 2, 2, 3, 2), 2, "trilinear")]:
    cases.append(run(name, lambda x, f=factor, m=mode: F.interpolate(
                         x, scale_factor=f, mode=m, align_corners=False),
                     dict(x=normal(*shape)), layer="upsample_linear", spatial_dims=dims,
                     factor=factor))

# Skip connection: torch.cat along the channels.
cases.append(run("concat_channels", lambda a, b, c: torch.cat([a, b, c], dim=1),
                 dict(a=normal(2, 3, 3, 4), b=normal(2, 1, 3, 4), c=normal(2, 2, 3, 4)),
                 layer="concat_channels"))

# Per-pixel softmax cross-entropy on (B, K, H, W) logits and (B, H, W) class indices, the mean
# over pixels and the class-weighted mean (the loss is r * CE for a scalar r).
K_CE = 4
for name, weighted in [("cross_entropy", False), ("cross_entropy_weighted", True)]:
    targets = rng.integers(0, K_CE, size=(2, 3, 5))
    weight = rng.uniform(0.2, 2.0, size=K_CE) if weighted else None
    loss = nn.CrossEntropyLoss(weight=None if weight is None else torch.tensor(weight),
                               reduction="mean")
    extra = dict(targets=flat(targets.astype(np.float64)))
    if weighted:
        extra["class_weights"] = flat(weight)
    cases.append(run(name, lambda x, loss=loss, t=targets: loss(x, torch.tensor(t)),
                     dict(x=normal(2, K_CE, 3, 5, scale=2.0)), layer="cross_entropy",
                     classes=K_CE, extra=extra))

# One case per line, so a regenerated fixture diffs case by case.
header = json.dumps(dict(torch=torch.__version__, numpy=np.__version__))[:-1]
sys.stdout.write(header + ', "cases": [\n')
sys.stdout.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in cases))
sys.stdout.write("\n]}\n")
