"""C handles as Python objects, and long jobs that can be watched and cancelled.

Every ferrolab object type `<object>` has ferrolab_<object>_free, _last_error and _progress_info;
`Handle` gives them to each Python class once. A handle is freed exactly once: by `close()`, by
leaving a `with` block, or when the object is garbage-collected (weakref.finalize, which also runs
at interpreter exit while the library is still loaded).
"""
import ctypes
import threading
import weakref
from collections import namedtuple
from ctypes import c_double, c_int32, c_uint64, c_void_p

from . import _lib, errors

Progress = namedtuple("Progress", "done total stage last_loss")
Progress.__doc__ = """Progress of an object's long job: units `done` of `total` in the current `stage`
(structures, epochs or films) and the `last_loss` of training (NaN before any)."""


def _free(function_name, handle):
    getattr(_lib.lib, function_name)(handle)


class Handle:
    """Owns one C handle of type `_object` (the <object> of the ferrolab_<object>_* names)."""

    _object = None

    def __init__(self, handle):
        self._handle = handle
        self._finalizer = weakref.finalize(self, _free, f"ferrolab_{self._object}_free", handle)

    @property
    def _h(self):
        """The C handle; a closed object refuses every call instead of passing C a NULL."""
        if not self._finalizer.alive:
            raise errors.ArgumentError(errors.ERR_INVALID_HANDLE,
                                       f"{type(self).__name__}: the object is closed")
        return self._handle

    def close(self):
        """Release the C object now (also done when the object is garbage-collected)."""
        self._finalizer()

    @property
    def closed(self):
        return not self._finalizer.alive

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _call(self, suffix, *args):
        """Call ferrolab_<object>_<suffix>(handle, *args) and check its status."""
        return _lib.check(getattr(_lib.lib, f"ferrolab_{self._object}_{suffix}")(self._h, *args))

    def last_error(self):
        """The message of the last failed call on this object, from any thread ("" if none)."""
        fn = getattr(_lib.lib, f"ferrolab_{self._object}_last_error")
        h = self._h
        return _lib.read_string(lambda buf, cap, needed: fn(h, buf, cap, needed))

    def progress_info(self):
        """`Progress` of this object's long job; safe from any thread while the job runs."""
        done, total, stage, loss = c_uint64(), c_uint64(), c_int32(), c_double()
        self._call("progress_info", ctypes.byref(done), ctypes.byref(total), ctypes.byref(stage), ctypes.byref(loss))
        return Progress(done.value, total.value, stage.value, loss.value)


def new_handle(function, *args):
    """Call a constructor `function(*args, &out)` and return the new handle."""
    out = c_void_p()
    _lib.check(function(*args, ctypes.byref(out)))
    return out


def run_job(owner, call, progress=None, interval=0.2):
    """Run the blocking C job `call()` of `owner` (a Handle with request_cancel) so that Python
    stays responsive: the job runs on a helper thread while this thread calls `progress(owner.
    progress_info())` every `interval` seconds. Ctrl-C (KeyboardInterrupt) or an exception from
    `progress` asks the job to cancel, waits for it to stop (its checkpoints are kept, so running
    it again resumes) and re-raises. Returns `call()`'s status; its errors are raised here."""
    outcome = {}

    def work():
        try:
            # Checked on this thread: ferrolab's error message is per thread.
            outcome["status"] = _lib.check(call())
        except errors.FerrolabError as err:
            outcome["error"] = err

    worker = threading.Thread(target=work, name=f"ferrolab-{owner._object}", daemon=True)
    worker.start()
    try:
        while worker.is_alive():
            worker.join(interval)
            if progress is not None and worker.is_alive():
                progress(owner.progress_info())
    except BaseException:
        owner.request_cancel()
        worker.join()
        raise
    if "error" in outcome:
        raise outcome["error"]
    return outcome["status"]
