#!/usr/bin/env python3
"""scikit-image, scikit-learn and SciPy reference values for ferrolab's tools on maps
(src/stem/maps.rs; read by src/stem/frames_tests.rs).

Arrays (built with NumPy and stored in the JSON, so the Rust tests never depend on NumPy's
random streams; every float array is float32, stored as the doubles that hold it exactly):
  otsu        skimage.filters.threshold_otsu(values, nbins) on a bimodal sample, a uniform
              sample, a skewed (exponential) sample, a noisy 32 x 32 image with dark lines, a
              few repeated values, and with 256, 64 and 7 bins;
  scores      sklearn confusion_matrix, jaccard_score and f1_score (labels=[0, 1, 2],
              average=None, zero_division=0) on pairs of 3-class masks, one pair without
              class 2 in either (sklearn's 0 there is NaN in ferrolab);
  components  scipy.ndimage.label (default cross structure and np.ones((3, 3))) of a
              probability map of 24 x 32 thresholded at 0.5, and ndimage.center_of_mass of
              the map (probability weights) and of the binary map (AtomAI's find_com) per label.
Needs scikit-image, scikit-learn and SciPy only to regenerate the JSON:
    python3 tests/oracles/segmentation_reference.py > tests/oracles/segmentation_reference.json
"""
import json

import numpy as np
import scipy
import skimage
import sklearn
from scipy import ndimage
from skimage.filters import threshold_otsu
from sklearn.metrics import confusion_matrix, f1_score, jaccard_score

rng = np.random.default_rng(2002)


def f32list(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).reshape(-1)]


otsu_cases = []
samples = {
    "bimodal": np.concatenate([rng.normal(0.3, 0.05, 300), rng.normal(0.7, 0.08, 200)]),
    "uniform": rng.uniform(-2.0, 3.0, 300),
    "exponential": rng.exponential(1.5, 400),
    "repeated": np.array([0.0, 0.0, 1.0, 1.0, 1.0, 5.0, 0.0, 2.5]),
}
r, c = np.mgrid[0:32, 0:32]
image = 0.6 + 0.05 * (c / 31.0) - 0.3 * (np.abs((r - c + 3) % 12 - 6) < 1.5) + rng.normal(0, 0.04, (32, 32))
samples["image"] = image
for name, values in samples.items():
    v = values.astype(np.float32)
    for nbins in (256, 64, 7):
        otsu_cases.append({
            "name": name,
            "bins": nbins,
            "values": f32list(v),
            "threshold": float(threshold_otsu(v, nbins=nbins)),
        })

score_cases = []
for n, p_classes, absent in ((400, [0.6, 0.25, 0.15], False), (150, [0.7, 0.3, 0.0], True)):
    truth = rng.choice(3, size=n, p=p_classes)
    predicted = truth.copy()
    flip = rng.uniform(size=n) < 0.3
    predicted[flip] = rng.choice(3, size=flip.sum(), p=p_classes)
    labels = [0, 1, 2]
    score_cases.append({
        "truth": truth.tolist(),
        "predicted": predicted.tolist(),
        "class_2_absent": absent,
        "confusion": confusion_matrix(truth, predicted, labels=labels).reshape(-1).tolist(),
        "jaccard": jaccard_score(truth, predicted, labels=labels, average=None, zero_division=0).tolist(),
        "f1": f1_score(truth, predicted, labels=labels, average=None, zero_division=0).tolist(),
    })

h, w = 24, 32
field = np.zeros((h, w))
for _ in range(14):
    y0, x0 = rng.uniform(0, h), rng.uniform(0, w)
    s = rng.uniform(0.8, 2.0)
    field = np.maximum(field, np.exp(-((r[:h, :w] - y0) ** 2 + (c[:h, :w] - x0) ** 2) / (2 * s * s)))
field += rng.uniform(0, 0.3, (h, w)) * (rng.uniform(size=(h, w)) < 0.05)
# Pixels touching only at corners: one component with 8-connectivity, several with 4.
for y, x in ((1, 1), (2, 2), (3, 3), (3, 5), (4, 4), (20, 28), (21, 27), (22, 28)):
    field[y, x] = 0.9
prob = field.astype(np.float32)
binary = (prob > 0.5).astype(np.float32)
components = {"height": h, "width": w, "threshold": 0.5, "map": f32list(prob)}
for name, structure in (("four", None), ("eight", np.ones((3, 3), dtype=int))):
    labels, n = ndimage.label(binary, structure=structure)
    index = np.arange(1, n + 1)
    components[name] = {
        "n": int(n),
        "labels": labels.reshape(-1).tolist(),
        "centre_probability": [list(map(float, x)) for x in ndimage.center_of_mass(prob.astype(np.float64), labels, index)],
        "centre_binary": [list(map(float, x)) for x in ndimage.center_of_mass(binary, labels, index)],
        "pixels": ndimage.sum(np.ones_like(binary), labels, index).astype(int).tolist(),
    }

print(json.dumps({
    "versions": {"numpy": np.__version__, "scipy": scipy.__version__,
                 "scikit-image": skimage.__version__, "scikit-learn": sklearn.__version__},
    "otsu": otsu_cases,
    "scores": score_cases,
    "components": components,
}))
