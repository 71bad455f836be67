"""Lowering: each built-in op as the numpy call it makes, so the program can call numpy directly
(into a buffer it owns: `np.tanh(Z1, out=A1)`) instead of going through the op.

`lowering(ctx, arrays, kwargs, out)` returns `(kind, fn, args, kwargs)` or None (the op is then an
opaque call of its own forward). `args` holds operand positions (ints) and `Lit`s. The tracer runs
the lowering on the eager arrays and keeps it only if it gives the eager result bit for bit.

`GRAPH_SAFE`: the ops whose backward is written with operators only, on its inputs and output, so
that run on Tensors (create_graph) it records every step of the gradient as ops the program lowers
too. The others (a mask from `values()`, a user's Function) have their backward called as it is,
on arrays, as an opaque call.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.broadcast import normalize_axis
from tinygrad_edu.compiled.program import Lit, Value, bits_equal

__all__ = [
    "GRAPH_SAFE",
    "as_operand",
    "lowering",
    "same_bits",
    "saves_only_ios",
    "to_array",
    "viewed",
]

GRAPH_SAFE = frozenset(
    {
        ops.Add, ops.Sub, ops.Mul, ops.Div, ops.Pow, ops.Neg, ops.Exp, ops.Log, ops.Sqrt,
        ops.Abs, ops.Tanh, ops.Sigmoid, ops.ReLU, ops.LeakyReLU, ops.MatMul, ops.Sum, ops.Mean,
        ops.Reshape, ops.Squeeze, ops.Transpose, ops.BroadcastTo, ops.Index, ops.ScatterAdd,
        ops.Cast, ops.BCEWithLogits, ops.Softmax, ops.LogSoftmax,
    }
)  # fmt: skip
# (a comparison or `sign` in a backward, as ReLU's `grad * (z > 0)`, is recorded too: watch.py)

_UFUNCS = {
    ops.Add: np.add, ops.Sub: np.subtract, ops.Mul: np.multiply, ops.Div: np.divide,
    ops.Maximum: np.maximum, ops.Minimum: np.minimum, ops.MatMul: np.matmul,
}  # fmt: skip
_UNARY = {
    ops.Neg: np.negative, ops.Exp: np.exp, ops.Log: np.log, ops.Sqrt: np.sqrt, ops.Tanh: np.tanh,
    ops.Abs: np.absolute,
}  # fmt: skip
# a ** 2 is numpy's fast path for some exponents: the same bits as these ufuncs
_POWERS = {2: np.square, 0.5: np.sqrt, -1: np.reciprocal}


def _operand(arrays: tuple, i: int, out: np.ndarray) -> Any:
    """Operand i: its position, or a Python number boxed as a 0-d array in the result's dtype."""
    a = arrays[i]
    if isinstance(a, np.ndarray):
        return i
    if type(a) in (int, float) and out.dtype.kind == "f":
        return Lit(np.asarray(a, dtype=out.dtype))
    return Lit(a)


def lowering(ctx: Any, arrays: tuple, kwargs: dict, out: np.ndarray) -> Any:
    """The numpy call that computes this op's output (or a list of candidates, best first), or
    None."""
    cls = type(ctx)
    if cls is ops.MatMul and arrays[0].ndim == 2 and arrays[1].ndim == 2:
        # np.dot reaches BLAS without copying a transposed operand (W.T @ dZ, an outer product),
        # where matmul may not. Only where nothing is summed (inner size 1: each element is one
        # product, the same in any order): a sum may add in another order for some values only,
        # which no probe can rule out. Not for a broadcast operand (Sum's gradient, stride 0), nor
        # a 1 x 1 one, which dot multiplies as a scalar (0 * -3 is -0.0 there, +0.0 in matmul)
        a, b = arrays
        if a.shape[1] == 1 and 0 not in a.strides + b.strides and a.size > 1 and b.size > 1:
            return [("out", np.dot, [0, 1], {}), ("out", np.matmul, [0, 1], {})]
        return "out", np.matmul, [0, 1], {}
    if cls in _UFUNCS:
        args = [_operand(arrays, i, out) for i in range(2)]
        return "out", _UFUNCS[cls], args, {}
    if cls in _UNARY:
        return "out", _UNARY[cls], [0], {}
    if cls is ops.Pow:
        b = arrays[1]
        if type(b) in (int, float) and b in _POWERS:
            return "out", _POWERS[b], [0], {}
        return "out", np.power, [_operand(arrays, i, out) for i in range(2)], {}
    if cls is ops.ReLU:
        return "out", np.maximum, [0, Lit(np.asarray(0, dtype=out.dtype))], {}
    if cls is ops.Sigmoid:
        one = Lit(np.asarray(1, dtype=out.dtype))
        return "out", sigmoid_into, [0, one], {}
    if cls in (ops.Sum, ops.Mean):
        a = arrays[0]
        axis, keepdims = kwargs.get("axis"), kwargs.get("keepdims", False)
        if len(arrays) > 1:
            axis = arrays[1]
        if len(arrays) > 2:
            keepdims = arrays[2]
        axes = Lit(normalize_axis("sum", axis, a.ndim, a.shape))
        if cls is ops.Sum:
            return "out", np.add.reduce, [0], {"axis": axes, "keepdims": Lit(bool(keepdims))}
        n = math.prod(a.shape[i] for i in axes.value)  # 0 for an empty axis: nan, as numpy's
        count = Lit(np.asarray(n, dtype=out.dtype))  # numpy divides by n in the result's dtype
        return "out", mean_into, [0, axes, Lit(bool(keepdims)), count], {}
    if cls is ops.Reshape:
        return "view", np.reshape, [0, Lit(tuple(out.shape))], {}
    if cls is ops.Transpose:
        return "view", np.transpose, [0, Lit(_axes_of(ctx))], {}
    if cls is ops.BroadcastTo:
        return "out", np.copyto, [0], {}
    if cls is ops.Cast:
        return "new", _astype, [0, Lit(out.dtype)], {}
    return None


def _axes_of(ctx: Any) -> tuple:
    inverse = ctx.inverse
    return tuple(int(i) for i in np.argsort(inverse))


def _astype(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return a.astype(dtype)


def as_operand(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """ops/base.py `operand` on an array: a copy in the tensor's dtype, as it makes it."""
    return np.array(a).astype(dtype)


def _private_errstate() -> tuple[Any, Any]:
    """numpy 2's floating-point error state, a context variable, and its maker; (None, None) when
    this numpy has no such private API (1.26) or it does not behave as np.errstate (checked once:
    a later numpy may change it)."""
    try:
        from numpy._core._ufunc_config import (  # type: ignore[attr-defined]  # private
            _extobj_contextvar,
            _make_extobj,
        )

        token = _extobj_contextvar.set(_make_extobj(over="raise"))
        try:
            works = np.geterr()["over"] == "raise"
        finally:
            _extobj_contextvar.reset(token)
        return (_extobj_contextvar, _make_extobj) if works else (None, None)
    except Exception:  # any change to numpy's private API: fall back to np.errstate
        return None, None


_extobj_contextvar, _make_extobj = _private_errstate()


def sigmoid_into(z: np.ndarray, one: np.ndarray, out: np.ndarray) -> None:
    """ops.base.sigmoid, 1 / (1 + e^-z), into `out`: the same four numpy calls."""
    np.negative(z, out)
    # as the op, under np.errstate(over="ignore"): e^-z is inf below z = -709, and 1/inf = 0
    if _make_extobj is None:
        with np.errstate(over="ignore"):
            np.exp(out, out)
    else:  # what np.errstate's enter and exit do, without its Python layer (0.6 µs of 2.4)
        token = _extobj_contextvar.set(_make_extobj(over="ignore"))
        try:
            np.exp(out, out)
        finally:
            _extobj_contextvar.reset(token)
    np.add(one, out, out)
    np.divide(one, out, out)


def mean_into(a: np.ndarray, axis: tuple, keepdims: bool, n: Any, out: np.ndarray) -> None:
    """`a.mean(axis)` into `out`, as numpy computes it: the sum, divided by the count."""
    np.add.reduce(a, axis=axis, keepdims=keepdims, out=out)
    if out.ndim:
        np.divide(out, n, out)
    else:  # the same division: numpy takes twice as long into a 0-d array given as out
        out[()] = np.divide(out, n)


def to_array(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return np.array(a, dtype=dtype)


def saves_only_ios(ctx: Any, arrays: tuple, out: np.ndarray) -> bool:
    """True if every array the op kept for backward is one of its inputs or its output (then its
    backward, run on Tensors, reads nothing the program does not make)."""
    for s in ctx._saved or ():
        if isinstance(s, np.ndarray) and s is not out and not any(s is a for a in arrays):
            return False
    skip = ("_saved", "parents", "forward_kwargs")
    return not any(isinstance(v, np.ndarray) for k, v in vars(ctx).items() if k not in skip)


def same_bits(low: tuple, ctx: Any, arrays: tuple, kwargs: dict, out: np.ndarray) -> bool:
    """Does the lowering give the op's output, bit for bit? Tried on the eager inputs, and on
    random ones of the same shapes, dtypes and layout: values like the zeros a model starts from
    agree where another numpy path would not (np.dot and matmul round differently once W != 0)."""
    if not _agrees(low, arrays, out):
        return False
    probe = tuple(_probe(a) for a in arrays)
    reference = _new(type(ctx))
    reference.needs_input_grad = ctx.needs_input_grad
    try:
        with np.errstate(all="ignore"):
            expected = np.asarray(type(ctx).forward(reference, *probe, **kwargs))
    except (TypeError, ValueError, IndexError):
        return False
    return _agrees(low, probe, expected)


_new = object.__new__
_rng = np.random.default_rng(12345)


def _probe(a: Any) -> Any:
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
        return a
    # the same memory order (a transposed view stays transposed), and a broadcast (an axis of
    # stride 0, as Sum's gradient) stays one: np.dot and matmul add it up in different orders
    picked = a[tuple(slice(0, 1) if s == 0 else slice(None) for s in a.strides)]
    p = np.empty_like(picked)
    p[...] = _rng.uniform(0.5, 2.0, picked.shape)
    return np.broadcast_to(p, a.shape) if p.shape != a.shape else p


def _agrees(low: tuple, arrays: tuple, out: np.ndarray) -> bool:
    kind, fn, spec, kw = low
    args = [arrays[s] if isinstance(s, int) else s.value for s in spec]
    kwargs = {k: v.value for k, v in kw.items()}
    try:
        with np.errstate(all="ignore"):
            if kind == "out":
                got = np.empty_like(out)
                if fn is np.copyto:
                    np.copyto(got, *args)
                else:
                    fn(*args, **kwargs, out=got)
            else:
                got = fn(*args, **kwargs)
    except (TypeError, ValueError):
        return False
    if kind == "view" and not np.shares_memory(got, args[0]):
        return False
    return bits_equal(got, out)


def viewed(out: np.ndarray, args: list, arrays: tuple) -> Value | None:
    """The value whose memory `out` views, if it views an input's."""
    if out.base is None:
        return None
    for v, a in zip(args, arrays, strict=False):
        if isinstance(v, Value) and isinstance(a, np.ndarray) and np.shares_memory(out, a):
            return v.base or v
    return None


def layout(a: Any) -> Any:
    """What decides which numpy path an operand takes: shape, dtype, strides, alignment."""
    if isinstance(a, np.ndarray):
        return (a.shape, a.dtype, a.strides, a.flags.aligned)  # (dtype.str makes a string: slow)
    return ("value", type(a), a if isinstance(a, (int, float, bool, str, type(None))) else id(a))


def literal_key(lit: Any) -> Any:
    value = lit.value
    if isinstance(value, np.ndarray):
        return (value.dtype, value.tobytes())
    return layout(value) if not isinstance(value, tuple) else ("tuple", value)
