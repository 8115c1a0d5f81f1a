"""Argument checks done before every C call: the one place arrays are converted for C.

The C API takes bare pointers with sizes, so it cannot tell a 10-row array passed as 40 rows from a
right one: it would read past the end. Every wrapper therefore passes each array argument through
`Args.array`, which

- converts it to a C-contiguous array of the element type C reads (float64 for every input of
  ferrolab.h but the U-Net's uint8 masks), refusing complex, text, dates and objects that are not numbers
  (`WrongTypeError`), instead of silently dropping an imaginary part or parsing strings;
- checks its number of dimensions and each extent against the expected shape, whose entries are
  an exact size (int), a named dimension (str) shared by the call's arrays and bound by the first
  array that has it, or None (any size) (`ArgumentError`, naming the argument, the expected and
  the given shape);

and scalar arguments through `Args.integer` / `Args.real`, since ctypes would wrap a negative
count into a huge size_t. Errors are raised before C is called and name the function.
"""
import numbers

import numpy as np

from . import errors

# The element types the inputs may have for a float64 or an int64 argument: booleans, integers,
# reals. Complex ('c'), text ('U', 'S'), datetimes ('M', 'm'), raw bytes ('V') are refused.
_NUMERIC_KINDS = {np.dtype(np.float64): "biuf", np.dtype(np.int64): "biu", np.dtype(np.uint8): "biu"}
_KIND_NAMES = {np.dtype(np.float64): "real numbers", np.dtype(np.int64): "integers",
               np.dtype(np.uint8): "integers in [0, 255]"}


def _fmt(shape):
    """A shape as text: (n, d), (n,) or ()."""
    items = ["any" if s is None else str(s) for s in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


class Args:
    """The checks of one call's arguments, in order; `where` names the function in messages."""

    def __init__(self, where):
        self.where = where
        self._dims = {}  # named dimension -> (size, which argument set it)

    def bind(self, symbol, size, origin):
        """Fix a named dimension before any array, e.g. the input dimension of a fitted model."""
        self._dims[symbol] = (int(size), origin)

    def dim(self, symbol):
        """The size a named dimension was bound to."""
        return self._dims[symbol][0]

    def _fail(self, message, cls=errors.ArgumentError, status=errors.ERR_INVALID_ARGUMENT):
        raise cls(status, f"{self.where}: {message}")

    def array(self, name, value, *shapes, dtype=np.float64):
        """`value` as a C-contiguous array of `dtype`, checked against one of `shapes` (tuples;
        the one with the array's number of dimensions applies; none given: any shape, for
        element-wise calls)."""
        dtype = np.dtype(dtype)
        if isinstance(value, np.ndarray):
            a = value
        else:
            try:
                a = np.asarray(value)
            except (ValueError, TypeError) as err:  # ragged nested lists
                self._fail(f"{name} is not an array of {_KIND_NAMES[dtype]} ({err})")
        if a.dtype.kind == "O":
            # Lists mixing numbers and None, Decimal, ...: numbers convert, anything else is refused.
            try:
                a = a.astype(dtype)
            except (ValueError, TypeError):
                self._wrong_type(name, a, dtype)
        elif a.dtype.kind not in _NUMERIC_KINDS[dtype]:
            self._wrong_type(name, a, dtype)
        if dtype.kind in "iu" and a.dtype.kind in "iu" and a.size:
            # Integers that the C type cannot hold would wrap (a class 256 becoming class 0).
            info = np.iinfo(dtype)
            if int(a.max()) > info.max or int(a.min()) < info.min:
                self._fail(f"{name} holds values beyond {dtype.name}", errors.OutOfRangeError,
                           errors.ERR_OUT_OF_RANGE)
        if shapes:
            self._check_shape(name, a.shape, shapes)
        return np.ascontiguousarray(a, dtype=dtype)

    def _wrong_type(self, name, a, dtype):
        self._fail(f"{name} must hold {_KIND_NAMES[dtype]}; got dtype {a.dtype}", errors.WrongTypeError,
                   errors.ERR_WRONG_TYPE)

    def _check_shape(self, name, given, shapes):
        expected = " or ".join(_fmt(s) for s in shapes)
        shape = next((s for s in shapes if len(s) == len(given)), None)
        if shape is None:
            self._fail(f"{name} must have shape {expected}; got shape {_fmt(given)}")
        for axis, (want, size) in enumerate(zip(shape, given)):
            if want is None:
                continue
            if isinstance(want, int):
                if size != want:
                    self._fail(f"{name} must have shape {expected}; got shape {_fmt(given)}")
                continue
            bound = self._dims.get(want)
            if bound is None:
                self._dims[want] = (size, f"{name}.shape[{axis}]")
            elif bound[0] != size:
                self._fail(f"{name} must have shape {expected} with {want} = {bound[0]} (from {bound[1]}); "
                           f"got shape {_fmt(given)}")

    def integer(self, name, value, minimum=0, maximum=(1 << 64) - 1):
        """`value` as a Python int in [minimum, maximum], by default the range of size_t and
        uint64_t, which ctypes would otherwise wrap silently (bool is refused: it is no count)."""
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            self._fail(f"{name} must be an integer; got {type(value).__name__} {value!r}", errors.WrongTypeError,
                       errors.ERR_WRONG_TYPE)
        if not minimum <= value <= maximum:
            self._fail(f"{name} must be in [{minimum}, {maximum}]; got {value}", errors.OutOfRangeError,
                       errors.ERR_OUT_OF_RANGE)
        return int(value)

    def real(self, name, value):
        """`value` as a Python float (NaN and infinity are left to C, which refuses them by name)."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            self._fail(f"{name} must be a real number; got {type(value).__name__} {value!r}",
                       errors.WrongTypeError, errors.ERR_WRONG_TYPE)
        return float(value)
