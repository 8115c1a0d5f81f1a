"""Paper 001's LSTM beta-VAE: staged training, the stages and the selection (or its warning), its
file read by safetensors, save and load, a run continued from its checkpoint, the stage folder,
cancellation, and the estimator conventions."""
import ctypes
import json
import threading

import numpy as np
import pytest

import ferrolab
from test_vae import _network_crc


def _spectra(n=24, steps=8):
    """One Gaussian peak per spectrum, its height and position varying, over a faint ripple."""
    t = np.arange(steps)
    height = 0.5 + (np.arange(n) % 5) / 4.0
    centre = 2.0 + 4.0 * (np.arange(n) % 7) / 6.0
    return height[:, None] * np.exp(-(((t - centre[:, None]) / 1.5) ** 2)) + 0.03 * np.cos(2.3 * np.arange(n)[:, None] + t)


# A tiny model and schedule: 3 priming epochs, then stages of 3 epochs (beta + 0.005 each).
TINY = dict(hidden=6, blocks=1, latent=3, embedding=4, epochs=12, priming_epochs=3, stage_epochs=3, batch_size=16,
            checkpoint_every=2, learning_rate=3e-3)
# No channel ever exceeds this threshold: no stage is selected.
SILENT = dict(TINY, active_threshold=1e6, target_active=1)
# Every channel exceeds this one, and the target is every channel: stage 1 is selected.
SELECTING = dict(TINY, active_threshold=1e-12, target_active=3)


def test_training_warns_without_a_selection_and_the_file_is_readable_by_safetensors(tmp_path):
    x = _spectra()
    vae = ferrolab.LstmVae(**SILENT)
    with pytest.warns(ferrolab.NoSelectionWarning, match=r"active channels per stage: stage 0 \(beta 0.0000\): 0"):
        assert vae.fit(x) is vae
    assert "lstm_vae.target_active = 1" in vae.selection_warning_ and vae.selected_stage_ is None
    assert (vae.n_features_in_, vae.latent_dim_, vae.embedding_dim_) == (8, 3, 4) and vae.n_parameters_ > 100
    h = vae.history_
    assert h.shape == (12, len(ferrolab.lstm_vae.HISTORY_COLUMNS)) and h[:, 0].tolist() == list(range(1, 13))
    assert h[-1, 4] < h[0, 4]  # reconstruction
    # Priming: beta = lambda = 0; then lambda = lambda_base 10^beta.
    assert np.all(h[:3, 1:3] == 0.0)
    np.testing.assert_allclose(h[3:, 2], 1e-5 * 10.0 ** h[3:, 1], rtol=1e-12)
    s = vae.stages_
    assert s["stage"].tolist() == list(range(4)) and s["active"].tolist() == [0] * 4
    np.testing.assert_allclose(s["beta"], 0.005 * np.arange(4), atol=1e-15)
    assert s["channel_kl"].shape == (4, 3) and np.all(s["channel_kl"] >= 0)
    # Each stage's best epoch lies in the stage, and its loss is the history's there.
    for stage, best, loss in zip(s["stage"], s["best_epoch"], s["best_loss"]):
        first = 1 if stage == 0 else 3 + 3 * (stage - 1) + 1
        assert first <= best <= (3 if stage == 0 else first + 2) and loss == h[best - 1, 3]
    assert vae.progress() == (12, 12)
    p = vae.progress_info()
    assert (p.done, p.total, p.stage, p.last_loss) == (12, 12, 0, h[-1, 3])

    path = tmp_path / "lstm.safetensors"
    vae.save(path)
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        meta = f.metadata()
        tensors = {name: f.get_tensor(name) for name in f.keys()}
    assert meta["format"] == "ferrolab.lstm_vae" and meta["format_version"] == "1"
    assert meta["crc32"] == _network_crc(meta, tensors)
    # No selected stage's weights; Adam's moments for a continued run.
    assert not any(name.startswith("selected.") for name in tensors)
    assert sum(t.size for name, t in tensors.items() if name.startswith("optimizer.m.")) == vae.n_parameters_
    stored = json.loads(meta["state"])["stages"]
    assert [r["active"] for r in stored] == s["active"].tolist()


def test_selection_encode_decode_reconstruct_and_a_reloaded_model(tmp_path):
    x = _spectra()
    vae = ferrolab.LstmVae(**SELECTING).fit(x)
    assert vae.selected_stage_ == vae.selected_stage() == 1 and vae.selection_warning_ is None
    assert vae.stages_["active"][1] == 3
    enc = vae.encode(x)
    assert isinstance(enc, ferrolab.LstmEncoding)
    assert enc.mu.shape == enc.log_var.shape == enc.z.shape == (24, 3) and enc.embedding.shape == (24, 4)
    np.testing.assert_array_equal(vae.transform(x), enc.mu)
    recon = vae.reconstruct(x)
    np.testing.assert_array_equal(recon, vae.inverse_transform(enc.mu))
    res = vae.residuals(x)
    assert res.shape == x.shape and np.all(np.sign(res) == np.sign(recon - x))
    # The selected stage's weights encode, not the latest: the same run without a selection
    # (the threshold changes nothing else) encodes differently.
    latest = ferrolab.LstmVae(**dict(SELECTING, active_threshold=1e6, target_active=1))
    with pytest.warns(ferrolab.NoSelectionWarning):
        latest.fit(x)
    np.testing.assert_array_equal(latest.history_, vae.history_)
    assert not np.array_equal(latest.transform(x), enc.mu)

    path = tmp_path / "model.safetensors"
    vae.save(path)
    again = ferrolab.LstmVae.load(path)
    assert again.selected_stage_ == 1 and again.n_features_in_ == 8
    np.testing.assert_array_equal(again.history_, vae.history_)
    for key, values in vae.stages_.items():
        np.testing.assert_array_equal(again.stages_[key], values)
    for a, b in zip(again.encode(x), enc):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(again.reconstruct(x), recon)
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ferrolab.CorruptFileError, match="checksum"):
        ferrolab.LstmVae.load(path)


def test_a_run_continued_from_its_checkpoint_equals_an_uninterrupted_one_and_stages_are_kept(tmp_path):
    x = _spectra()
    straight = ferrolab.LstmVae(**SELECTING).fit(x)
    ckpt, stages = tmp_path / "run.ckpt", tmp_path / "stages"
    stages.mkdir()
    ferrolab.LstmVae(**dict(SELECTING, epochs=6), checkpoint=ckpt, stage_dir=stages).fit(x)
    assert sorted(p.name for p in stages.iterdir()) == ["stage-000.safetensors", "stage-001.safetensors"]
    resumed = ferrolab.LstmVae(**SELECTING, checkpoint=ckpt).fit(x)
    np.testing.assert_array_equal(resumed.history_, straight.history_)
    np.testing.assert_array_equal(resumed.transform(x), straight.transform(x))
    # A stage's file holds the stages up to it (and no training state).
    stage1 = ferrolab.LstmVae.load(stages / "stage-001.safetensors")
    assert stage1.stages()["stage"].tolist() == [0, 1] and stage1.history_.shape == (0, 7)
    with pytest.raises(ferrolab.FileError, match="no_such_dir"):
        ferrolab.LstmVae(**TINY, stage_dir=tmp_path / "no_such_dir").fit(x)


def test_cancelled_training_keeps_its_epochs_and_a_second_run_is_busy(tmp_path):
    x = _spectra(4)
    # beta stays 0 in a run this long: lambda = 1e-5 10^beta would overflow (refused).
    vae = ferrolab.LstmVae(**dict(SILENT, epochs=1_000_000, beta_step=0.0), checkpoint=tmp_path / "ckpt")
    seen, busy = [], []

    def cancel_after_some_epochs(p):
        seen.append(p)
        if p.done >= 2 and not busy:
            # A second fit of this model from another thread is refused while the first runs.
            other = threading.Thread(target=lambda: busy.append(_second_fit(vae, x)))
            other.start()
            other.join()
            vae.request_cancel()

    with pytest.raises(ferrolab.CancelledError):
        vae.fit(x, progress=cancel_after_some_epochs, interval=0.001)
    assert "cancel" in vae.last_error()
    assert busy == [ferrolab.errors.ERR_BUSY]
    stopped = len(vae.history_)
    assert 2 <= stopped < 1_000_000 and vae.progress()[0] == stopped and (tmp_path / "ckpt").is_file()
    assert seen and seen[-1].total == 1_000_000
    assert vae.transform(x).shape == (4, 3)  # usable at its last finished epoch


def _second_fit(vae, x):
    """The status of a second training call on the model's handle (the C call itself: `fit`
    would start by changing the checkpoint)."""
    done = ctypes.c_size_t()
    return ferrolab._lib.lib.ferrolab_lstm_vae_train(vae._model._h, ferrolab._lib.ptr(np.ascontiguousarray(x)),
                                                      x.shape[0], x.shape[1], ctypes.byref(done))


def test_estimator_conventions_and_errors():
    vae = ferrolab.LstmVae(latent=4, warm_start=True)
    assert repr(vae) == "LstmVae(latent=4, warm_start=True)"
    params = vae.get_params()
    assert params["epochs"] == 6500 and params["hidden"] == 128 and params["stage_dir"] is None
    assert "active_threshold" in ferrolab.LstmVae.__doc__
    with pytest.raises(ferrolab.NotFittedError, match="LstmVae.stages: the model is not fitted"):
        vae.stages()
    with pytest.raises(ferrolab.OutOfRangeError, match="lstm_vae.target_active"):
        ferrolab.LstmVae(target_active=0).fit(_spectra())
    with pytest.raises(ferrolab.ArgumentError, match="lstm_vae.target_active = 5 exceeds lstm_vae.latent = 4"):
        ferrolab.LstmVae(latent=4, target_active=5).fit(_spectra())
    with pytest.raises(ferrolab.ArgumentError, match=r"rows of 2 x N values"):
        ferrolab.LstmVae(variant="beps").fit(_spectra(steps=7))
    fitted = ferrolab.LstmVae(**SELECTING)
    assert fitted.fit_transform(_spectra()).shape == (24, 3)
    # warm_start continues the model: other data than before is refused by C.
    with pytest.raises(ferrolab.ArgumentError, match="differ from the data"):
        fitted.set_params(warm_start=True).fit(_spectra(10))
