#!/usr/bin/env python3
"""PyTorch reference of paper 003's im2spec and spec2im as whole networks (float64, tiny sizes).

The networks are the PyTorch peer's (benches/im2spec_peer/im2spec_torch.py), whose tensor names
ferrolab's layouts use. For each direction the script draws weights, inputs and targets from a
seeded NumPy generator and stores:
  - every parameter and the running statistics before the step (state_dict, `num_batches_tracked`
    left out);
  - the training-mode output and nn.MSELoss() on one batch, and the loss's gradient in every
    parameter;
  - the running statistics after that training-mode pass;
  - the latent vectors and the output in eval mode after it (running statistics).
CI reads only the JSON. Regenerate (torch 2.15.0, NumPy 2) with:
  bash benches/torch_venv.sh
  /tmp/ferrolab-torch-venv/bin/python tests/oracles/im2spec_reference.py > tests/oracles/im2spec_reference.json
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benches", "im2spec_peer"))
from im2spec_torch import Im2Spec, Spec2Im  # noqa: E402

PATCH, LENGTH, LATENT, FILTERS, BATCH = (4, 4), 8, 2, 3, 5


def case(name, model, input_shape, target_shape, rng):
    model = model.double()
    state = model.state_dict()
    weights = {}
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        if key.endswith("running_var"):
            new = 1.0 + 0.5 * rng.random(value.shape)
        elif key.endswith("running_mean"):
            new = 0.3 * rng.standard_normal(value.shape)
        else:
            new = 0.4 * rng.standard_normal(value.shape)
        state[key] = torch.tensor(new, dtype=torch.float64)
        weights[key] = {"shape": list(value.shape), "values": new.ravel().tolist()}
    model.load_state_dict(state)
    x = torch.tensor(rng.standard_normal((BATCH, 1) + input_shape), dtype=torch.float64)
    t = torch.tensor(rng.standard_normal((BATCH, 1) + target_shape), dtype=torch.float64)
    model.train()
    y = model(x)
    loss = torch.nn.functional.mse_loss(y, t)
    loss.backward()
    grads = {k: p.grad.detach().numpy().ravel().tolist() for k, p in model.named_parameters()}
    running = {k: v.numpy().ravel().tolist() for k, v in model.state_dict().items()
               if k.endswith("running_mean") or k.endswith("running_var")}
    model.eval()
    with torch.no_grad():
        z = model.encoder_dense(model.encoder_convs(x).flatten(1))
        y_eval = model(x)
    return name, {
        "weights": weights,
        "input": x.numpy().ravel().tolist(),
        "target": t.numpy().ravel().tolist(),
        "train_output": y.detach().numpy().ravel().tolist(),
        "loss": loss.item(),
        "gradients": grads,
        "running_after": running,
        "eval_latent": z.numpy().ravel().tolist(),
        "eval_output": y_eval.numpy().ravel().tolist(),
    }


def main():
    rng = np.random.default_rng(2024)
    torch.manual_seed(0)
    cases = dict([
        case("im2spec", Im2Spec(PATCH, LENGTH, LATENT, FILTERS), PATCH, (LENGTH,), rng),
        case("spec2im", Spec2Im(LENGTH, PATCH, LATENT, FILTERS), (LENGTH,), PATCH, rng),
    ])
    out = {
        "torch": torch.__version__,
        "sizes": {"patch": list(PATCH), "spectrum_len": LENGTH, "latent": LATENT,
                  "filters": FILTERS, "batch": BATCH},
        "cases": cases,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
