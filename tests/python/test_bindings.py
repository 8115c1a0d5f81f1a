"""Cross-language tests: the Python package (installed) against the built library and header,
and the CLI's NPY output read by numpy. Run by .ci/run after `cargo build --release`, with the
package installed in a virtual environment."""
import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

import ferrolab

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
EXE = (TARGET if TARGET.is_absolute() else ROOT / TARGET) / "release" / "ferrolab"


def header_functions():
    text = (ROOT / "include" / "ferrolab.h").read_text()
    return set(re.findall(r"^[a-z].*?\b(ferrolab_\w+)\(", text, flags=re.M))


def test_binding_declares_exactly_the_header_functions():
    assert set(ferrolab._SIGNATURES) == header_functions()


def test_config_round_trip_and_errors():
    cfg = ferrolab.Config()
    cfg.set("pf.grain_diameter_nm", 10.0)
    cfg.set("pf.seed", 12)
    assert cfg.get("pf.grain_diameter_nm") == 10.0
    assert cfg.get("pf.seed") == 12
    with pytest.raises(ferrolab.FerrolabError) as err:
        cfg.set("pf.polar_fraction", 2.0)
    assert err.value.status == -7
    assert "pf.polar_fraction" in str(err.value)
    cfg.reset("pf.grain_diameter_nm")
    assert cfg.get("pf.grain_diameter_nm") == 16.2
    assert "pf.seed" in ferrolab.keys()
    assert "unit nm" in ferrolab.describe("pf.cell_size_nm")
    assert ferrolab.status_str(0) == "ok"


def test_cli_structure_maps_load_in_numpy(tmp_path):
    out = tmp_path / "film"
    subprocess.run([str(EXE), "structure", "--set", "pf.grain_diameter_nm=10",
                    "--set", "pf.seed=3", "--out", str(out)], check=True, capture_output=True)
    classes = np.load(out / "classes.npy")
    grains = np.load(out / "grains.npy")
    theta = np.load(out / "orientation_rad.npy")
    assert classes.shape == grains.shape == theta.shape == (20, 256)
    assert classes.dtype == np.uint8 and grains.dtype == np.uint32 and theta.dtype == np.float64
    assert set(np.unique(classes)) <= {0, 1, 2}
    # D_G = 10 nm on 10 nm x 128 nm: round(4 * 1280 / (pi * 100)) = 16 grains.
    assert grains.max() == 15
    # Cells of one grain share one orientation.
    for g in range(16):
        assert np.ptp(theta[grains == g]) == 0.0
    assert (out / "structure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_julia_binding_calls_exactly_the_header_functions():
    # Names only; ffi/tests/julia_drift.rs also checks argument counts and C types.
    src = ROOT / "bindings" / "julia" / "Ferrolab" / "src"
    text = "".join(p.read_text() for p in sorted(src.glob("*.jl")))
    assert set(re.findall(r"\(:(ferrolab_\w+), lib\)", text)) == header_functions()


def test_cpp_wrapper_calls_only_header_functions():
    text = (ROOT / "bindings" / "cpp" / "ferrolab.hpp").read_text()
    assert set(re.findall(r"\b(ferrolab_\w+)\(", text)) <= header_functions()


def test_polycrystal_through_ctypes_matches_the_cli_maps(tmp_path):
    cfg = ferrolab.Config()
    cfg.set("pf.grain_diameter_nm", 10.0)
    cfg.set("pf.seed", 3)
    film = ferrolab.Polycrystal(cfg)
    subprocess.run([str(EXE), "structure", "--set", "pf.grain_diameter_nm=10", "--set", "pf.seed=3",
                    "--out", str(tmp_path)], check=True, capture_output=True)
    assert np.array_equal(film.classes, np.load(tmp_path / "classes.npy"))
    assert np.array_equal(film.grains, np.load(tmp_path / "grains.npy"))
    assert np.array_equal(film.orientation_rad, np.load(tmp_path / "orientation_rad.npy"))
    assert np.array_equal(film.grain_orientation_rad[film.grains], film.orientation_rad)
    # Seeds inside the film: thickness 10 nm, width 128 nm.
    assert (film.grain_seeds_nm[:, 0] < 10).all() and (film.grain_seeds_nm[:, 1] < 128).all()
    # Default config: 6 grains, 1 of them non-polar (round(0.13 * 6) = 1).
    default = ferrolab.Polycrystal()
    assert len(default.grain_polar) == 6 and default.grain_polar.sum() == 5


def test_simulated_loop_and_features_through_ctypes():
    cfg = ferrolab.Config()
    cfg.set("pf.cells_width", 32)
    cfg.set("pf.points", 40)
    cfg.set("pf.hold_steps", 10)
    v, p = ferrolab.simulate_loop(cfg)
    assert v.shape == p.shape == (40,)
    assert v[0] == -4.0 and abs(v[20] - 4.0) < 1e-12
    f = ferrolab.loop_features(v, p, 10e-9)
    # Independent numpy shoelace of the same samples (closed polygon).
    area = 0.5 * abs(np.dot(v, np.roll(p, -1)) - np.dot(np.roll(v, -1), p))
    assert abs(f["area"] - area) < 1e-12 * max(1.0, area)
    assert f["ps"] == pytest.approx((p[20] - p[0]) / 2, abs=1e-15)
    with pytest.raises(ferrolab.FerrolabError) as err:
        ferrolab.loop_features(v, p, -1.0)
    assert "thickness_m" in str(err.value)


def test_sweep_dataset_is_plain_numpy_and_its_checksum_holds(tmp_path):
    import json
    import zlib

    out = tmp_path / "sweep"
    subprocess.run([str(EXE), "simulate", "--sweep", "--out", str(out), "--set", "sweep.levels=2",
                    "--set", "pf.cells_width=16", "--set", "pf.points=20", "--set", "pf.hold_steps=5"],
                   check=True, capture_output=True)
    meta = json.loads((tmp_path / "sweep.json").read_text())
    raw = (tmp_path / "sweep.npz").read_bytes()
    assert meta["format"] == "ferrolab-dataset" and meta["version"] == 1
    assert meta["npz_crc32"] == f"{zlib.crc32(raw):08x}" and meta["npz_bytes"] == len(raw)
    with np.load(tmp_path / "sweep.npz") as data:
        assert data["polarization"].shape == (16, 20) and data["polarization"].dtype == np.float64
        assert data["parameters"].shape == (16, 4)
        assert data["index"].dtype == np.uint64 and list(data["index"]) == list(range(16))
        assert data["status"].dtype == np.int32
        assert data["features"].shape == (16, 8)
        # Grid corners of Table 1: D_G 5..25 nm, nu 0.5..1.
        assert data["parameters"][0].tolist() == [5.0, 0.5, 0.0, 0.0]
        assert data["parameters"][-1][:2].tolist() == [25.0, 1.0]
        np.testing.assert_allclose(data["voltage"][:2], [-4.0, -3.2])


def test_sweep_and_dataset_through_ctypes_match_numpy(tmp_path):
    cfg = ferrolab.Config()
    for key, value in (("sweep.levels", 2), ("pf.cells_width", 16), ("pf.points", 20), ("pf.hold_steps", 5)):
        cfg.set(key, value)
    ferrolab.run_sweep(tmp_path / "ds", cfg)
    data = ferrolab.read_dataset(tmp_path / "ds")
    with np.load(tmp_path / "ds.npz") as raw:
        for name in ("voltage", "polarization", "parameters", "features", "status", "seed", "index"):
            np.testing.assert_array_equal(data[name], raw[name])
    with pytest.raises(ferrolab.FerrolabError) as err:
        ferrolab.read_dataset(tmp_path / "missing")
    assert err.value.status == -13 and "missing.json" in str(err.value)


def test_gp_through_ctypes_matches_scikit_learn_reference():
    import json

    ref = json.loads((ROOT / "tests" / "oracles" / "gp_reference.json").read_text())
    case = next(c for c in ref["cases"] if c["name"] == "rbf_fixed")
    cfg = ferrolab.Config()
    cfg.set("gp.optimize", 0)
    cfg.set("gp.signal_variance", case["signal_variance"])
    cfg.set("gp.length_scale", case["length_scale"])
    gp = ferrolab.GaussianProcess(np.array(ref["x"]), np.array(ref["y"]), cfg)
    mean, std = gp.predict(np.array(ref["xq"]))
    for j, out in enumerate(case["outputs"]):
        np.testing.assert_allclose(mean[:, j], out["mean"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(std[:, j], out["std"], rtol=1e-9, atol=1e-12)
        assert abs(gp.log_marginal_likelihood()[j] - out["log_marginal_likelihood"]) < 1e-9 * 10
    assert gp.hyperparameters(0)["length_scales"] == case["length_scale"]


def _network_crc(meta, tensors):
    """The network file's CRC-32 recomputed from its documented definition (src/io/network.rs):
    every metadata entry but crc32, by key (length as u64 LE, then the UTF-8 bytes, for key and
    value), then every tensor by name (name, each dimension as u64 LE, the f32 LE values)."""
    import struct
    import zlib

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
    import json

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
    d, n = 60, 300
    v = np.linspace(-3, 3, d // 2)
    rng = np.random.default_rng(0)
    loops = []
    for _ in range(n):
        ps, vc = rng.uniform(0.1, 0.3), rng.uniform(0.5, 1.5)
        loops.append(np.concatenate([ps * np.tanh((v - vc) / 0.4), ps * np.tanh((v[::-1] + vc) / 0.4)]))
    x = np.array(loops)
    cfg = ferrolab.Config()
    cfg.set("vae.hidden", [48, 24])
    cfg.set("vae.epochs", 15)
    cfg.set("vae.batch_size", 32)
    vae = ferrolab.VAE(d, cfg)
    history = vae.train(x)
    assert history.shape == (15, 3)
    assert history[-1, 0] < history[0, 0]
    assert vae.progress_info() == (15, 15, 0, history[-1, 0])
    path = tmp_path / "model.safetensors"
    vae.save(path)
    arch, decode = _numpy_decoder(path)
    assert arch == {"input_dim": d, "hidden": [48, 24], "latent_dim": 2, "reconstruction": "bce"}
    z, decoded = vae.decode_grid(-2.0, 2.0, 10)
    assert z.shape == (100, 2) and z[1].tolist() == [-2.0, -2.0 + 4.0 / 9.0]
    np.testing.assert_allclose(decode(z), decoded, rtol=0, atol=1e-5 * np.ptp(x))
    # The reloaded model decodes identically and keeps its history.
    again = ferrolab.VAE.load(path)
    np.testing.assert_array_equal(again.decode(z), decoded)
    np.testing.assert_array_equal(again.history(), history)
    mean, log_var = again.encode(x[:5])
    assert mean.shape == (5, 2) and np.all(np.isfinite(log_var))
    # A damaged file is refused with a clear error.
    raw = bytearray(path.read_bytes())
    raw[-10] ^= 0xFF
    path.write_bytes(bytes(raw))
    with pytest.raises(ferrolab.FerrolabError) as err:
        ferrolab.VAE.load(path)
    assert err.value.status == -14 and "checksum" in str(err.value)


def test_sho_fit_recovers_a_resonance_and_flags_bad_spectra():
    f = np.linspace(290e3, 310e3, 64)
    w0, q, a, phi = 301.5e3, 140.0, 1.5e-3, 0.4
    r = a * w0**2 * np.exp(1j * phi) / (f**2 - w0**2 - 1j * f * w0 / q)
    re = np.vstack([r.real, np.zeros(64), r.real])
    im = np.vstack([r.imag, np.zeros(64), r.imag])
    re[2, 5] = np.nan
    params, errors, r2, flags = ferrolab.sho_fit(f, re, im)
    np.testing.assert_allclose(params[0], [a, w0, q, phi], rtol=1e-9)
    assert r2[0] > 0.999999
    assert flags.tolist() == [0, 2, 1]
    assert np.all(np.isnan(params[1])) and np.all(np.isnan(params[2]))
    with pytest.raises(ferrolab.FerrolabError) as err:
        ferrolab.sho_fit(f[::-1], re, im)
    assert "must increase" in str(err.value)


def test_loop_fit_matches_the_scipy_reference_through_the_c_api():
    import json

    ref = json.loads((ROOT / "tests" / "oracles" / "loop_reference.json").read_text())
    v = np.array(ref["voltage"])
    loops = np.array([c["loop"] for c in ref["cases"]])
    params, r2 = ferrolab.loop_fit(v, loops)
    scipy = np.array([c["scipy"] for c in ref["cases"]])
    np.testing.assert_allclose(params[:, 2:4], scipy[:, 2:4], atol=1e-3)
    assert np.all(r2 > 0.9)
    with pytest.raises(ferrolab.FerrolabError) as err:
        ferrolab.loop_fit(v[:5], loops[:, :5])
    assert "n_steps = 5" in str(err.value)


def test_loop_parameters_of_a_fitted_loop():
    v = np.concatenate([np.linspace(-8, 8, 64), np.linspace(8, -8, 64)])
    truth = np.array([[-1.0, 2.0, 2.5, -1.5, 0.0, 0.8, 0.8, 0.8, 0.8]])
    s = ferrolab.loop_parameters(v, truth)[0]
    names = dict(zip(ferrolab.LOOP_PARAMETERS, s))
    assert names["v_plus"] == 2.5 and names["v_minus"] == -1.5
    assert abs(names["imprint"] - 0.5) < 1e-12 and abs(names["width"] - 4.0) < 1e-12
    assert names["nucleation_1"] < 2.5 and names["nucleation_2"] > -1.5
    assert 0 < names["area"] < 2.0 * 16


# The built-in exception each status must also be: argument, range and type errors ValueError,
# IO errors OSError, corrupt files ValueError, numerical failures ArithmeticError, cancelled and
# internal errors RuntimeError (and the memory budget MemoryError).
EXPECTED_BASES = {
    "PANIC": RuntimeError, "NULL_POINTER": ValueError, "INVALID_ARGUMENT": ValueError, "NON_FINITE": ValueError,
    "INVALID_HANDLE": ValueError, "UNKNOWN_KEY": ValueError, "OUT_OF_RANGE": ValueError, "WRONG_TYPE": ValueError,
    "INVALID_UTF8": ValueError, "THREAD_POOL": RuntimeError, "NUMERICAL": ArithmeticError,
    "CANCELLED": RuntimeError, "IO": OSError, "CORRUPT_FILE": ValueError, "OUT_OF_MEMORY": MemoryError,
    "BUSY": RuntimeError,
}


def test_every_status_of_the_header_maps_to_an_exception_with_the_right_bases():
    import pickle

    codes = dict(re.findall(r"^#define FERROLAB_ERR_(\w+) (-\d+)$", (ROOT / "include" / "ferrolab.h").read_text(),
                            re.M))
    assert set(codes) == set(EXPECTED_BASES)
    for name, code in codes.items():
        assert getattr(ferrolab.errors, f"ERR_{name}") == int(code)
        err = ferrolab.errors.from_status(int(code), f"message of {name}")
        assert type(err) is not ferrolab.FerrolabError, name
        assert isinstance(err, ferrolab.FerrolabError) and isinstance(err, EXPECTED_BASES[name]), name
        assert err.status == int(code) and err.message == str(err) == f"message of {name}"
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is type(err) and again.status == err.status and again.message == err.message
    assert type(ferrolab.errors.from_status(-99, "new")) is ferrolab.FerrolabError


def test_failed_calls_raise_the_exception_of_their_kind(tmp_path):
    with pytest.raises(ValueError) as err:
        ferrolab.Config().set("pf.polar_fraction", 2.0)
    assert isinstance(err.value, ferrolab.OutOfRangeError) and "pf.polar_fraction" in str(err.value)
    with pytest.raises(OSError) as err:
        ferrolab.read_dataset(tmp_path / "missing")
    assert isinstance(err.value, ferrolab.FileError) and err.value.status == -13
    cfg = ferrolab.Config()
    for key, value in (("pf.cells_width", 16), ("pf.points", 20), ("pf.hold_steps", 5),
                       ("pf.polarization_guard", 0.01)):
        cfg.set(key, value)
    with pytest.raises(ArithmeticError) as err:
        ferrolab.simulate_loop(cfg)
    assert isinstance(err.value, ferrolab.NumericalError) and "pf.polarization_guard" in str(err.value)
