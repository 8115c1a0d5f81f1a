"""ferrolab from Python through ctypes: a thin layer over include/ferrolab.h.

Handles become objects that free themselves, failed calls raise a FerrolabError subclass (see
ferrolab.errors: also ValueError, OSError, ArithmeticError, MemoryError or RuntimeError by kind)
with the status and message. The library is the copy bundled in the package by `pip install ./bindings/python`
(see setup.py), or, without one (a source checkout on PYTHONPATH), the path in FERROLAB_LIB.

    import ferrolab
    cfg = ferrolab.Config()
    cfg.set("pf.grain_diameter_nm", 10.0)
    print(cfg.get("pf.grain_diameter_nm"), ferrolab.version())
"""
import ctypes
import os
from ctypes import POINTER, c_char_p, c_double, c_int32, c_int64, c_size_t, c_uint64, c_void_p
from pathlib import Path

from . import errors
from .errors import (ArgumentError, BusyError, CancelledError, CorruptFileError, FerrolabError, FileError,
                     InternalError, NonFiniteError, NumericalError, OutOfMemoryError,
                     OutOfRangeError, ThreadPoolError, UnknownKeyError, WrongTypeError)

OK = 0
WARN_TRUNCATED = 1

# Every C function this binding declares: (name, return type, argument types). A test checks
# that these are exactly the functions of include/ferrolab.h.
# Every handle's ferrolab_<object>_progress_info(h, done, total, stage, last_loss).
_PROGRESS_INFO = (c_int32, [c_void_p, POINTER(c_uint64), POINTER(c_uint64), POINTER(c_int32), POINTER(c_double)])

_SIGNATURES = {
    "ferrolab_status_str": (c_char_p, [c_int32]),
    "ferrolab_last_error": (c_int32, [c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_version_string": (c_char_p, []),
    "ferrolab_abi_version": (c_int32, []),
    "ferrolab_set_num_threads": (c_int32, [c_size_t]),
    "ferrolab_num_threads": (c_int32, [POINTER(c_size_t)]),
    "ferrolab_set_max_alloc_bytes": (c_int32, [c_uint64]),
    "ferrolab_max_alloc_bytes": (c_int32, [POINTER(c_uint64)]),
    "ferrolab_config_new": (c_int32, [POINTER(c_void_p)]),
    "ferrolab_config_free": (c_int32, [c_void_p]),
    "ferrolab_config_set_f64": (c_int32, [c_void_p, c_char_p, c_double]),
    "ferrolab_config_set_i64": (c_int32, [c_void_p, c_char_p, c_int64]),
    "ferrolab_config_set_str": (c_int32, [c_void_p, c_char_p, c_char_p]),
    "ferrolab_config_set_f64_array": (c_int32, [c_void_p, c_char_p, POINTER(c_double), c_size_t]),
    "ferrolab_config_set_i64_array": (c_int32, [c_void_p, c_char_p, POINTER(c_int64), c_size_t]),
    "ferrolab_config_reset": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_config_get_f64": (c_int32, [c_void_p, c_char_p, POINTER(c_double)]),
    "ferrolab_config_get_i64": (c_int32, [c_void_p, c_char_p, POINTER(c_int64)]),
    "ferrolab_config_get_str": (c_int32, [c_void_p, c_char_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_config_get_f64_array": (
        c_int32, [c_void_p, c_char_p, POINTER(c_double), c_size_t, POINTER(c_size_t)]),
    "ferrolab_config_get_i64_array": (
        c_int32, [c_void_p, c_char_p, POINTER(c_int64), c_size_t, POINTER(c_size_t)]),
    "ferrolab_config_last_error": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_config_key_count": (c_int32, [POINTER(c_size_t)]),
    "ferrolab_config_key_name": (c_int32, [c_size_t, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_config_key_describe": (c_int32, [c_char_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_polycrystal_new": (c_int32, [c_void_p, POINTER(c_void_p)]),
    "ferrolab_polycrystal_free": (c_int32, [c_void_p]),
    "ferrolab_polycrystal_shape": (c_int32, [c_void_p, POINTER(c_size_t), POINTER(c_size_t)]),
    "ferrolab_polycrystal_grain_count": (c_int32, [c_void_p, POINTER(c_size_t)]),
    "ferrolab_polycrystal_cells": (
        c_int32, [c_void_p, POINTER(c_int32), POINTER(c_int32), POINTER(c_double), c_size_t, c_size_t]),
    "ferrolab_polycrystal_grains": (
        c_int32, [c_void_p, POINTER(c_double), POINTER(c_int32), POINTER(c_double), c_size_t]),
    "ferrolab_polycrystal_last_error": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_pf_simulate_loop": (
        c_int32, [c_void_p, POINTER(c_double), POINTER(c_double), c_size_t, POINTER(c_size_t)]),
    "ferrolab_loop_features": (
        c_int32, [POINTER(c_double), POINTER(c_double), c_size_t, c_double, POINTER(c_double), c_size_t]),
    "ferrolab_sweep_new": (c_int32, [c_void_p, c_char_p, c_size_t, c_size_t, POINTER(c_void_p)]),
    "ferrolab_sweep_run": (c_int32, [c_void_p]),
    "ferrolab_sweep_progress": (c_int32, [c_void_p, POINTER(c_size_t), POINTER(c_size_t)]),
    "ferrolab_sweep_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_sweep_free": (c_int32, [c_void_p]),
    "ferrolab_sweep_last_error": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_dataset_open": (c_int32, [c_char_p, POINTER(c_void_p)]),
    "ferrolab_dataset_shape": (c_int32, [c_void_p, POINTER(c_size_t), POINTER(c_size_t)]),
    "ferrolab_dataset_loops": (
        c_int32, [c_void_p, POINTER(c_double), POINTER(c_double), c_size_t, c_size_t]),
    "ferrolab_dataset_structures": (
        c_int32, [c_void_p, POINTER(c_double), POINTER(c_double), POINTER(c_int32),
                  POINTER(ctypes.c_uint64), POINTER(ctypes.c_uint64), c_size_t]),
    "ferrolab_dataset_free": (c_int32, [c_void_p]),
    "ferrolab_dataset_last_error": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_gp_fit": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, POINTER(c_double),
                                  c_size_t, POINTER(c_void_p)]),
    "ferrolab_gp_predict": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, POINTER(c_double),
                                      POINTER(c_double)]),
    "ferrolab_gp_shape": (c_int32, [c_void_p, POINTER(c_size_t), POINTER(c_size_t)]),
    "ferrolab_gp_predict_covariance": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, c_size_t,
                                                 POINTER(c_double)]),
    "ferrolab_gp_sample": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, c_size_t, c_size_t,
                                     ctypes.c_uint64, POINTER(c_double)]),
    "ferrolab_gp_log_marginal_likelihood": (c_int32, [c_void_p, POINTER(c_double), c_size_t]),
    "ferrolab_gp_hyperparameters": (c_int32, [c_void_p, c_size_t, POINTER(c_double), POINTER(c_double),
                                              c_size_t, POINTER(c_size_t), POINTER(c_double),
                                              POINTER(c_double)]),
    "ferrolab_gp_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_gp_load": (c_int32, [c_char_p, POINTER(c_void_p)]),
    "ferrolab_gp_free": (c_int32, [c_void_p]),
    "ferrolab_gp_last_error": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_sho_fit": (c_int32, [c_void_p, POINTER(c_double), c_size_t, POINTER(c_double), POINTER(c_double),
                                   c_size_t, POINTER(c_double), POINTER(c_double), POINTER(c_double),
                                   POINTER(c_int32)]),
    "ferrolab_phase_rotation": (c_int32, [POINTER(c_double), POINTER(c_double), c_size_t, POINTER(c_double)]),
    "ferrolab_piezoresponse": (c_int32, [POINTER(c_double), POINTER(c_double), c_size_t, c_double,
                                         POINTER(c_double)]),
    "ferrolab_loop_fit": (c_int32, [POINTER(c_double), c_size_t, POINTER(c_double), c_size_t,
                                    POINTER(c_double), POINTER(c_double)]),
    "ferrolab_loop_parameters": (c_int32, [POINTER(c_double), c_size_t, POINTER(c_double), c_size_t,
                                           POINTER(c_double)]),
    "ferrolab_pca": (c_int32, [POINTER(c_double), c_size_t, c_size_t, c_size_t, c_int32, POINTER(c_double),
                               POINTER(c_double), POINTER(c_double)]),
    "ferrolab_nmf": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, c_size_t, POINTER(c_double),
                               POINTER(c_double), POINTER(c_double)]),
    "ferrolab_dictionary_learning": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, c_size_t, c_double,
                                               POINTER(c_double), POINTER(c_double), POINTER(c_double)]),
    "ferrolab_kmeans": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, c_size_t, POINTER(c_double),
                                  POINTER(c_int32), POINTER(c_double)]),
    "ferrolab_gmm": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, c_size_t, POINTER(c_double),
                               POINTER(c_double), POINTER(c_double), POINTER(c_int32), POINTER(c_double)]),
    "ferrolab_kde": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, POINTER(c_double), c_size_t,
                               POINTER(c_double)]),
    "ferrolab_pearson_matrix": (c_int32, [POINTER(c_double), POINTER(c_double), c_size_t, c_size_t, c_size_t,
                                          POINTER(c_double)]),
    "ferrolab_design_new": (c_int32, [c_void_p, c_char_p, c_char_p, c_int32, POINTER(c_void_p)]),
    "ferrolab_design_run": (c_int32, [c_void_p]),
    "ferrolab_design_progress": (c_int32, [c_void_p, POINTER(c_int32), POINTER(c_size_t), POINTER(c_size_t)]),
    "ferrolab_design_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_design_result": (c_int32, [c_void_p, POINTER(c_double), POINTER(c_double), POINTER(c_double)]),
    "ferrolab_design_free": (c_int32, [c_void_p]),
    "ferrolab_design_last_error": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_vae_new": (c_int32, [c_void_p, c_size_t, POINTER(c_void_p)]),
    "ferrolab_vae_set_checkpoint": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_vae_train": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, POINTER(c_double),
                                     c_size_t, POINTER(c_size_t)]),
    "ferrolab_vae_progress": (c_int32, [c_void_p, POINTER(c_size_t), POINTER(c_size_t)]),
    "ferrolab_vae_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_vae_shape": (c_int32, [c_void_p, POINTER(c_size_t), POINTER(c_size_t)]),
    "ferrolab_vae_history": (c_int32, [c_void_p, POINTER(c_double), c_size_t, POINTER(c_size_t)]),
    "ferrolab_vae_encode": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, POINTER(c_double),
                                      POINTER(c_double), c_size_t]),
    "ferrolab_vae_decode": (c_int32, [c_void_p, POINTER(c_double), c_size_t, c_size_t, POINTER(c_double),
                                      c_size_t]),
    "ferrolab_vae_decode_grid": (c_int32, [c_void_p, c_double, c_double, c_size_t, POINTER(c_double),
                                           POINTER(c_double), c_size_t, c_size_t]),
    "ferrolab_vae_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_vae_load": (c_int32, [c_char_p, POINTER(c_void_p)]),
    "ferrolab_vae_free": (c_int32, [c_void_p]),
    "ferrolab_vae_last_error": (c_int32, [c_void_p, c_char_p, c_size_t, POINTER(c_size_t)]),
    "ferrolab_config_progress_info": _PROGRESS_INFO,
    "ferrolab_sweep_progress_info": _PROGRESS_INFO,
    "ferrolab_dataset_progress_info": _PROGRESS_INFO,
    "ferrolab_design_progress_info": _PROGRESS_INFO,
    "ferrolab_gp_progress_info": _PROGRESS_INFO,
    "ferrolab_polycrystal_progress_info": _PROGRESS_INFO,
    "ferrolab_vae_progress_info": _PROGRESS_INFO,
}

LOOP_FEATURES = ("ec_mv_per_cm", "pr", "ps", "area", "imprint_v", "offset", "crossings_up",
                 "crossings_down")


def _find_library():
    # The bundled copy first: it is the library this package was built with.
    bundled = Path(__file__).resolve().parent / "libferrolab.so"
    if bundled.is_file():
        return str(bundled)
    env = os.environ.get("FERROLAB_LIB")
    if env:
        return env
    raise ImportError("ferrolab: no libferrolab.so bundled and FERROLAB_LIB is not set; install the package "
                      "with `pip install ./bindings/python`, which builds and bundles the library")


_lib = ctypes.CDLL(_find_library())
for _name, (_restype, _argtypes) in _SIGNATURES.items():
    _fn = getattr(_lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes


def _read_string(call):
    size = 128
    while True:
        buf = ctypes.create_string_buffer(size)
        needed = c_size_t(0)
        status = call(buf, size, ctypes.byref(needed))
        if status == OK:
            return buf.value.decode()
        if status != WARN_TRUNCATED:
            _raise(status)
        size = needed.value


def last_error():
    """This thread's last failure message."""
    return _read_string(_lib.ferrolab_last_error)


def _raise(status):
    raise errors.from_status(status, last_error())


def _check(status):
    if status < 0:
        _raise(status)


def _progress_info(function, handle):
    """(done, total, stage, last_loss) of a handle's long jobs; last_loss is NaN before any."""
    done, total, stage, loss = c_uint64(), c_uint64(), c_int32(), c_double()
    _check(function(handle, ctypes.byref(done), ctypes.byref(total), ctypes.byref(stage), ctypes.byref(loss)))
    return done.value, total.value, stage.value, loss.value


def version():
    """The library version, "MAJOR.MINOR.PATCH"."""
    return _lib.ferrolab_version_string().decode()


def status_str(code):
    """Static text of a status code."""
    return _lib.ferrolab_status_str(code).decode()


def set_num_threads(n):
    """Size ferrolab's worker pool (0 = one thread per core)."""
    _check(_lib.ferrolab_set_num_threads(n))


def set_max_alloc_bytes(n):
    """Set the process's memory budget in bytes (0 = the default: half the physical memory).

    Calls whose allocation a size drives raise an error instead of allocating more.
    """
    _check(_lib.ferrolab_set_max_alloc_bytes(n))


def max_alloc_bytes():
    """The memory budget in force, in bytes."""
    out = c_uint64(0)
    _check(_lib.ferrolab_max_alloc_bytes(ctypes.byref(out)))
    return out.value


def keys():
    """Every configuration key, in name order."""
    count = c_size_t(0)
    _check(_lib.ferrolab_config_key_count(ctypes.byref(count)))
    return [_read_string(lambda b, c, n, i=i: _lib.ferrolab_config_key_name(i, b, c, n))
            for i in range(count.value)]


def describe(key):
    """Type, unit, valid range, default and doc of a key."""
    return _read_string(lambda b, c, n: _lib.ferrolab_config_key_describe(key.encode(), b, c, n))


class Config:
    """Options: every key at its default until set."""

    def __init__(self):
        self._handle = c_void_p()
        _check(_lib.ferrolab_config_new(ctypes.byref(self._handle)))

    def __del__(self):
        if getattr(self, "_handle", None):
            _lib.ferrolab_config_free(self._handle)
            self._handle = None

    def set(self, key, value):
        """Set a key; the Python type chooses the setter (float, int, str, list)."""
        k = key.encode()
        if isinstance(value, bool):
            raise TypeError("use 0 or 1 for flags")
        if isinstance(value, int):
            status = _lib.ferrolab_config_set_i64(self._handle, k, value)
        elif isinstance(value, float):
            status = _lib.ferrolab_config_set_f64(self._handle, k, value)
        elif isinstance(value, str):
            status = _lib.ferrolab_config_set_str(self._handle, k, value.encode())
        elif all(isinstance(v, int) for v in value):
            arr = (c_int64 * len(value))(*value)
            status = _lib.ferrolab_config_set_i64_array(self._handle, k, arr, len(value))
        else:
            arr = (c_double * len(value))(*value)
            status = _lib.ferrolab_config_set_f64_array(self._handle, k, arr, len(value))
        _check(status)

    def get(self, key):
        """The key's value, whatever its type."""
        k = key.encode()
        x = c_double()
        if _lib.ferrolab_config_get_f64(self._handle, k, ctypes.byref(x)) == OK:
            return x.value
        i = c_int64()
        if _lib.ferrolab_config_get_i64(self._handle, k, ctypes.byref(i)) == OK:
            return i.value
        status = _lib.ferrolab_config_get_str(self._handle, k, None, 0, None)
        if status in (OK, WARN_TRUNCATED):
            return _read_string(lambda b, c, n: _lib.ferrolab_config_get_str(self._handle, k, b, c, n))
        for ctype, getter in ((c_double, _lib.ferrolab_config_get_f64_array),
                              (c_int64, _lib.ferrolab_config_get_i64_array)):
            length = c_size_t(0)
            status = getter(self._handle, k, None, 0, ctypes.byref(length))
            if status in (OK, WARN_TRUNCATED):
                out = (ctype * length.value)()
                _check(getter(self._handle, k, out, length.value, ctypes.byref(length)))
                return list(out)
        _raise(status)

    def reset(self, key):
        """Put a key back to its default."""
        _check(_lib.ferrolab_config_reset(self._handle, key.encode()))


class Polycrystal:
    """A generated polycrystalline HZO film; `config` None means the defaults.

    Attributes (numpy arrays): classes (n_rows x n_cols; 0 polar, 1 non-polar grain, 2 grain
    boundary), grains, orientation_rad; grain_orientation_rad, grain_polar, grain_seeds_nm.
    """

    def __init__(self, config=None):
        import numpy as np

        self._handle = c_void_p()
        cfg = config._handle if config is not None else None
        _check(_lib.ferrolab_polycrystal_new(cfg, ctypes.byref(self._handle)))
        rows, cols, n = c_size_t(), c_size_t(), c_size_t()
        _check(_lib.ferrolab_polycrystal_shape(self._handle, ctypes.byref(rows), ctypes.byref(cols)))
        _check(_lib.ferrolab_polycrystal_grain_count(self._handle, ctypes.byref(n)))
        shape = (rows.value, cols.value)
        self.classes = np.zeros(shape, np.int32)
        self.grains = np.zeros(shape, np.int32)
        self.orientation_rad = np.zeros(shape, np.float64)
        _check(_lib.ferrolab_polycrystal_cells(
            self._handle, _ptr(self.classes, c_int32), _ptr(self.grains, c_int32),
            _ptr(self.orientation_rad, c_double), rows.value, cols.value))
        self.grain_orientation_rad = np.zeros(n.value, np.float64)
        self.grain_polar = np.zeros(n.value, np.int32)
        self.grain_seeds_nm = np.zeros((n.value, 2), np.float64)
        _check(_lib.ferrolab_polycrystal_grains(
            self._handle, _ptr(self.grain_orientation_rad, c_double), _ptr(self.grain_polar, c_int32),
            _ptr(self.grain_seeds_nm, c_double), n.value))

    def __del__(self):
        if getattr(self, "_handle", None):
            _lib.ferrolab_polycrystal_free(self._handle)
            self._handle = None


def _ptr(array, ctype):
    return array.ctypes.data_as(POINTER(ctype))


def simulate_loop(config=None):
    """One phase-field P-V loop: (voltage in V, polarization in C/m^2) as numpy arrays."""
    import numpy as np

    cfg = config._handle if config is not None else None
    n = c_size_t(0)
    status = _lib.ferrolab_pf_simulate_loop(cfg, None, None, 0, ctypes.byref(n))
    if status != WARN_TRUNCATED:
        _check(status)
    v = np.zeros(n.value)
    p = np.zeros(n.value)
    _check(_lib.ferrolab_pf_simulate_loop(cfg, _ptr(v, c_double), _ptr(p, c_double), n.value,
                                          ctypes.byref(n)))
    return v, p


def loop_features(voltage, polarization, thickness_m):
    """Features of a sampled loop, as a dict keyed by LOOP_FEATURES."""
    import numpy as np

    v = np.ascontiguousarray(voltage, dtype=np.float64)
    p = np.ascontiguousarray(polarization, dtype=np.float64)
    if v.shape != p.shape or v.ndim != 1:
        raise ValueError("voltage and polarization must be 1-D arrays of one length")
    out = np.zeros(len(LOOP_FEATURES))
    _check(_lib.ferrolab_loop_features(_ptr(v, c_double), _ptr(p, c_double), len(v), thickness_m,
                                       _ptr(out, c_double), len(out)))
    return dict(zip(LOOP_FEATURES, out))


def run_sweep(path, config=None, shard=(0, 1)):
    """Run (or resume) a dataset sweep writing PATH.npz and PATH.json; blocks until done."""
    handle = c_void_p()
    cfg = config._handle if config is not None else None
    _check(_lib.ferrolab_sweep_new(cfg, str(path).encode(), shard[0], shard[1], ctypes.byref(handle)))
    try:
        _check(_lib.ferrolab_sweep_run(handle))
    finally:
        _lib.ferrolab_sweep_free(handle)


def read_dataset(path):
    """A verified dataset as a dict of numpy arrays (see ferrolab's dataset format docs)."""
    import numpy as np

    handle = c_void_p()
    _check(_lib.ferrolab_dataset_open(str(path).encode(), ctypes.byref(handle)))
    try:
        n, points = c_size_t(), c_size_t()
        _check(_lib.ferrolab_dataset_shape(handle, ctypes.byref(n), ctypes.byref(points)))
        n, points = n.value, points.value
        out = dict(voltage=np.zeros(points), polarization=np.zeros((n, points)),
                   parameters=np.zeros((n, 4)), features=np.zeros((n, len(LOOP_FEATURES))),
                   status=np.zeros(n, np.int32), seed=np.zeros(n, np.uint64),
                   index=np.zeros(n, np.uint64))
        _check(_lib.ferrolab_dataset_loops(handle, _ptr(out["voltage"], c_double),
                                           _ptr(out["polarization"], c_double), n, points))
        _check(_lib.ferrolab_dataset_structures(
            handle, _ptr(out["parameters"], c_double), _ptr(out["features"], c_double),
            _ptr(out["status"], c_int32), _ptr(out["seed"], ctypes.c_uint64),
            _ptr(out["index"], ctypes.c_uint64), n))
        return out
    finally:
        _lib.ferrolab_dataset_free(handle)


class GaussianProcess:
    """Exact GP regression, one GP per output column: GaussianProcess(x, y, config=None)."""

    def __init__(self, x=None, y=None, config=None, _handle=None):
        import numpy as np

        if _handle is not None:
            self._handle = _handle
            return
        x = np.ascontiguousarray(x, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
        y = y.reshape(len(y), -1)
        self._handle = c_void_p()
        cfg = config._handle if config is not None else None
        _check(_lib.ferrolab_gp_fit(cfg, _ptr(x, c_double), x.shape[0], x.shape[1], _ptr(y, c_double),
                                    y.shape[1], ctypes.byref(self._handle)))

    @classmethod
    def load(cls, path):
        handle = c_void_p()
        _check(_lib.ferrolab_gp_load(str(path).encode(), ctypes.byref(handle)))
        return cls(_handle=handle)

    def save(self, path):
        _check(_lib.ferrolab_gp_save(self._handle, str(path).encode()))

    def shape(self):
        d, m = c_size_t(), c_size_t()
        _check(_lib.ferrolab_gp_shape(self._handle, ctypes.byref(d), ctypes.byref(m)))
        return d.value, m.value

    def predict(self, xq):
        """(mean, std), each nq x m."""
        import numpy as np

        xq = np.ascontiguousarray(xq, dtype=np.float64)
        d, m = self.shape()
        mean = np.zeros((xq.shape[0], m))
        std = np.zeros((xq.shape[0], m))
        _check(_lib.ferrolab_gp_predict(self._handle, _ptr(xq, c_double), xq.shape[0], xq.shape[1],
                                        _ptr(mean, c_double), _ptr(std, c_double)))
        return mean, std

    def predict_covariance(self, xq, output=0):
        """Full predictive covariance (nq x nq) of one output."""
        import numpy as np

        xq = np.ascontiguousarray(xq, dtype=np.float64)
        cov = np.zeros((xq.shape[0], xq.shape[0]))
        _check(_lib.ferrolab_gp_predict_covariance(self._handle, _ptr(xq, c_double), xq.shape[0], xq.shape[1],
                                                   output, _ptr(cov, c_double)))
        return cov

    def sample(self, xq, n_samples, seed=0, output=0):
        """Seeded joint posterior draws (n_samples x nq) of one output."""
        import numpy as np

        xq = np.ascontiguousarray(xq, dtype=np.float64)
        out = np.zeros((n_samples, xq.shape[0]))
        _check(_lib.ferrolab_gp_sample(self._handle, _ptr(xq, c_double), xq.shape[0], xq.shape[1], output,
                                       n_samples, seed, _ptr(out, c_double)))
        return out

    def log_marginal_likelihood(self):
        import numpy as np

        _, m = self.shape()
        out = np.zeros(m)
        _check(_lib.ferrolab_gp_log_marginal_likelihood(self._handle, _ptr(out, c_double), m))
        return out

    def hyperparameters(self, output=0):
        """dict(signal_variance, length_scales, noise_variance, jitter) of one output."""
        d, _ = self.shape()
        sig, noise, jitter = c_double(), c_double(), c_double()
        lengths = (c_double * d)()
        count = c_size_t()
        _check(_lib.ferrolab_gp_hyperparameters(self._handle, output, ctypes.byref(sig), lengths, d,
                                                ctypes.byref(count), ctypes.byref(noise), ctypes.byref(jitter)))
        return dict(signal_variance=sig.value, length_scales=list(lengths)[:count.value],
                    noise_variance=noise.value, jitter=jitter.value)

    def __del__(self):
        if getattr(self, "_handle", None):
            _lib.ferrolab_gp_free(self._handle)
            self._handle = None


class VAE:
    """Paper 000's MLP beta-VAE: VAE(input_dim, config=None), settings from the vae.* keys."""

    def __init__(self, input_dim=None, config=None, _handle=None):
        if _handle is not None:
            self._handle = _handle
            return
        self._handle = c_void_p()
        cfg = config._handle if config is not None else None
        _check(_lib.ferrolab_vae_new(cfg, input_dim, ctypes.byref(self._handle)))

    @classmethod
    def load(cls, path):
        handle = c_void_p()
        _check(_lib.ferrolab_vae_load(str(path).encode(), ctypes.byref(handle)))
        return cls(_handle=handle)

    def save(self, path):
        _check(_lib.ferrolab_vae_save(self._handle, str(path).encode()))

    def progress_info(self):
        """(epochs done, epochs of the run, stage 0, last epoch's mean training loss)."""
        return _progress_info(_lib.ferrolab_vae_progress_info, self._handle)

    def set_checkpoint(self, path):
        """Checkpoint file of later train() calls (None: none)."""
        _check(_lib.ferrolab_vae_set_checkpoint(self._handle, None if path is None else str(path).encode()))

    def shape(self):
        """(input_dim, latent_dim)."""
        d, k = c_size_t(), c_size_t()
        _check(_lib.ferrolab_vae_shape(self._handle, ctypes.byref(d), ctypes.byref(k)))
        return d.value, k.value

    def train(self, x, max_epochs=100000):
        """Train on rows of x (n x d); returns the history, epochs x (total, reconstruction, KL)."""
        import numpy as np

        x = np.ascontiguousarray(x, dtype=np.float64)
        history = np.zeros((max_epochs, 3))
        done = c_size_t()
        _check(_lib.ferrolab_vae_train(self._handle, _ptr(x, c_double), x.shape[0], x.shape[1],
                                       _ptr(history, c_double), max_epochs, ctypes.byref(done)))
        return history[:done.value]

    def history(self, max_epochs=100000):
        import numpy as np

        history = np.zeros((max_epochs, 3))
        done = c_size_t()
        _check(_lib.ferrolab_vae_history(self._handle, _ptr(history, c_double), max_epochs, ctypes.byref(done)))
        return history[:done.value]

    def encode(self, x):
        """(z_mean, z_log_var), each n x latent_dim."""
        import numpy as np

        x = np.ascontiguousarray(x, dtype=np.float64)
        _, k = self.shape()
        mean, log_var = np.zeros((x.shape[0], k)), np.zeros((x.shape[0], k))
        _check(_lib.ferrolab_vae_encode(self._handle, _ptr(x, c_double), x.shape[0], x.shape[1],
                                        _ptr(mean, c_double), _ptr(log_var, c_double), k))
        return mean, log_var

    def decode(self, z):
        """Rows in the data's units (n x d) decoded from latent points z (n x latent_dim)."""
        import numpy as np

        z = np.ascontiguousarray(z, dtype=np.float64)
        d, _ = self.shape()
        out = np.zeros((z.shape[0], d))
        _check(_lib.ferrolab_vae_decode(self._handle, _ptr(z, c_double), z.shape[0], z.shape[1],
                                        _ptr(out, c_double), d))
        return out

    def decode_grid(self, lo=-2.0, hi=2.0, steps=10):
        """(grid points, decoded rows) over [lo, hi]^latent_dim, last coordinate fastest."""
        import numpy as np

        d, k = self.shape()
        rows = steps ** k
        z, out = np.zeros((rows, k)), np.zeros((rows, d))
        _check(_lib.ferrolab_vae_decode_grid(self._handle, lo, hi, steps, _ptr(z, c_double),
                                             _ptr(out, c_double), rows, d))
        return z, out

    def __del__(self):
        if getattr(self, "_handle", None):
            _lib.ferrolab_vae_free(self._handle)
            self._handle = None


def run_design(out_dir, config=None, dataset=None, full=False):
    """Paper 000's inverse design into OUT_DIR (report.md, design.npz); blocks until done.
    Returns (z, parameters, std) of the design, or None when no latent point met the targets."""
    handle = c_void_p()
    cfg = config._handle if config is not None else None
    data = None if dataset is None else str(dataset).encode()
    _check(_lib.ferrolab_design_new(cfg, str(out_dir).encode(), data, int(full), ctypes.byref(handle)))
    try:
        _check(_lib.ferrolab_design_run(handle))
        z, mean, std = (c_double * 2)(), (c_double * 4)(), (c_double * 4)()
        if _lib.ferrolab_design_result(handle, z, mean, std) != 0:
            return None
        return list(z), list(mean), list(std)
    finally:
        _lib.ferrolab_design_free(handle)


def sho_fit(freq_hz, re, im, config=None):
    """SHO fits of spectra (rows of re, im): (params n x 4 [A, w0 Hz, Q, phase rad], std_errors,
    r2, flags)."""
    import numpy as np

    f = np.ascontiguousarray(freq_hz, dtype=np.float64)
    re = np.ascontiguousarray(np.atleast_2d(re), dtype=np.float64)
    im = np.ascontiguousarray(np.atleast_2d(im), dtype=np.float64)
    n = re.shape[0]
    params, errors, r2 = np.zeros((n, 4)), np.zeros((n, 4)), np.zeros(n)
    flags = np.zeros(n, dtype=np.int32)
    cfg = config._handle if config is not None else None
    _check(_lib.ferrolab_sho_fit(cfg, _ptr(f, c_double), f.size, _ptr(re, c_double), _ptr(im, c_double), n,
                                 _ptr(params, c_double), _ptr(errors, c_double), _ptr(r2, c_double),
                                 _ptr(flags, c_int32)))
    return params, errors, r2, flags


def phase_rotation(amplitude, phase):
    """The phase offset theta that makes A cos(phi + theta) separate the polarization states."""
    import numpy as np

    a = np.ascontiguousarray(amplitude, dtype=np.float64).ravel()
    p = np.ascontiguousarray(phase, dtype=np.float64).ravel()
    theta = c_double()
    _check(_lib.ferrolab_phase_rotation(_ptr(a, c_double), _ptr(p, c_double), a.size, ctypes.byref(theta)))
    return theta.value


def piezoresponse(amplitude, phase, theta):
    """A cos(phi + theta), element-wise."""
    import numpy as np

    a = np.ascontiguousarray(amplitude, dtype=np.float64)
    p = np.ascontiguousarray(phase, dtype=np.float64)
    out = np.zeros_like(a)
    _check(_lib.ferrolab_piezoresponse(_ptr(a, c_double), _ptr(p, c_double), a.size, theta, _ptr(out, c_double)))
    return out


def loop_fit(voltage, loops):
    """9-parameter switching-loop fits of loops (rows) over one voltage cycle: (params n x 9, r2)."""
    import numpy as np

    v = np.ascontiguousarray(voltage, dtype=np.float64)
    loops = np.ascontiguousarray(np.atleast_2d(loops), dtype=np.float64)
    params, r2 = np.zeros((loops.shape[0], 9)), np.zeros(loops.shape[0])
    _check(_lib.ferrolab_loop_fit(_ptr(v, c_double), v.size, _ptr(loops, c_double), loops.shape[0],
                                  _ptr(params, c_double), _ptr(r2, c_double)))
    return params, r2


LOOP_PARAMETERS = ("v_plus", "v_minus", "width", "imprint", "r_plus", "r_minus", "switchable", "area",
                   "nucleation_1", "nucleation_2")


def loop_parameters(voltage, params):
    """Switching parameters (n x 10, columns LOOP_PARAMETERS) of loops fitted by loop_fit."""
    import numpy as np

    v = np.ascontiguousarray(voltage, dtype=np.float64)
    params = np.ascontiguousarray(np.atleast_2d(params), dtype=np.float64)
    out = np.zeros((params.shape[0], len(LOOP_PARAMETERS)))
    _check(_lib.ferrolab_loop_parameters(_ptr(v, c_double), v.size, _ptr(params, c_double), params.shape[0],
                                         _ptr(out, c_double)))
    return out


def _rows(x):
    import numpy as np

    x = np.ascontiguousarray(np.atleast_2d(x), dtype=np.float64)
    return x, x.shape[0], x.shape[1]


def pca(x, k, center=1):
    """PCA of x (n x d): (components k x d, explained_variance k, scores n x k). center: 0 none
    (truncated SVD), 1 centre (scikit-learn's PCA), 2 standardise."""
    import numpy as np

    x, n, d = _rows(x)
    components, variance, scores = np.zeros((k, d)), np.zeros(k), np.zeros((n, k))
    _check(_lib.ferrolab_pca(_ptr(x, c_double), n, d, k, center, _ptr(components, c_double),
                             _ptr(variance, c_double), _ptr(scores, c_double)))
    return components, variance, scores


def nmf(x, k, config=None):
    """NMF x ~ w h of non-negative x (n x d): (w n x k, h k x d, ||x - w h||_F); keys nmf.*."""
    import numpy as np

    x, n, d = _rows(x)
    w, h, err = np.zeros((n, k)), np.zeros((k, d)), c_double()
    cfg = config._handle if config is not None else None
    _check(_lib.ferrolab_nmf(cfg, _ptr(x, c_double), n, d, k, _ptr(w, c_double), _ptr(h, c_double),
                             ctypes.byref(err)))
    return w, h, err.value


def dictionary_learning(x, k, lam, config=None):
    """Dictionary learning of x (n x d), penalty lam (scikit-learn's alpha): (codes n x k,
    dictionary k x d, mse); keys dictionary.* (dictionary.standardise = 1 as paper 001)."""
    import numpy as np

    x, n, d = _rows(x)
    codes, atoms, mse = np.zeros((n, k)), np.zeros((k, d)), c_double()
    cfg = config._handle if config is not None else None
    _check(_lib.ferrolab_dictionary_learning(cfg, _ptr(x, c_double), n, d, k, lam, _ptr(codes, c_double),
                                             _ptr(atoms, c_double), ctypes.byref(mse)))
    return codes, atoms, mse.value


def pearson_matrix(a, b):
    """Pearson r of every column of a (n x p) with every column of b (n x q): p x q."""
    import numpy as np

    a, n, p = _rows(a)
    b, nb, q = _rows(b)
    if nb != n:
        raise ValueError(f"a has {n} rows, b {nb}")
    r = np.zeros((p, q))
    _check(_lib.ferrolab_pearson_matrix(_ptr(a, c_double), _ptr(b, c_double), n, p, q, _ptr(r, c_double)))
    return r


def kmeans(x, k, config=None):
    """k-means of x (n x d): (centres k x d, labels n, inertia); keys kmeans.*."""
    import numpy as np

    x, n, d = _rows(x)
    centres, labels, inertia = np.zeros((k, d)), np.zeros(n, dtype=np.int32), c_double()
    cfg = config._handle if config is not None else None
    _check(_lib.ferrolab_kmeans(cfg, _ptr(x, c_double), n, d, k, _ptr(centres, c_double),
                                _ptr(labels, c_int32), ctypes.byref(inertia)))
    return centres, labels, inertia.value


def gmm(x, k, config=None):
    """Gaussian mixture of x (n x d): (weights k, means k x d, covariances k x d x d, labels n,
    mean log-likelihood); keys gmm.*."""
    import numpy as np

    x, n, d = _rows(x)
    weights, means, covs = np.zeros(k), np.zeros((k, d)), np.zeros((k, d, d))
    labels, score = np.zeros(n, dtype=np.int32), c_double()
    cfg = config._handle if config is not None else None
    _check(_lib.ferrolab_gmm(cfg, _ptr(x, c_double), n, d, k, _ptr(weights, c_double), _ptr(means, c_double),
                             _ptr(covs, c_double), _ptr(labels, c_int32), ctypes.byref(score)))
    return weights, means, covs, labels, score.value


def kde(data, points, config=None):
    """Gaussian kernel density of data (n x d) at points (m x d); keys kde.*."""
    import numpy as np

    data, n, d = _rows(data)
    points, m, dp = _rows(points)
    if dp != d:
        raise ValueError(f"points have {dp} columns, data {d}")
    density = np.zeros(m)
    cfg = config._handle if config is not None else None
    _check(_lib.ferrolab_kde(cfg, _ptr(data, c_double), n, d, _ptr(points, c_double), m,
                             _ptr(density, c_double)))
    return density
