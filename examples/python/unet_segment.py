"""AtomAI's U-Net from Python: train a small network on labelled crops of synthetic frames (bright
disks, class 1, on a noisy, unevenly lit background, class 0), segment a whole held-out frame of
another size, score it by the disks' intersection over union, find its atoms, and reload the saved
model.

    python examples/python/unet_segment.py [OUT_DIR]

Runs in a few seconds on one core. The same calls with AtomAI's defaults (16 filters, 100
epochs) are what `ferrolab.Unet()` gives; paper 002 trained on 3 classes (domain, wall,
contaminant).
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

import ferrolab


def frame(height, width, disks, rng):
    """A frame with `disks` bright disks of radius 2 to 3.5 px on noise and a brightness ramp, its
    class mask and the disk centres."""
    r, c = np.mgrid[:height, :width]
    image = 0.3 + 0.2 * c / width + 0.08 * rng.standard_normal((height, width))
    mask = np.zeros((height, width), np.uint8)
    centres = rng.uniform(4, [height - 4, width - 4], size=(disks, 2))
    for (cr, cc), radius in zip(centres, rng.uniform(2.0, 3.5, size=disks)):
        disk = (r - cr) ** 2 + (c - cc) ** 2 < radius ** 2
        image[disk] += 0.5
        mask[disk] = 1
    return image, mask, centres


def crops(n, side, rng):
    """`n` labelled crops of `side` x `side` px cut from 64 x 64 training frames."""
    images, masks = [], []
    while len(images) < n:
        image, mask, _ = frame(64, 64, 12, rng)
        for _ in range(8):
            i, j = rng.integers(0, 64 - side, size=2)
            images.append(image[i:i + side, j:j + side])
            masks.append(mask[i:i + side, j:j + side])
    return np.array(images[:n]), np.array(masks[:n])


def main(out_dir):
    rng = np.random.default_rng(7)
    images, masks = crops(64, 16, rng)
    unet = ferrolab.Unet(classes=2, filters=4, epochs=12, batch_size=8, learning_rate=3e-3, test_fraction=0.0,
                         seed=1)
    unet.fit(images, masks, progress=lambda p: print(f"  epoch {p.done} of {p.total}"), interval=1.0)
    print(f"trained on {len(images)} crops of {unet.crop_shape_[0]} x {unet.crop_shape_[1]} px, "
          f"{unet.n_parameters_} parameters; loss {unet.history_[0]:.4f} -> {unet.history_[-1]:.4f}")

    test, truth, centres = frame(40, 56, 10, np.random.default_rng(99))
    predicted = unet.predict(test)
    iou = np.logical_and(predicted == 1, truth == 1).sum() / np.logical_or(predicted == 1, truth == 1).sum()
    print(f"held-out {test.shape[0]} x {test.shape[1]} frame: IoU of the disks {iou:.3f}")
    atoms = unet.find_atoms(test)
    near = [np.hypot(*(centres - a[:2]).T).min() for a in atoms]
    print(f"atoms found: {len(atoms)} of {len(centres)} disks, "
          f"median distance to a disk centre {np.median(near) if near else float('nan'):.2f} px")

    path = Path(out_dir) / "unet.safetensors"
    unet.save(path)
    same = np.array_equal(ferrolab.Unet.load(path).predict_proba(test), unet.predict_proba(test))
    print(f"saved {path.name}; reloaded model segments identically: {'yes' if same else 'no'}")
    return 0 if same else 1


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(main(sys.argv[1]))
    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(main(tmp))
