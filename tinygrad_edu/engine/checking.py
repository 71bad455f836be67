"""Checking mode: verify the backward contract of every built-in op on every call.

The sweep trusts a built-in op (ops/base.py) to return, for each input that needs one, a gradient of
that input's shape and dtype in a fresh array (or the incoming gradient itself, or a view): it skips
the shape comparison and may add into such an array in place. A built-in op that broke a rule would
give a silently wrong gradient, so the test suite turns this mode on (tests/conftest.py) and every
call is checked. Users' own Functions are always checked by the sweep itself.

    >>> from tinygrad_edu.engine import checking
    >>> checking.enable()   # ... and checking.disable()
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.engine import function

__all__ = ["disable", "enable", "is_enabled"]


def enable() -> None:
    """Check every built-in op's backward from now on (in every thread)."""
    if check_backward not in function.backward_hooks:
        function.backward_hooks.append(check_backward)


def disable() -> None:
    """Stop checking."""
    if check_backward in function.backward_hooks:
        function.backward_hooks.remove(check_backward)


def is_enabled() -> bool:
    """True while checking mode is on."""
    return check_backward in function.backward_hooks


def check_backward(ctx: Any, grad: Any, in_grads: tuple) -> None:
    """Raise if a built-in op's backward broke a rule of ops/base.py (arrays only: with
    create_graph=True the gradients are Tensors, made by the ops' own recorded forwards).

    Raises:
        AssertionError: naming the op, the input and the rule."""
    if not ctx._builtin or not isinstance(grad, np.ndarray):
        return
    if len(in_grads) != len(ctx.parents):  # the sweep does not count a built-in op's gradients
        raise AssertionError(
            f"{type(ctx).__name__}.backward returned {len(in_grads)} gradients for "
            f"{len(ctx.parents)} inputs; one per input (None where none is needed)"
        )
    # every array the op holds: what it saved, its inputs, and what it keeps on ctx (a mask)
    saved = ctx._saved or ()
    others = [*saved, *(getattr(p, "_data", None) for p in ctx.parents), *vars(ctx).values()]
    others = [a for a in others if isinstance(a, np.ndarray) and a is not grad]
    for i, (parent, pg, need) in enumerate(
        zip(ctx.parents, in_grads, ctx.needs_input_grad, strict=True)
    ):
        if not need or pg is None:
            continue
        where = f"{type(ctx).__name__}.backward, the gradient of input {i}"
        data = parent._data
        if isinstance(pg, np.generic) and data.ndim == 0:
            continue  # numpy's scalar for a 0-d result: the sweep makes it an array
        if type(pg) is not np.ndarray:
            raise AssertionError(f"{where}: a {type(pg).__name__}, not a numpy array")
        if pg.shape != data.shape or pg.dtype != data.dtype:
            raise AssertionError(
                f"{where}: shape {pg.shape} and dtype {pg.dtype}, for an input of shape "
                f"{data.shape} and dtype {data.dtype}"
            )
        # the engine adds in place only into an array that owns its memory: that one must be new
        if pg is not grad and pg.base is None and any(a is pg or a.base is pg for a in others):
            raise AssertionError(
                f"{where}: the array of a saved value or of an input, not a fresh one (the "
                "engine may add into it in place)"
            )
