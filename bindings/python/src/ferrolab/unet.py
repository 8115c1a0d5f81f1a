"""AtomAI's U-Net of papers 002/004 (`ferrolab_unet_*`) as a scikit-learn style per-pixel
classifier: trained on labelled crops, applied to whole frames of any size."""
import ctypes
from ctypes import c_size_t

import numpy as np

from . import _lib, errors
from ._check import Args
from ._estimator import Estimator
from ._handle import Handle, new_handle, run_job

# The columns of `Unet.find_atoms` (the C API's FERROLAB_UNET_ATOM_FIELDS, in order): the atom's
# row and column (pixels, sub-pixel, 0-based) and its class.
ATOM_COLUMNS = ("row", "col", "class")

# Crop sides must be multiples of this (the network halves them three times).
SIDE_MULTIPLE = 8

# Epochs of loss history `fit` reads back (C keeps the first ones of a longer run), as the C++
# wrapper's kHistoryCap.
_HISTORY_CAP = 1 << 16


class _Model(Handle):
    _object = "unet"

    def request_cancel(self):
        self._call("request_cancel")


class Unet(Estimator):
    """AtomAI's U-Net for per-pixel classes (papers 002/004): paper 002's segmentation of STEM
    frames into domain, wall and contaminant, paper 004's atom finding. The same weights for the
    same seed, whatever the thread count.

    ``Unet(classes=3, epochs=...).fit(images, masks)`` trains on crops `images` (n_crops, height,
    width; float64 in the data's own units, each crop scaled to [0, 1] by its minimum and maximum;
    sides multiples of 8) labelled by `masks` (n_crops, height, width; uint8 classes below
    `classes`), augmenting each crop on the fly (quarter turns, flips, zoom, contrast). Then, on a
    whole frame (height, width) of any size: `predict_proba` (class probabilities), `predict` (the
    most likely class per pixel), `find_atoms` (the atoms of a model trained on disks around atom
    sites). The defaults are AtomAI's (16 filters, Adam 1e-3, batch 32, 100 epochs, a 15 % test
    split).

    Fitted attributes: `n_classes_`, `filters_`, `crop_shape_` (height, width of the training
    crops; None before training), `n_parameters_`, `epochs_done_`, `history_` (the mean training
    cross-entropy of each epoch of the last `fit`; NaN for the epochs of a fit that was cancelled
    or failed, whose losses C does not return; None after `load`).
    """

    _prefix = "unet."
    _extra = {
        "checkpoint": (None, "Checkpoint file of `fit` (None: none): resumed from when it exists (the same "
                             "model, settings and data), rewritten every checkpoint_every epochs, at the end "
                             "and on cancellation."),
        "warm_start": (False, "False: every `fit` trains a new model. True: `fit` continues the model trained "
                              "so far (after a cancellation, exactly where it stopped; with the same crops) up to "
                              "`epochs` epochs in total."),
    }

    def _handle(self, what):
        model = getattr(self, "_model", None)
        if model is None:
            raise self._not_fitted(what)
        return model._h

    def _shape(self):
        values = [c_size_t() for _ in range(6)]
        self._model._call("shape", *(ctypes.byref(v) for v in values))
        return tuple(v.value for v in values)

    def _read_state(self):
        """The fitted attributes, from the model."""
        classes, filters, h, w, params, epochs = self._shape()
        self.n_classes_, self.filters_, self.n_parameters_, self.epochs_done_ = classes, filters, params, epochs
        self.crop_shape_ = (h, w) if h and w else None

    def fit(self, images, masks, progress=None, interval=0.2):
        """Train on the crops `images` (n_crops, height, width; float64, sides multiples of 8) and
        their class masks `masks` (n_crops, height, width; integers in [0, classes), passed as
        uint8) until `epochs` epochs are done in total.

        `progress`, if given, is called with a `Progress` (epochs done and total, last epoch's
        loss) every `interval` seconds. Ctrl-C or `request_cancel()` (from another thread) stops
        training before the next batch: Ctrl-C re-raises KeyboardInterrupt, a request raises
        `CancelledError`; the model keeps its last finished epoch (and writes the checkpoint), and
        ``set_params(warm_start=True).fit(images, masks)`` continues it. Raises `NumericalError` if
        the loss diverges, `BusyError` while another thread trains this model. Returns self.
        """
        model = getattr(self, "_model", None)
        continuing = bool(self.warm_start) and model is not None
        a = Args("Unet.fit")
        if continuing and self.crop_shape_ is not None:
            a.bind("h", self.crop_shape_[0], "the model trained so far")
            a.bind("w", self.crop_shape_[1], "the model trained so far")
        images = a.array("images", images, ("n", "h", "w"))
        masks = a.array("masks", masks, ("n", "h", "w"), dtype=np.uint8)
        n, h, w = images.shape
        if h == 0 or w == 0 or h % SIDE_MULTIPLE or w % SIDE_MULTIPLE:
            raise errors.ArgumentError(
                errors.ERR_INVALID_ARGUMENT,
                f"Unet.fit: crops must have sides that are positive multiples of {SIDE_MULTIPLE}; got {h} x {w}")
        if not continuing:
            cfg = self._config()
            model = self._model = _Model(new_handle(_lib.lib.ferrolab_unet_new, cfg._h))
        checkpoint = None if self.checkpoint is None else _lib.encode_path(self.checkpoint)
        _lib.check(_lib.lib.ferrolab_unet_set_checkpoint(model._h, checkpoint))
        losses, done = np.full(_HISTORY_CAP, np.nan), c_size_t()
        try:
            run_job(model, lambda: _lib.lib.ferrolab_unet_train(model._h, _lib.ptr(images), _lib.ptr(masks), n, h,
                                                                w, _lib.ptr(losses), _HISTORY_CAP,
                                                                ctypes.byref(done)),
                    progress, interval)
        finally:
            self._read_state()
            self.history_ = losses[:min(done.value, _HISTORY_CAP)].copy()
        return self

    def _frame(self, where, frame):
        self._handle(where)
        return Args(f"Unet.{where}").array("frame", frame, ("h", "w"))

    def predict_proba(self, frame):
        """Class probabilities (n_classes, height, width; float32, as the network computes them)
        of a whole `frame` (height, width; any size, the data's own units), in inference mode:
        run whole or, when larger than `tile`, in overlapping tiles."""
        frame = self._frame("predict_proba", frame)
        h, w = frame.shape
        out = np.zeros((self.n_classes_, h, w), np.float32)
        _lib.check(_lib.lib.ferrolab_unet_probabilities(self._model._h, _lib.ptr(frame), h, w, _lib.ptr(out),
                                                        self.n_classes_))
        return out

    def predict(self, frame):
        """The most likely class of every pixel of a whole `frame` (height, width): (height,
        width) uint8."""
        frame = self._frame("predict", frame)
        h, w = frame.shape
        out = np.zeros((h, w), np.uint8)
        _lib.check(_lib.lib.ferrolab_unet_segment(self._model._h, _lib.ptr(frame), h, w, _lib.ptr(out)))
        return out

    def find_atoms(self, frame):
        """The atoms of a whole `frame` (height, width) for a model trained to mark atom centres
        (class 0 the background, class c > 0 the disks around sites of class c): (n_atoms, 3),
        columns `ATOM_COLUMNS` (row, column: pixels, sub-pixel, 0-based; class). Per class, the
        4-connected regions whose probability exceeds `atom_threshold` with at least
        `atom_min_pixels` pixels, each at its probability-weighted centre of mass."""
        frame = self._frame("find_atoms", frame)
        h, w = frame.shape
        cap, count = max(64, h * w // 64), c_size_t()
        while True:
            atoms = np.zeros((cap, len(ATOM_COLUMNS)))
            status = _lib.check(_lib.lib.ferrolab_unet_find_atoms(self._model._h, _lib.ptr(frame), h, w,
                                                                  _lib.ptr(atoms), cap, ctypes.byref(count)))
            if status != errors.WARN_TRUNCATED:
                return atoms[:count.value]
            cap = count.value  # more atoms than the first guess: run again at their number

    def save(self, path):
        """Save the model (weights, running statistics, settings and the training state) in the
        network file format (safetensors with JSON metadata), atomically and
        byte-deterministically."""
        _lib.check(_lib.lib.ferrolab_unet_save(self._handle("save"), _lib.encode_path(path)))

    @classmethod
    def load(cls, path):
        """A model saved by `save` (or a checkpoint). Its parameters (`get_params`) are the
        defaults: the C API does not read a file's settings back; the model segments and trains on
        (warm_start) with the settings it was saved with. Raises `FileError` or
        `CorruptFileError`."""
        unet = cls()
        unet._model = _Model(new_handle(_lib.lib.ferrolab_unet_load, _lib.encode_path(path)))
        unet._read_state()
        unet.history_ = None
        return unet

    def progress_info(self):
        """`Progress` of training (epochs; last epoch's mean loss); safe from any thread."""
        self._handle("progress_info")
        return self._model.progress_info()

    def request_cancel(self):
        """Ask a running `fit` to stop before its next batch; from any thread."""
        self._handle("request_cancel")
        self._model.request_cancel()

    def last_error(self):
        """The message of the last failed call on the model, from any thread."""
        self._handle("last_error")
        return self._model.last_error()
