"""The rotationally invariant VAE of papers 002/004 (`ferrolab_rvae_*`) as a scikit-learn style
transformer of image stacks."""
import ctypes
from collections import namedtuple
from ctypes import c_size_t

import numpy as np

from . import _lib
from ._check import Args
from ._estimator import Estimator
from ._handle import Handle, new_handle, run_job

# The columns of `Rvae.history()` (the C API's FERROLAB_RVAE_HISTORY_FIELDS, in order): the
# epoch, the training loss per image with its parts, and the held-out test images' (NaN when
# `test_fraction` is 0).
HISTORY_COLUMNS = ("epoch", "total", "reconstruction", "kl", "test_total", "test_reconstruction", "test_kl")

RvaeEncoding = namedtuple("RvaeEncoding", "angle angle_sd offsets offsets_sd content content_sd")
RvaeEncoding.__doc__ = """`Rvae.encode`'s result, latent means and standard deviations: `angle` and
`angle_sd` (n_images,; radians), `offsets` and `offsets_sd` (n_images, 2; dx, dy; zero when
`translation` is off), `content` and `content_sd` (n_images, content_latents)."""


class _Model(Handle):
    _object = "rvae"

    def request_cancel(self):
        self._call("request_cancel")


class Rvae(Estimator):
    """The rotationally invariant VAE of papers 002/004: a convolutional encoder to an angle, two
    offsets and content latents, and a decoder that draws the image as a network of the pixel
    coordinates, rotated and shifted by the pose latents, so the content latents do not change
    when an image is turned or shifted. The same weights for the same seed, whatever the thread
    count.

    Images are samples: a stack (n_images, height, width), in the data's own units (paper 004
    divided its stack by its maximum first); ``Rvae(epochs=...).fit(images)``, then `encode`
    (angle, offsets and content with their standard deviations), `transform` (the content means),
    `decode` (images at a given angle and offsets; upright and centred by default: the latent-grid
    decoding of the papers). The defaults are paper 004's run (2 content latents, 128 filters and
    hidden units, translation on, Adam 1e-4, batch 32, 100 epochs, a 15 % test split).

    Fitted attributes: `image_shape_` (height, width), `content_latents_`, `n_parameters_`,
    `history_` (epochs, 7; columns `HISTORY_COLUMNS`).
    """

    _prefix = "rvae."
    _extra = {
        "checkpoint": (None, "Checkpoint file of `fit` (None: none): adopted when it exists (a checkpoint "
                             "of this model: a killed run resumes to the same bytes), rewritten every "
                             "checkpoint_every epochs, at the end and on cancellation."),
        "warm_start": (False, "False: every `fit` trains a new model. True: `fit` continues the model "
                              "trained so far (after a cancellation, exactly where it stopped; with the "
                              "same images) up to `epochs` epochs in total."),
    }

    def _handle(self, what):
        model = getattr(self, "_model", None)
        if model is None:
            raise self._not_fitted(what)
        return model._h

    def _shape(self):
        height, width, k, params, epochs = (c_size_t() for _ in range(5))
        self._model._call("shape", *(ctypes.byref(v) for v in (height, width, k, params, epochs)))
        return height.value, width.value, k.value, params.value, epochs.value

    def _read_state(self):
        """The fitted attributes, from the model."""
        h, w, k, p, _ = self._shape()
        self.image_shape_, self.content_latents_, self.n_parameters_ = (h, w), k, p
        self.history_ = self.history()

    def _images(self, a, name, images):
        """`images` (n, h, w) checked against the model's image shape (when bound) and flattened
        to rows of pixels for C."""
        images = a.array(name, images, ("n", "h", "w"))
        return images.reshape(images.shape[0], -1)

    def _bind_image(self, a, origin):
        a.bind("h", self.image_shape_[0], origin)
        a.bind("w", self.image_shape_[1], origin)

    def fit(self, X, y=None, progress=None, interval=0.2):
        """Train on the images `X` (n_images, height, width), in the data's own units; `y` is
        ignored (scikit-learn's convention for unsupervised estimators).

        `progress`, if given, is called with a `Progress` (epochs done and total, last epoch's
        loss) every `interval` seconds. Ctrl-C or `request_cancel()` (from another thread) stops
        training after the current batch: Ctrl-C re-raises KeyboardInterrupt, a request raises
        `CancelledError`; the model keeps its last finished epoch (and writes the checkpoint), and
        ``set_params(warm_start=True).fit(X)`` continues it. Raises `NumericalError` if the loss
        diverges, `BusyError` while another thread trains this model. Returns self.
        """
        model = getattr(self, "_model", None)
        continuing = bool(self.warm_start) and model is not None
        a = Args("Rvae.fit")
        if continuing:
            self._bind_image(a, "the model trained so far")
        rows = self._images(a, "X", X)
        n, pixels = rows.shape
        if not continuing:
            cfg = self._config()
            model = self._model = _Model(new_handle(_lib.lib.ferrolab_rvae_new, cfg._h, a.dim("h"), a.dim("w")))
            self._read_state()
        checkpoint = None if self.checkpoint is None else _lib.encode_path(self.checkpoint)
        _lib.check(_lib.lib.ferrolab_rvae_set_checkpoint(model._h, checkpoint))
        done = c_size_t()
        try:
            run_job(model, lambda: _lib.lib.ferrolab_rvae_train(model._h, _lib.ptr(rows), n, pixels,
                                                                ctypes.byref(done)),
                    progress, interval)
        finally:
            self._read_state()
        return self

    def history(self):
        """The training history so far, (epochs, 7): epoch, the epoch's mean training loss per
        image with its parts (total, reconstruction, KL), and the held-out images' (NaN without a
        test split) (`HISTORY_COLUMNS`)."""
        h = self._handle("history")
        # Sized from the model's epoch count, so C never truncates (a truncation would leave a
        # warning as the handle's last message, hiding a failed fit's).
        rows = self._shape()[4]
        out, epochs = np.zeros((rows, len(HISTORY_COLUMNS))), c_size_t()
        _lib.check(_lib.lib.ferrolab_rvae_history(h, _lib.ptr(out), rows, ctypes.byref(epochs)))
        return out[:epochs.value]

    def encode(self, X):
        """`RvaeEncoding` of the images `X` (n_images, height, width; the data's units): the
        angle, offsets and content latent means and their standard deviations."""
        h = self._handle("encode")
        a = Args("Rvae.encode")
        self._bind_image(a, "the model")
        rows = self._images(a, "X", X)
        n, k = rows.shape[0], self.content_latents_
        e = RvaeEncoding(np.zeros(n), np.zeros(n), np.zeros((n, 2)), np.zeros((n, 2)), np.zeros((n, k)),
                         np.zeros((n, k)))
        _lib.check(_lib.lib.ferrolab_rvae_encode(h, _lib.ptr(rows), n, rows.shape[1], *(_lib.ptr(v) for v in e), k))
        return e

    def transform(self, X):
        """The content latent means (n_images, content_latents) of the images `X`."""
        return self.encode(X).content

    def fit_transform(self, X, y=None, **fit_params):
        """`fit(X, **fit_params)`, then the content latent means of `X`."""
        return self.fit(X, y, **fit_params).transform(X)

    def decode(self, content, angle=None, offsets=None):
        """Images (n_images, height, width) drawn from the content latents `content` (n_images,
        content_latents) turned by `angle` (n_images,; radians) and shifted by `offsets`
        (n_images, 2); None: 0 (upright and centred, the latent-grid decoding of papers
        002/004)."""
        h = self._handle("decode")
        a = Args("Rvae.decode")
        a.bind("k", self.content_latents_, "the model's content latents")
        content = a.array("content", content, ("n", "k"))
        angle = None if angle is None else a.array("angle", angle, ("n",))
        offsets = None if offsets is None else a.array("offsets", offsets, ("n", 2))
        n = content.shape[0]
        height, width = self.image_shape_
        out = np.zeros((n, height, width))
        _lib.check(_lib.lib.ferrolab_rvae_decode(h, None if angle is None else _lib.ptr(angle),
                                                 None if offsets is None else _lib.ptr(offsets), _lib.ptr(content), n,
                                                 content.shape[1], _lib.ptr(out), height * width))
        return out

    def inverse_transform(self, Z):
        """Upright, centred images (n_images, height, width) of the content latents `Z`."""
        return self.decode(Z)

    def reconstruct(self, X):
        """The images `X` through the encoder's means and the decoder, at their encoded angle and
        offsets."""
        e = self.encode(X)
        return self.decode(e.content, e.angle, e.offsets)

    def save(self, path):
        """Save the model (weights, settings, history, the training state) in the network file
        format (safetensors with JSON metadata), atomically and byte-deterministically."""
        _lib.check(_lib.lib.ferrolab_rvae_save(self._handle("save"), _lib.encode_path(path)))

    @classmethod
    def load(cls, path):
        """A model saved by `save` (or a checkpoint). Its parameters (`get_params`) are the
        defaults: the C API does not read a file's settings back; the model trains on
        (warm_start) with the settings it was saved with. Raises `FileError` or
        `CorruptFileError`."""
        rvae = cls()
        rvae._model = _Model(new_handle(_lib.lib.ferrolab_rvae_load, _lib.encode_path(path)))
        rvae._read_state()
        return rvae

    def progress(self):
        """(epochs done, epochs of the run); safe from any thread while `fit` runs."""
        done, total = c_size_t(), c_size_t()
        _lib.check(_lib.lib.ferrolab_rvae_progress(self._handle("progress"), ctypes.byref(done), ctypes.byref(total)))
        return done.value, total.value

    def progress_info(self):
        """`Progress` of training (epochs; last epoch's mean loss); from any thread."""
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
