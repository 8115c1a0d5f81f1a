#!/usr/bin/env python3
"""PyTorch reference of ferrolab's U-Net as a whole network (float64, tiny sizes).

The network is the PyTorch peer's (benches/unet_peer/unet_torch.py: AtomAI's default `Unet`
rebuilt from torch.nn modules, whose tensor names ferrolab's layout uses), with 1 filter (1, 2, 4, 8 channels) and 3
classes. The script draws weights, a batch of 16 x 16 images and integer targets from a seeded
NumPy generator and stores:
  - every parameter and the running statistics before the step (state_dict,
    `num_batches_tracked` left out);
  - the training-mode logits, nn.CrossEntropyLoss() on them (plain and with class weights) and
    the plain loss's gradient in every parameter;
  - the running statistics after that training-mode pass;
  - the logits in eval mode after it (running statistics).
CI reads only the JSON. Regenerate (torch 2.15.0, NumPy 2) with:
  bash benches/torch_venv.sh
  /tmp/ferrolab-torch-venv/bin/python tests/oracles/unet_reference.py > tests/oracles/unet_reference.json
"""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "benches", "unet_peer"))
from unet_torch import Unet  # noqa: E402

CLASSES, FILTERS, BATCH, SIDE = 3, 1, 2, 16
CLASS_WEIGHTS = [0.5, 2.0, 1.25]


def main():
    rng = np.random.default_rng(21)
    model = Unet(CLASSES, FILTERS).double()
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
    x = torch.tensor(rng.random((BATCH, 1, SIDE, SIDE)), dtype=torch.float64)
    t = torch.tensor(rng.integers(0, CLASSES, (BATCH, SIDE, SIDE)), dtype=torch.int64)
    model.train()
    logits = model(x)
    loss = torch.nn.functional.cross_entropy(logits, t)
    weighted = torch.nn.functional.cross_entropy(
        logits, t, weight=torch.tensor(CLASS_WEIGHTS, dtype=torch.float64))
    loss.backward()
    grads = {k: p.grad.detach().numpy().ravel().tolist() for k, p in model.named_parameters()}
    running = {k: v.numpy().ravel().tolist() for k, v in model.state_dict().items()
               if k.endswith("running_mean") or k.endswith("running_var")}
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    out = {
        "sizes": {"classes": CLASSES, "filters": FILTERS, "batch": BATCH, "side": SIDE},
        "class_weights": CLASS_WEIGHTS,
        "weights": weights,
        "input": x.numpy().ravel().tolist(),
        "targets": t.numpy().ravel().tolist(),
        "train_logits": logits.detach().numpy().ravel().tolist(),
        "loss": loss.item(),
        "weighted_loss": weighted.item(),
        "gradients": grads,
        "running_after": running,
        "eval_logits": eval_logits.numpy().ravel().tolist(),
        "torch": torch.__version__,
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
