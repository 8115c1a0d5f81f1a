"""The exceptions: one class per kind of failure, each also a standard Python exception.

Every failed call raises a `FerrolabError` carrying the C status code (`status`, one of the
`FERROLAB_ERR_*` values of ferrolab.h) and ferrolab's message (`message`, naming the function
and the argument or key). The subclasses sort the codes by what the caller can do about them, and
each also derives from the built-in exception that Python code already catches for that case:

==========================  =================================  ====================
class                        C status                           built-in base
==========================  =================================  ====================
`ArgumentError`              INVALID_ARGUMENT, NULL_POINTER,    ValueError
                             INVALID_HANDLE, INVALID_UTF8
`NonFiniteError`             NON_FINITE                         ValueError
`UnknownKeyError`            UNKNOWN_KEY                        ValueError
`OutOfRangeError`            OUT_OF_RANGE                       ValueError
`WrongTypeError`             WRONG_TYPE                         ValueError, TypeError
`CorruptFileError`           CORRUPT_FILE                       ValueError
`FileError`                  IO                                 OSError
`NumericalError`             NUMERICAL                          ArithmeticError
`OutOfMemoryError`           OUT_OF_MEMORY                      MemoryError
`CancelledError`             CANCELLED                          RuntimeError
`BusyError`                  BUSY                               RuntimeError
`ThreadPoolError`            THREAD_POOL                        RuntimeError
`InternalError`              PANIC                              RuntimeError
==========================  =================================  ====================

Checks done in Python before a call (array shapes, dtypes, names of options) raise the same
classes with the status the C side would have given (`ArgumentError` with INVALID_ARGUMENT,
`WrongTypeError` with WRONG_TYPE), so a caller never needs to know which side refused.
`NotFittedError` (an `ArgumentError` and an `AttributeError`, as scikit-learn's) is raised when a
model is used before `fit`.
"""

# The status codes of include/ferrolab.h (append-only there, so these never change meaning).
OK = 0
WARN_TRUNCATED = 1
WARN_NO_SELECTION = 2
ERR_PANIC = -1
ERR_NULL_POINTER = -2
ERR_INVALID_ARGUMENT = -3
ERR_NON_FINITE = -4
ERR_INVALID_HANDLE = -5
ERR_UNKNOWN_KEY = -6
ERR_OUT_OF_RANGE = -7
ERR_WRONG_TYPE = -8
ERR_INVALID_UTF8 = -9
ERR_THREAD_POOL = -10
ERR_NUMERICAL = -11
ERR_CANCELLED = -12
ERR_IO = -13
ERR_CORRUPT_FILE = -14
ERR_OUT_OF_MEMORY = -15
ERR_BUSY = -16


class FerrolabError(Exception):
    """A failed call: `status` is the C status code, `message` ferrolab's text."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message

    def __str__(self):
        return self.message

    # Exceptions are pickled as cls(*args); ours take (status, message), so say so explicitly
    # (multiprocessing and concurrent.futures send exceptions between processes this way).
    def __reduce__(self):
        return type(self), (self.status, self.message)


class ArgumentError(FerrolabError, ValueError):
    """An argument is invalid: a size, shape, index, a NULL or freed handle, a bad string."""


class NonFiniteError(ArgumentError):
    """An input holds NaN or infinity (the message names the element)."""


class UnknownKeyError(ArgumentError):
    """No configuration key of that name exists (the message suggests the nearest ones)."""


class OutOfRangeError(ArgumentError):
    """A value is outside its valid range, or keys are inconsistent together."""


class WrongTypeError(ArgumentError, TypeError):
    """A value has the wrong type: a configuration key holds another type, or an array is not
    numeric where numbers are needed."""


class CorruptFileError(FerrolabError, ValueError):
    """A file is damaged, foreign or of an unsupported version (the message says which)."""


class FileError(FerrolabError, OSError):
    """A file could not be read or written (the message names it)."""


class NumericalError(FerrolabError, ArithmeticError):
    """The computation became unphysical or did not converge (the message says where)."""


class OutOfMemoryError(FerrolabError, MemoryError):
    """The call would need more memory than the budget allows (`set_max_alloc_bytes`); nothing
    was allocated."""


class CancelledError(FerrolabError, RuntimeError):
    """A long job was cancelled on request; a later run resumes from its checkpoints."""


class BusyError(FerrolabError, RuntimeError):
    """The object or output folder is in use by another call or process; try again later."""


class ThreadPoolError(FerrolabError, RuntimeError):
    """ferrolab's worker pool could not be sized or started."""


class InternalError(FerrolabError, RuntimeError):
    """A bug inside ferrolab, caught at the C boundary: please report it with the message."""


class NoSelectionWarning(UserWarning):
    """Not an error: an LSTM VAE finished training but no stage reached its target count of
    active latent channels (the C warning FERROLAB_WARN_NO_SELECTION); the message gives every
    stage's count. The model is usable, with its latest weights."""


class NotFittedError(ArgumentError, AttributeError):
    """A model was used before `fit` (or `load`)."""

    def __init__(self, message):
        super().__init__(ERR_INVALID_ARGUMENT, message)

    def __reduce__(self):
        return type(self), (self.message,)


_BY_STATUS = {
    ERR_PANIC: InternalError,
    ERR_NULL_POINTER: ArgumentError,
    ERR_INVALID_ARGUMENT: ArgumentError,
    ERR_NON_FINITE: NonFiniteError,
    ERR_INVALID_HANDLE: ArgumentError,
    ERR_UNKNOWN_KEY: UnknownKeyError,
    ERR_OUT_OF_RANGE: OutOfRangeError,
    ERR_WRONG_TYPE: WrongTypeError,
    ERR_INVALID_UTF8: ArgumentError,
    ERR_THREAD_POOL: ThreadPoolError,
    ERR_NUMERICAL: NumericalError,
    ERR_CANCELLED: CancelledError,
    ERR_IO: FileError,
    ERR_CORRUPT_FILE: CorruptFileError,
    ERR_OUT_OF_MEMORY: OutOfMemoryError,
    ERR_BUSY: BusyError,
}


def from_status(status, message):
    """The exception for a negative status: its class, or `FerrolabError` itself for a code
    newer than this package (codes are append-only, so an old package still reports them)."""
    return _BY_STATUS.get(status, FerrolabError)(status, message)
