"""Paper 001's LSTM beta-VAE (`ferrolab_lstm_vae_*`) as a scikit-learn style transformer."""
import ctypes
import warnings
from collections import namedtuple
from ctypes import c_int64, c_size_t

import numpy as np

from . import _lib, errors
from ._check import Args
from ._estimator import Estimator
from ._handle import Handle, new_handle, run_job

# The columns of `LstmVae.history()` and of the records in `LstmVae.stages()` (the C API's
# FERROLAB_LSTM_VAE_HISTORY_FIELDS and _STAGE_FIELDS, in order).
HISTORY_COLUMNS = ("epoch", "beta", "lambda", "total", "reconstruction", "kl", "l1")
STAGE_COLUMNS = ("stage", "beta", "lambda", "best_epoch", "best_loss", "active")

LstmEncoding = namedtuple("LstmEncoding", "mu log_var z embedding")
LstmEncoding.__doc__ = """`LstmVae.encode`'s result: latent means `mu`, log-variances `log_var` and one
sample `z` (each (n_samples, latent)), and the encoder's L1-penalised activations before the latent
layer, `embedding` (n_samples, embedding)."""


class _Model(Handle):
    _object = "lstm_vae"

    def request_cancel(self):
        self._call("request_cancel")


class LstmVae(Estimator):
    """Paper 001's LSTM beta-VAE: residual BiLSTM blocks, L1-penalised embeddings around the latent
    layer, trained in stages: priming (beta = 0), then stages of rising beta (and lambda) that
    silence latent channels one after another. Each stage keeps its best epoch's weights and the
    mean KL of every latent channel; the first stage after priming with `target_active` active
    channels (KL above `active_threshold`) is selected, and its weights encode and decode. Rows are
    standardised as `scaling` says, with statistics fitted on the first `fit` and kept with the
    model. The same weights for the same seed, whatever the thread count.

    Rows are samples, e.g. spectra (n_spectra, n_points); ``LstmVae(epochs=..., target_active=3)
    .fit(spectra)``, then `transform` (latent means of the selected stage), `encode` (means,
    log-variances, a sample and the embedding), `inverse_transform` / `decode`, `reconstruct`,
    `residuals`. When training finishes without any stage reaching `target_active`, `fit` warns
    (`NoSelectionWarning`, naming every stage's count) and the model uses its latest weights. The
    defaults are paper 001's toy model and schedule (h = 128, 3 blocks, 16 + 16 latents, 2000
    priming epochs, stages of 100 epochs with beta + 0.005, 6500 epochs).

    Fitted attributes: `n_features_in_`, `latent_dim_`, `embedding_dim_`, `n_parameters_`,
    `history_` (epochs, 7; columns `HISTORY_COLUMNS`), `stages_` (as `stages()`),
    `selected_stage_` (int or None), `selection_warning_` (the warning's text, or None).
    """

    _prefix = "lstm_vae."
    _extra = {
        "checkpoint": (None, "Checkpoint file of `fit` (None: none): adopted when it exists (a checkpoint "
                             "of this model and data: a killed run resumes to the same bytes), rewritten "
                             "every checkpoint_every epochs, at every stage's end and on cancellation."),
        "stage_dir": (None, "Folder where `fit` keeps every finished stage's best weights as a model file, "
                            "stage-NNN.safetensors (NNN: the stage, 000 for priming), each readable with "
                            "`load` (None: not kept)."),
        "warm_start": (False, "False: every `fit` trains a new model. True: `fit` continues the model "
                              "trained so far (after a cancellation, exactly where it stopped; with the "
                              "same data) up to `epochs` epochs in total."),
    }

    def _handle(self, what):
        model = getattr(self, "_model", None)
        if model is None:
            raise self._not_fitted(what)
        return model._h

    def _shape(self):
        row_len, latent, embedding, params, epochs = (c_size_t() for _ in range(5))
        self._model._call("shape", *(ctypes.byref(v) for v in (row_len, latent, embedding, params, epochs)))
        return row_len.value, latent.value, embedding.value, params.value, epochs.value

    def _read_state(self):
        """The fitted attributes, from the model."""
        d, k, e, p, _ = self._shape()
        self.n_features_in_, self.latent_dim_, self.embedding_dim_, self.n_parameters_ = d, k, e, p
        self.history_ = self.history()
        self.stages_ = self.stages()
        self.selected_stage_ = self.selected_stage()

    def fit(self, X, y=None, progress=None, interval=0.2):
        """Train on the rows of `X` (n_samples, n_features), in the data's own units; `y` is
        ignored (scikit-learn's convention for unsupervised estimators).

        `progress`, if given, is called with a `Progress` (epochs done and total over all stages,
        last epoch's loss) every `interval` seconds. Ctrl-C or `request_cancel()` (from another
        thread) stops training after the current batch: Ctrl-C re-raises KeyboardInterrupt, a
        request raises `CancelledError`; the model keeps its last finished epoch (and writes the
        checkpoint), and ``set_params(warm_start=True).fit(X)`` continues it. Warns
        `NoSelectionWarning` when training finished but no stage reached `target_active`. Raises
        `NumericalError` if the loss diverges, `BusyError` while another thread trains this model.
        Returns self.
        """
        model = getattr(self, "_model", None)
        continuing = bool(self.warm_start) and model is not None
        a = Args("LstmVae.fit")
        if continuing:
            a.bind("d", self.n_features_in_, "the model trained so far")
        X = a.array("X", X, ("n", "d"))
        n, d = X.shape
        if not continuing:
            cfg = self._config()
            model = self._model = _Model(new_handle(_lib.lib.ferrolab_lstm_vae_new, cfg._h, d))
            self._read_state()
        checkpoint = None if self.checkpoint is None else _lib.encode_path(self.checkpoint)
        _lib.check(_lib.lib.ferrolab_lstm_vae_set_checkpoint(model._h, checkpoint))
        stage_dir = None if self.stage_dir is None else _lib.encode_path(self.stage_dir)
        _lib.check(_lib.lib.ferrolab_lstm_vae_set_stage_dir(model._h, stage_dir))
        done = c_size_t()
        self.selection_warning_ = None
        try:
            status = run_job(model, lambda: _lib.lib.ferrolab_lstm_vae_train(model._h, _lib.ptr(X), n, d,
                                                                             ctypes.byref(done)),
                             progress, interval)
            if status == errors.WARN_NO_SELECTION:
                self.selection_warning_ = model.last_error()
        finally:
            self._read_state()
        if self.selection_warning_ is not None:
            warnings.warn(self.selection_warning_, errors.NoSelectionWarning, stacklevel=2)
        return self

    def history(self):
        """The training history so far, (epochs, 7): epoch, beta, lambda, and the epoch's mean
        loss per row with its parts: total, reconstruction, KL, L1 (`HISTORY_COLUMNS`)."""
        h = self._handle("history")
        # Sized from the model's epoch count, so C never truncates (a truncation would leave a
        # warning as the handle's last message, hiding a failed fit's).
        rows = self._shape()[4]
        fields = len(HISTORY_COLUMNS)
        out, epochs = np.zeros((rows, fields)), c_size_t()
        _lib.check(_lib.lib.ferrolab_lstm_vae_history(h, _lib.ptr(out), rows, ctypes.byref(epochs)))
        return out[:epochs.value]

    def stages(self):
        """The finished stages, priming first, each at its best epoch: a dict of arrays over the
        stages, `stage`, `beta`, `lambda`, `best_epoch`, `best_loss`, `active` (active channels)
        and `channel_kl` (stages, latent): the mean KL per latent channel in nat."""
        h = self._handle("stages")
        # Every stage of a run has at least one epoch, so room for as many stages as epochs is
        # enough and C does not truncate (which would leave a warning as the handle's last
        # message). Only a stage folder's file, which keeps no training state, needs a second call.
        cap = self._shape()[4]
        k = self.latent_dim_
        while True:
            records, kl, count = np.zeros((cap, len(STAGE_COLUMNS))), np.zeros((cap, k)), c_size_t()
            status = _lib.check(_lib.lib.ferrolab_lstm_vae_stages(h, _lib.ptr(records), _lib.ptr(kl), cap, k,
                                                                  ctypes.byref(count)))
            if status != errors.WARN_TRUNCATED:
                break
            cap = count.value
        records, kl = records[:count.value], kl[:count.value]
        out = {name: records[:, j] for j, name in enumerate(STAGE_COLUMNS)}
        for name in ("stage", "best_epoch", "active"):
            out[name] = out[name].astype(np.int64)
        out["channel_kl"] = kl
        return out

    def selected_stage(self):
        """The stage whose weights encode and decode, or None (training unfinished, or no stage
        reached `target_active`: the latest weights are used)."""
        stage = c_int64()
        _lib.check(_lib.lib.ferrolab_lstm_vae_selected_stage(self._handle("selected_stage"), ctypes.byref(stage)))
        return None if stage.value < 0 else stage.value

    def encode(self, X):
        """`LstmEncoding(mu, log_var, z, embedding)` of the rows of `X` (n_samples, n_features;
        the data's units): latent means, log-variances and one sample (each (n_samples, latent)),
        and the encoder's embedding (n_samples, embedding)."""
        h = self._handle("encode")
        a = Args("LstmVae.encode")
        a.bind("d", self.n_features_in_, "the model")
        X = a.array("X", X, ("n", "d"))
        n, k, e = X.shape[0], self.latent_dim_, self.embedding_dim_
        mu, log_var, z, emb = np.zeros((n, k)), np.zeros((n, k)), np.zeros((n, k)), np.zeros((n, e))
        _lib.check(_lib.lib.ferrolab_lstm_vae_encode(h, _lib.ptr(X), n, X.shape[1], _lib.ptr(mu), _lib.ptr(log_var),
                                                     _lib.ptr(z), _lib.ptr(emb), k, e))
        return LstmEncoding(mu, log_var, z, emb)

    def transform(self, X):
        """The latent means (n_samples, latent) of the rows of `X`."""
        return self.encode(X).mu

    def fit_transform(self, X, y=None, **fit_params):
        """`fit(X, **fit_params)`, then the latent means of `X`."""
        return self.fit(X, y, **fit_params).transform(X)

    def decode(self, Z):
        """Rows (n_samples, n_features), in the data's units, decoded from latent points `Z`
        (n_samples, latent)."""
        h = self._handle("decode")
        a = Args("LstmVae.decode")
        a.bind("k", self.latent_dim_, "the model's latent")
        Z = a.array("Z", Z, ("n", "k"))
        d = self.n_features_in_
        out = np.zeros((Z.shape[0], d))
        _lib.check(_lib.lib.ferrolab_lstm_vae_decode(h, _lib.ptr(Z), Z.shape[0], Z.shape[1], _lib.ptr(out), d))
        return out

    inverse_transform = decode

    def _rows_to_rows(self, what, function, X):
        h = self._handle(what)
        a = Args(f"LstmVae.{what}")
        a.bind("d", self.n_features_in_, "the model")
        X = a.array("X", X, ("n", "d"))
        out = np.zeros(X.shape)
        _lib.check(function(h, _lib.ptr(X), X.shape[0], X.shape[1], _lib.ptr(out)))
        return out

    def reconstruct(self, X):
        """The rows of `X` (n_samples, n_features) through the encoder's means and the decoder, in
        the data's units."""
        return self._rows_to_rows("reconstruct", _lib.lib.ferrolab_lstm_vae_reconstruct, X)

    def residuals(self, X):
        """Reconstruction minus `X` (n_samples, n_features) in standardised units: paper 001's
        errors (their squares averaged over a row are its per-pixel MSE)."""
        return self._rows_to_rows("residuals", _lib.lib.ferrolab_lstm_vae_residuals, X)

    def save(self, path):
        """Save the model (weights, standardisation, settings, stages, the selected stage's
        weights, the training state) in the network file format (safetensors with JSON metadata),
        atomically and byte-deterministically."""
        _lib.check(_lib.lib.ferrolab_lstm_vae_save(self._handle("save"), _lib.encode_path(path)))

    @classmethod
    def load(cls, path):
        """A model saved by `save` (or a checkpoint, or a stage folder's stage-NNN.safetensors).
        Its parameters (`get_params`) are the defaults: the C API does not read a file's settings
        back; the model trains on (warm_start) with the settings it was saved with. Raises
        `FileError` or `CorruptFileError`."""
        vae = cls()
        vae._model = _Model(new_handle(_lib.lib.ferrolab_lstm_vae_load, _lib.encode_path(path)))
        vae._read_state()
        vae.selection_warning_ = None
        return vae

    def progress(self):
        """(epochs done, epochs of the run); safe from any thread while `fit` runs."""
        done, total = c_size_t(), c_size_t()
        _lib.check(_lib.lib.ferrolab_lstm_vae_progress(self._handle("progress"), ctypes.byref(done),
                                                       ctypes.byref(total)))
        return done.value, total.value

    def progress_info(self):
        """`Progress` of training (epochs over all stages; last epoch's mean loss); from any
        thread."""
        self._handle("progress_info")
        return self._model.progress_info()

    def request_cancel(self):
        """Ask a running `fit` to stop before its next batch; from any thread."""
        self._handle("request_cancel")
        self._model.request_cancel()

    def last_error(self):
        """The message of the last failed call (or warning) on the model, from any thread."""
        self._handle("last_error")
        return self._model.last_error()
