"""Paper 000's beta-VAE (`ferrolab_vae_*`) as a scikit-learn style transformer."""
import ctypes
from ctypes import c_size_t

import numpy as np

from . import _lib, errors
from ._check import Args
from ._estimator import Estimator
from ._handle import Handle, new_handle, run_job

# ferrolab_vae_decode_grid refuses grids of more points; checked before allocating the output.
_MAX_GRID_POINTS = 10**7


class _Model(Handle):
    _object = "vae"

    def request_cancel(self):
        self._call("request_cancel")


class Vae(Estimator):
    """Paper 000's MLP beta-VAE: encoder rows -> hidden layers (ReLU) -> latent mean and
    log-variance, a mirrored decoder, BCE (or MSE) reconstruction on data min-max scaled to [0, 1]
    (one global min and max, fitted on the first `fit` and kept with the model), KL weighted by
    beta, Adam; trained on ferrolab's worker pool, the same weights for the same seed whatever the
    thread count.

    Rows are samples, e.g. P-V loops (n_loops, n_points) in C/m²; ``Vae(epochs=50).fit(loops)``,
    then `transform` (latent means), `inverse_transform` (decoded rows, in the data's units),
    `decode_grid` (paper 000's decoded manifold). The defaults are paper 000's: hidden [256],
    latent 2, beta 0.1, Adam 1e-3, batch 128, 200 epochs.

    Fitted attributes: `n_features_in_`, `latent_dim_`, `history_` (epochs, 3): per epoch the
    mean training loss per row, its reconstruction and KL parts.
    """

    _prefix = "vae."
    _extra = {
        "checkpoint": (None, "Checkpoint file of `fit` (None: none): resumed from when it exists (same "
                             "model, settings and data), rewritten every checkpoint_every epochs and "
                             "when training is cancelled."),
        "warm_start": (False, "False: every `fit` trains a new model. True: `fit` continues the model "
                              "trained so far (after a cancellation, exactly where it stopped; with the "
                              "same data) up to `epochs` epochs in total."),
    }

    def _handle(self, what):
        model = getattr(self, "_model", None)
        if model is None:
            raise self._not_fitted(what)
        return model._h

    def _read_shape(self):
        d, k = c_size_t(), c_size_t()
        self._model._call("shape", ctypes.byref(d), ctypes.byref(k))
        self.n_features_in_, self.latent_dim_ = d.value, k.value

    def fit(self, X, y=None, progress=None, interval=0.2):
        """Train on the rows of `X` (n_samples, n_features), in the data's own units; `y` is
        ignored (scikit-learn's convention for unsupervised estimators).

        `progress`, if given, is called with a `Progress` (epochs done and total, last epoch's
        loss) every `interval` seconds. Ctrl-C or `request_cancel()` (from another thread) stops
        training after the current batch: Ctrl-C re-raises KeyboardInterrupt, a request raises
        `CancelledError`; the model keeps its last finished epoch (and writes the checkpoint),
        and ``set_params(warm_start=True).fit(X)`` continues it. Raises `NumericalError` if the
        loss diverges. Returns self.
        """
        model = getattr(self, "_model", None)
        continuing = bool(self.warm_start) and model is not None
        a = Args("Vae.fit")
        if continuing:
            a.bind("d", self.n_features_in_, "the model trained so far")
        X = a.array("X", X, ("n", "d"))
        n, d = X.shape
        if not continuing:
            cfg = self._config()
            model = self._model = _Model(new_handle(_lib.lib.ferrolab_vae_new, cfg._h, d))
            self._read_shape()
        checkpoint = None if self.checkpoint is None else _lib.encode_path(self.checkpoint)
        _lib.check(_lib.lib.ferrolab_vae_set_checkpoint(model._h, checkpoint))
        # Room for every epoch of the run (the model's total once it has trained in this process,
        # else the parameter): a short buffer would leave a truncation warning as the handle's
        # last message. `history_` is read back afterwards, also after a cancellation.
        cap = max(self.progress()[1], int(self.epochs))
        losses, done = np.zeros((cap, 3)), c_size_t()
        try:
            run_job(model, lambda: _lib.lib.ferrolab_vae_train(model._h, _lib.ptr(X), n, d, _lib.ptr(losses), cap,
                                                               ctypes.byref(done)), progress, interval)
        finally:
            self.history_ = self.history()
        return self

    def history(self):
        """The training history so far, (epochs, 3): total loss, reconstruction, KL per row."""
        h = self._handle("history")
        # A buffer too small makes C record a warning as the handle's last message, which would
        # hide the error of a cancelled or failed fit: size it from the epochs trained in this
        # process, and ask C only when that is not known (a loaded model).
        rows = self.progress()[0]
        while True:
            out, epochs = np.zeros((rows, 3)), c_size_t()
            status = _lib.check(_lib.lib.ferrolab_vae_history(h, _lib.ptr(out), rows, ctypes.byref(epochs)))
            if status != errors.WARN_TRUNCATED:
                return out[:epochs.value]
            rows = epochs.value

    def encode(self, X):
        """(z_mean, z_log_var) of the rows of `X` (n_samples, n_features; the data's units), each
        (n_samples, latent_dim)."""
        h = self._handle("encode")
        a = Args("Vae.encode")
        a.bind("d", self.n_features_in_, "the model")
        X = a.array("X", X, ("n", "d"))
        k = self.latent_dim_
        mean, log_var = np.zeros((X.shape[0], k)), np.zeros((X.shape[0], k))
        _lib.check(_lib.lib.ferrolab_vae_encode(h, _lib.ptr(X), X.shape[0], X.shape[1], _lib.ptr(mean),
                                                _lib.ptr(log_var), k))
        return mean, log_var

    def transform(self, X):
        """The latent means (n_samples, latent_dim) of the rows of `X`."""
        return self.encode(X)[0]

    def fit_transform(self, X, y=None, **fit_params):
        """`fit(X, **fit_params)`, then the latent means of `X`."""
        return self.fit(X, y, **fit_params).transform(X)

    def decode(self, Z):
        """Rows (n_samples, n_features), in the data's units, decoded from latent points `Z`
        (n_samples, latent_dim)."""
        h = self._handle("decode")
        a = Args("Vae.decode")
        a.bind("k", self.latent_dim_, "the model's latent_dim")
        Z = a.array("Z", Z, ("n", "k"))
        d = self.n_features_in_
        out = np.zeros((Z.shape[0], d))
        _lib.check(_lib.lib.ferrolab_vae_decode(h, _lib.ptr(Z), Z.shape[0], Z.shape[1], _lib.ptr(out), d))
        return out

    inverse_transform = decode

    def decode_grid(self, lo=-2.0, hi=2.0, steps=10):
        """Decode the regular grid over [lo, hi]^latent_dim with `steps` points per axis (paper
        000's manifold: -2, 2, 10): (grid points (steps^latent_dim, latent_dim), decoded rows
        (steps^latent_dim, n_features)), the last latent coordinate varying fastest."""
        h = self._handle("decode_grid")
        a = Args("Vae.decode_grid")
        lo, hi, steps = a.real("lo", lo), a.real("hi", hi), a.integer("steps", steps)
        rows = steps ** self.latent_dim_
        if rows > _MAX_GRID_POINTS:
            raise errors.ArgumentError(errors.ERR_INVALID_ARGUMENT,
                                       f"Vae.decode_grid: {steps}^{self.latent_dim_} grid points is more than 10^7")
        z, x = np.zeros((rows, self.latent_dim_)), np.zeros((rows, self.n_features_in_))
        _lib.check(_lib.lib.ferrolab_vae_decode_grid(h, lo, hi, steps, _lib.ptr(z), _lib.ptr(x), rows,
                                                     self.n_features_in_))
        return z, x

    def save(self, path):
        """Save the model (weights, scaling, settings, history, optimiser state) as safetensors
        with JSON metadata, atomically; readable by Python's `safetensors`."""
        _lib.check(_lib.lib.ferrolab_vae_save(self._handle("save"), _lib.encode_path(path)))

    @classmethod
    def load(cls, path):
        """A model saved by `save` (or a checkpoint, or `ferrolab train`). Its parameters
        (`get_params`) are the defaults: the C API does not read a file's settings back; the
        model trains on (warm_start) with the settings it was saved with. Raises `FileError` or
        `CorruptFileError`."""
        vae = cls()
        vae._model = _Model(new_handle(_lib.lib.ferrolab_vae_load, _lib.encode_path(path)))
        vae._read_shape()
        vae.history_ = vae.history()
        return vae

    def progress(self):
        """(epochs done, epochs of the run); safe from any thread while `fit` runs."""
        done, total = c_size_t(), c_size_t()
        _lib.check(_lib.lib.ferrolab_vae_progress(self._handle("progress"), ctypes.byref(done), ctypes.byref(total)))
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
