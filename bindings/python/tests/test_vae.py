"""The beta-VAE: its file read by safetensors and NumPy, the transformer API, cancellation and
resuming."""
import _thread
import signal
import json
import struct
import zlib

import numpy as np
import pytest

import ferrolab


def _loops(n=300, d=60, seed=0):
    v = np.linspace(-3, 3, d // 2)
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n):
        ps, vc = rng.uniform(0.1, 0.3), rng.uniform(0.5, 1.5)
        rows.append(np.concatenate([ps * np.tanh((v - vc) / 0.4), ps * np.tanh((v[::-1] + vc) / 0.4)]))
    return np.array(rows)


def _network_crc(meta, tensors):
    """The network file's CRC-32 recomputed from its documented definition (src/io/network.rs):
    every metadata entry but crc32, by key (length as u64 LE, then the UTF-8 bytes, for key and
    value), then every tensor by name (name, each dimension as u64 LE, the f32 LE values)."""
    crc = 0
    for key in sorted(k for k in meta if k != "crc32"):
        for text in (key, meta[key]):
            raw = text.encode()
            crc = zlib.crc32(struct.pack("<Q", len(raw)) + raw, crc)
    for name in sorted(tensors):
        t = tensors[name]
        crc = zlib.crc32(name.encode() + b"".join(struct.pack("<Q", d) for d in t.shape), crc)
        crc = zlib.crc32(np.ascontiguousarray(t, dtype="<f4").tobytes(), crc)
    return f"{crc:08x}"


def _numpy_decoder(path):
    """Paper 000's decoder re-implemented in NumPy from the safetensors file alone."""
    from safetensors import safe_open

    with safe_open(str(path), framework="np") as f:
        meta = f.metadata()
        w = {name: f.get_tensor(name) for name in f.keys()}
    arch = json.loads(meta["architecture"])
    scaling = json.loads(meta["scaling"])
    assert meta["format"] == "ferrolab.mlp_vae" and meta["format_version"] == "2"
    assert meta["crc32"] == _network_crc(meta, w)

    def decode(z):
        h = z.astype(np.float64)
        for i in range(len(arch["hidden"])):
            wi, bi = w[f"decoder.hidden.{i}.weight"], w[f"decoder.hidden.{i}.bias"]
            h = np.maximum(h @ wi.T.astype(np.float64) + bi, 0.0)
        y = h @ w["decoder.output.weight"].T.astype(np.float64) + w["decoder.output.bias"]
        if arch["reconstruction"] == "bce":
            y = 1.0 / (1.0 + np.exp(-y))
        return scaling["min"] + y * (scaling["max"] - scaling["min"])

    return arch, decode


def test_vae_file_is_readable_by_safetensors_and_numpy_reproduces_the_decoder(tmp_path):
    x = _loops()
    vae = ferrolab.Vae(hidden=[48, 24], epochs=15, batch_size=32)
    assert vae.fit(x) is vae
    history = vae.history_
    assert history.shape == (15, 3) and history[-1, 0] < history[0, 0]
    assert vae.progress_info() == (15, 15, 0, history[-1, 0]) and vae.progress() == (15, 15)
    assert vae.n_features_in_ == 60 and vae.latent_dim_ == 2
    path = tmp_path / "model.safetensors"
    vae.save(path)
    arch, decode = _numpy_decoder(path)
    assert arch == {"input_dim": 60, "hidden": [48, 24], "latent_dim": 2, "reconstruction": "bce"}
    z, decoded = vae.decode_grid(-2.0, 2.0, 10)
    assert z.shape == (100, 2) and z[1].tolist() == [-2.0, -2.0 + 4.0 / 9.0]
    np.testing.assert_allclose(decode(z), decoded, rtol=0, atol=1e-5 * np.ptp(x))
    # The reloaded model decodes identically and keeps its history.
    again = ferrolab.Vae.load(path)
    np.testing.assert_array_equal(again.inverse_transform(z), decoded)
    np.testing.assert_array_equal(again.history_, history)
    mean, log_var = again.encode(x[:5])
    assert mean.shape == (5, 2) and np.all(np.isfinite(log_var))
    np.testing.assert_array_equal(again.transform(x[:5]), mean)
    # A damaged file is refused with a clear error.
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ferrolab.CorruptFileError) as err:
        ferrolab.Vae.load(path)
    assert err.value.status == -14 and "checksum" in str(err.value)


def test_estimator_conventions_and_errors():
    vae = ferrolab.Vae(latent_dim=3, warm_start=True)
    assert repr(vae) == "Vae(latent_dim=3, warm_start=True)"
    assert vae.get_params()["epochs"] == 200 and vae.get_params()["checkpoint"] is None
    with pytest.raises(ferrolab.NotFittedError, match="Vae.decode_grid: the model is not fitted"):
        vae.decode_grid()
    with pytest.raises(ferrolab.OutOfRangeError, match="vae.beta"):
        ferrolab.Vae(beta=-1.0).fit(_loops(20))
    fitted = ferrolab.Vae(epochs=1, latent_dim=3).fit(_loops(20))
    with pytest.raises(ferrolab.ArgumentError, match="more than 10\\^7"):
        fitted.decode_grid(steps=1000)
    assert fitted.fit_transform(_loops(20)).shape == (20, 3)


def test_cancelled_training_continues_exactly_where_it_stopped(tmp_path):
    x = _loops(200)
    # An epoch takes about 0.4 ms here: 1000 leave the progress callback ample time to cancel.
    params = dict(hidden=[32], epochs=1000, batch_size=50, seed=3)
    straight = ferrolab.Vae(**params).fit(x)

    vae = ferrolab.Vae(checkpoint=tmp_path / "ckpt.safetensors", **params)
    seen = []

    def cancel_after_some_epochs(p):
        seen.append(p)
        if p.done >= 3:
            vae.request_cancel()

    with pytest.raises(ferrolab.CancelledError):
        vae.fit(x, progress=cancel_after_some_epochs, interval=0.001)
    assert "cancel" in vae.last_error()
    stopped = len(vae.history_)
    assert 3 <= stopped < 1000 and (tmp_path / "ckpt.safetensors").is_file()
    assert seen and seen[-1].total == 1000
    vae.set_params(warm_start=True).fit(x)
    np.testing.assert_array_equal(vae.history_, straight.history_)
    np.testing.assert_array_equal(vae.transform(x[:10]), straight.transform(x[:10]))


def test_ctrl_c_cancels_training_and_keeps_the_model():
    x = _loops(200)
    vae = ferrolab.Vae(hidden=[32], epochs=100_000, batch_size=50)  # cannot finish first

    def press_ctrl_c(p):
        if p.done >= 1:
            _thread.interrupt_main()  # as a SIGINT would: KeyboardInterrupt in the main thread

    # A shell that starts a job in the background ignores SIGINT for it, and interrupt_main then
    # does nothing: use Python's own Ctrl-C handler whatever was inherited.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            vae.fit(x, progress=press_ctrl_c, interval=0.001)
    finally:
        signal.signal(signal.SIGINT, inherited)
    assert 1 <= len(vae.history_) < 100_000
    assert vae.transform(x[:2]).shape == (2, 2)  # the model is usable at its last finished epoch
