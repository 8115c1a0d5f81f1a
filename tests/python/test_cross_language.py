"""Cross-language tests: the CLI's files read by NumPy and by the Python package, and the other
bindings' C calls against the header. The Python package's own tests are bindings/python/tests;
.ci/run runs both with the package installed in a virtual environment."""
import json
import os
import re
import subprocess
import zlib
from pathlib import Path

import numpy as np

import ferrolab

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
EXE = (TARGET if TARGET.is_absolute() else ROOT / TARGET) / "release" / "ferrolab"


def header_functions():
    text = (ROOT / "include" / "ferrolab.h").read_text()
    return set(re.findall(r"^[a-z].*?\b(ferrolab_\w+)\(", text, flags=re.M))


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


def test_python_package_film_is_the_clis(tmp_path):
    film = ferrolab.Polycrystal(grain_diameter_nm=10.0, seed=3)
    subprocess.run([str(EXE), "structure", "--set", "pf.grain_diameter_nm=10", "--set", "pf.seed=3",
                    "--out", str(tmp_path)], check=True, capture_output=True)
    assert np.array_equal(film.classes, np.load(tmp_path / "classes.npy"))
    assert np.array_equal(film.grains, np.load(tmp_path / "grains.npy"))
    assert np.array_equal(film.orientation_rad, np.load(tmp_path / "orientation_rad.npy"))


def test_cli_sweep_dataset_is_plain_numpy_and_the_packages(tmp_path):
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
        # The package reads the CLI's file, and a sweep run through it writes the same bytes.
        np.testing.assert_array_equal(ferrolab.read_dataset(out)["polarization"], data["polarization"])
    ferrolab.run_sweep(tmp_path / "package", levels=2, pf__cells_width=16, pf__points=20, pf__hold_steps=5)
    assert (tmp_path / "package.npz").read_bytes() == raw


def test_readme_python_example_runs(capsys):
    text = (ROOT / "README.md").read_text()
    section = text[text.index("\n## Python\n"):]
    section = section[:section.index("\n## ", 1)]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1
    exec(compile(blocks[0], "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Ec = ") and "MV/cm" in out[0]
    assert out[1].startswith("GaussianProcess(kernel='matern52') [") and out[1].endswith("True")
