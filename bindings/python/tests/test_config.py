"""Config, the key registry and keyword options."""
import numpy as np
import pytest

import ferrolab
from ferrolab.config import REGISTRY, build


def test_round_trip_of_every_type():
    cfg = ferrolab.Config({"pf.grain_diameter_nm": 10, "pf.seed": np.int64(12), "gp.kernel": "matern52"})
    cfg["vae.hidden"] = np.array([48, 24], dtype=np.uint8)
    cfg["gp.length_scale"] = 0.5  # a scalar for a list key
    cfg["gp.optimize"] = False
    assert cfg["pf.grain_diameter_nm"] == 10.0 and isinstance(cfg["pf.grain_diameter_nm"], float)
    assert cfg.get("pf.seed") == 12 and cfg["gp.kernel"] == "matern52"
    assert cfg["vae.hidden"] == [48, 24] and cfg["gp.length_scale"] == [0.5] and cfg["gp.optimize"] == 0
    assert cfg.changed() == {"gp.kernel": "matern52", "gp.length_scale": [0.5], "gp.optimize": 0,
                             "pf.grain_diameter_nm": 10.0, "pf.seed": 12, "vae.hidden": [48, 24]}
    copy = cfg.copy()
    cfg.reset("pf.grain_diameter_nm")
    assert cfg["pf.grain_diameter_nm"] == 16.2 and copy["pf.grain_diameter_nm"] == 10.0
    assert repr(ferrolab.Config({"pf.seed": 3})) == "Config({'pf.seed': 3})"
    assert cfg.progress_info() == (0, 0, 0, pytest.approx(float("nan"), nan_ok=True))


def test_errors_name_the_key():
    cfg = ferrolab.Config()
    with pytest.raises(ferrolab.OutOfRangeError) as err:
        cfg.set("pf.polar_fraction", 2.0)
    assert err.value.status == -7 and "pf.polar_fraction" in str(err.value)
    assert "pf.polar_fraction" in cfg.last_error()  # the handle's own message, from any thread
    with pytest.raises(ferrolab.UnknownKeyError, match='unknown configuration key "pf.seeed" .*"pf.seed"'):
        cfg.set("pf.seeed", 1)
    with pytest.raises(ferrolab.WrongTypeError, match="pf.seed must be an integer; got float 1.5"):
        cfg.set("pf.seed", 1.5)
    with pytest.raises(ferrolab.WrongTypeError, match="gp.kernel holds text"):
        cfg.set("gp.kernel", 3)
    with pytest.raises(ferrolab.NonFiniteError, match="pf.v_max"):
        cfg.set("pf.v_max", float("nan"))
    with pytest.raises(ferrolab.OutOfRangeError, match="vae.hidden"):
        cfg.set("vae.hidden", [0])
    with pytest.raises(ferrolab.OutOfRangeError, match=r"pf.seed must be in \[-9223372036854775808, "):
        cfg.set("pf.seed", 2**63)  # ctypes would have wrapped it to a negative int64
    # Text keys name their words.
    with pytest.raises(ferrolab.ArgumentError, match="rbf"):
        cfg.set("gp.kernel", "linear")
    assert cfg.changed() == {}  # a refused value changes nothing
    assert "gp.kernel" in cfg.last_error()  # reading every key (changed()) left no message of its own


def test_keys_and_descriptions_come_from_the_library():
    names = ferrolab.keys()
    assert names == sorted(names) and set(names) == set(REGISTRY)
    assert ferrolab.keys("gp.") == [n for n in names if n.startswith("gp.")] and "gp.kernel" in ferrolab.keys("gp.")
    assert "unit nm" in ferrolab.describe("pf.cell_size_nm")
    spec = REGISTRY["pf.grain_diameter_nm"]
    assert (spec.kind, spec.unit, spec.default) == ("real", "nm", 16.2)
    assert REGISTRY["vae.hidden"].kind == "integer list" and REGISTRY["vae.hidden"].default == [256]
    assert REGISTRY["gp.kernel"].valid.startswith("one of") and REGISTRY["gp.jitter"].default == 1e-10
    with pytest.raises(ferrolab.UnknownKeyError):
        ferrolab.describe("no.such_key")


def test_keyword_options_map_to_keys():
    base = ferrolab.Config({"pf.seed": 4})
    cfg = build("test", base, {"cells_width": 32, "sweep__levels": 3}, "pf.")
    assert cfg.changed() == {"pf.seed": 4, "pf.cells_width": 32, "sweep.levels": 3}
    assert base.changed() == {"pf.seed": 4}  # the caller's config is not touched
    assert build("test", base, {}, "pf.") is base and build("test", None, {}, "pf.") is None
    with pytest.raises(ferrolab.UnknownKeyError, match='test: unknown configuration key "pf.cell_width"'):
        build("test", None, {"cell_width": 32}, "pf.")
    with pytest.raises(ferrolab.WrongTypeError, match="config must be a ferrolab.Config"):
        build("test", {"pf.seed": 1}, {}, "pf.")
