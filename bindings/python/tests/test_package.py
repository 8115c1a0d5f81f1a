"""The package as installed: its declared C signatures against the header, its version, its
bundled library, the process-wide calls and the exception classes."""
import ctypes
import importlib.metadata
import os
import pickle
import re
import subprocess
import sys
import textwrap
from ctypes import POINTER, c_char_p, c_double, c_float, c_int32, c_int64, c_size_t, c_uint8, c_uint64, c_void_p

import numpy as np
import pytest

import ferrolab
from ferrolab import _lib, errors

from conftest import HEADER, ROOT, header_functions

_C_TYPES = {"int32_t": c_int32, "int64_t": c_int64, "uint64_t": c_uint64, "size_t": c_size_t, "double": c_double,
            "uint8_t": c_uint8, "float": c_float}


def _ctype(c_type):
    """The ctypes type a C parameter or return type of the header is declared with here."""
    t = " ".join(c_type.replace("const ", " ").replace("*", " * ").split())
    if t == "char *":
        return c_char_p
    if t.startswith("ferrolab_"):  # opaque handles: by value, or an output pointer to one
        return POINTER(c_void_p) if t.endswith("* *") else c_void_p
    if t.endswith(" *"):
        return POINTER(_C_TYPES[t[:-2]])
    return _C_TYPES[t]


def header_prototypes():
    """name -> (return type, [argument types]) from the header, as ctypes types."""
    out = {}
    for m in re.finditer(r"^([a-z][^\n(]*?)\b(ferrolab_\w+)\(([^)]*)\);", HEADER.read_text(), flags=re.M):
        ret, name, args = m.groups()
        params = [] if args.strip() == "void" else [re.match(r"(.*?)\w+$", a.strip()).group(1) for a in args.split(",")]
        out[name] = (_ctype(ret), [_ctype(p) for p in params])
    return out


def test_every_header_function_is_declared_with_the_headers_types():
    prototypes = header_prototypes()
    assert set(prototypes) == header_functions() == set(ferrolab._SIGNATURES)
    wrong = {name: (ferrolab._SIGNATURES[name], proto) for name, proto in prototypes.items()
             if ferrolab._SIGNATURES[name] != proto}
    assert not wrong


def test_the_type_parser_reads_pointers_handles_and_strings():
    # The test above is only as good as this parser: check it on each kind of parameter.
    assert _ctype("const double *") is POINTER(c_double)
    assert _ctype("ferrolab_gp **") is POINTER(c_void_p)
    assert _ctype("const ferrolab_config *") is c_void_p
    assert _ctype("const char *") is c_char_p
    assert _ctype("size_t") is c_size_t
    assert _ctype("const uint8_t *") is POINTER(c_uint8) and _ctype("float *") is POINTER(c_float)
    assert header_prototypes()["ferrolab_gp_load"] == (c_int32, [c_char_p, POINTER(c_void_p)])


def test_versions_agree():
    assert ferrolab.__version__ == ferrolab.version() == importlib.metadata.version("ferrolab")
    cargo = re.search(r'^version = "([^"]+)"', (ROOT / "Cargo.toml").read_text(), re.M)
    assert cargo.group(1) == ferrolab.version()
    abi = re.search(r"^#define FERROLAB_ABI_VERSION (\d+)$", HEADER.read_text(), re.M)
    assert ferrolab.abi_version() == ferrolab.ABI_VERSION == int(abi.group(1))


def test_installed_package_runs_on_its_bundled_library_alone(tmp_path):
    # A fresh interpreter in an empty folder, without FERROLAB_LIB: the package must load the
    # library it carries, not one from the repository.
    env = {k: v for k, v in os.environ.items() if k not in ("FERROLAB_LIB", "PYTHONPATH")}
    script = textwrap.dedent("""
        import ferrolab, numpy as np
        from pathlib import Path
        assert Path(ferrolab.library_path()).parent == Path(ferrolab.__file__).parent
        v, p = ferrolab.simulate_loop(cells_width=16, points=20, hold_steps=5)
        gp = ferrolab.GaussianProcess().fit(v[:, None], p)
        print(gp.predict(v[:3, None]).shape)
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "(3,)"


def test_worker_pool_and_memory_budget():
    before = ferrolab.num_threads()
    ferrolab.set_num_threads(1)
    assert ferrolab.num_threads() == 1
    ferrolab.set_num_threads(before)
    with pytest.raises(ferrolab.OutOfRangeError, match="4096"):
        ferrolab.set_num_threads(5000)
    with pytest.raises(ferrolab.OutOfRangeError, match=r"n must be in \[0, 18446744073709551615\]; got -1"):
        ferrolab.set_num_threads(-1)  # ctypes would have passed 2^64 - 1
    ferrolab.set_max_alloc_bytes(1 << 20)
    try:
        assert ferrolab.max_alloc_bytes() == 1 << 20
        with pytest.raises(MemoryError) as err:
            ferrolab.Sweep("unused", levels=1000)
        assert isinstance(err.value, ferrolab.OutOfMemoryError) and err.value.status == errors.ERR_OUT_OF_MEMORY
    finally:
        ferrolab.set_max_alloc_bytes(0)
    assert ferrolab.max_alloc_bytes() > 1 << 20


def test_status_texts_and_messages():
    assert ferrolab.status_str(0) == "ok"
    assert ferrolab.status_str(errors.ERR_BUSY) == "in use by another call; try again later"
    assert ferrolab.status_str(-1000) == "unknown status code"
    with pytest.raises(ferrolab.ArgumentError):
        ferrolab.pca(np.ones((4, 3)), 0)
    assert ferrolab.last_error().startswith("ferrolab_pca: n_components = 0")


# The built-in exception each status must also be, as the issue states it: argument, range and
# type errors ValueError, IO errors OSError, corrupt files ValueError, numerical failures
# ArithmeticError, cancelled and internal errors RuntimeError (and the budget MemoryError).
EXPECTED_BASES = {
    "PANIC": RuntimeError, "NULL_POINTER": ValueError, "INVALID_ARGUMENT": ValueError, "NON_FINITE": ValueError,
    "INVALID_HANDLE": ValueError, "UNKNOWN_KEY": ValueError, "OUT_OF_RANGE": ValueError, "WRONG_TYPE": ValueError,
    "INVALID_UTF8": ValueError, "THREAD_POOL": RuntimeError, "NUMERICAL": ArithmeticError,
    "CANCELLED": RuntimeError, "IO": OSError, "CORRUPT_FILE": ValueError, "OUT_OF_MEMORY": MemoryError,
    "BUSY": RuntimeError,
}


def test_every_status_of_the_header_maps_to_a_class_with_the_right_bases():
    codes = dict(re.findall(r"^#define FERROLAB_ERR_(\w+) (-\d+)$", HEADER.read_text(), re.M))
    assert set(codes) == set(EXPECTED_BASES)
    for name, code in codes.items():
        assert getattr(errors, f"ERR_{name}") == int(code)
        err = errors.from_status(int(code), f"message of {name}")
        assert type(err) is not ferrolab.FerrolabError, name
        assert isinstance(err, ferrolab.FerrolabError) and isinstance(err, EXPECTED_BASES[name]), name
        assert err.status == int(code) and err.message == str(err) == f"message of {name}"
        again = pickle.loads(pickle.dumps(err))
        assert type(again) is type(err) and again.status == err.status and again.message == err.message
    # A code newer than the package is still an error, of the base class.
    assert type(errors.from_status(-99, "new")) is ferrolab.FerrolabError


def test_io_errors_are_oserrors_with_the_file_named(tmp_path):
    with pytest.raises(OSError) as err:
        ferrolab.read_dataset(tmp_path / "missing")
    assert isinstance(err.value, ferrolab.FileError) and "missing.json" in str(err.value)
    assert err.value.status == errors.ERR_IO and err.value.errno is None


def test_runaway_polarization_is_an_arithmetic_error():
    with pytest.raises(ArithmeticError) as err:
        ferrolab.simulate_loop(cells_width=16, points=20, hold_steps=5, polarization_guard=0.01)
    assert isinstance(err.value, ferrolab.NumericalError) and "pf.polarization_guard" in str(err.value)


def test_not_fitted_is_a_value_and_attribute_error():
    with pytest.raises(ValueError, match="not fitted"):
        ferrolab.GaussianProcess().predict(np.zeros((2, 1)))
    with pytest.raises(AttributeError):
        ferrolab.Vae().transform(np.zeros((2, 3)))
    err = ferrolab.NotFittedError("x")
    assert pickle.loads(pickle.dumps(err)).message == "x" and err.status == errors.ERR_INVALID_ARGUMENT


def test_closed_objects_refuse_calls():
    cfg = ferrolab.Config()
    with cfg:
        cfg["pf.seed"] = 2
    assert cfg.closed
    with pytest.raises(ferrolab.ArgumentError, match="closed") as err:
        cfg["pf.seed"]
    assert err.value.status == errors.ERR_INVALID_HANDLE
    cfg.close()  # a second close is a no-op, not a double free


def test_unchecked_arrays_never_reach_c():
    with pytest.raises(ferrolab.InternalError):
        _lib.ptr(np.zeros((3, 3))[:, 0])
    with pytest.raises(ferrolab.InternalError):
        _lib.ptr(np.zeros(3, np.float16))
    assert ctypes.cast(_lib.ptr(np.zeros(3)), ctypes.c_void_p).value is not None
