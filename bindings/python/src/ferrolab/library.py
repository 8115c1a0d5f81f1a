"""Process-wide calls: version, status texts, messages, the worker pool and the memory budget."""
import ctypes
from ctypes import c_size_t, c_uint64

from . import _lib
from ._check import Args


def version():
    """The library's version, "MAJOR.MINOR.PATCH"."""
    return _lib.lib.ferrolab_version_string().decode()


def abi_version():
    """The C ABI version of the loaded library (this package checks it on import)."""
    return _lib.lib.ferrolab_abi_version()


def library_path():
    """The file of the loaded libferrolab (the copy bundled in the package when installed)."""
    return _lib.path


def status_str(code):
    """The library's static text of a status code ("unknown status code" for unknown ones)."""
    code = Args("status_str").integer("code", code, -(1 << 31), (1 << 31) - 1)
    return _lib.lib.ferrolab_status_str(code).decode()


def last_error():
    """This thread's last failure message ("" if no call on this thread has failed)."""
    return _lib.last_error()


def set_num_threads(n):
    """Size ferrolab's worker pool: `n` threads, or one per core when `n` is 0. Affects every
    later call in the process; calls already running finish on the old pool."""
    _lib.check(_lib.lib.ferrolab_set_num_threads(Args("set_num_threads").integer("n", n)))


def num_threads():
    """The number of threads the worker pool has, or will have when first used."""
    out = c_size_t()
    _lib.check(_lib.lib.ferrolab_num_threads(ctypes.byref(out)))
    return out.value


def set_max_alloc_bytes(n):
    """Set the process's memory budget in bytes (0: the default, FERROLAB_MAX_ALLOC_BYTES or half
    the physical memory). Calls whose allocation a size drives raise `OutOfMemoryError` (a
    MemoryError) naming the argument instead of allocating more."""
    _lib.check(_lib.lib.ferrolab_set_max_alloc_bytes(Args("set_max_alloc_bytes").integer("n", n)))


def max_alloc_bytes():
    """The memory budget in force, in bytes."""
    out = c_uint64()
    _lib.check(_lib.lib.ferrolab_max_alloc_bytes(ctypes.byref(out)))
    return out.value
