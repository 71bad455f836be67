"""Tensor construction, constructors, attributes and conversions, repr, operators with Python
numbers and numpy arrays on either side, comparisons (API contract: "Tensor construction",
"Attributes and conversions", "Operations")."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor
from tinygrad_edu.testing import arrays_in, shapes, tensors
from tinygrad_edu.testing.op_table import Domain

# ----------------------------------------------------------------------------------------------
# Construction


@pytest.mark.parametrize(
    ("data", "shape"),
    [(3, ()), (2.5, ()), ([1, 2, 3], (3,)), ([[1.0, 2.0], [3.0, 4.0]], (2, 2)), ([], (0,))],
)
def test_from_python_values_is_float64(data: object, shape: tuple[int, ...]) -> None:
    t = Tensor(data)
    assert t.dtype == np.float64 and t.shape == shape
    np.testing.assert_array_equal(t.numpy(), np.array(data, dtype=np.float64))


@pytest.mark.parametrize(
    "arr", [np.array([1, 2], dtype=np.int32), np.array([True, False]), np.array([3], np.uint8)]
)
def test_ints_and_bools_become_float64(arr: np.ndarray) -> None:
    t = Tensor(arr)
    assert t.dtype == np.float64
    np.testing.assert_array_equal(t.numpy(), arr.astype(np.float64))
    assert Tensor(True).dtype == np.float64 and Tensor(True).item() == 1.0


def test_float32() -> None:
    t = Tensor([1.0, 2.0], dtype=np.float32)
    assert t.dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.float32)).dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.float32), dtype=np.float64).dtype == np.float64
    assert Tensor([1, 2], dtype="float32").dtype == np.float32
    assert Tensor(t).dtype == np.float32
    assert Tensor.zeros(2, dtype=np.float32).dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int32, np.int64, bool, np.complex128])
def test_non_float_dtype_raises_naming_the_dtype(dtype: type) -> None:
    with pytest.raises(TypeError, match="dtype") as info:
        Tensor([1.0], dtype=dtype)
    assert np.dtype(dtype).name in str(info.value)
    assert "float" in str(info.value)


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        ("abc", TypeError, "string"),
        (None, TypeError, "NoneType"),
        (1 + 2j, TypeError, "complex"),
        ([[1.0, 2.0], [3.0]], ValueError, "rectangular"),
        ([1.0, "a"], TypeError, "string"),
        ({"a": 1}, TypeError, "dict"),
    ],
)
def test_bad_data_raises_a_clear_error(data: object, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        Tensor(data)


def test_requires_grad_on_construction() -> None:
    t = Tensor([1.0], requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.grad is None and t.grad_fn is None
    assert not Tensor([1.0]).requires_grad


# ----------------------------------------------------------------------------------------------
# zeros, ones, randn


@pytest.mark.parametrize("make", [Tensor.zeros, Tensor.ones])
def test_zeros_and_ones(make: object) -> None:
    a, b = make(2, 3), make((2, 3))
    assert a.shape == b.shape == (2, 3) and a.dtype == np.float64
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert make(4, requires_grad=True).requires_grad
    assert make().shape == ()
    fill = 0.0 if make is Tensor.zeros else 1.0
    assert (a.numpy() == fill).all()


def test_randn_seed_and_rng() -> None:
    a, b = Tensor.randn(3, 4, seed=7), Tensor.randn((3, 4), seed=7)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), Tensor.randn(3, 4, seed=8).numpy())
    c = Tensor.randn(3, 4, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    np.testing.assert_array_equal(a.numpy(), np.random.default_rng(7).standard_normal((3, 4)))
    rng = np.random.default_rng(0)
    first, second = Tensor.randn(2, rng=rng), Tensor.randn(2, rng=rng)
    assert not np.array_equal(first.numpy(), second.numpy())  # the generator advances
    assert Tensor.randn(2, seed=0, requires_grad=True).requires_grad
    assert Tensor.randn(1000, seed=1).numpy().std() == pytest.approx(1.0, abs=0.1)
    with pytest.raises(TypeError, match="Generator"):
        Tensor.randn(2, rng=np.random.RandomState(0))


@pytest.mark.parametrize("make", [Tensor.zeros, Tensor.ones, Tensor.randn])
def test_bad_shapes_in_constructors(make: object) -> None:
    with pytest.raises(TypeError, match="int"):
        make(2.5)
    with pytest.raises(ValueError, match=">= 0"):
        make(-2, 3)


# ----------------------------------------------------------------------------------------------
# Attributes and conversions


@given(tensors(max_side=3))
def test_attributes_agree_with_numpy(t: Tensor) -> None:
    arr = t.numpy()
    assert isinstance(arr, np.ndarray)
    assert t.shape == arr.shape and isinstance(t.shape, tuple)
    assert t.ndim == arr.ndim and t.size == arr.size and t.dtype == arr.dtype
    np.testing.assert_array_equal(np.asarray(t), arr)
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    if t.ndim:
        assert len(t) == t.shape[0]
    else:
        with pytest.raises(TypeError, match="0-d"):
            len(t)


def test_item() -> None:
    for data in (3.5, [3.5], [[3.5]]):
        value = Tensor(data).item()
        assert value == 3.5 and type(value) is float
    assert type(Tensor([1.5], dtype=np.float32).item()) is float
    for shape in [(2,), (1, 3), (0,)]:
        with pytest.raises(ValueError, match="item") as info:
            Tensor(np.zeros(shape)).item()
        assert str(shape) in str(info.value)


def test_transpose_property_and_flatten() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(t.T.numpy(), t.numpy().T)
    np.testing.assert_array_equal(t.flatten().numpy(), np.arange(6.0))
    np.testing.assert_array_equal(t.reshape(3, 2).numpy(), t.reshape((3, 2)).numpy())
    np.testing.assert_array_equal(t.transpose(1, 0).numpy(), t.transpose((1, 0)).numpy())


def test_repr() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=<Mul>" in repr(y) and "requires_grad=True" in repr(y)
    assert repr(y) != repr(y.detach())
    assert "requires_grad" not in repr(y.detach()) and "grad_fn" not in repr(y.detach())
    assert "2." in repr(y) and "4." in repr(y)
    assert "float32" in repr(Tensor([1.0], dtype=np.float32))
    assert "grad_fn=<Add>" in repr(x + 1) and "grad_fn=<Sum>" in repr(x.sum())


# ----------------------------------------------------------------------------------------------
# Operators with numbers and arrays on either side


@given(arrays_in(Domain(0.5, 3.0), shapes(max_side=3)), st.floats(0.5, 3.0))
def test_python_numbers_on_either_side(x: np.ndarray, c: float) -> None:
    t = Tensor(x)
    pairs = [
        (c + t, c + x),
        (t + c, x + c),
        (c - t, c - x),
        (t - c, x - c),
        (c * t, c * x),
        (c / t, c / x),
        (t / c, x / c),
        (c**t, c**x),
        (t**c, x**c),
        (1 / t, 1 / x),
        (-t, -x),
        (2 - t, 2 - x),
    ]
    for k, (got, expected) in enumerate(pairs):
        assert isinstance(got, Tensor), f"pair {k} gave {type(got).__name__}"
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-15, err_msg=f"pair {k}")


@given(arrays_in(Domain(0.5, 3.0), st.just((2, 3))), arrays_in(Domain(0.5, 3.0), st.just((3,))))
def test_numpy_arrays_on_either_side(x: np.ndarray, arr: np.ndarray) -> None:
    t = Tensor(x, requires_grad=True)
    pairs = [
        (arr + t, arr + x),
        (arr - t, arr - x),
        (arr * t, arr * x),
        (arr / t, arr / x),
        (arr**t, arr**x),
        (t - arr, x - arr),
        (t @ arr, x @ arr),
        (arr.reshape(1, 3) @ t.T, arr.reshape(1, 3) @ x.T),
        (arr[:2] @ t, arr[:2] @ x),
        (np.float64(2.0) - t, 2.0 - x),
    ]
    for k, (got, expected) in enumerate(pairs):
        assert isinstance(got, Tensor), f"pair {k} gave {type(got).__name__}"
        assert got.requires_grad
        np.testing.assert_allclose(got.numpy(), expected, rtol=1e-15, err_msg=f"pair {k}")
    (arr[:2] @ t).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.repeat(arr[:2, None], 3, axis=1))


def test_lists_as_operands() -> None:
    t = Tensor([1.0, 2.0])
    np.testing.assert_array_equal(([1.0, 1.0] + t).numpy(), [2.0, 3.0])  # noqa: RUF005
    np.testing.assert_array_equal((t * [2, 3]).numpy(), [2.0, 6.0])


def test_unsupported_operand_raises_type_error() -> None:
    with pytest.raises(TypeError):
        Tensor([1.0]) + "a"
    with pytest.raises(TypeError):
        Tensor([1.0]) * None  # not nan
    with pytest.raises(TypeError):
        None - Tensor([1.0])
    ragged = [[1.0], [2.0, 3.0]]
    with pytest.raises(TypeError):
        Tensor([1.0]) + ragged


# ----------------------------------------------------------------------------------------------
# Comparisons


@given(arrays_in(Domain(-2.0, 2.0), shapes(max_side=3)), st.sampled_from([-1.0, 0.0, 0.5]))
def test_comparisons_are_bool_tensors_without_history(x: np.ndarray, c: float) -> None:
    t = Tensor(x, requires_grad=True)
    other = Tensor(np.full(x.shape, c), requires_grad=True)
    for got, expected in [
        (t < c, x < c),
        (t <= c, x <= c),
        (t > c, x > c),
        (t >= c, x >= c),
        (t == c, x == c),
        (t != c, x != c),
        (t < other, x < c),
        (t == t, np.ones(x.shape, bool)),
        (c < t, c < x),
    ]:
        assert isinstance(got, Tensor)
        assert got.dtype == np.bool_ and got.shape == x.shape
        assert not got.requires_grad and got.is_leaf and got.grad_fn is None
        np.testing.assert_array_equal(got.numpy(), expected)


def test_tensors_stay_hashable() -> None:
    a, b = Tensor([1.0]), Tensor([1.0])
    assert len({a, b}) == 2 and {a: 1}[a] == 1
