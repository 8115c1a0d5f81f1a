"""ferrolab from Python: the numerical engine's C library behind NumPy and scikit-learn style APIs.

    import ferrolab
    voltage, polarization = ferrolab.simulate_loop(cells_width=64, points=100)
    gp = ferrolab.GaussianProcess(length_scale=0.5).fit(X, y)
    mean, std = gp.predict(Xq, return_std=True)

Arrays are NumPy, samples x features (one sample per row) as in scikit-learn; every array is
checked for shape and type before C sees it. Options are ferrolab's configuration keys: keyword
arguments (``simulate_loop(points=100)`` sets `pf.points`), estimator parameters
(``GaussianProcess(kernel="matern52")`` is `gp.kernel`) or a `Config`; `ferrolab.keys()` lists
them and `ferrolab.describe(key)` gives a key's unit, range, default and meaning. Failures raise
`FerrolabError` subclasses that are also ValueError, OSError, ArithmeticError, MemoryError or
RuntimeError (see `ferrolab.errors`); `NoSelectionWarning` (the LSTM VAE's training found no stage
with the target count of active channels) is a warning, not an error.

Modules: `config` (Config, keys), `phasefield` (Polycrystal, simulate_loop, loop_features, Sweep,
Dataset), `gp` (GaussianProcess), `vae` (Vae), `lstm_vae` (LstmVae), `rvae` (Rvae), `unet` (Unet),
`analysis` (pca, nmf, dictionary_learning, kmeans, gmm, kde, pearson_matrix), `manifold` (tsne,
mds, isomap, trustworthiness), `beps` (sho_fit, phase_rotation, piezoresponse, loop_fit,
loop_parameters), `design` (Design), `experiment` (Im2Spec, Spec2Im, AeSession,
sample_generate), `library` (version, threads, memory budget), `errors`.
"""
from . import errors
from ._handle import Progress
# _SIGNATURES stays reachable as ferrolab._SIGNATURES, where the single-file binding had it.
from ._lib import _SIGNATURES, ABI_VERSION  # noqa: F401
from .analysis import (DictionaryResult, GmmResult, KmeansResult, NmfResult, PcaResult, dictionary_learning, gmm,
                       kde, kmeans, nmf, pca, pearson_matrix)
from .beps import (LOOP_FIT_PARAMETERS, LOOP_PARAMETERS, SHO_PARAMETERS, LoopFit, ShoFit, loop_fit, loop_parameters,
                   phase_rotation, piezoresponse, sho_fit)
from .config import Config, Key, describe, keys
from .design import STAGES, Design, DesignResult, run_design
from .experiment import AeMaps, AePrediction, AeSession, Im2Spec, Ranking, Sample, Spec2Im, sample_generate
from .errors import (ArgumentError, BusyError, CancelledError, CorruptFileError, FerrolabError, FileError,
                     InternalError, NoSelectionWarning, NonFiniteError, NotFittedError, NumericalError,
                     OutOfMemoryError, OutOfRangeError, ThreadPoolError, UnknownKeyError, WrongTypeError)
from .gp import GaussianProcess
from .library import (abi_version, last_error, library_path, max_alloc_bytes, num_threads, set_max_alloc_bytes,
                      set_num_threads, status_str, version)
from .phasefield import (DATASET_PARAMETERS, LOOP_FEATURES, Dataset, Polycrystal, Sweep, loop_features,
                         read_dataset, run_sweep, simulate_loop)
from .lstm_vae import LstmEncoding, LstmVae
from .manifold import IsomapResult, MdsResult, TsneResult, isomap, mds, trustworthiness, tsne
from .rvae import Rvae, RvaeEncoding
from .unet import Unet
from .vae import Vae

__version__ = "0.1.0"

__all__ = [
    "ABI_VERSION", "AeMaps", "AePrediction", "AeSession", "Im2Spec", "Ranking", "Sample", "Spec2Im",
    "sample_generate", "ArgumentError", "BusyError", "CancelledError", "Config", "CorruptFileError", "DATASET_PARAMETERS",
    "Dataset", "Design", "DesignResult", "DictionaryResult", "FerrolabError", "FileError", "GaussianProcess",
    "GmmResult", "InternalError", "Key", "KmeansResult", "LOOP_FEATURES", "LOOP_FIT_PARAMETERS", "LOOP_PARAMETERS",
    "IsomapResult", "LoopFit", "LstmEncoding", "LstmVae", "MdsResult", "NmfResult", "NoSelectionWarning", "NonFiniteError", "NotFittedError", "NumericalError", "OutOfMemoryError",
    "OutOfRangeError", "PcaResult", "Polycrystal", "Progress", "Rvae", "RvaeEncoding", "SHO_PARAMETERS", "STAGES", "ShoFit", "Sweep",
    "ThreadPoolError", "TsneResult", "Unet", "UnknownKeyError", "Vae", "WrongTypeError", "abi_version", "describe", "dictionary_learning",
    "errors", "gmm", "isomap", "kde", "keys", "kmeans", "last_error", "library_path", "loop_features", "loop_fit",
    "loop_parameters", "max_alloc_bytes", "mds", "nmf", "num_threads", "pca", "pearson_matrix", "phase_rotation",
    "piezoresponse", "read_dataset", "run_design", "run_sweep", "set_max_alloc_bytes", "set_num_threads",
    "sho_fit", "simulate_loop", "status_str", "trustworthiness", "tsne", "version",
]
