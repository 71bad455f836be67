"""An op with no lowering (a user's `Function`, an op whose backward reads more than its inputs and
output) runs in the program as eager mode runs it: its own forward on a fresh ctx, its own
backward on arrays. These two functions are those calls, for the generated code (codegen.py) and
the interpreter loop (interpret.py) alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.engine import function

__all__ = ["opaque_backward", "opaque_forward"]

_new: Any = object.__new__


def opaque_forward(cls: Any, needs: tuple, *arrays: Any, **kwargs: Any) -> tuple:
    """An op with no lowering, as apply runs it: its forward on a fresh ctx; returns (out, ctx)."""
    ctx = _new(cls)
    ctx.needs_input_grad = needs
    out = cls.forward(ctx, *arrays, **kwargs)
    if type(out) is not np.ndarray:
        out = function._as_output(cls, out, ctx)
    return out, ctx


def opaque_backward(ctx: Any, g: np.ndarray, specs: list) -> tuple:
    """Its backward on arrays, as plain backward calls it; each gradient an array of its input's
    shape and dtype, never the incoming gradient itself (a view of it stays a view, as in plain
    backward: the program keeps g's memory in use while the view is read)."""
    grads = type(ctx).backward(ctx, g)
    if type(grads) is not tuple:
        grads = (grads,)
    out = []
    for pg, spec in zip(grads, specs, strict=True):
        if spec is None:
            continue
        shape, dtype = spec
        arr = np.asarray(pg)
        if arr.dtype != dtype:
            arr = arr.astype(dtype)
        elif arr is g:
            arr = arr.copy()
        out.append(arr.reshape(shape) if arr.shape != shape else arr)
    return tuple(out)
