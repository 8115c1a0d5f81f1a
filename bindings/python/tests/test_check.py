"""The argument checker every wrapper uses before calling C (ferrolab._check)."""
import numpy as np
import pytest

import ferrolab
from ferrolab._check import Args


def test_converts_to_contiguous_native_float64():
    base = np.arange(12, dtype=">i4").reshape(3, 4)  # big-endian integers
    for given in (base, base.T.copy().T, base[:, ::2], base.astype(np.float32), base.tolist(), base.astype(bool)):
        out = Args("f").array("x", given, (None, None))
        assert out.dtype == np.float64 and out.flags.c_contiguous and out.dtype.isnative
        np.testing.assert_array_equal(out, np.asarray(given, dtype=np.float64))


def test_integer_arrays_for_integer_keys():
    out = Args("f").array("k", [1, 2, 3], (None,), dtype=np.int64)
    assert out.dtype == np.int64 and out.tolist() == [1, 2, 3]
    with pytest.raises(ferrolab.WrongTypeError, match="k must hold integers; got dtype float64"):
        Args("f").array("k", [1.5, 2.0], (None,), dtype=np.int64)
    with pytest.raises(ferrolab.OutOfRangeError, match="beyond int64"):
        Args("f").array("k", np.array([2**63], np.uint64), (None,), dtype=np.int64)


def test_byte_arrays_for_masks():
    out = Args("f").array("m", [[0, 1], [2, 255]], (None, 2), dtype=np.uint8)
    assert out.dtype == np.uint8 and out.tolist() == [[0, 1], [2, 255]]
    assert Args("f").array("m", np.array([True, False]), (None,), dtype=np.uint8).tolist() == [1, 0]
    for values in ([256], [-1], np.array([300], np.int16)):
        with pytest.raises(ferrolab.OutOfRangeError, match="m holds values beyond uint8"):
            Args("f").array("m", values, (None,), dtype=np.uint8)
    with pytest.raises(ferrolab.WrongTypeError, match=r"m must hold integers in \[0, 255\]; got dtype float64"):
        Args("f").array("m", [0.0, 1.0], (None,), dtype=np.uint8)


@pytest.mark.parametrize("value, dtype", [
    (np.ones(3, complex), "complex128"),
    (["1", "2"], "<U1"),
    (np.array(["2024-01-01"], "datetime64[D]"), "datetime64[D]"),
    ([1.0, object()], "object"),
])
def test_refuses_what_is_not_a_real_number(value, dtype):
    with pytest.raises(ferrolab.WrongTypeError) as err:
        Args("sho_fit").array("re", value, (None,))
    assert str(err.value) == f"sho_fit: re must hold real numbers; got dtype {dtype}"
    assert isinstance(err.value, ValueError) and isinstance(err.value, TypeError)


def test_object_arrays_of_numbers_convert():
    # None is a missing value, NaN, as in pandas; C then refuses it by name (or flags it, in fits).
    out = Args("f").array("x", np.array([1, 2.5, None], dtype=object), (None,))
    assert out[:2].tolist() == [1.0, 2.5] and np.isnan(out[2])


def test_ragged_lists_are_refused_by_name():
    with pytest.raises(ferrolab.ArgumentError, match="f: x is not an array of real numbers"):
        Args("f").array("x", [[1.0, 2.0], [3.0]], (None, None))


def test_shapes_name_the_argument_and_both_shapes():
    a = Args("GaussianProcess.fit")
    a.array("X", np.zeros((40, 2)), ("n", "d"))
    with pytest.raises(ferrolab.ArgumentError) as err:
        a.array("y", np.zeros(10), ("n",), ("n", "m"))
    assert str(err.value) == ("GaussianProcess.fit: y must have shape (n,) or (n, m) with n = 40 (from "
                              "X.shape[0]); got shape (10,)")
    assert err.value.status == ferrolab.errors.ERR_INVALID_ARGUMENT
    with pytest.raises(ferrolab.ArgumentError, match=r"x must have shape \(n, 9\); got shape \(3, 8\)"):
        Args("f").array("x", np.zeros((3, 8)), ("n", 9))
    with pytest.raises(ferrolab.ArgumentError, match=r"x must have shape \(any,\); got shape \(\)"):
        Args("f").array("x", 3.0, (None,))


def test_bound_dimensions_and_any_shape():
    a = Args("Vae.decode")
    a.bind("k", 2, "the model's latent_dim")
    with pytest.raises(ferrolab.ArgumentError, match=r"with k = 2 \(from the model's latent_dim\); got shape \(5, 3\)"):
        a.array("Z", np.zeros((5, 3)), ("n", "k"))
    assert Args("f").array("x", np.zeros((2, 3, 4))).shape == (2, 3, 4)
    assert a.dim("k") == 2


def test_scalars():
    a = Args("f")
    assert a.integer("k", np.int64(3)) == 3 and type(a.integer("k", np.int64(3))) is int
    assert a.real("t", 2) == 2.0 and a.real("t", np.float32(0.5)) == 0.5
    with pytest.raises(ferrolab.WrongTypeError, match="k must be an integer; got float 2.0"):
        a.integer("k", 2.0)
    with pytest.raises(ferrolab.WrongTypeError, match="k must be an integer; got bool True"):
        a.integer("k", True)
    with pytest.raises(ferrolab.OutOfRangeError, match=r"k must be in \[1, 5\]; got 0"):
        a.integer("k", 0, minimum=1, maximum=5)
    with pytest.raises(ferrolab.OutOfRangeError, match=r"seed must be in \[0, 18446744073709551615\]; got 18446744073709551616"):
        a.integer("seed", 2**64)
    with pytest.raises(ferrolab.WrongTypeError, match="t must be a real number; got str '1'"):
        a.real("t", "1")
