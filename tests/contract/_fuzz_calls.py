"""One random call of the public API, as the fuzz suite draws it: what to run on tinygrad_edu, what
numpy computes for it, and what an error message has to name.

Each family below (`CALLS`) draws a `Call` for a pool of tensors made earlier in the program:
the ops of `tinygrad_edu.testing.op_table.OPS`, a family per kind (binary, matmul, elementwise,
reductions with their axes, softmax, reshape, transpose, broadcast_to, indexing, leaky_relu, the
losses), the Tensor constructors, comparisons, item/float/len/bool, `nn.Linear`, `nn.BatchNorm`
(train and eval mode), `requires_grad_`
and `backward`. A family with several ops draws them from the table's rows of its kind, so a new
op of a kind is fuzzed with no edit here.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.contract._fuzz_inputs import (
    SHAPES,
    bad,
    bad_data,
    broadcast_partner,
    float_arrays,
    good_data,
    ok,
    operands,
    value_kinds,
)
from tinygrad_edu import Tensor, nn, testing
from tinygrad_edu.testing.op_table import OpSpec, rows


@dataclass
class Call:
    """One call: `run()` on tinygrad_edu, `reference()` on numpy (None: numpy has none).

    An error must be one of `errors` and name one of `words` (the op's name or symbol) and one of
    `names` (the shapes or values at fault). A success must equal the reference (or, when numpy
    fails too, be a documented leniency: `lenient`)."""

    name: str
    run: Callable[[], Any]
    reference: Callable[[], Any] | None
    words: tuple[str, ...]
    names: tuple[str, ...]
    kinds: frozenset[str]
    operands: tuple[Tensor, ...] = ()
    errors: tuple[type, ...] = (ValueError, TypeError)
    lenient: bool = False
    is_op: bool = True  # made of ops (under detect_anomaly a non-finite result raises)
    records: bool | None = None  # requires_grad of the result (None: any operand's)
    grads_change: bool = False  # backward writes .grad of the operands' leaves
    extra: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------------------------
# How the API reads an operand (the contract): Tensors as they are, Python numbers as they are,
# arrays and lists as arrays in the tensor's dtype.


def as_numpy(x: Any, dtype: np.dtype, constructor: bool = False) -> Any:
    """What numpy sees for an operand of a tensor of `dtype`; raises TypeError where the API
    refuses (not real numbers). With `constructor`, as `Tensor(x)` reads it."""
    if isinstance(x, Tensor):
        return x.data
    if type(x) in (int, float, bool) and not constructor:
        return x
    arr = as_array(x) if constructor else np.array(x)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"not real numbers: {arr.dtype}")
    return arr.astype(dtype if dtype.kind == "f" else np.float64)


def promoted(x: Any, y: Any) -> tuple[Any, Any]:
    """PyTorch's promotion, as the contract states it: a 0-d float array does not change the dtype
    of a float array with dimensions; numpy's otherwise."""
    both_float = isinstance(x, np.ndarray) and isinstance(y, np.ndarray)
    if both_float and x.dtype.kind == y.dtype.kind == "f" and x.dtype != y.dtype:
        if x.ndim == 0 and y.ndim:
            return x.astype(y.dtype), y
        if y.ndim == 0 and x.ndim:
            return x, y.astype(x.dtype)
    return x, y


def as_array(data: Any) -> np.ndarray:
    """`np.array(data)` as `Tensor(data)` reads it: ints beyond int64 (which numpy keeps as Python
    objects) become floats, as every int does."""
    arr = np.array(data.data if isinstance(data, Tensor) else data)
    if arr.dtype.kind == "O" and arr.size and all(type(v) in (int, float, bool) for v in arr.flat):
        arr = arr.astype(np.float64)
    return arr


def describe(x: Any) -> tuple[str, ...]:
    """The texts a message may use to name an operand: its shape and its type (or, for data that
    is not numbers, what is wrong with it)."""
    texts = [type(x).__name__]
    if isinstance(x, (Tensor, np.ndarray)):
        texts += [str(x.shape), str(x.dtype)]
    else:
        texts += ["not a rectangular array", "must be real numbers"]
        with contextlib.suppress(ValueError, TypeError):
            texts.append(str(np.shape(x)))
        texts.append(repr(x)[:20])
    return tuple(texts)


def safe_shape(x: Any) -> tuple[int, ...] | None:
    """numpy's shape of `x`, or None for a ragged list."""
    try:
        return np.shape(x)
    except ValueError:
        return None


def shape_kind(*shapes: tuple[int, ...]) -> frozenset[str]:
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        return frozenset({"not broadcastable"})
    return frozenset()


def tensors_of(*xs: Any) -> tuple[Tensor, ...]:
    return tuple(x for x in xs if isinstance(x, Tensor))


def _mask_kind(*xs: Any) -> frozenset[str]:
    kinds = {isinstance(x, Tensor) and x.dtype.kind != "f" for x in xs}
    return frozenset({"mask tensor"}) if True in kinds else frozenset()


# ----------------------------------------------------------------------------------------------
# Ops with two operands: + - * / ** maximum minimum @, comparisons, the losses


# The binary rows written with an operator (`a + b`, ...). Not yet `t.maximum(x)`/`t.minimum(x)`:
# with an x that is not numbers (a str) they return NotImplemented instead of raising TypeError.
OPERATORS = [spec for spec in rows("binary") if spec.api.startswith("Tensor.__")]


@st.composite
def binary(draw: Any, pool: list[Tensor]) -> Call:
    spec = draw(st.sampled_from(OPERATORS))
    a = draw(st.sampled_from(pool))
    b, kinds = draw(operands(pool, a.shape))
    if draw(st.booleans()):
        a, b = b, a  # the tensor on either side: `2.0 - t`, `arr * t`
    tensor = a if isinstance(a, Tensor) else b
    if None not in (safe_shape(a), safe_shape(b)):
        kinds |= shape_kind(safe_shape(a), safe_shape(b))
    return Call(
        spec.name,
        lambda: spec.call(a, b),
        lambda: spec.reference(*promoted(as_numpy(a, tensor.dtype), as_numpy(b, tensor.dtype))),
        (spec.name, spec.function.symbol),
        describe(a) + describe(b),
        kinds | _mask_kind(a, b),
        operands=tensors_of(a, b),
    )


MATMUL_SHAPES = hnp.mutually_broadcastable_shapes(
    signature="(n?,k),(k,m?)->(n?,m?)", max_dims=2, min_side=0, max_side=3
).map(lambda s: s.input_shapes)


@st.composite
def matmul(draw: Any, pool: list[Tensor]) -> Call:
    a = draw(st.sampled_from(pool))
    b, kinds = draw(
        st.one_of(
            ok(st.sampled_from(pool)),
            ok(MATMUL_SHAPES.flatmap(lambda s: float_arrays(s[1]))),
            ok(MATMUL_SHAPES.flatmap(lambda s: float_arrays(s[1]).map(Tensor))),
            ok(float_arrays(SHAPES)),
            ok(st.floats(-2, 2)),
            bad_data(),
        )
    )
    if draw(st.booleans()):
        a, b = b, a  # `arr @ t` as well as `t @ arr`
    if draw(st.integers(0, 2)) == 0:  # a good pair, made for the purpose
        sa, sb = draw(MATMUL_SHAPES)
        a, b = Tensor(draw(float_arrays(sa)), requires_grad=True), draw(float_arrays(sb))
        kinds = value_kinds(a) | value_kinds(b)
    tensor = a if isinstance(a, Tensor) else b
    if None not in (safe_shape(a), safe_shape(b)):
        try:
            np.matmul(np.zeros(safe_shape(a)), np.zeros(safe_shape(b)))
        except ValueError:
            kinds |= {"matmul shapes"}
    return Call(
        "matmul",
        lambda: a @ b,
        lambda: np.matmul(as_numpy(a, tensor.dtype), as_numpy(b, tensor.dtype)),
        ("matmul", "@"),
        describe(a) + describe(b),
        kinds | _mask_kind(a, b),
        operands=tensors_of(a, b),
    )


COMPARISONS = {
    "<": (lambda a, b: a < b, np.less),
    "<=": (lambda a, b: a <= b, np.less_equal),
    ">": (lambda a, b: a > b, np.greater),
    ">=": (lambda a, b: a >= b, np.greater_equal),
    "==": (lambda a, b: a == b, np.equal),
    "!=": (lambda a, b: a != b, np.not_equal),
}


def _compared(b: Any) -> Any:
    """What a comparison compares with: numpy's reading, in the wider dtype (ops/compare.py), not
    cast to the tensor's as arithmetic is (float32 0 != 1e-46)."""
    if isinstance(b, Tensor) or type(b) in (int, float, bool):
        return as_numpy(b, np.dtype(np.float64))
    arr = np.array(b)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"not real numbers: {arr.dtype}")
    return arr


@st.composite
def comparison(draw: Any, pool: list[Tensor]) -> Call:
    symbol = draw(st.sampled_from(sorted(COMPARISONS)))
    call, ufunc = COMPARISONS[symbol]
    a = draw(st.sampled_from(pool))
    b, kinds = draw(operands(pool, a.shape))
    if isinstance(b, Tensor):
        kinds |= shape_kind(a.shape, b.shape)
    return Call(
        symbol,
        lambda: call(a, b),
        lambda: ufunc(a.data, _compared(b)),
        (symbol,),
        describe(a) + describe(b),
        kinds,
        operands=tensors_of(a, b),
        is_op=False,
        # == and != with something that is not numbers: False / True, as Python (and PyTorch) do
        extra={"identity_fallback": symbol in ("==", "!=")},
    )


def _loss_reference(spec: OpSpec, a: np.ndarray, y: Any, reduction: str) -> np.ndarray:
    """The row's numpy reference, refusing what a loss refuses (numpy would broadcast Y)."""
    if reduction not in ("mean", "sum"):
        raise ValueError(reduction)
    if np.shape(a) != np.shape(y):
        raise ValueError("shapes")
    loss = spec.reference(a, y, reduction=reduction)
    return loss.astype(a.dtype) if a.dtype.kind == "f" else loss  # the loss has the input's dtype


@st.composite
def loss(draw: Any, pool: list[Tensor]) -> Call:
    z = draw(st.sampled_from(pool))
    y, kinds = draw(
        st.one_of(
            ok(float_arrays(z.shape, dtype=z.dtype if z.dtype.kind == "f" else np.float64)),
            ok(st.sampled_from(pool)),
            ok(float_arrays(broadcast_partner(z.shape))),
            bad_data(),
        )
    )
    reduction, r_kinds = draw(
        st.one_of(ok(st.sampled_from(["mean", "sum"])), bad("reduction", st.sampled_from(["x"])))
    )
    if safe_shape(y) not in (z.shape, None):
        kinds |= {"loss shapes"}
    spec = draw(st.sampled_from(rows("loss")))
    return Call(
        spec.name,
        lambda: spec.call(z, y, reduction=reduction),
        lambda: _loss_reference(spec, z.data, as_numpy(y, z.dtype, constructor=True), reduction),
        (spec.name,),
        describe(z) + describe(y) + (repr(reduction),),
        kinds | r_kinds | _mask_kind(z, y),
        operands=tensors_of(z, y),
    )


# ----------------------------------------------------------------------------------------------
# Ops with one tensor and arguments


@st.composite
def elementwise(draw: Any, pool: list[Tensor]) -> Call:
    spec = draw(st.sampled_from(rows("elementwise")))
    x = draw(st.sampled_from(pool))
    return Call(
        spec.name,
        lambda: spec.call(x),
        lambda: spec.reference(x.data),
        (spec.name, spec.function.__name__, "-"),
        describe(x),
        value_kinds(x) | _mask_kind(x),
        operands=(x,),
    )


@st.composite
def leaky_relu(draw: Any, pool: list[Tensor]) -> Call:
    x = draw(st.sampled_from(pool))
    slope, kinds = draw(
        st.one_of(
            ok(st.floats(-1, 1)),
            ok(st.integers(0, 2)),
            bad("slope", st.sampled_from(["0.1", None, 1j, np.array([0.1, 0.2]), True])),
        )
    )
    spec = draw(st.sampled_from(rows("leaky_relu")))
    return Call(
        spec.name,
        lambda: spec.call(x, slope),
        lambda: spec.reference(x.data, slope),
        (spec.name,),
        (*describe(x), repr(slope)),
        kinds | value_kinds(x) | _mask_kind(x),
        operands=(x,),
        lenient=False,
    )


def axis_args(ndim: int) -> st.SearchStrategy:
    """A reduction's axis: good ones (None, an int, a tuple) and bad ones, tagged."""
    out_of_range = st.one_of(st.integers(ndim, ndim + 3), st.integers(-ndim - 3, -ndim - 1))
    options = [
        ok(testing.axes(ndim)),
        ok(testing.axes(ndim)),
        bad("axis out of range", out_of_range),
        bad("axis out of range", out_of_range.map(lambda a: (a,))),
        bad("axis not an int", st.sampled_from([1.0, "0", True, (0, None), 2**70, 0.5])),
    ]
    if ndim:
        options.append(bad("repeated axis", st.integers(0, ndim - 1).map(lambda a: (a, a - ndim))))
    return st.one_of(options)


@st.composite
def reduction(draw: Any, pool: list[Tensor]) -> Call:
    spec = draw(st.sampled_from(rows("reduce")))
    x = draw(st.sampled_from(pool))
    axis, kinds = draw(axis_args(x.ndim))
    keepdims = draw(st.booleans())
    return Call(
        spec.name,
        lambda: spec.call(x, axis=axis, keepdims=keepdims),
        lambda: spec.reference(x.data, axis=axis, keepdims=keepdims),
        (spec.name,),
        (*describe(x), repr(axis), f"axis {axis}"),
        kinds | value_kinds(x) | _mask_kind(x),
        operands=(x,),
    )


@st.composite
def softmax(draw: Any, pool: list[Tensor]) -> Call:
    spec = draw(st.sampled_from(rows("softmax")))
    x = draw(st.sampled_from(pool))
    good = st.integers(-max(x.ndim, 1), max(x.ndim, 1) - 1)
    axis, kinds = draw(
        st.one_of(
            ok(good),
            ok(good),
            bad("axis out of range", st.integers(max(x.ndim, 1), 5)),
            bad("softmax axis tuple", st.just((0,))),
            bad("axis not an int", st.sampled_from([0.0, "1", None, True])),
        )
    )
    return Call(
        spec.name,
        lambda: spec.call(x, axis),
        lambda: spec.reference(x.data, axis),
        (spec.name,),
        (*describe(x), repr(axis)),
        kinds | value_kinds(x) | _mask_kind(x),
        operands=(x,),
        lenient=x.ndim == 0,  # softmax of a 0-d tensor is 1 (as PyTorch); numpy has no axis -1
    )


def _reshape_args(shape: tuple[int, ...]) -> st.SearchStrategy:
    n = math.prod(shape)
    return st.one_of(
        ok(testing.reshape_targets(shape, max_dims=3)),
        ok(testing.reshape_targets(shape, max_dims=3)),
        bad(
            "reshape size",
            hnp.array_shapes(min_dims=0, max_dims=3, max_side=5).filter(
                lambda s: math.prod(s) != n
            ),
        ),
        bad("reshape -1 twice", st.just((-1, -1))),
        bad("reshape negative", st.sampled_from([(-2,), (-3, -1), (n, -2)])),
        bad("reshape not ints", st.sampled_from([(2.0,), ("3",), (None,), ((2,), 3)])),
    )


@st.composite
def reshape(draw: Any, pool: list[Tensor]) -> Call:
    x = draw(st.sampled_from(pool))
    shape, kinds = draw(_reshape_args(x.shape))
    style = draw(st.sampled_from(["args", "tuple", "list"]))
    call = {
        "args": lambda: x.reshape(*shape),
        "tuple": lambda: x.reshape(tuple(shape)),
        "list": lambda: x.reshape(list(shape)),
    }[style]
    return Call(
        "reshape",
        call,
        lambda: np.reshape(x.data, tuple(shape)),
        ("reshape",),
        (*describe(x), str(tuple(shape)), str(list(shape))),
        kinds | value_kinds(x),
        operands=(x,),
    )


@st.composite
def transpose(draw: Any, pool: list[Tensor]) -> Call:
    x = draw(st.sampled_from(pool))
    n = x.ndim
    axes, kinds = draw(
        st.one_of(
            ok(testing.permutations(n)),
            ok(testing.permutations(n)),
            bad("not a permutation", st.lists(st.integers(-n - 1, n), max_size=n + 1)),
            bad("transpose not ints", st.sampled_from([(0.0,), ("0",), (0, 1.5)])),
        )
    )
    style = draw(st.sampled_from(["args", "tuple", "T"]))
    if style == "T" or axes is None or (style == "args" and not axes):  # no axes: reverse them
        return Call(
            "transpose",
            (lambda: x.T) if style == "T" else (lambda: x.transpose()),
            lambda: x.data.T,
            ("transpose",),
            describe(x),
            value_kinds(x),
            operands=(x,),
        )
    return Call(
        "transpose",
        (lambda: x.transpose(*axes)) if style == "args" else (lambda: x.transpose(tuple(axes))),
        lambda: np.transpose(x.data, tuple(axes)),
        ("transpose",),
        (*describe(x), str(tuple(axes)), repr(axes)),
        kinds | value_kinds(x),
        operands=(x,),
    )


@st.composite
def broadcast_to(draw: Any, pool: list[Tensor]) -> Call:
    x = draw(st.sampled_from(pool))
    shape, kinds = draw(
        st.one_of(
            ok(testing.broadcast_targets(x.shape, max_dims=3)),
            bad("broadcast_to unreachable", SHAPES),
            bad("bad sizes", st.sampled_from([(-1,), (2.0,), ("2",)])),
        )
    )
    return Call(
        "broadcast_to",
        lambda: x.broadcast_to(shape),
        lambda: np.broadcast_to(x.data, shape),
        ("broadcast_to",),
        (*describe(x), str(tuple(shape))),
        kinds | value_kinds(x),
        operands=(x,),
    )


def _bad_indices(shape: tuple[int, ...]) -> st.SearchStrategy:
    n0 = shape[0] if shape else 0
    return st.one_of(
        bad("index out of range", st.sampled_from([n0, -n0 - 1, n0 + 5])),
        bad("index out of range", st.just(np.array([0, n0]))),
        bad(
            "index type",
            st.sampled_from(
                [
                    1.0,
                    "0",
                    True,
                    {"i": 0},
                    np.array([0.0, 1.0]),
                    [0, [1]],
                    Tensor([0.0]),
                    (slice(None), 0.5),
                    [0, None],
                ]
            ),
        ),
        bad("too many indices", st.just((0,) * (len(shape) + 1))),
        bad("mask shape", st.just(np.ones(tuple(s + 1 for s in shape) or (2,), dtype=bool))),
        bad("two ellipses", st.just((..., ...))),
        bad("huge int", st.just(2**70)),
    )


@st.composite
def index(draw: Any, pool: list[Tensor]) -> Call:
    x = draw(st.sampled_from(pool))
    idx, kinds = draw(
        st.one_of(
            ok(testing.indices(x.shape)),
            ok(testing.indices(x.shape)),
            ok(st.just([])),
            _bad_indices(x.shape),
        )
    )

    def for_numpy(i: Any) -> Any:
        if isinstance(i, tuple):
            return tuple(for_numpy(p) for p in i)
        return i.data if isinstance(i, Tensor) else i

    return Call(
        "index",
        lambda: x[idx],
        lambda: x.data[for_numpy(idx)],
        ("index",),
        (*describe(x), repr(idx)[:20]),
        kinds | value_kinds(x),
        operands=(x,),
        errors=(IndexError, TypeError, ValueError),
    )


# ----------------------------------------------------------------------------------------------
# Making tensors, reading them, layers, autograd


def _constructor_reference(data: Any, dtype: Any) -> np.ndarray:
    arr = as_array(data)
    if arr.dtype.kind not in "biuf":
        raise TypeError(arr.dtype)
    if dtype is not None:
        if np.dtype(dtype).kind != "f":
            raise TypeError(dtype)
        return arr.astype(dtype)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


@st.composite
def constructor(draw: Any, pool: list[Tensor]) -> Call:
    data, kinds = draw(st.one_of(good_data(), good_data(), bad_data()))
    dtype, d_kinds = draw(
        st.one_of(
            ok(st.sampled_from([None, None, np.float64, np.float32, "float32"])),
            bad("not a float dtype", st.sampled_from([np.int64, bool, np.complex128, "banana"])),
        )
    )
    requires_grad = draw(st.booleans())
    return Call(
        "Tensor",
        lambda: Tensor(data, requires_grad=requires_grad, dtype=dtype),
        lambda: _constructor_reference(data, dtype),
        ("Tensor",),
        (*describe(data), str(dtype), _dtype_name(dtype), "rectangular", "too large"),
        kinds | d_kinds,
        is_op=False,
    )


def _dtype_name(dtype: Any) -> str:
    try:
        return np.dtype(dtype).name
    except TypeError:
        return repr(dtype)


@st.composite
def filled(draw: Any, pool: list[Tensor]) -> Call:
    name = draw(st.sampled_from(["zeros", "ones", "randn"]))
    shape, kinds = draw(
        st.one_of(
            ok(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)),
            bad("bad sizes", st.sampled_from([(-1,), (2.0,), ("2",), (None,), (2, -3)])),
        )
    )
    make = getattr(Tensor, name)
    numpy_make = {"zeros": np.zeros, "ones": np.ones, "randn": np.zeros}[name]

    def check_sizes() -> np.ndarray:
        if any(not isinstance(n, int) for n in shape):
            raise TypeError(shape)
        return numpy_make(shape)

    return Call(
        name,
        lambda: make(*shape, seed=0) if name == "randn" else make(*shape),
        check_sizes,
        (name,),
        (str(tuple(shape)),),
        kinds,
        is_op=False,
        extra={"values": name != "randn"},
    )


@st.composite
def conversion(draw: Any, pool: list[Tensor]) -> Call:
    x = draw(st.sampled_from(pool))
    name = draw(st.sampled_from(["item", "float", "len", "bool"]))
    kinds = frozenset()
    if name == "len" and x.ndim == 0:
        kinds = frozenset({"len of 0-d"})
    elif name != "len" and x.size != 1:
        kinds = frozenset({"item of many"})
    one = x.size == 1

    def reference() -> Any:
        if name == "len":
            return len(x.data)
        if not one:
            raise ValueError("not one element")
        return {"item": x.data.item(), "float": float(x.data.item()), "bool": bool(x.data)}[name]

    run = {
        "item": x.item,
        "float": lambda: float(x),
        "len": lambda: len(x),
        "bool": lambda: bool(x),
    }
    return Call(
        name,
        run[name],
        reference,
        {"item": ("item",), "float": ("item",), "len": ("len",), "bool": ("truth value",)}[name],
        describe(x),
        kinds,
        operands=(x,),
        is_op=False,
    )


@st.composite
def linear(draw: Any, pool: list[Tensor]) -> Call:
    n_in, n_out = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    layer = nn.Linear(n_in, n_out, seed=draw(st.integers(0, 3)))
    m = draw(st.integers(0, 3))
    A, kinds = draw(
        st.one_of(
            ok(float_arrays((n_in, m))),
            ok(float_arrays((n_in, m)).map(lambda a: Tensor(a, requires_grad=True))),
            bad("transposed input", float_arrays((m, n_in)).filter(lambda a: m != n_in)),
            ok(st.sampled_from(pool)),
            bad_data(),
        )
    )
    if isinstance(A, (Tensor, np.ndarray)) and (A.ndim != 2 or A.shape[0] != n_in):
        kinds |= {"transposed input"}

    def reference() -> np.ndarray:
        a = as_numpy(A, layer.W.dtype)
        if np.ndim(a) != 2 or a.shape[0] != n_in:
            raise ValueError("layout")
        return layer.W.data @ a + layer.b.data

    return Call(
        "Linear",
        lambda: layer(A),
        reference,
        ("Linear",),
        (*describe(A), f"({n_in}, m)"),
        kinds | _mask_kind(A),
        operands=tensors_of(A),
        records=True,  # the layer's parameters require grad
    )


@st.composite
def batchnorm(draw: Any, pool: list[Tensor]) -> Call:
    n, m = draw(st.integers(1, 4)), draw(st.integers(0, 4))
    layer = nn.BatchNorm(n, momentum=draw(st.sampled_from([0.1, None])))
    training = draw(st.booleans())
    layer.train(training)
    Z, kinds = draw(
        st.one_of(
            ok(float_arrays((n, m))),
            ok(float_arrays((n, m)).map(lambda a: Tensor(a, requires_grad=True))),
            bad("transposed input", float_arrays((m, n)).filter(lambda a: m != n)),
            ok(st.sampled_from(pool)),
            bad_data(),
        )
    )
    shape = safe_shape(Z) if not isinstance(Z, Tensor) else Z.shape
    if isinstance(Z, (Tensor, np.ndarray)) and (Z.ndim != 2 or Z.shape[0] != n):
        kinds |= {"transposed input"}
    elif training and shape is not None and len(shape) == 2 and shape[1] < 2:
        kinds |= {"batch of one"}

    def reference() -> np.ndarray:
        z = as_numpy(Z, layer.gamma.dtype)  # type: ignore[union-attr]
        if np.ndim(z) != 2 or z.shape[0] != n:
            raise ValueError("layout")
        if training and z.shape[1] < 2:
            raise ValueError("one example")
        if training:  # the batch's statistics, in the ops' order
            mu = z.mean(axis=1, keepdims=True)
            diff = z - mu
            z_norm = diff / np.sqrt((diff * diff).mean(axis=1, keepdims=True) + 1e-5)
        else:  # a fresh layer's running statistics: mean 0, variance 1
            z_norm = (z - np.zeros((n, 1))) / np.sqrt(np.ones((n, 1)) + 1e-5)
        return np.ones((n, 1)) * z_norm + np.zeros((n, 1))

    # values near sqrt(float max) overflow (Z - mu)^2 into an inf the result need not have: under
    # detect_anomaly that op raises, as it should, for a finite result
    data = Z.data if isinstance(Z, Tensor) else Z
    big = False
    if isinstance(data, np.ndarray) and data.dtype.kind == "f":
        finite = np.abs(data[np.isfinite(data)])
        big = finite.size > 0 and finite.max() > 1e-3 * np.sqrt(np.finfo(data.dtype).max)
    return Call(
        "BatchNorm",
        lambda: layer(Z),
        reference,
        ("BatchNorm",),
        (*describe(Z), f"({n}, m)"),
        kinds | _mask_kind(Z),
        operands=tensors_of(Z),
        records=True,  # gamma and beta require grad
        is_op=not big,
    )


@st.composite
def requires_grad(draw: Any, pool: list[Tensor]) -> Call:
    x = draw(st.sampled_from(pool))
    flag = draw(st.booleans())
    kinds = set()
    if flag and x.dtype.kind != "f":
        kinds.add("requires_grad non-float")
    if not flag and not x.is_leaf:
        kinds.add("requires_grad off a non-leaf")
    target = x if not x.is_leaf else x.detach()  # a leaf's flag is switched on a copy

    def run() -> Tensor:
        return target.requires_grad_(flag)

    return Call(
        "requires_grad_",
        run,
        None,
        ("requires_grad_", "floating point"),
        (*describe(x), "leaf"),
        frozenset(kinds),
        operands=(x,),
        errors=(RuntimeError,),
        is_op=False,
    )


@st.composite
def backward(draw: Any, pool: list[Tensor]) -> Call:
    y = draw(st.sampled_from(pool))
    grad, kinds = draw(
        st.one_of(
            ok(st.none()),
            ok(st.none()),
            ok(float_arrays(y.shape)),
            bad("backward grad", float_arrays(SHAPES).filter(lambda a: a.shape != y.shape)),
            bad("backward grad", st.sampled_from(["1", [1, None], 1j])),
        )
    )
    retain = draw(st.booleans())
    if grad is None and y.size != 1:
        kinds |= {"backward non-scalar"}
    if not y.requires_grad:
        kinds |= {"backward no history"}
    if _freed(y):
        kinds |= {"backward twice"}
    return Call(
        "backward",
        lambda: y.backward(grad, retain_graph=retain),
        None,
        ("backward", "retain_graph"),
        describe(y) + describe(grad) + ("requires_grad", "retain_graph"),
        kinds,
        operands=(y,),
        errors=(RuntimeError, ValueError, TypeError),
        is_op=False,
        grads_change=True,
    )


def _freed(y: Tensor) -> bool:
    """Whether a backward already freed some op of the graph that made `y`."""
    stack, seen = [y], set()
    while stack:
        t = stack.pop()
        if id(t) in seen or t._ctx is None:
            continue
        seen.add(id(t))
        if t._ctx._saved is None:
            return True
        stack.extend(p for p in t._ctx.parents if isinstance(p, Tensor))
    return False


CALLS: dict[str, Callable[[list[Tensor]], st.SearchStrategy[Call]]] = {
    "binary": binary,
    "matmul": matmul,
    "comparison": comparison,
    "loss": loss,
    "elementwise": elementwise,
    "leaky_relu": leaky_relu,
    "reduction": reduction,
    "softmax": softmax,
    "reshape": reshape,
    "transpose": transpose,
    "broadcast_to": broadcast_to,
    "index": index,
    "constructor": constructor,
    "filled": filled,
    "conversion": conversion,
    "linear": linear,
    "batchnorm": batchnorm,
    "requires_grad": requires_grad,
    "backward": backward,
}
