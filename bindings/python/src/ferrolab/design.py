"""Paper 000's inverse design (`ferrolab_design_*`): dataset, beta-VAE, latent analysis, GPs from
latent codes to material parameters, verification by simulation, report."""
import ctypes
from collections import namedtuple
from ctypes import c_int32, c_size_t

import numpy as np

from . import _lib, errors
from ._handle import Handle, new_handle, run_job
from .config import build, handle_of

DesignResult = namedtuple("DesignResult", "z mean std")
DesignResult.__doc__ = """The design of a finished run: the chosen latent point `z` (2 values) and the
predicted D_G (nm), nu, mu_theta (rad), sigma_theta (rad) as `mean` with their standard deviations
`std` (4 values each, in the order of `ferrolab.DATASET_PARAMETERS`)."""

STAGES = ("dataset", "training", "analysis", "inverse design", "verification", "report")
"""The stages of a run, by the number `progress()` reports."""


class Design(Handle):
    """An inverse-design run writing report.md, design.npz and vae.safetensors into `out_dir`.

    ``Design(out_dir, config=None, dataset=None, full=False, **options)``: options are
    `design.*` keys without the prefix and other engines' keys as ``vae__epochs=100``,
    ``pf__cells_width=32``, ``sweep__seed=1``. `dataset` is the path of an existing dataset, or
    None to simulate design.samples random structures (resumable, in out_dir/dataset.*) or, with
    `full`, the paper's 10^4 grid. `run()` blocks; Ctrl-C or `request_cancel()` (from another
    thread) stops it, and a later run resumes the dataset.
    """

    _object = "design"

    def __init__(self, out_dir, config=None, dataset=None, full=False, **options):
        cfg = build("Design", config, options, "design.")
        data = None if dataset is None else _lib.encode_path(dataset)
        super().__init__(new_handle(_lib.lib.ferrolab_design_new, handle_of(cfg), _lib.encode_path(out_dir), data,
                                    int(bool(full))))
        self._finished = False

    def run(self, progress=None, interval=0.5):
        """Run the whole pipeline on ferrolab's worker pool, blocking until it finishes.

        `progress`, if given, is called with a `Progress` (stage, its units done and total, the
        VAE's last loss) every `interval` seconds. A run that finds no latent point meeting the
        targets still succeeds (the report says by how much they are missed; `result()` then
        returns None). Raises `CancelledError`, `FileError`, `CorruptFileError` (dataset),
        `NumericalError`, `ArgumentError` (too few loops), `BusyError` (another run writes the
        same folder).
        """
        run_job(self, lambda: _lib.lib.ferrolab_design_run(self._h), progress, interval)
        self._finished = True

    def progress(self):
        """(stage, done, total): the running stage (an index into `STAGES`) and its work done and
        total (structures, epochs or films); safe from any thread while `run` runs."""
        stage, done, total = c_int32(), c_size_t(), c_size_t()
        self._call("progress", ctypes.byref(stage), ctypes.byref(done), ctypes.byref(total))
        return stage.value, done.value, total.value

    def request_cancel(self):
        """Ask a running `run()` to stop soon; from any thread."""
        self._call("request_cancel")

    def result(self):
        """The `DesignResult` of the finished run, or None when no latent point met the targets.
        Raises `ArgumentError` before a run has finished."""
        z, mean, std = np.zeros(2), np.zeros(4), np.zeros(4)
        status = _lib.lib.ferrolab_design_result(self._h, _lib.ptr(z), _lib.ptr(mean), _lib.ptr(std))
        # After a finished run, INVALID_ARGUMENT is C's answer for "no latent point met the targets".
        if status == errors.ERR_INVALID_ARGUMENT and self._finished:
            return None
        _lib.check(status)
        return DesignResult(z, mean, std)


def run_design(out_dir, config=None, dataset=None, full=False, progress=None, **options):
    """Run an inverse design into `out_dir` (`Design(...).run(progress)`) and return its
    `DesignResult`, or None when no latent point met the targets."""
    with Design(out_dir, config, dataset, full, **options) as design:
        design.run(progress)
        return design.result()
