"""Exact Gaussian-process regression (`ferrolab_gp_*`) as a scikit-learn style estimator."""
import ctypes
from ctypes import c_double, c_size_t

import numpy as np

from . import _lib, errors
from ._check import Args
from ._estimator import Estimator
from ._handle import Handle, new_handle


class _Model(Handle):
    _object = "gp"


class GaussianProcess(Estimator):
    """Exact Gaussian-process regression, one GP per output column, matching scikit-learn's
    ``GaussianProcessRegressor(ConstantKernel(signal_variance) * RBF(length_scale) +
    WhiteKernel(noise_variance))`` (or Matérn 3/2, 5/2, or RBF with one length scale per input:
    `kernel`), its hyper-parameters fitted by maximising the log marginal likelihood.

    Data are samples x features, as in scikit-learn: ``GaussianProcess(length_scale=0.5).fit(X,
    y).predict(Xq, return_std=True)``. The defaults are paper 000's GP (RBF, noise variance
    0.005 fixed, signal variance and length scale optimised). Inputs and outputs are in the
    caller's units; the length scales are in the inputs' units.

    Fitted attributes: `n_features_in_`, `n_outputs_`, `log_marginal_likelihood_value_` (a float,
    or one per output when `y` had columns).
    """

    _prefix = "gp."
    _estimator_type = "regressor"

    def fit(self, X, y):
        """Fit on `X` (n_samples, n_features) and `y` (n_samples,) or (n_samples, n_outputs).

        Raises `ArgumentError` for shapes that do not agree (before C is called), `NonFiniteError`
        for NaN or infinity (the element named), `OutOfRangeError` for a parameter outside its
        range, `NumericalError` when the kernel matrix is singular even with jitter. Returns self.
        """
        a = Args("GaussianProcess.fit")
        X = a.array("X", X, ("n", "d"))
        y = a.array("y", y, ("n",), ("n", "m"))
        n, d = X.shape
        y2 = y[:, None] if y.ndim == 1 else y
        cfg = self._config()
        self._model = _Model(new_handle(_lib.lib.ferrolab_gp_fit, cfg._h, _lib.ptr(X), n, d, _lib.ptr(y2),
                                        y2.shape[1]))
        self._fitted(single_output=y.ndim == 1)
        return self

    def _fitted(self, single_output):
        """Read the fitted model's shape; `single_output` (None: one output column) says whether
        results drop the output axis, as scikit-learn's do for a 1-D y."""
        d, m = c_size_t(), c_size_t()
        self._model._call("shape", ctypes.byref(d), ctypes.byref(m))
        self.n_features_in_, self.n_outputs_ = d.value, m.value
        self._single_output = m.value == 1 if single_output is None else single_output
        self.log_marginal_likelihood_value_ = self.log_marginal_likelihood()

    def _handle(self, what):
        model = getattr(self, "_model", None)
        if model is None:
            raise self._not_fitted(what)
        return model._h

    def _query(self, where, X):
        h = self._handle(where)
        a = Args(f"GaussianProcess.{where}")
        a.bind("d", self.n_features_in_, "the fitted model")
        return h, a.array("X", X, ("nq", "d"))

    def _squeeze(self, a):
        """Drop the output axis (the last) for a model fitted on a 1-D y, as scikit-learn does."""
        return a[..., 0] if self._single_output else a

    def predict(self, X, return_std=False, return_cov=False):
        """Predict at `X` (n_queries, n_features).

        Returns the mean, (n_queries,) or (n_queries, n_outputs) as `y` was; with `return_std`
        also the standard deviation (same shape; it includes the noise variance unless the
        model was fitted with predict_latent=1), with `return_cov` instead the covariance
        (n_queries, n_queries), or (n_queries, n_queries, n_outputs).
        """
        h, X = self._query("predict", X)
        if return_std and return_cov:
            raise errors.ArgumentError(errors.ERR_INVALID_ARGUMENT,
                                       "GaussianProcess.predict: at most one of return_std and return_cov")
        nq, m = X.shape[0], self.n_outputs_
        mean, std = np.zeros((nq, m)), (np.zeros((nq, m)) if return_std else None)
        _lib.check(_lib.lib.ferrolab_gp_predict(h, _lib.ptr(X), nq, X.shape[1], _lib.ptr(mean),
                                                None if std is None else _lib.ptr(std)))
        if return_std:
            return self._squeeze(mean), self._squeeze(std)
        if return_cov:
            cov = np.zeros((m, nq, nq))
            for j in range(m):
                _lib.check(_lib.lib.ferrolab_gp_predict_covariance(h, _lib.ptr(X), nq, X.shape[1], j,
                                                                   _lib.ptr(cov[j])))
            return self._squeeze(mean), self._squeeze(np.moveaxis(cov, 0, -1))
        return self._squeeze(mean)

    def sample_y(self, X, n_samples=1, random_state=0):
        """Joint posterior draws at `X`: (n_queries, n_samples), or (n_queries, n_outputs,
        n_samples) for several outputs, as scikit-learn. `random_state` is an int seed; the same
        seed gives the same draws (Thompson sampling)."""
        h, X = self._query("sample_y", X)
        a = Args("GaussianProcess.sample_y")
        n_samples = a.integer("n_samples", n_samples)
        seed = a.integer("random_state", random_state)
        nq = X.shape[0]
        out = np.zeros((self.n_outputs_, n_samples, nq))
        for j in range(self.n_outputs_):
            _lib.check(_lib.lib.ferrolab_gp_sample(h, _lib.ptr(X), nq, X.shape[1], j, n_samples, seed,
                                                   _lib.ptr(out[j])))
        # C writes (n_samples, n_queries) per output; scikit-learn's order is queries, outputs, samples.
        draws = np.transpose(out, (2, 0, 1))
        return draws[:, 0, :] if self._single_output else draws

    def log_marginal_likelihood(self):
        """The log marginal likelihood of the fitted hyper-parameters: a float, or an array with
        one per output (of the normalised outputs when normalize_y was 1, as scikit-learn)."""
        h = self._handle("log_marginal_likelihood")
        out = np.zeros(self.n_outputs_)
        _lib.check(_lib.lib.ferrolab_gp_log_marginal_likelihood(h, _lib.ptr(out), out.size))
        return float(out[0]) if self._single_output else out

    def hyperparameters(self, output=0):
        """The fitted hyper-parameters of one output, as a dict: signal_variance, length_scales
        (one, or one per input for ARD; in input units), noise_variance and the jitter added to
        the kernel diagonal."""
        h = self._handle("hyperparameters")
        output = Args("GaussianProcess.hyperparameters").integer("output", output)
        signal, noise, jitter, count = c_double(), c_double(), c_double(), c_size_t()
        lengths = np.zeros(self.n_features_in_)
        _lib.check(_lib.lib.ferrolab_gp_hyperparameters(h, output, ctypes.byref(signal), _lib.ptr(lengths),
                                                        lengths.size, ctypes.byref(count), ctypes.byref(noise),
                                                        ctypes.byref(jitter)))
        return dict(signal_variance=signal.value, length_scales=lengths[:count.value].tolist(),
                    noise_variance=noise.value, jitter=jitter.value)

    def save(self, path):
        """Save the fitted model to `path` (atomically, with format version and checksum)."""
        _lib.check(_lib.lib.ferrolab_gp_save(self._handle("save"), _lib.encode_path(path)))

    @classmethod
    def load(cls, path):
        """A model saved by `save` (or `ferrolab gp fit`). Its predictions are the saved model's;
        its parameters (`get_params`) are the defaults, since the C API does not read a file's
        settings back. A one-output model predicts without an output axis. Raises `FileError` (unreadable) or `CorruptFileError` (damaged, foreign or
        other-version file)."""
        gp = cls()
        gp._model = _Model(new_handle(_lib.lib.ferrolab_gp_load, _lib.encode_path(path)))
        # The file does not say whether y was 1-D: a one-output model answers without an output axis.
        gp._fitted(single_output=None)
        return gp

    def progress_info(self):
        """`Progress` of the model's handle (a fitted GP runs no jobs: 0 of 0, NaN)."""
        self._handle("progress_info")
        return self._model.progress_info()

    def last_error(self):
        """The message of the last failed call on the fitted model, from any thread."""
        self._handle("last_error")
        return self._model.last_error()
