"""Paper 000's phase-field model: films, P-V loops, loop features, sweeps and their datasets.

Options are the `pf.*` keys (`sweep.*` for sweeps), given as keywords without the prefix
(``simulate_loop(cells_width=32, points=40)``), or in a `Config`; `ferrolab.describe(key)` tells
a key's unit and range.
"""
import ctypes
from ctypes import c_size_t

import numpy as np

from . import _lib, errors
from ._check import Args
from ._handle import Handle, new_handle, run_job
from .config import build, handle_of

LOOP_FEATURES = ("ec_mv_per_cm", "pr", "ps", "area", "imprint_v", "offset", "crossings_up", "crossings_down")
"""Names of the values `loop_features` returns, in the C order: coercive field Ec (MV/cm), remanent
and saturation polarization Pr, Ps (C/m²), loop area (J/m²), imprint (V), offset (C/m²), and the
numbers of zero crossings on the up and down branches."""

DATASET_PARAMETERS = ("grain_diameter_nm", "polar_fraction", "orientation_mean_rad", "orientation_spread_rad")
"""Columns of a dataset's `parameters`: D_G (nm), nu_ortho, mu_theta (rad), sigma_theta (rad)."""


class Polycrystal(Handle):
    """A generated polycrystalline HZO film (Voronoi grains, grain boundaries, orientations and
    non-polar grains), deterministic in `pf.seed`.

    ``Polycrystal(config=None, **options)``, options being `pf.*` keys without the prefix, e.g.
    ``Polycrystal(grain_diameter_nm=10.0, seed=3)``; the defaults are paper 000's 10 nm x 128 nm
    film at 0.5 nm cells with D_G 16.2 nm.

    Attributes (NumPy arrays, row 0 at the bottom electrode):

    classes : int32, (n_rows, n_cols)
        0 polar grain, 1 non-polar grain, 2 grain boundary.
    grains : int32, (n_rows, n_cols)
        Index of each cell's nearest grain.
    orientation_rad : float64, (n_rows, n_cols)
        Polar-axis angle of the cell's grain from the film normal, in rad.
    grain_orientation_rad : float64, (n_grains,)
        Polar-axis angle of each grain, in rad.
    grain_polar : int32, (n_grains,)
        1 for a polar grain, 0 for a non-polar one.
    grain_seeds_nm : float64, (n_grains, 2)
        Each grain's seed: position across the thickness, then across the width, in nm.
    """

    _object = "polycrystal"

    def __init__(self, config=None, **options):
        cfg = build("Polycrystal", config, options, "pf.")
        super().__init__(new_handle(_lib.lib.ferrolab_polycrystal_new, handle_of(cfg)))
        rows, cols = self.shape
        n = self.grain_count
        self.classes = np.zeros((rows, cols), np.int32)
        self.grains = np.zeros((rows, cols), np.int32)
        self.orientation_rad = np.zeros((rows, cols), np.float64)
        self._call("cells", _lib.ptr(self.classes), _lib.ptr(self.grains), _lib.ptr(self.orientation_rad), rows, cols)
        self.grain_orientation_rad = np.zeros(n, np.float64)
        self.grain_polar = np.zeros(n, np.int32)
        self.grain_seeds_nm = np.zeros((n, 2), np.float64)
        self._call("grains", _lib.ptr(self.grain_orientation_rad), _lib.ptr(self.grain_polar),
                   _lib.ptr(self.grain_seeds_nm), n)

    @property
    def shape(self):
        """(n_rows, n_cols): cells across the thickness and across the periodic width."""
        rows, cols = c_size_t(), c_size_t()
        self._call("shape", ctypes.byref(rows), ctypes.byref(cols))
        return rows.value, cols.value

    @property
    def grain_count(self):
        """The number of grains."""
        n = c_size_t()
        self._call("grain_count", ctypes.byref(n))
        return n.value


def simulate_loop(config=None, **options):
    """Simulate one P-V loop of the film the `pf.*` keys describe (paper 000's by default).

    Parameters
    ----------
    config : Config, optional
        Settings; keyword options (``cells_width=32``, ``points=40``, ``v_max=4.0`` in V, ...)
        are `pf.*` keys without the prefix and override it.

    Returns
    -------
    voltage : ndarray, (pf.points,)
        Top-electrode voltage in V, one full cycle -v_max -> +v_max -> -v_max.
    polarization : ndarray, (pf.points,)
        Mean polarization -<P1> in C/m².

    Raises `NumericalError` (an ArithmeticError) when the polarization runs away (the message
    names the cell and step) and `OutOfRangeError` for inconsistent keys. About a second at the
    paper's size on one core.
    """
    cfg = build("simulate_loop", config, options, "pf.")
    n = c_size_t(0)
    # cap 0 asks for the length (WARN_TRUNCATED) without simulating.
    _lib.check(_lib.lib.ferrolab_pf_simulate_loop(handle_of(cfg), None, None, 0, ctypes.byref(n)))
    voltage, polarization = np.zeros(n.value), np.zeros(n.value)
    _lib.check(_lib.lib.ferrolab_pf_simulate_loop(handle_of(cfg), _lib.ptr(voltage), _lib.ptr(polarization),
                                                  n.value, ctypes.byref(n)))
    return voltage, polarization


def loop_features(voltage, polarization, thickness_m):
    """Features of a sampled P-V loop, simulated or measured (the last complete cycle is used).

    Parameters
    ----------
    voltage : array_like, (n,)
        Voltage in V.
    polarization : array_like, (n,)
        Polarization in C/m².
    thickness_m : float
        Film thickness in m (turns coercive voltages into fields).

    Returns
    -------
    dict
        Keyed by `LOOP_FEATURES`: ec_mv_per_cm (MV/cm), pr, ps, offset (C/m²), area (J/m²),
        imprint_v (V), crossings_up, crossings_down; NaN where undefined (no crossing).
    """
    a = Args("loop_features")
    v = a.array("voltage", voltage, ("n",))
    p = a.array("polarization", polarization, ("n",))
    thickness = a.real("thickness_m", thickness_m)
    out = np.zeros(len(LOOP_FEATURES))
    _lib.check(_lib.lib.ferrolab_loop_features(_lib.ptr(v), _lib.ptr(p), a.dim("n"), thickness, _lib.ptr(out),
                                               out.size))
    return dict(zip(LOOP_FEATURES, out.tolist()))


class Sweep(Handle):
    """A dataset of loops over Table 1's parameters, written to PATH.npz and PATH.json
    (checkpoints in PATH.partial/ meanwhile; an interrupted run resumes).

    ``Sweep(path, config=None, shard=(0, 1), **options)``: options are `sweep.*` keys without the
    prefix and other engines' keys as ``pf__cells_width=16`` (``Sweep("ds", levels=2,
    pf__points=20)``: 2^4 structures of 20-point loops); `shard` = (index, count) takes one part
    of the sweep (`ferrolab merge` joins them). `run()` blocks until done; Ctrl-C or
    `request_cancel()` (from another thread) stops it with its checkpoints kept. Structures whose
    polarization runs away are recorded (status 1), not errors.
    """

    _object = "sweep"

    def __init__(self, path, config=None, shard=(0, 1), **options):
        a = Args("Sweep")
        if not (isinstance(shard, (tuple, list)) and len(shard) == 2):
            raise errors.ArgumentError(errors.ERR_INVALID_ARGUMENT,
                                       f"Sweep: shard must be a pair (index, count); got {shard!r}")
        index, count = a.integer("shard[0]", shard[0]), a.integer("shard[1]", shard[1])
        cfg = build("Sweep", config, options, "sweep.")
        super().__init__(new_handle(_lib.lib.ferrolab_sweep_new, handle_of(cfg), _lib.encode_path(path), index, count))

    def run(self, progress=None, interval=0.2):
        """Run (or resume) the sweep on ferrolab's worker pool, blocking until it finishes.

        `progress`, if given, is called with a `Progress` (structures done and total) every
        `interval` seconds. Raises `CancelledError` after `request_cancel()`, `BusyError` if
        another run writes the same path, `FileError` if a file cannot be written.
        """
        run_job(self, lambda: _lib.lib.ferrolab_sweep_run(self._h), progress, interval)

    def progress(self):
        """(structures done, structures of the run); safe from any thread while `run` runs."""
        done, total = c_size_t(), c_size_t()
        self._call("progress", ctypes.byref(done), ctypes.byref(total))
        return done.value, total.value

    def request_cancel(self):
        """Ask a running `run()` to stop soon (within one voltage point); from any thread."""
        self._call("request_cancel")


def run_sweep(path, config=None, shard=(0, 1), progress=None, **options):
    """Run (or resume) a sweep writing PATH.npz and PATH.json: `Sweep(path, config, shard,
    **options).run(progress)`, with the handle released afterwards."""
    with Sweep(path, config, shard, **options) as sweep:
        sweep.run(progress)


class Dataset(Handle):
    """A verified dataset read from disk: ``Dataset(path)``, `path` being NAME, NAME.json or
    NAME.npz (format, version, the archive's size and CRC-32 and the shapes are checked).

    Raises `FileError` (an OSError) for a missing or unreadable file and `CorruptFileError` (a
    ValueError) for a damaged, foreign or other-version one.
    """

    _object = "dataset"

    def __init__(self, path):
        super().__init__(new_handle(_lib.lib.ferrolab_dataset_open, _lib.encode_path(path)))

    @property
    def shape(self):
        """(n_structures, n_points)."""
        n, points = c_size_t(), c_size_t()
        self._call("shape", ctypes.byref(n), ctypes.byref(points))
        return n.value, points.value

    def loops(self):
        """(voltage (n_points,) in V, polarization (n_structures, n_points) in C/m²; NaN rows where
        a structure's status is not 0)."""
        n, points = self.shape
        voltage, polarization = np.zeros(points), np.zeros((n, points))
        self._call("loops", _lib.ptr(voltage), _lib.ptr(polarization), n, points)
        return voltage, polarization

    def structures(self):
        """Per structure, as a dict of arrays: parameters (n, 4; columns `DATASET_PARAMETERS`),
        features (n, 8; columns `LOOP_FEATURES`), status (0 ok, 1 runaway, 2 failed), seed and
        index (position in the sweep)."""
        n, _ = self.shape
        out = dict(parameters=np.zeros((n, len(DATASET_PARAMETERS))), features=np.zeros((n, len(LOOP_FEATURES))),
                   status=np.zeros(n, np.int32), seed=np.zeros(n, np.uint64), index=np.zeros(n, np.uint64))
        self._call("structures", _lib.ptr(out["parameters"]), _lib.ptr(out["features"]), _lib.ptr(out["status"]),
                   _lib.ptr(out["seed"]), _lib.ptr(out["index"]), n)
        return out

    def to_dict(self):
        """Everything as a dict of arrays: voltage, polarization and the `structures()`."""
        voltage, polarization = self.loops()
        return dict(voltage=voltage, polarization=polarization, **self.structures())


def read_dataset(path):
    """A verified dataset as a dict of NumPy arrays (`Dataset(path).to_dict()`)."""
    with Dataset(path) as dataset:
        return dataset.to_dict()
