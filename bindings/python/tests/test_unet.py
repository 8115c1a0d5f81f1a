"""AtomAI's U-Net (papers 002/004): training and its loss history, probabilities, classes and atoms
of whole frames (checked against the probabilities in NumPy), save and load, a run continued from
its checkpoint, cancellation, the estimator conventions and the argument checks."""
import numpy as np
import pytest

import ferrolab


def _crops(n=8, side=16, seed=0):
    """`n` crops of noise with two bright disks of radius 2.5 (class 1) and their masks."""
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[:side, :side]
    images = 0.2 + 0.05 * rng.standard_normal((n, side, side))
    masks = np.zeros((n, side, side), np.uint8)
    for k in range(n):
        for cr, cc in rng.uniform(3, side - 3, size=(2, 2)):
            disk = (r - cr) ** 2 + (c - cc) ** 2 < 2.5 ** 2
            images[k][disk] += 0.7
            masks[k][disk] = 1
    return images, masks


TINY = dict(classes=2, filters=2, epochs=3, batch_size=4, learning_rate=1e-2, test_fraction=0.25, checkpoint_every=1)


def _atoms_in_numpy(p, threshold, min_pixels):
    """find_atoms's definition on probabilities `p` (classes, h, w): per class but 0, the
    4-connected regions of at least `min_pixels` pixels where p > threshold, each at its
    probability-weighted centre."""
    classes, h, w = p.shape
    found = []
    for k in range(1, classes):
        above, seen = p[k] > np.float32(threshold), np.zeros((h, w), bool)
        for start in zip(*np.nonzero(above)):
            if seen[start]:
                continue
            seen[start], stack, pixels = True, [start], []
            while stack:
                i, j = stack.pop()
                pixels.append((i, j))
                for a, b in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
                    if 0 <= a < h and 0 <= b < w and above[a, b] and not seen[a, b]:
                        seen[a, b] = True
                        stack.append((a, b))
            if len(pixels) < min_pixels:
                continue
            rows, cols = np.array(pixels).T
            weight = p[k, rows, cols].astype(np.float64)
            found.append((weight @ rows / weight.sum(), weight @ cols / weight.sum(), k))
    return np.array(sorted(found)).reshape(-1, 3)


def test_training_segmenting_finding_atoms_save_and_load(tmp_path):
    x, y = _crops()
    unet = ferrolab.Unet(**TINY)
    assert unet.fit(x, y) is unet
    assert (unet.n_classes_, unet.filters_, unet.crop_shape_, unet.epochs_done_) == (2, 2, (16, 16), 3)
    assert unet.n_parameters_ > 100
    assert unet.history_.shape == (3,) and np.all(np.isfinite(unet.history_))
    p = unet.progress_info()
    assert (p.done, p.total, p.stage, p.last_loss) == (3, 3, 0, unet.history_[-1])

    # A frame of another size than the crops (run whole, mirrored out to multiples of 8).
    frame = np.concatenate([x[0], x[1]], axis=1)[:13]
    proba = unet.predict_proba(frame)
    assert proba.shape == (2, 13, 32) and proba.dtype == np.float32
    np.testing.assert_allclose(proba.sum(axis=0), 1.0, atol=1e-5)
    classes = unet.predict(frame)
    assert classes.shape == (13, 32) and classes.dtype == np.uint8
    np.testing.assert_array_equal(classes, np.argmax(proba, axis=0))
    # Atoms at a threshold where some regions pass: as NumPy finds them in the probabilities.
    atoms = unet.find_atoms(frame)
    assert atoms.shape[1] == len(ferrolab.unet.ATOM_COLUMNS) and np.all(atoms[:, 2] == 1)
    # The same seed and data give the same weights; the threshold only acts on the probabilities.
    threshold = float(np.quantile(proba[1], 0.8))
    found = ferrolab.Unet(**dict(TINY, atom_threshold=threshold, atom_min_pixels=2)).fit(x, y).find_atoms(frame)
    expected = _atoms_in_numpy(proba, threshold, 2)
    assert len(found) == len(expected) > 0
    np.testing.assert_allclose(np.array(sorted(map(tuple, found))), expected, rtol=0, atol=1e-9)

    path = tmp_path / "unet.safetensors"
    unet.save(path)
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        assert f.metadata()["format"] == "ferrolab.unet"
    again = ferrolab.Unet.load(path)
    assert (again.n_classes_, again.crop_shape_, again.n_parameters_) == (2, (16, 16), unet.n_parameters_)
    assert again.history_ is None
    np.testing.assert_array_equal(again.predict_proba(frame), proba)
    np.testing.assert_array_equal(again.find_atoms(frame), atoms)
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ferrolab.CorruptFileError):
        ferrolab.Unet.load(path)


def test_a_run_continued_from_its_checkpoint_equals_an_uninterrupted_one(tmp_path):
    x, y = _crops()
    straight = ferrolab.Unet(**TINY).fit(x, y)
    ckpt = tmp_path / "run.ckpt"
    ferrolab.Unet(**dict(TINY, epochs=2), checkpoint=ckpt).fit(x, y)
    resumed = ferrolab.Unet(**TINY, checkpoint=ckpt).fit(x, y)
    np.testing.assert_array_equal(resumed.history_, straight.history_)
    np.testing.assert_array_equal(resumed.predict_proba(x[0]), straight.predict_proba(x[0]))


def test_cancelling_from_another_thread_keeps_the_finished_epochs(tmp_path):
    x, y = _crops()
    unet = ferrolab.Unet(**dict(TINY, epochs=1000000), checkpoint=tmp_path / "long.ckpt")
    seen = []

    def watch(p):
        seen.append(p.done)
        if p.done >= 1:
            unet.request_cancel()

    with pytest.raises(ferrolab.CancelledError):
        unet.fit(x, y, progress=watch, interval=0.01)
    done = unet.epochs_done_
    assert done >= 1 and seen and seen[-1] >= 1 and (tmp_path / "long.ckpt").is_file()
    # C writes the losses of the epochs done also when the run is cancelled.
    assert unet.history_.shape == (done,) and np.all(np.isfinite(unet.history_))
    assert np.all(unet.history_ > 0)
    assert unet.predict(x[0]).shape == (16, 16)


def test_estimator_conventions_and_errors(tmp_path):
    unet = ferrolab.Unet(filters=3)
    assert unet.get_params()["filters"] == 3 and repr(unet) == "Unet(filters=3)"
    assert ferrolab.Unet().get_params()["classes"] == 3 and "unet.zoom" in ferrolab.Unet.__doc__
    with pytest.raises(ferrolab.UnknownKeyError, match='did you mean "filters"'):
        ferrolab.Unet(filter=3)
    with pytest.raises(ferrolab.NotFittedError, match="Unet.predict"):
        unet.predict(np.zeros((8, 8)))
    x, y = _crops(4)
    with pytest.raises(ferrolab.ArgumentError, match=r"masks element \d+ is class 2 but unet.classes = 2"):
        ferrolab.Unet(**TINY).fit(x, y * 2)
    with pytest.raises(ferrolab.OutOfRangeError, match="unet.test_fraction"):
        ferrolab.Unet(**dict(TINY, test_fraction=1.0)).fit(x, y)
    bad = x.copy()
    bad[1, 2, 3] = np.inf
    with pytest.raises(ferrolab.NonFiniteError, match="images"):
        ferrolab.Unet(**TINY).fit(bad, y)
    with pytest.raises(ferrolab.FileError, match="missing.safetensors"):
        ferrolab.Unet.load(tmp_path / "missing.safetensors")
    failing = ferrolab.Unet(**TINY, checkpoint=tmp_path / "no_such_dir" / "x.ckpt")
    with pytest.raises(ferrolab.FileError, match="no_such_dir"):
        failing.fit(x, y)
    assert "no_such_dir" in failing.last_error()
