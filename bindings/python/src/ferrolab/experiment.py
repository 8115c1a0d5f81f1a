"""Paper 003's automated experiment: the encoder-decoders (`ferrolab_im2spec_*`,
`ferrolab_spec2im_*`), the session that closes the loop over one structural image
(`ferrolab_ae_*`) and the simulated sample it can be run against (`ferrolab_sample_generate`).

    sample = ferrolab.sample_generate(rows=16, cols=16, steps=16)
    ae = ferrolab.AeSession(sample.image, sample.voltage, ae__window_px=4)
    ae.add_measurements(rows, cols, sample.loops[rows, cols])
    ae.update()
    rows, cols, scores, pred, pred_std = ae.rank(4)

Options are configuration keys as everywhere in the package: ``Im2Spec(4, 4, 16, epochs=2)`` sets
`im2spec.epochs`, ``AeSession(..., ensemble_size=2, im2spec__filters=4)`` sets `ae.ensemble_size`
and `im2spec.filters`. Every array is checked against the handle's sizes before C is called.
"""
import ctypes
from collections import namedtuple
from ctypes import c_int32, c_size_t

import numpy as np

from . import _lib, errors
from ._check import Args
from ._handle import Handle, new_handle, run_job
from .config import REGISTRY, build, handle_of

Sample = namedtuple("Sample", "image loops voltage anomaly")
Sample.__doc__ = """`sample_generate`'s result: the structure `image` (rows, cols), every pixel's measured
loop `loops` (rows, cols, steps), the `voltage` of each step (steps,) and the `anomaly` mask
(rows, cols; True where the loop does not follow the structure)."""

Ranking = namedtuple("Ranking", "rows cols scores pred pred_std")
Ranking.__doc__ = """`AeSession.rank`'s result, best first: pixel `rows` and `cols` (n,), acquisition
`scores` (n,), the ensemble's predicted spectra `pred` and their spread `pred_std` (n, spectrum_len)."""

AePrediction = namedtuple("AePrediction", "pred pred_std latent")
AePrediction.__doc__ = """`AeSession.predict`'s result: mean spectra `pred` and their spread over the
members `pred_std` (n, spectrum_len), the first member's latent vectors `latent` (n, latent_dim)."""

AeMaps = namedtuple("AeMaps", "score err_nrms err_mse err_area latent")
AeMaps.__doc__ = """`AeSession.maps`' result, NaN where undefined: the acquisition `score` of every
unmeasured candidate, the surprise of every measured pixel (`err_nrms`, `err_mse`, `err_area`),
each (height, width), and the first member's latent vector at every candidate `latent`
(height, width, latent_dim)."""


def _sizes(handle, count):
    values = [c_size_t() for _ in range(count)]
    handle._call("shape", *(ctypes.byref(v) for v in values))
    return tuple(v.value for v in values)


class _EncoderDecoder(Handle):
    """The methods im2spec and spec2im share; subclasses name the input and output sides."""

    _name = None

    @classmethod
    def load(cls, path):
        """A model saved by `save` (or a checkpoint). Raises `FileError` or `CorruptFileError`
        (also for the other direction's file, naming the class to load it with)."""
        self = cls.__new__(cls)
        self._open(new_handle(getattr(_lib.lib, f"ferrolab_{cls._object}_load"), _lib.encode_path(path)))
        return self

    def _open(self, handle):
        Handle.__init__(self, handle)
        # The sizes never change for a handle: read once, so every array is checked against them
        # without a call into C.
        self._dims = self._read()[:4]

    def _read(self):
        patch_h, patch_w, spectrum_len, latent, params, epochs = _sizes(self, 6)
        return patch_h, patch_w, spectrum_len, latent, params, epochs

    @property
    def patch_shape(self):
        return self._dims[:2]

    @property
    def spectrum_len(self):
        return self._dims[2]

    @property
    def latent_dim(self):
        return self._dims[3]

    @property
    def n_parameters(self):
        return self._read()[4]

    @property
    def epochs_done(self):
        """Epochs done in the model's current run."""
        return self._read()[5]

    def set_checkpoint(self, path):
        """Checkpoint file of later `train` calls (None: none): resumed from when it exists,
        rewritten every `checkpoint_every` epochs, at the end and on cancellation."""
        self._call("set_checkpoint", None if path is None else _lib.encode_path(path))

    def save(self, path):
        """Save the model (network file format: safetensors with JSON metadata), atomically."""
        self._call("save", _lib.encode_path(path))

    def request_cancel(self):
        """Ask a running `train` to stop before its next batch; from any thread."""
        self._call("request_cancel")

    def progress(self):
        """(epochs done, epochs of the run); safe from any thread while `train` runs."""
        p = self.progress_info()
        return p.done, p.total


class Im2Spec(_EncoderDecoder):
    """Paper 003's im2spec: a structure patch (patch_h, patch_w) -> the spectrum (spectrum_len,)
    measured at its centre, through a latent vector.

    ``Im2Spec(patch_h, patch_w, spectrum_len, config=None, **options)``: options are `im2spec.*`
    keys without the prefix (paper 003's defaults: latent 10, 64 filters, Adam 1e-3, batch 64,
    250 epochs, seed 1). `train(patches, spectra)`, `predict(patches)`, `encode(patches)`,
    `decode(z)`, `save(path)`, ``Im2Spec.load(path)``.
    """

    _object = "im2spec"

    def __init__(self, patch_h, patch_w, spectrum_len, config=None, **options):
        a = Args("Im2Spec")
        ph, pw, sl = a.integer("patch_h", patch_h), a.integer("patch_w", patch_w), a.integer("spectrum_len",
                                                                                            spectrum_len)
        cfg = build("Im2Spec", config, options, "im2spec.")
        self._open(new_handle(_lib.lib.ferrolab_im2spec_new, handle_of(cfg), ph, pw, sl))

    def _args(self, where):
        ph, pw, sl, latent = self._dims
        a = Args(f"Im2Spec.{where}")
        a.bind("h", ph, "the model's patch height")
        a.bind("w", pw, "the model's patch width")
        a.bind("l", sl, "the model's spectrum length")
        a.bind("k", latent, "the model's latent size")
        return a

    def train(self, patches, spectra, progress=None, interval=0.2):
        """Train on `patches` (n, patch_h, patch_w) and their `spectra` (n, spectrum_len) until
        `epochs` epochs are done in total (after a cancellation, calling it again with the same
        data continues). `progress` is called with a `Progress` every `interval` seconds; Ctrl-C
        or `request_cancel()` stops it after the current batch. Returns the loss history (epochs
        of this run,)."""
        a = self._args("train")
        patches = a.array("patches", patches, ("n", "h", "w"))
        spectra = a.array("spectra", spectra, ("n", "l"))
        n, ph, pw = patches.shape
        # The configured epochs are not readable from the handle before training starts: room
        # for _HISTORY_CAP epochs, cut to the epochs done afterwards.
        history, done = np.zeros(_HISTORY_CAP), c_size_t()
        run_job(self, lambda: _lib.lib.ferrolab_im2spec_train(self._h, _lib.ptr(patches), n, ph, pw, _lib.ptr(spectra),
                                                              spectra.shape[1], _lib.ptr(history), _HISTORY_CAP,
                                                              ctypes.byref(done)), progress, interval)
        return history[:min(done.value, _HISTORY_CAP)].copy()

    def predict(self, patches):
        """The spectra (n, spectrum_len) of `patches` (n, patch_h, patch_w)."""
        a = self._args("predict")
        patches = a.array("patches", patches, ("n", "h", "w"))
        n, ph, pw = patches.shape
        out = np.zeros((n, a.dim("l")))
        self._call("predict", _lib.ptr(patches), n, ph, pw, out.shape[1], _lib.ptr(out), None)
        return out

    def encode(self, patches):
        """The latent vectors (n, latent_dim) of `patches` (n, patch_h, patch_w)."""
        a = self._args("encode")
        patches = a.array("patches", patches, ("n", "h", "w"))
        n, ph, pw = patches.shape
        out = np.zeros((n, a.dim("k")))
        self._call("encode", _lib.ptr(patches), n, ph, pw, _lib.ptr(out), out.shape[1])
        return out

    def decode(self, z):
        """The spectra (n, spectrum_len) decoded from latent vectors `z` (n, latent_dim)."""
        a = self._args("decode")
        z = a.array("z", z, ("n", "k"))
        out = np.zeros((z.shape[0], a.dim("l")))
        self._call("decode", _lib.ptr(z), z.shape[0], z.shape[1], out.shape[1], _lib.ptr(out))
        return out


class Spec2Im(_EncoderDecoder):
    """Paper 003's spec2im: a spectrum (spectrum_len,) -> the structure patch (patch_h, patch_w)
    around it (sides multiples of 4).

    ``Spec2Im(spectrum_len, patch_h, patch_w, config=None, **options)``: options are `spec2im.*`
    keys without the prefix. Methods as `Im2Spec`'s, the other way round.
    """

    _object = "spec2im"

    def __init__(self, spectrum_len, patch_h, patch_w, config=None, **options):
        a = Args("Spec2Im")
        sl, ph, pw = a.integer("spectrum_len", spectrum_len), a.integer("patch_h", patch_h), a.integer("patch_w",
                                                                                                      patch_w)
        cfg = build("Spec2Im", config, options, "spec2im.")
        self._open(new_handle(_lib.lib.ferrolab_spec2im_new, handle_of(cfg), sl, ph, pw))

    def _args(self, where):
        ph, pw, sl, latent = self._dims
        a = Args(f"Spec2Im.{where}")
        a.bind("h", ph, "the model's patch height")
        a.bind("w", pw, "the model's patch width")
        a.bind("l", sl, "the model's spectrum length")
        a.bind("k", latent, "the model's latent size")
        return a

    def train(self, spectra, patches, progress=None, interval=0.2):
        """Train on `spectra` (n, spectrum_len) and their `patches` (n, patch_h, patch_w); as
        `Im2Spec.train`. Returns the loss history (epochs of this run,)."""
        a = self._args("train")
        spectra = a.array("spectra", spectra, ("n", "l"))
        patches = a.array("patches", patches, ("n", "h", "w"))
        n, ph, pw = patches.shape
        history, done = np.zeros(_HISTORY_CAP), c_size_t()
        run_job(self, lambda: _lib.lib.ferrolab_spec2im_train(self._h, _lib.ptr(spectra), n, spectra.shape[1],
                                                              _lib.ptr(patches), ph, pw, _lib.ptr(history),
                                                              _HISTORY_CAP, ctypes.byref(done)), progress, interval)
        return history[:min(done.value, _HISTORY_CAP)].copy()

    def predict(self, spectra):
        """The patches (n, patch_h, patch_w) of `spectra` (n, spectrum_len)."""
        a = self._args("predict")
        spectra = a.array("spectra", spectra, ("n", "l"))
        n = spectra.shape[0]
        out = np.zeros((n, a.dim("h"), a.dim("w")))
        self._call("predict", _lib.ptr(spectra), n, spectra.shape[1], out.shape[1], out.shape[2], _lib.ptr(out), None)
        return out

    def encode(self, spectra):
        """The latent vectors (n, latent_dim) of `spectra` (n, spectrum_len)."""
        a = self._args("encode")
        spectra = a.array("spectra", spectra, ("n", "l"))
        out = np.zeros((spectra.shape[0], a.dim("k")))
        self._call("encode", _lib.ptr(spectra), spectra.shape[0], spectra.shape[1], _lib.ptr(out), out.shape[1])
        return out

    def decode(self, z):
        """The patches (n, patch_h, patch_w) decoded from latent vectors `z` (n, latent_dim)."""
        a = self._args("decode")
        z = a.array("z", z, ("n", "k"))
        out = np.zeros((z.shape[0], a.dim("h"), a.dim("w")))
        self._call("decode", _lib.ptr(z), z.shape[0], z.shape[1], out.shape[1], out.shape[2], _lib.ptr(out))
        return out


# Epochs of loss history `train` can return (a longer run keeps its first _HISTORY_CAP; C then
# returns a truncation warning, not an error).
_HISTORY_CAP = 100_000


class AeSession(Handle):
    """The automated experiment over one structural image (paper 003): an ensemble of im2spec
    models predicts the spectrum at every candidate pixel; `rank` proposes where to measure next,
    `add_measurements` records what was measured (and how surprising it was), `update` retrains.

    ``AeSession(image, voltage, config=None, **options)``: `image` (height, width), `voltage`
    (spectrum_len,); options are `ae.*` keys without the prefix and the members' network keys as
    ``im2spec__filters=4``. ``AeSession.load(dir)`` resumes a saved session.
    """

    _object = "ae"

    def __init__(self, image, voltage, config=None, **options):
        a = Args("AeSession")
        image = a.array("image", image, ("h", "w"))
        voltage = a.array("voltage", voltage, ("l",))
        cfg = build("AeSession", config, options, "ae.")
        self._open(new_handle(_lib.lib.ferrolab_ae_new, handle_of(cfg), _lib.ptr(image), image.shape[0],
                              image.shape[1], _lib.ptr(voltage), voltage.shape[0]))

    def _open(self, handle):
        Handle.__init__(self, handle)
        # Image size, spectrum length and latent size never change for a session: read once, so
        # every array is checked against them without a call into C.
        self._dims = self.shape()[:4]

    @classmethod
    def load(cls, path):
        """A session saved by `save` into directory `path`, checked file by file: a controller
        that crashed resumes where it was. Raises `FileError` or `CorruptFileError`."""
        self = cls.__new__(cls)
        self._open(new_handle(_lib.lib.ferrolab_ae_load, _lib.encode_path(path)))
        return self

    def shape(self):
        """(height, width, spectrum_len, latent_dim, measurements, trained)."""
        sizes = [c_size_t() for _ in range(5)]
        trained = c_int32()
        self._call("shape", *(ctypes.byref(v) for v in sizes), ctypes.byref(trained))
        return tuple(v.value for v in sizes) + (bool(trained.value),)

    @property
    def image_shape(self):
        return self._dims[:2]

    @property
    def spectrum_len(self):
        return self._dims[2]

    @property
    def latent_dim(self):
        return self._dims[3]

    @property
    def n_measurements(self):
        return self.shape()[4]

    @property
    def trained(self):
        return self.shape()[5]

    def _args(self, where):
        h, w, l, k = self._dims
        a = Args(f"AeSession.{where}")
        a.bind("l", l, "the session's spectrum length")
        return a, h, w, l, k

    def _locations(self, a, rows, cols):
        rows = a.array("rows", rows, ("n",), dtype=np.int64)
        cols = a.array("cols", cols, ("n",), dtype=np.int64)
        if rows.shape[0] == 0:
            raise errors.ArgumentError(errors.ERR_INVALID_ARGUMENT, f"{a.where}: no locations given (n = 0)")
        return rows, cols

    def add_measurements(self, rows, cols, spectra):
        """Record the `spectra` (n, spectrum_len) measured at pixels (`rows`, `cols`) (n,) each;
        returns each one's surprise (n,): its error against the prediction made before it was
        measured (NaN while no model is trained). The ensemble is retrained by `update`. A
        location is measured once: one already measured, or given twice, raises `ArgumentError`
        naming it, and nothing is added."""
        a, _, _, l, _ = self._args("add_measurements")
        rows, cols = self._locations(a, rows, cols)
        spectra = a.array("spectra", spectra, ("n", "l"))
        surprise = np.zeros(rows.shape[0])
        self._call("add_measurements", _lib.ptr(rows), _lib.ptr(cols), _lib.ptr(spectra), rows.shape[0], l,
                   _lib.ptr(surprise))
        return surprise

    def update(self, progress=None, interval=0.2):
        """(Re)train the ensemble on every measurement, blocking (stage k of the `Progress` is
        member k). Ctrl-C or `request_cancel()` stops it; the members that finished are kept and
        calling it again continues the rest."""
        run_job(self, lambda: _lib.lib.ferrolab_ae_update(self._h), progress, interval)

    def request_cancel(self):
        """Ask a running `update` to stop before its next batch; from any thread."""
        self._call("request_cancel")

    def rank(self, k):
        """The next (at most) `k` locations to measure, best first: a `Ranking` (rows, cols, scores,
        pred, pred_std). Needs an `update` first."""
        a, _, _, l, _ = self._args("rank")
        k = a.integer("k", k, minimum=1, maximum=1 << 32)
        rows, cols = np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
        scores, pred, pred_std = np.zeros(k), np.zeros((k, l)), np.zeros((k, l))
        n = c_size_t()
        self._call("rank", k, _lib.ptr(rows), _lib.ptr(cols), _lib.ptr(scores), _lib.ptr(pred), _lib.ptr(pred_std), l,
                   ctypes.byref(n))
        n = n.value
        return Ranking(rows[:n], cols[:n], scores[:n], pred[:n], pred_std[:n])

    def predict(self, rows, cols):
        """The ensemble's predictions at pixels (`rows`, `cols`) (n,): an `AePrediction` (pred,
        pred_std, latent)."""
        a, _, _, l, k = self._args("predict")
        rows, cols = self._locations(a, rows, cols)
        n = rows.shape[0]
        pred, pred_std, latent = np.zeros((n, l)), np.zeros((n, l)), np.zeros((n, k))
        self._call("predict", _lib.ptr(rows), _lib.ptr(cols), n, _lib.ptr(pred), _lib.ptr(pred_std), l,
                   _lib.ptr(latent), latent.size, None)
        return AePrediction(pred, pred_std, latent)

    def maps(self):
        """`AeMaps` over the image: scores, surprises and latent vectors (NaN where undefined)."""
        _, h, w, _, k = self._args("maps")
        score, nrms, mse, area = (np.zeros((h, w)) for _ in range(4))
        latent = np.zeros((h, w, k))
        self._call("maps", h, w, _lib.ptr(score), _lib.ptr(nrms), _lib.ptr(mse), _lib.ptr(area), _lib.ptr(latent),
                   latent.size, None)
        return AeMaps(score, nrms, mse, area, latent)

    def save(self, path):
        """Save the session into directory `path` (created if missing), atomically as a whole."""
        self._call("save", _lib.encode_path(path))


def _key(cfg, name):
    return REGISTRY[name].default if cfg is None else cfg.get(name)


def sample_generate(config=None, **options):
    """The simulated sample of the `sample.*` keys (options without the prefix; defaults: 60 x 60
    pixels, 64-step loops, 3 anomalies, seed 0) as a `Sample` (image, loops, voltage, anomaly).
    The same keys give the same sample."""
    cfg = build("sample_generate", config, options, "sample.")
    rows, cols, steps = (int(_key(cfg, f"sample.{k}")) for k in ("rows", "cols", "steps"))
    image, loops, voltage = np.zeros((rows, cols)), np.zeros((rows, cols, steps)), np.zeros(steps)
    anomaly = np.zeros((rows, cols), dtype=np.int32)
    _lib.check(_lib.lib.ferrolab_sample_generate(handle_of(cfg), _lib.ptr(image), rows, cols, _lib.ptr(loops), steps,
                                                 _lib.ptr(voltage), _lib.ptr(anomaly)))
    return Sample(image, loops, voltage, anomaly.astype(bool))
