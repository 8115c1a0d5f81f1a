"""Loading libferrolab and declaring its functions: the one module that talks to ctypes directly.

The library is the copy bundled in this package at install time (the build hook in setup.py puts
it next to this file), so an installed ferrolab needs nothing from the repository; without one (a
source checkout on PYTHONPATH), the path in the environment variable FERROLAB_LIB. The bundled
copy wins because `_SIGNATURES` below describes the library the package was built with.
"""
import ctypes
import os
import sys
from ctypes import POINTER, c_char_p, c_double, c_float, c_int32, c_int64, c_size_t, c_uint8, c_uint64, c_void_p
from pathlib import Path

import numpy as np

from . import errors

# The header's FERROLAB_ABI_VERSION this package was written against; a library of another ABI
# would be called with wrong signatures, so loading it is refused.
ABI_VERSION = 1


def library_file_name():
    """The file name of the shared library on this platform."""
    if sys.platform == "win32":
        return "ferrolab.dll"
    if sys.platform == "darwin":
        return "libferrolab.dylib"
    return "libferrolab.so"


def _library_path():
    bundled = Path(__file__).resolve().parent / library_file_name()
    if bundled.is_file():
        return bundled
    env = os.environ.get("FERROLAB_LIB")
    if env:
        return Path(env)
    raise ImportError(
        f"ferrolab: no {library_file_name()} bundled in {bundled.parent} and FERROLAB_LIB is not "
        "set; install the package with `pip install ./bindings/python` (which builds and bundles "
        "the library) or point FERROLAB_LIB at a built library")


_P = POINTER
# ferrolab_<object>_progress_info(h, done, total, stage, last_loss) of every handle type.
_PROGRESS_INFO = (c_int32, [c_void_p, _P(c_uint64), _P(c_uint64), _P(c_int32), _P(c_double)])
# ferrolab_<object>_last_error(h, buf, cap, needed) of every handle type.
_LAST_ERROR = (c_int32, [c_void_p, c_char_p, c_size_t, _P(c_size_t)])
# ferrolab_<object>_free(h).
_FREE = (c_int32, [c_void_p])

# Every C function of include/ferrolab.h: name -> (return type, argument types). Handles are
# c_void_p, arrays POINTER(element). A test checks these against the header's prototypes, type
# by type, so a signature changed in C cannot be called here with the old one.
_SIGNATURES = {
    # Status, messages, version, worker pool, memory budget.
    "ferrolab_status_str": (c_char_p, [c_int32]),
    "ferrolab_last_error": (c_int32, [c_char_p, c_size_t, _P(c_size_t)]),
    "ferrolab_version_string": (c_char_p, []),
    "ferrolab_abi_version": (c_int32, []),
    "ferrolab_set_num_threads": (c_int32, [c_size_t]),
    "ferrolab_num_threads": (c_int32, [_P(c_size_t)]),
    "ferrolab_set_max_alloc_bytes": (c_int32, [c_uint64]),
    "ferrolab_max_alloc_bytes": (c_int32, [_P(c_uint64)]),
    # Configuration.
    "ferrolab_config_new": (c_int32, [_P(c_void_p)]),
    "ferrolab_config_free": _FREE,
    "ferrolab_config_set_f64": (c_int32, [c_void_p, c_char_p, c_double]),
    "ferrolab_config_set_i64": (c_int32, [c_void_p, c_char_p, c_int64]),
    "ferrolab_config_set_str": (c_int32, [c_void_p, c_char_p, c_char_p]),
    "ferrolab_config_set_f64_array": (c_int32, [c_void_p, c_char_p, _P(c_double), c_size_t]),
    "ferrolab_config_set_i64_array": (c_int32, [c_void_p, c_char_p, _P(c_int64), c_size_t]),
    "ferrolab_config_reset": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_config_get_f64": (c_int32, [c_void_p, c_char_p, _P(c_double)]),
    "ferrolab_config_get_i64": (c_int32, [c_void_p, c_char_p, _P(c_int64)]),
    "ferrolab_config_get_str": (c_int32, [c_void_p, c_char_p, c_char_p, c_size_t, _P(c_size_t)]),
    "ferrolab_config_get_f64_array": (c_int32, [c_void_p, c_char_p, _P(c_double), c_size_t, _P(c_size_t)]),
    "ferrolab_config_get_i64_array": (c_int32, [c_void_p, c_char_p, _P(c_int64), c_size_t, _P(c_size_t)]),
    "ferrolab_config_last_error": _LAST_ERROR,
    "ferrolab_config_progress_info": _PROGRESS_INFO,
    "ferrolab_config_key_count": (c_int32, [_P(c_size_t)]),
    "ferrolab_config_key_name": (c_int32, [c_size_t, c_char_p, c_size_t, _P(c_size_t)]),
    "ferrolab_config_key_describe": (c_int32, [c_char_p, c_char_p, c_size_t, _P(c_size_t)]),
    # Films and loops.
    "ferrolab_polycrystal_new": (c_int32, [c_void_p, _P(c_void_p)]),
    "ferrolab_polycrystal_free": _FREE,
    "ferrolab_polycrystal_shape": (c_int32, [c_void_p, _P(c_size_t), _P(c_size_t)]),
    "ferrolab_polycrystal_grain_count": (c_int32, [c_void_p, _P(c_size_t)]),
    "ferrolab_polycrystal_cells": (c_int32, [c_void_p, _P(c_int32), _P(c_int32), _P(c_double), c_size_t, c_size_t]),
    "ferrolab_polycrystal_grains": (c_int32, [c_void_p, _P(c_double), _P(c_int32), _P(c_double), c_size_t]),
    "ferrolab_polycrystal_last_error": _LAST_ERROR,
    "ferrolab_polycrystal_progress_info": _PROGRESS_INFO,
    "ferrolab_pf_simulate_loop": (c_int32, [c_void_p, _P(c_double), _P(c_double), c_size_t, _P(c_size_t)]),
    "ferrolab_loop_features": (c_int32, [_P(c_double), _P(c_double), c_size_t, c_double, _P(c_double), c_size_t]),
    # Sweeps and datasets.
    "ferrolab_sweep_new": (c_int32, [c_void_p, c_char_p, c_size_t, c_size_t, _P(c_void_p)]),
    "ferrolab_sweep_run": (c_int32, [c_void_p]),
    "ferrolab_sweep_progress": (c_int32, [c_void_p, _P(c_size_t), _P(c_size_t)]),
    "ferrolab_sweep_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_sweep_free": _FREE,
    "ferrolab_sweep_last_error": _LAST_ERROR,
    "ferrolab_sweep_progress_info": _PROGRESS_INFO,
    "ferrolab_dataset_open": (c_int32, [c_char_p, _P(c_void_p)]),
    "ferrolab_dataset_shape": (c_int32, [c_void_p, _P(c_size_t), _P(c_size_t)]),
    "ferrolab_dataset_loops": (c_int32, [c_void_p, _P(c_double), _P(c_double), c_size_t, c_size_t]),
    "ferrolab_dataset_structures": (
        c_int32, [c_void_p, _P(c_double), _P(c_double), _P(c_int32), _P(c_uint64), _P(c_uint64), c_size_t]),
    "ferrolab_dataset_free": _FREE,
    "ferrolab_dataset_last_error": _LAST_ERROR,
    "ferrolab_dataset_progress_info": _PROGRESS_INFO,
    # Gaussian processes.
    "ferrolab_gp_fit": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t, _P(c_void_p)]),
    "ferrolab_gp_predict": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), _P(c_double)]),
    "ferrolab_gp_shape": (c_int32, [c_void_p, _P(c_size_t), _P(c_size_t)]),
    "ferrolab_gp_predict_covariance": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double)]),
    "ferrolab_gp_sample": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, c_size_t, c_uint64, _P(c_double)]),
    "ferrolab_gp_log_marginal_likelihood": (c_int32, [c_void_p, _P(c_double), c_size_t]),
    "ferrolab_gp_hyperparameters": (
        c_int32, [c_void_p, c_size_t, _P(c_double), _P(c_double), c_size_t, _P(c_size_t), _P(c_double),
                  _P(c_double)]),
    "ferrolab_gp_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_gp_load": (c_int32, [c_char_p, _P(c_void_p)]),
    "ferrolab_gp_free": _FREE,
    "ferrolab_gp_last_error": _LAST_ERROR,
    "ferrolab_gp_progress_info": _PROGRESS_INFO,
    # Band-excitation spectroscopy.
    "ferrolab_sho_fit": (
        c_int32, [c_void_p, _P(c_double), c_size_t, _P(c_double), _P(c_double), c_size_t, _P(c_double),
                  _P(c_double), _P(c_double), _P(c_int32)]),
    "ferrolab_phase_rotation": (c_int32, [_P(c_double), _P(c_double), c_size_t, _P(c_double)]),
    "ferrolab_piezoresponse": (c_int32, [_P(c_double), _P(c_double), c_size_t, c_double, _P(c_double)]),
    "ferrolab_loop_fit": (c_int32, [_P(c_double), c_size_t, _P(c_double), c_size_t, _P(c_double), _P(c_double)]),
    "ferrolab_loop_parameters": (c_int32, [_P(c_double), c_size_t, _P(c_double), c_size_t, _P(c_double)]),
    # Linear baselines and statistics.
    "ferrolab_pca": (
        c_int32, [_P(c_double), c_size_t, c_size_t, c_size_t, c_int32, _P(c_double), _P(c_double), _P(c_double)]),
    "ferrolab_nmf": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double), _P(c_double), _P(c_double)]),
    "ferrolab_dictionary_learning": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, c_double, _P(c_double), _P(c_double),
                  _P(c_double)]),
    "ferrolab_kmeans": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double), _P(c_int32), _P(c_double)]),
    "ferrolab_gmm": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double), _P(c_double), _P(c_double),
                  _P(c_int32), _P(c_double)]),
    "ferrolab_kde": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t, _P(c_double)]),
    "ferrolab_pearson_matrix": (
        c_int32, [_P(c_double), _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double)]),
    # Manifold learning.
    "ferrolab_tsne": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double), _P(c_double)]),
    "ferrolab_mds": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double), _P(c_double)]),
    "ferrolab_isomap": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double), _P(c_double)]),
    "ferrolab_trustworthiness": (
        c_int32, [_P(c_double), _P(c_double), c_size_t, c_size_t, c_size_t, c_size_t, _P(c_double)]),
    # Inverse design.
    "ferrolab_design_new": (c_int32, [c_void_p, c_char_p, c_char_p, c_int32, _P(c_void_p)]),
    "ferrolab_design_run": (c_int32, [c_void_p]),
    "ferrolab_design_progress": (c_int32, [c_void_p, _P(c_int32), _P(c_size_t), _P(c_size_t)]),
    "ferrolab_design_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_design_result": (c_int32, [c_void_p, _P(c_double), _P(c_double), _P(c_double)]),
    "ferrolab_design_free": _FREE,
    "ferrolab_design_last_error": _LAST_ERROR,
    "ferrolab_design_progress_info": _PROGRESS_INFO,
    # Variational autoencoders.
    "ferrolab_vae_new": (c_int32, [c_void_p, c_size_t, _P(c_void_p)]),
    "ferrolab_vae_set_checkpoint": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_vae_train": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t, _P(c_size_t)]),
    "ferrolab_vae_progress": (c_int32, [c_void_p, _P(c_size_t), _P(c_size_t)]),
    "ferrolab_vae_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_vae_shape": (c_int32, [c_void_p, _P(c_size_t), _P(c_size_t)]),
    "ferrolab_vae_history": (c_int32, [c_void_p, _P(c_double), c_size_t, _P(c_size_t)]),
    "ferrolab_vae_encode": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), _P(c_double), c_size_t]),
    "ferrolab_vae_decode": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t]),
    "ferrolab_vae_decode_grid": (
        c_int32, [c_void_p, c_double, c_double, c_size_t, _P(c_double), _P(c_double), c_size_t, c_size_t]),
    "ferrolab_vae_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_vae_load": (c_int32, [c_char_p, _P(c_void_p)]),
    "ferrolab_vae_free": _FREE,
    "ferrolab_vae_last_error": _LAST_ERROR,
    "ferrolab_vae_progress_info": _PROGRESS_INFO,
    # Paper 001's LSTM beta-VAE.
    "ferrolab_lstm_vae_new": (c_int32, [c_void_p, c_size_t, _P(c_void_p)]),
    "ferrolab_lstm_vae_set_checkpoint": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_lstm_vae_set_stage_dir": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_lstm_vae_train": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_size_t)]),
    "ferrolab_lstm_vae_progress": (c_int32, [c_void_p, _P(c_size_t), _P(c_size_t)]),
    "ferrolab_lstm_vae_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_lstm_vae_shape": (
        c_int32, [c_void_p, _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t)]),
    "ferrolab_lstm_vae_history": (c_int32, [c_void_p, _P(c_double), c_size_t, _P(c_size_t)]),
    "ferrolab_lstm_vae_stages": (c_int32, [c_void_p, _P(c_double), _P(c_double), c_size_t, c_size_t, _P(c_size_t)]),
    "ferrolab_lstm_vae_selected_stage": (c_int32, [c_void_p, _P(c_int64)]),
    "ferrolab_lstm_vae_encode": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), _P(c_double), _P(c_double), _P(c_double),
                  c_size_t, c_size_t]),
    "ferrolab_lstm_vae_decode": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t]),
    "ferrolab_lstm_vae_reconstruct": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double)]),
    "ferrolab_lstm_vae_residuals": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double)]),
    "ferrolab_lstm_vae_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_lstm_vae_load": (c_int32, [c_char_p, _P(c_void_p)]),
    "ferrolab_lstm_vae_free": _FREE,
    "ferrolab_lstm_vae_last_error": _LAST_ERROR,
    "ferrolab_lstm_vae_progress_info": _PROGRESS_INFO,
    # The rotationally invariant VAE (papers 002/004).
    "ferrolab_rvae_new": (c_int32, [c_void_p, c_size_t, c_size_t, _P(c_void_p)]),
    "ferrolab_rvae_set_checkpoint": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_rvae_train": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_size_t)]),
    "ferrolab_rvae_progress": (c_int32, [c_void_p, _P(c_size_t), _P(c_size_t)]),
    "ferrolab_rvae_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_rvae_shape": (
        c_int32, [c_void_p, _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t)]),
    "ferrolab_rvae_history": (c_int32, [c_void_p, _P(c_double), c_size_t, _P(c_size_t)]),
    "ferrolab_rvae_encode": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), _P(c_double), _P(c_double), _P(c_double),
                  _P(c_double), _P(c_double), c_size_t]),
    "ferrolab_rvae_decode": (
        c_int32, [c_void_p, _P(c_double), _P(c_double), _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t]),
    "ferrolab_rvae_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_rvae_load": (c_int32, [c_char_p, _P(c_void_p)]),
    "ferrolab_rvae_free": _FREE,
    "ferrolab_rvae_last_error": _LAST_ERROR,
    "ferrolab_rvae_progress_info": _PROGRESS_INFO,
    # AtomAI's U-Net (papers 002/004).
    "ferrolab_unet_new": (c_int32, [c_void_p, _P(c_void_p)]),
    "ferrolab_unet_set_checkpoint": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_unet_train": (
        c_int32, [c_void_p, _P(c_double), _P(c_uint8), c_size_t, c_size_t, c_size_t, _P(c_double), c_size_t,
                  _P(c_size_t)]),
    "ferrolab_unet_progress_info": _PROGRESS_INFO,
    "ferrolab_unet_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_unet_probabilities": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_float), c_size_t]),
    "ferrolab_unet_segment": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_uint8)]),
    "ferrolab_unet_find_atoms": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t, _P(c_size_t)]),
    "ferrolab_unet_shape": (
        c_int32, [c_void_p, _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t)]),
    "ferrolab_unet_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_unet_load": (c_int32, [c_char_p, _P(c_void_p)]),
    "ferrolab_unet_free": _FREE,
    "ferrolab_unet_last_error": _LAST_ERROR,
    # Encoder-decoders, the automated-experiment session and the simulated sample.
    "ferrolab_im2spec_new": (c_int32, [c_void_p, c_size_t, c_size_t, c_size_t, _P(c_void_p)]),
    "ferrolab_im2spec_set_checkpoint": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_im2spec_train": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double), c_size_t, _P(c_double),
                  c_size_t, _P(c_size_t)]),
    "ferrolab_im2spec_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_im2spec_predict": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, c_size_t, _P(c_double), _P(c_double)]),
    "ferrolab_im2spec_encode": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double), c_size_t]),
    "ferrolab_im2spec_decode": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, _P(c_double)]),
    "ferrolab_im2spec_shape": (
        c_int32, [c_void_p, _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t)]),
    "ferrolab_im2spec_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_im2spec_load": (c_int32, [c_char_p, _P(c_void_p)]),
    "ferrolab_im2spec_free": _FREE,
    "ferrolab_im2spec_last_error": _LAST_ERROR,
    "ferrolab_im2spec_progress_info": _PROGRESS_INFO,
    "ferrolab_spec2im_new": (c_int32, [c_void_p, c_size_t, c_size_t, c_size_t, _P(c_void_p)]),
    "ferrolab_spec2im_set_checkpoint": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_spec2im_train": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t, c_size_t, _P(c_double),
                  c_size_t, _P(c_size_t)]),
    "ferrolab_spec2im_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_spec2im_predict": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, c_size_t, _P(c_double), _P(c_double)]),
    "ferrolab_spec2im_encode": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t]),
    "ferrolab_spec2im_decode": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, c_size_t, c_size_t, _P(c_double)]),
    "ferrolab_spec2im_shape": (
        c_int32, [c_void_p, _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t)]),
    "ferrolab_spec2im_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_spec2im_load": (c_int32, [c_char_p, _P(c_void_p)]),
    "ferrolab_spec2im_free": _FREE,
    "ferrolab_spec2im_last_error": _LAST_ERROR,
    "ferrolab_spec2im_progress_info": _PROGRESS_INFO,
    "ferrolab_ae_new": (c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t, _P(c_void_p)]),
    "ferrolab_ae_add_measurements": (
        c_int32, [c_void_p, _P(c_int64), _P(c_int64), _P(c_double), c_size_t, c_size_t, _P(c_double)]),
    "ferrolab_ae_update": (c_int32, [c_void_p]),
    "ferrolab_ae_request_cancel": (c_int32, [c_void_p]),
    "ferrolab_ae_rank": (
        c_int32, [c_void_p, c_size_t, _P(c_int64), _P(c_int64), _P(c_double), _P(c_double), _P(c_double), c_size_t,
                  _P(c_size_t)]),
    "ferrolab_ae_predict": (
        c_int32, [c_void_p, _P(c_int64), _P(c_int64), c_size_t, _P(c_double), _P(c_double), c_size_t, _P(c_double),
                  c_size_t, _P(c_size_t)]),
    "ferrolab_ae_maps": (
        c_int32, [c_void_p, c_size_t, c_size_t, _P(c_double), _P(c_double), _P(c_double), _P(c_double),
                  _P(c_double), c_size_t, _P(c_size_t)]),
    "ferrolab_ae_shape": (
        c_int32, [c_void_p, _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_size_t), _P(c_int32)]),
    "ferrolab_ae_save": (c_int32, [c_void_p, c_char_p]),
    "ferrolab_ae_load": (c_int32, [c_char_p, _P(c_void_p)]),
    "ferrolab_ae_free": _FREE,
    "ferrolab_ae_last_error": _LAST_ERROR,
    "ferrolab_ae_progress_info": _PROGRESS_INFO,
    "ferrolab_sample_generate": (
        c_int32, [c_void_p, _P(c_double), c_size_t, c_size_t, _P(c_double), c_size_t, _P(c_double), _P(c_int32)]),
}


def _load():
    path = _library_path()
    try:
        cdll = ctypes.CDLL(str(path))
    except OSError as err:
        raise ImportError(f"ferrolab: cannot load {path}: {err}") from err
    for name, (restype, argtypes) in _SIGNATURES.items():
        fn = getattr(cdll, name)
        fn.restype = restype
        fn.argtypes = argtypes
    abi = cdll.ferrolab_abi_version()
    if abi != ABI_VERSION:
        raise ImportError(f"ferrolab: {path} has C ABI version {abi}; this package needs {ABI_VERSION}")
    return path, cdll


# `lib.ferrolab_*` are the C functions. ctypes releases the GIL for each call, so other Python
# threads run (and may cancel a long job) while one blocks in C.
path, lib = _load()


def last_error():
    """This thread's last failure message (ferrolab keeps one per thread)."""
    return read_string(lib.ferrolab_last_error)


def check(status):
    """Raise the exception of a negative status (with this thread's message); return others."""
    if status < 0:
        raise errors.from_status(status, last_error())
    return status


def read_string(call):
    """Read an snprintf-style string output `call(buf, cap, &needed)` in full. The first buffer
    holds any message or key description; a longer text is read again at its size (a truncated
    read also leaves a warning as the last message, so it should stay rare)."""
    size = 1024
    while True:
        buf = ctypes.create_string_buffer(size)
        needed = c_size_t(0)
        status = check(call(buf, size, ctypes.byref(needed)))
        if status != errors.WARN_TRUNCATED:
            return buf.value.decode()
        size = needed.value


def encode_path(path):
    """A path (str, bytes or os.PathLike) as the bytes the C API takes (UTF-8 on Linux; bytes
    that are not UTF-8 come back from C as an ArgumentError naming the argument)."""
    return os.fsencode(path)


_CTYPES = {np.dtype(np.float64): c_double, np.dtype(np.int32): c_int32, np.dtype(np.int64): c_int64,
           np.dtype(np.uint64): c_uint64, np.dtype(np.uint8): c_uint8, np.dtype(np.float32): c_float}


def ptr(array):
    """The data pointer of an array for a C argument. Only arrays that passed `_check.array` (or
    were allocated here) reach C, so anything else is a bug in this package, not in the caller's
    data: refuse it rather than let C read memory of another layout."""
    if not (isinstance(array, np.ndarray) and array.flags.c_contiguous and array.dtype in _CTYPES):
        raise errors.InternalError(errors.ERR_PANIC, "ferrolab: an unchecked array reached C (a bug)")
    return array.ctypes.data_as(POINTER(_CTYPES[array.dtype]))
