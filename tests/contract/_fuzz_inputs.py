"""What the fuzz suite feeds the API: values, arrays and operands, good and bad.

Every strategy here draws `(value, kinds)`: the value, and the set of kinds of bad input it is (empty
for a good one). `BAD_KINDS` lists them all; the tests report each kind they draw as a Hypothesis
event (`pytest --hypothesis-show-statistics tests/contract/test_fuzz.py` shows how often).
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor

BAD_KINDS: dict[str, str] = {
    # values inside otherwise good arrays
    "nan": "NaN values",
    "inf": "inf or -inf values",
    "extreme": "values at the edge of float64: +-1e308 and the subnormal 5e-324",
    "empty": "an array with no elements (a size-0 axis)",
    # data that is not real numbers
    "string": "a str (or an array of str) where numbers belong",
    "bytes": "bytes where numbers belong",
    "None": "None where numbers belong",
    "complex": "a complex number or a complex array",
    "object array": "a numpy array of Python objects",
    "ragged list": "nested lists that are not rectangular",
    "dict": "a dict where numbers belong",
    "datetime": "dates (numpy datetime64)",
    "huge int": "a Python int beyond float64's range or beyond any index",
    "mask tensor": "a bool tensor from a comparison (or its integer sum) used in arithmetic",
    "not a float dtype": "dtype= an int, bool or complex type, or something that is not a dtype",
    # shapes
    "not broadcastable": "two shapes that do not broadcast",
    "matmul shapes": "@ with mismatched inner or batch sizes, or a 0-d operand",
    "transposed input": "a layer's input given as (m, n_x) instead of (n_x, m)",
    "batch of one": "a BatchNorm in training mode given fewer than 2 examples (no variance)",
    "loss shapes": "Z and Y of different shapes",
    # op arguments
    "axis out of range": "an axis beyond the tensor's dimensions",
    "repeated axis": "the same axis twice in a tuple",
    "axis not an int": "an axis that is a float, str, bool, None inside a tuple, or huge",
    "softmax axis tuple": "a tuple of axes where softmax takes one",
    "reshape size": "a reshape to a different number of elements",
    "reshape -1 twice": "a reshape with two -1 sizes",
    "reshape negative": "a reshape size below -1",
    "reshape not ints": "reshape sizes that are floats, str or None",
    "not a permutation": "transpose axes that repeat, are missing or out of range",
    "transpose not ints": "transpose axes that are floats or str",
    "broadcast_to unreachable": "broadcast_to a shape the tensor cannot stretch to",
    "index out of range": "an int or int-array index beyond an axis",
    "index type": "an index that is a float, str, bool, dict, float array or ragged list",
    "too many indices": "more indices than the tensor has axes",
    "mask shape": "a boolean mask of the wrong shape",
    "two ellipses": "an index with `...` twice",
    "slope": "a leaky_relu slope that is not a number",
    "reduction": "a loss reduction other than 'mean' or 'sum'",
    "bad sizes": "sizes for zeros/ones/randn/broadcast_to that are negative, floats or str",
    # conversions and autograd
    "item of many": "item(), float() or bool() of a tensor that is not one element",
    "len of 0-d": "len() of a 0-d tensor",
    "backward non-scalar": "backward() without grad on an output of many elements",
    "backward grad": "backward(grad) with a grad of the wrong shape or not numbers",
    "backward no history": "backward() on a tensor that does not require grad",
    "backward twice": "a second backward through a freed graph",
    "requires_grad non-float": "requires_grad_() on a bool or int tensor",
    "requires_grad off a non-leaf": "requires_grad_(False) on an op's result",
}

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, -1e308, 5e-324]


def ok(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """A good value (its kinds come from what it holds: nan, inf, extreme, empty)."""
    return strategy.map(lambda v: (v, value_kinds(v)))


def bad(kind: str, strategy: st.SearchStrategy) -> st.SearchStrategy:
    assert kind in BAD_KINDS, kind
    return strategy.map(lambda v: (v, frozenset({kind})))


def value_kinds(v: Any) -> frozenset[str]:
    """The kinds of special values a good number or array holds."""
    if isinstance(v, Tensor):
        v = v.data
    if isinstance(v, list):
        try:
            v = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            return frozenset()
    if isinstance(v, (float, np.floating, np.ndarray)):
        a = np.asarray(v)
        if a.dtype.kind != "f":
            return frozenset({"empty"} if a.size == 0 else ())
        kinds = set()
        if a.size == 0:
            kinds.add("empty")
        if np.isnan(a).any():
            kinds.add("nan")
        if np.isinf(a).any():
            kinds.add("inf")
        with np.errstate(all="ignore"):
            tiny = (a != 0) & (np.abs(a) < np.finfo(a.dtype).tiny)
            if (np.abs(a[np.isfinite(a)]) > 1e300).any() or tiny.any():
                kinds.add("extreme")
        return frozenset(kinds)
    return frozenset()


# ----------------------------------------------------------------------------------------------
# Numbers and arrays

FLOATS = st.one_of(st.floats(-10, 10), st.floats(-10, 10), st.sampled_from(SPECIAL))
SHAPES = st.one_of(
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
    hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3),
)
FLOAT_DTYPES = st.sampled_from([np.float64, np.float64, np.float32])


def float_arrays(shape: Any = SHAPES, dtype: Any = FLOAT_DTYPES) -> st.SearchStrategy:
    """Float arrays (float64 or float32) of `shape`, with nan, inf and extremes now and then."""
    shape_st = shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))
    dtype_st = dtype if isinstance(dtype, st.SearchStrategy) else st.just(dtype)

    def cast(pair: tuple[np.ndarray, Any]) -> np.ndarray:
        with np.errstate(all="ignore"):  # 1e308 becomes inf in float32, as numpy casts it
            return pair[0].astype(pair[1])

    arrays = shape_st.flatmap(lambda s: hnp.arrays(np.float64, s, elements=FLOATS))
    return st.tuples(arrays, dtype_st).map(cast)


def python_numbers() -> st.SearchStrategy:
    return st.one_of(FLOATS, st.integers(-5, 5), st.booleans())


def good_data() -> st.SearchStrategy:
    """What `Tensor(data)` takes: numbers, nested lists, and float, int and bool arrays."""
    return st.one_of(
        ok(float_arrays()),
        ok(float_arrays()),
        ok(python_numbers()),
        ok(float_arrays().map(lambda a: a.tolist())),
        ok(hnp.arrays(st.sampled_from([np.int64, np.int8, np.uint8, np.bool_]), SHAPES)),
        ok(float_arrays(dtype=np.float16)),
    )


def bad_data() -> st.SearchStrategy:
    """Things that are not real numbers, each tagged with its kind."""
    return st.one_of(
        bad("string", st.one_of(st.text(max_size=3), st.just("1.5"), st.just(["1", "2"]))),
        bad("bytes", st.binary(max_size=3)),
        bad("None", st.one_of(st.none(), st.just([1.0, None]))),
        bad(
            "complex",
            st.one_of(
                st.complex_numbers(max_magnitude=5),
                hnp.arrays(np.complex128, SHAPES, elements=st.complex_numbers(max_magnitude=5)),
            ),
        ),
        bad(
            "object array",
            st.sampled_from(
                [
                    np.array([1.0, "a"], dtype=object),
                    np.array([{}, 2.0], dtype=object),
                    np.array([1.0, 2.0], dtype=object),
                    np.empty((2, 0), dtype=object),
                ]
            ),
        ),
        bad("ragged list", st.sampled_from([[[1.0, 2.0], [3.0]], [1.0, [2.0]], [[[]], []]])),
        bad("dict", st.just({"W": 1.0})),
        bad("datetime", st.just(np.array(["2024-01-01"], dtype="datetime64[D]"))),
        bad("huge int", st.sampled_from([2**70, -(2**70), 10**400, [2**64, 1]])),
        bad("datetime", st.just(datetime.date(2024, 1, 1))),
    )


def tensors(requires_grad: st.SearchStrategy | None = None) -> st.SearchStrategy:
    """Good float tensors (nan, inf, empty now and then), some requiring grad."""
    rg = st.booleans() if requires_grad is None else requires_grad
    return st.tuples(float_arrays(), rg).map(
        lambda p: (Tensor(p[0], requires_grad=p[1]), value_kinds(p[0]))
    )


def broadcast_partner(shape: tuple[int, ...]) -> st.SearchStrategy[tuple[int, ...]]:
    """A shape that broadcasts with `shape` (sizes of 0 included when `shape` has them)."""
    return hnp.broadcastable_shapes(shape, min_dims=0, max_dims=max(3, len(shape)), min_side=0)


def operands(pool: list[Tensor], shape: tuple[int, ...]) -> st.SearchStrategy:
    """The other operand of a binary op on a tensor of `shape`: a tensor of the program, a
    Python number, an array or list (broadcastable or not), or something that is not numbers."""
    return st.one_of(
        ok(st.sampled_from(pool)),
        ok(st.sampled_from(pool)),
        ok(python_numbers()),
        ok(float_arrays(broadcast_partner(shape))),
        ok(float_arrays(broadcast_partner(shape)).map(lambda a: a.tolist())),
        ok(hnp.arrays(st.sampled_from([np.int64, np.bool_]), broadcast_partner(shape))),
        ok(float_arrays(SHAPES)),  # any shape: sometimes not broadcastable
        bad_data(),
    )
