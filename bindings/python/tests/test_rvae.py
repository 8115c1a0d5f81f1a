"""The rotationally invariant VAE (papers 002/004): training and its history, encode and decode,
its file read by safetensors, save and load, a run continued from its checkpoint, cancellation,
and the estimator conventions."""
import numpy as np
import pytest

import ferrolab
from test_vae import _network_crc


def _images(n=20, side=6):
    """A bright blob at radius 0.5 turned by 0.3 i rad around a dim central one, on the rVAE's
    grid ([-1, 1] on both axes, y up)."""
    x = np.linspace(-1.0, 1.0, side)
    gx, gy = np.meshgrid(x, x[::-1])
    t = 0.3 * np.arange(n)
    bx, by = 0.5 * np.cos(t), 0.5 * np.sin(t)
    d1 = (gx - bx[:, None, None]) ** 2 + (gy - by[:, None, None]) ** 2
    return np.exp(-d1 / 0.18) + 0.4 * np.exp(-(gx ** 2 + gy ** 2) / 0.18)


TINY = dict(filters=2, hidden=8, epochs=3, batch_size=8, learning_rate=1e-2, checkpoint_every=1)


def test_training_encode_decode_and_the_file_is_readable_by_safetensors(tmp_path):
    x = _images()
    rvae = ferrolab.Rvae(**TINY)
    assert rvae.fit(x) is rvae
    assert rvae.image_shape_ == (6, 6) and rvae.content_latents_ == 2 and rvae.n_parameters_ > 100
    h = rvae.history_
    assert h.shape == (3, len(ferrolab.rvae.HISTORY_COLUMNS)) and h[:, 0].tolist() == [1, 2, 3]
    assert h[-1, 1] < h[0, 1] and np.all(np.isfinite(h[:, 4:]))  # 3 of 20 images held out
    assert rvae.progress() == (3, 3)
    p = rvae.progress_info()
    assert (p.done, p.total, p.stage, p.last_loss) == (3, 3, 0, h[-1, 1])

    e = rvae.encode(x)
    assert isinstance(e, ferrolab.RvaeEncoding)
    assert e.angle.shape == e.angle_sd.shape == (20,) and e.offsets.shape == e.offsets_sd.shape == (20, 2)
    assert e.content.shape == e.content_sd.shape == (20, 2)
    assert np.all(e.angle_sd > 0) and np.all(e.offsets_sd > 0) and np.all(e.content_sd > 0)
    np.testing.assert_array_equal(rvae.transform(x), e.content)
    recon = rvae.reconstruct(x)
    assert recon.shape == x.shape
    np.testing.assert_array_equal(recon, rvae.decode(e.content, e.angle, e.offsets))
    upright = rvae.decode(e.content)
    np.testing.assert_array_equal(upright, rvae.decode(e.content, np.zeros(20), np.zeros((20, 2))))
    np.testing.assert_array_equal(upright, rvae.inverse_transform(e.content))
    assert not np.array_equal(upright, recon)

    path = tmp_path / "rvae.safetensors"
    rvae.save(path)
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        meta = f.metadata()
        tensors = {name: f.get_tensor(name) for name in f.keys()}
    assert meta["format"] == "ferrolab.rvae" and meta["format_version"] == "1"
    assert meta["crc32"] == _network_crc(meta, tensors)
    assert sum(t.size for name, t in tensors.items() if name.startswith("optimizer.m.")) == rvae.n_parameters_

    again = ferrolab.Rvae.load(path)
    assert again.image_shape_ == (6, 6)
    np.testing.assert_array_equal(again.history_, h)
    for a, b in zip(again.encode(x), e):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again.decode(e.content, e.angle, e.offsets), recon)
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ferrolab.CorruptFileError, match="checksum"):
        ferrolab.Rvae.load(path)


def test_a_run_continued_from_its_checkpoint_equals_an_uninterrupted_one(tmp_path):
    x = _images()
    straight = ferrolab.Rvae(**TINY).fit(x)
    ckpt = tmp_path / "run.ckpt"
    ferrolab.Rvae(**dict(TINY, epochs=2), checkpoint=ckpt).fit(x)
    resumed = ferrolab.Rvae(**TINY, checkpoint=ckpt).fit(x)
    np.testing.assert_array_equal(resumed.history_, straight.history_)
    np.testing.assert_array_equal(resumed.transform(x), straight.transform(x))
    # warm_start continues the model trained so far up to `epochs` in total.
    short = ferrolab.Rvae(**dict(TINY, epochs=2)).fit(x)
    short.set_params(warm_start=True, epochs=3)
    with pytest.raises(ferrolab.ArgumentError, match="Rvae.fit: X must have shape"):
        short.fit(np.zeros((4, 5, 6)))


def test_cancelling_from_another_thread_keeps_the_finished_epochs(tmp_path):
    x = _images()
    rvae = ferrolab.Rvae(**dict(TINY, epochs=1000000), checkpoint=tmp_path / "long.ckpt")
    seen = []

    def watch(p):
        seen.append(p.done)
        if p.done >= 1:
            rvae.request_cancel()

    with pytest.raises(ferrolab.CancelledError):
        rvae.fit(x, progress=watch, interval=0.01)
    done = rvae.history_.shape[0]
    assert done >= 1 and rvae.progress()[0] == done and (tmp_path / "long.ckpt").is_file()
    assert seen and seen[-1] >= 1


def test_estimator_conventions_and_errors():
    rvae = ferrolab.Rvae(filters=3)
    assert rvae.get_params()["filters"] == 3 and "Rvae(filters=3)" == repr(rvae)
    with pytest.raises(ferrolab.UnknownKeyError, match='did you mean "filters"'):
        ferrolab.Rvae(filter=3)
    with pytest.raises(ferrolab.NotFittedError, match="Rvae.encode"):
        rvae.encode(np.zeros((1, 6, 6)))
    with pytest.raises(ferrolab.OutOfRangeError, match="rvae.test_fraction"):
        ferrolab.Rvae(**dict(TINY, test_fraction=1.0)).fit(_images())
    with pytest.raises(ferrolab.ArgumentError, match="at least 2 x 2"):
        ferrolab.Rvae(**TINY).fit(np.zeros((4, 1, 6)))
    with pytest.raises(ferrolab.NonFiniteError, match=r"images\[3\]"):
        bad = _images()
        bad[0, 0, 3] = np.nan
        ferrolab.Rvae(**TINY).fit(bad)
    with pytest.raises(ferrolab.FileError, match="missing.safetensors"):
        ferrolab.Rvae.load("missing.safetensors")


def test_a_bad_checkpoint_is_refused_and_its_message_kept_by_the_model(tmp_path):
    rvae = ferrolab.Rvae(**TINY, checkpoint=tmp_path / "no_such_dir" / "x.ckpt")
    with pytest.raises(ferrolab.FileError, match="no_such_dir"):
        rvae.fit(_images())
    assert "no_such_dir" in rvae.last_error()
