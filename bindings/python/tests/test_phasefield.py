"""Films, loops, sweeps and datasets through the package, checked with NumPy."""
import numpy as np
import pytest

import ferrolab

# 2^4 (3^4) structures of 16-cell-wide films and 20-point loops: milliseconds each.
TINY_SWEEP = dict(levels=2, pf__cells_width=16, pf__points=20, pf__hold_steps=5)
SWEEP_81 = dict(TINY_SWEEP, levels=3)


def test_polycrystal_attributes_agree_with_each_other():
    film = ferrolab.Polycrystal(grain_diameter_nm=10.0, seed=3)
    assert film.shape == film.classes.shape == film.grains.shape == (20, 256)
    assert film.grain_count == len(film.grain_orientation_rad) == 16  # round(4 * 10 * 128 / (pi * 10^2))
    np.testing.assert_array_equal(film.grain_orientation_rad[film.grains], film.orientation_rad)
    assert set(np.unique(film.classes)) <= {0, 1, 2}
    # Non-polar grains' cells are class 1 unless on a boundary.
    nonpolar = film.grain_polar[film.grains] == 0
    assert set(np.unique(film.classes[nonpolar])) <= {1, 2}
    assert (film.grain_seeds_nm[:, 0] < 10).all() and (film.grain_seeds_nm[:, 1] < 128).all()
    assert film.progress_info()[:3] == (0, 0, 0) and film.last_error() == ""
    # The defaults: paper 000's film, 6 grains, 1 of them non-polar (round(0.13 * 6) = 1).
    default = ferrolab.Polycrystal()
    assert len(default.grain_polar) == 6 and default.grain_polar.sum() == 5
    with pytest.raises(ferrolab.OutOfRangeError, match="pf.cells_thickness"):
        ferrolab.Polycrystal(cells_thickness=0)


def test_simulated_loop_and_its_features():
    v, p = ferrolab.simulate_loop(cells_width=32, points=40, hold_steps=10)
    assert v.shape == p.shape == (40,)
    assert v[0] == -4.0 and abs(v[20] - 4.0) < 1e-12
    f = ferrolab.loop_features(v, p, 10e-9)
    assert list(f) == list(ferrolab.LOOP_FEATURES)
    # Independent NumPy shoelace of the same samples (closed polygon).
    area = 0.5 * abs(np.dot(v, np.roll(p, -1)) - np.dot(np.roll(v, -1), p))
    assert abs(f["area"] - area) < 1e-12 * max(1.0, area)
    assert f["ps"] == pytest.approx((p[20] - p[0]) / 2, abs=1e-15)
    with pytest.raises(ferrolab.OutOfRangeError, match="thickness_m"):
        ferrolab.loop_features(v, p, -1.0)
    cfg = ferrolab.Config({"pf.cells_width": 32, "pf.points": 40, "pf.hold_steps": 10})
    np.testing.assert_array_equal(ferrolab.simulate_loop(cfg)[1], p)


def test_sweep_and_dataset_match_the_files_read_by_numpy(tmp_path):
    ferrolab.run_sweep(tmp_path / "ds", **TINY_SWEEP)
    data = ferrolab.read_dataset(tmp_path / "ds")
    with np.load(tmp_path / "ds.npz") as raw:
        for name in ("voltage", "polarization", "parameters", "features", "status", "seed", "index"):
            np.testing.assert_array_equal(data[name], raw[name])
    with ferrolab.Dataset(tmp_path / "ds.json") as ds:
        assert ds.shape == (16, 20) and ds.progress_info()[:3] == (0, 0, 0) and ds.last_error() == ""
        voltage, polarization = ds.loops()
        assert polarization.shape == (16, 20) and voltage[0] == -4.0
        assert ds.structures()["parameters"][-1, :2].tolist() == [25.0, 1.0]


def test_damaged_and_missing_datasets(tmp_path):
    ferrolab.run_sweep(tmp_path / "ds", **TINY_SWEEP)
    raw = bytearray((tmp_path / "ds.npz").read_bytes())
    raw[100] ^= 0xFF
    (tmp_path / "ds.npz").write_bytes(bytes(raw))
    with pytest.raises(ferrolab.CorruptFileError, match="ds.npz"):
        ferrolab.Dataset(tmp_path / "ds")
    with pytest.raises(ferrolab.FileError) as err:
        ferrolab.read_dataset(tmp_path / "missing")
    assert err.value.status == -13 and "missing.json" in str(err.value)


def test_cancelled_sweep_resumes_to_the_same_files(tmp_path):
    ferrolab.run_sweep(tmp_path / "whole", **SWEEP_81)
    sweep = ferrolab.Sweep(tmp_path / "part", **SWEEP_81)
    assert sweep.progress() == (0, 0)

    def cancel_once_started(p):
        if p.done >= 1:
            sweep.request_cancel()

    with pytest.raises(ferrolab.CancelledError):
        sweep.run(progress=cancel_once_started, interval=0.001)
    done, total = sweep.progress()
    assert 1 <= done < total == 81 and sweep.progress_info().total == 81
    assert "cancel" in sweep.last_error()
    sweep.run()  # resumes from its checkpoints
    sweep.close()
    assert (tmp_path / "part.npz").read_bytes() == (tmp_path / "whole.npz").read_bytes()


def test_two_runs_on_one_path_are_refused_while_one_runs(tmp_path):
    first = ferrolab.Sweep(tmp_path / "ds", **SWEEP_81)
    refused = []

    def start_a_second_run(p):
        if not refused:
            with pytest.raises(ferrolab.BusyError) as err:
                ferrolab.run_sweep(tmp_path / "ds", **SWEEP_81)
            refused.append(err.value)

    first.run(progress=start_a_second_run, interval=0.001)
    assert refused and isinstance(refused[0], RuntimeError) and "in use" in str(refused[0])
