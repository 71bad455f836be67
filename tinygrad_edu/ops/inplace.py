"""In-place updates, as in PyTorch: `t += x`, `t[i] = x`, `t.zero_()`, `t.copy_(x)` write into the
tensor's memory and bump its version (engine/versions.py), so a backward that saved the old values
raises instead of using the new ones.

With nothing to record (inside `no_grad()`, or when neither side requires grad) `t += x` is numpy's
in-place ufunc: `with no_grad(): w -= lr * w.grad` is PyTorch's update step, and `w` stays the same
leaf. Otherwise the out-of-place op is recorded and `t` takes its history: the recorded op's input
stands for the old value (the op keeps a copy for its backward), and ops recorded earlier still send
their gradient there (`engine.backprop.seen_by`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.broadcast import check_broadcast
from tinygrad_edu.engine import versions
from tinygrad_edu.engine.function import is_tensor
from tinygrad_edu.engine.grad_mode import is_grad_enabled
from tinygrad_edu.ops.base import not_numbers, operand
from tinygrad_edu.ops.movement import plain_index


def inplace(t: Any, op: Any, ufunc: Any, other: Any, operator: Callable) -> Any:
    """`t op= other`: `ufunc(t, other, out=t)` when nothing is recorded, else `operator(t, other)`
    recorded as `t`'s new history (see the module docstring). Returns `t`."""
    symbol = f"{op.symbol}="
    if is_grad_enabled() and (t.requires_grad or (is_tensor(other) and other.requires_grad)):
        return _recorded(t, op, other, operator, symbol)
    value = operand(t, other)
    if value is NotImplemented:
        raise not_numbers(f"{op.name} ({symbol})", other)
    if is_tensor(value):
        value = value._data
    try:
        ufunc(t._data, value, out=t._data)
    except OverflowError:  # a Python int beyond float64, e.g. 10**400
        raise ValueError(f"{symbol}: {value!r:.40} is too large for a {t.dtype} tensor") from None
    except (ValueError, TypeError) as exc:
        if isinstance(exc, ValueError):
            shape = check_broadcast(symbol, t.shape, np.shape(value))
            raise ValueError(
                f"{symbol}: the result has shape {shape} but the tensor has shape {t.shape}; an "
                f"in-place op cannot change a tensor's shape (write `t = t {op.symbol} x`)"
            ) from None
        raise TypeError(
            f"{symbol}: cannot write the result into a {t.dtype} tensor in place ({exc})"
        ) from None
    versions.increment_version(t)
    return t


def _recorded(t: Any, op: Any, other: Any, operator: Callable, symbol: str) -> Any:
    if t._ctx is None and t.requires_grad:
        raise RuntimeError(
            f"{symbol}: {_label(t)} is a leaf that requires grad; changing it in place while "
            "gradients are recorded would change what backward computes. For an update step write "
            f"`with no_grad(): w {symbol} ...` (or `w.data {symbol} ...`); for a new tensor write "
            f"`w = w {op.symbol} ...`"
        )
    if t._counter is not None and t._counter[versions.VIEWS]:
        raise RuntimeError(
            f"{symbol}: {_label(t)} shares its memory with a view (a reshape, transpose or index of "
            "it, or it is one); changing it in place while gradients are recorded would change the "
            "other tensor's values without its history (PyTorch rewrites that history, "
            f"tinygrad_edu does not). Write `t = t {op.symbol} x` for a new tensor, or do it inside "
            "no_grad()"
        )
    # `old` stands for the value before: the node of the old history, on the same memory (so an op
    # that saved that memory sees the write below), which the recorded op reads
    old = type(t)._wrap(t._data)
    old._ctx, old.requires_grad, old.name = t._ctx, t.requires_grad, t.name
    old._counter = versions.version_counter(t)
    result = operator(old, old if other is t else other)  # `h += h`: both are the old h
    if result is NotImplemented:
        raise not_numbers(f"{op.name} ({symbol})", other)
    if result.shape != t.shape:
        raise ValueError(
            f"{op.name} ({symbol}): the result has shape {result.shape} but {_label(t)} has shape "
            f"{t.shape}; an in-place op cannot change a tensor's shape (write `t = t {op.symbol} x` "
            "for a new tensor)"
        )
    ctx, prev, memory = result._ctx, old._ctx, t._data
    saved = ctx._saved
    # The old values, wherever a backward needs them (this op's saved input, or the output the op
    # that made `t` saved), become a copy that `old` holds: the gradients, second ones included,
    # are then computed with them. Every other op that saved this memory sees the write below.
    if (saved and any(s is memory for s in saved)) or (
        prev is not None and prev._saved and any(s is memory for s in prev._saved)
    ):
        before = memory.copy()
        ctx._saved = tuple(before if s is memory else s for s in saved) if saved else saved
        if prev is not None and prev._saved:
            prev._saved = tuple(before if s is memory else s for s in prev._saved)
        old._data, old._counter = before, None
    np.copyto(memory, result._data, casting="same_kind")
    versions.increment_version(t)
    if saved:
        # its saved output is `t` now (so create_graph hands `t` to its backward), as of this write
        ctx._saved = tuple(memory if s is result._data else s for s in ctx._saved)
        ctx._epoch, ctx._out_version = versions.last_write, t._counter[0]
    ctx.replaced = old
    versions.rewritten = True
    t._ctx, t.requires_grad = ctx, True
    return t


def setitem(t: Any, index: Any, value: Any) -> None:
    """`t[index] = value`, in place, outside recorded history: refused while gradients are recorded
    for `t` or `value`."""
    index = plain_index(index)
    # `t[i] += x` is `v = t[i]; v += x; t[i] = v`: the in-place op already wrote through the view v
    # (and counted the write), so this last step has nothing left to do
    if is_tensor(value) and _same_memory(value._data, t._data[index]):
        return
    check_unrecorded_write(t, "item assignment (t[...] = x)")
    if is_tensor(value) and value.requires_grad and is_grad_enabled():
        raise RuntimeError(
            "item assignment (t[...] = x): x requires grad, and an assignment records no history; "
            "build the tensor from ops instead, or assign `x.detach()`"
        )
    try:
        t._data[index] = value._data if is_tensor(value) else value
    except (ValueError, TypeError, IndexError) as exc:
        raise type(exc)(
            f"item assignment (t[...] = x) into a tensor of shape {t.shape}: {exc}"
        ) from None
    versions.increment_version(t)


def copy_(t: Any, src: Any) -> Any:
    """`t.copy_(src)`: see Tensor.copy_."""
    check_unrecorded_write(t, "copy_")
    if is_tensor(src) and src.requires_grad and is_grad_enabled():
        raise RuntimeError(
            "copy_: the source requires grad, and a copy records no history; write "
            "`t = src + 0.0` for a tensor that does, or copy `src.detach()`"
        )
    values = src._data if is_tensor(src) else np.asarray(src)
    try:
        np.copyto(t._data, values, casting="unsafe")
    except ValueError:
        raise ValueError(
            f"copy_: values of shape {values.shape} cannot be copied into {_label(t)} of shape "
            f"{t.shape}"
        ) from None
    versions.increment_version(t)
    return t


def check_unrecorded_write(t: Any, what: str) -> None:
    """Refuse a write that records no history into a tensor gradients are recorded for."""
    if is_grad_enabled() and t.requires_grad:
        raise RuntimeError(
            f"{what}: {_label(t)} requires grad; write into it inside `with no_grad():` (an "
            "update), or make a new tensor"
        )


def _label(t: Any) -> str:
    return f"tensor {t.name!r}" if t.name else f"the tensor of shape {t.shape}"


def _same_memory(a: Any, b: Any) -> bool:
    """The two are the very same elements in memory (one view read twice), not just overlapping."""
    return (
        isinstance(a, np.ndarray)
        and isinstance(b, np.ndarray)
        and a.shape == b.shape
        and a.strides == b.strides
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )
