"""`detect_anomaly()`: stop at the first op whose forward or backward makes a NaN or an inf.

Without it, NaN and inf flow through as in numpy: `log(0)` is -inf, `0 * -inf` is nan, and a cost of
nan shows up many lines (or iterations) after the op that made it. Inside `with detect_anomaly():`
every op checks its result, and backward checks every gradient it computes; the first non-finite
value raises `AnomalyError` naming the op, its input shapes and value ranges, and the line of your
code that called it (for backward: the line that created the op, remembered when it was recorded,
as PyTorch does)::

    >>> import numpy as np
    >>> from tinygrad_edu import Tensor, detect_anomaly
    >>> A = Tensor([[0.5, 1.0]], requires_grad=True)
    >>> with detect_anomaly():
    ...     cost = (1 - A).log().sum()
    Traceback (most recent call last):
    ...
    tinygrad_edu.engine.anomaly.AnomalyError: detect_anomaly: Log.forward produced -inf at 1 of 2 elements; ...

The checks cost a pass over every array, so the mode is for debugging, not for training runs. Like
grad mode it is per thread, and the previous mode comes back on exit, also after an exception.
"""

from __future__ import annotations

import linecache
import os
import sys
import threading
from types import FrameType
from typing import Any

import numpy as np

from tinygrad_edu.engine import function
from tinygrad_edu.engine.grad_mode import ModeContext, ThreadFlag

__all__ = ["AnomalyError", "detect_anomaly", "is_anomaly_enabled"]


class AnomalyError(RuntimeError):
    """An op made a NaN or an inf while `detect_anomaly()` was on (see the message for which)."""


# ----------------------------------------------------------------------------------------------
# The mode: per thread. While some thread has it on, the checks below are hooks (the lists of
# engine/function.py: forward hooks run after every op, backward hooks in backprop.py's sweep); with
# nobody using it, they cost nothing.


_mode = ThreadFlag(False)
_count_lock = threading.Lock()
_threads_on = 0


def is_anomaly_enabled() -> bool:
    """True inside `detect_anomaly()` in this thread."""
    return _mode.enabled


class detect_anomaly(ModeContext):
    """`with detect_anomaly():` or `@detect_anomaly()` (on a function or a generator function):
    raise `AnomalyError` at the first op whose forward or backward produces NaN or inf.

    Args:
        mode: False turns the mode off inside."""

    flag = _mode

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)

    def set(self, enabled: bool) -> None:
        """Switch the mode in this thread; the hooks are on while any thread has it on.

        Args:
            enabled: the new mode."""
        global _threads_on
        if enabled == _mode.enabled:
            return
        with _count_lock:  # the first thread in adds the hooks, the last one out removes them
            _threads_on += 1 if enabled else -1
            if enabled and _threads_on == 1:
                function.forward_hooks.append(after_forward)
                function.backward_hooks.append(after_backward)
            elif not enabled and _threads_on == 0:
                function.forward_hooks.remove(after_forward)
                function.backward_hooks.remove(after_backward)
        _mode.enabled = enabled


# ----------------------------------------------------------------------------------------------
# The checks, called by the engine only while some thread has the mode on.


def after_forward(ctx: Any, arrays: list[Any], result: Any) -> None:
    """Check an op's result; when the op was recorded, remember the user's line for backward."""
    if not _mode.enabled:
        return  # another thread has the mode on, not this one
    site = None
    if result._ctx is ctx:  # recorded: backward will need the line too
        site = ctx._anomaly_site = user_site()
    out = result._data
    if out.dtype.kind in "fc" and not np.isfinite(out).all():
        if getattr(ctx, "passes_values_through", False) and _same_non_finite(arrays[0], out):
            return  # a cast (the dtype promotion's) only carries its input's nan along
        site = site or user_site()
        raise AnomalyError(
            f"detect_anomaly: {type(ctx).__name__}.forward produced {_bad_values(out)}; "
            f"inputs: {_describe_all(arrays)}; called at {format_site(site)}"
            f"{_hint(ctx)}"
        )


def _same_non_finite(a: Any, out: np.ndarray) -> bool:
    a = np.asarray(a)
    return a.shape == out.shape and bool((np.isfinite(a) == np.isfinite(out)).all())


def after_backward(ctx: Any, grad: np.ndarray, in_grads: tuple) -> None:
    """Check the gradients an op's backward returned for the inputs that need one."""
    if not _mode.enabled:
        return
    grad = getattr(grad, "_data", grad)  # a Tensor with create_graph=True
    for i, (pg, need) in enumerate(zip(in_grads, ctx.needs_input_grad, strict=False)):
        if not need or pg is None:
            continue
        arr = np.asarray(getattr(pg, "_data", pg))
        if arr.dtype.kind in "fc" and not np.isfinite(arr).all():
            inputs = [getattr(p, "_data", p) for p in ctx.parents]
            site = ctx.__dict__.get("_anomaly_site")
            where = (
                format_site(site)
                if site is not None
                else "an unknown line (the op was recorded outside detect_anomaly())"
            )
            raise AnomalyError(
                f"detect_anomaly: {type(ctx).__name__}.backward produced {_bad_values(arr)} "
                f"in the gradient of input {i}; incoming gradient: {_describe(grad)}; "
                f"inputs: {_describe_all(inputs)}; the op was created at {where}{_hint(ctx)}"
            )


# ----------------------------------------------------------------------------------------------
# Wording


# What usually makes each op non-finite, in the course's terms.
HINTS = {
    "Log": "log(0) is -inf and log of a negative number is nan: a probability that reached "
    "exactly 0 or 1 (a saturated sigmoid) does this; use binary_cross_entropy_with_logits, or "
    "keep the input away from 0",
    "Div": "a division by 0 gives inf (and 0/0 gives nan)",
    "Sqrt": "the square root of a negative number is nan, and its gradient at 0 is inf",
    "Exp": "exp overflows to inf above about 709 (88 in float32): the input is too large, often "
    "because the learning rate is",
    "Pow": "a negative base to a fractional power is nan, and 0 to a negative power is inf",
}


def _hint(ctx: Any) -> str:
    hint = HINTS.get(type(ctx).__name__)
    return f". Hint: {hint}" if hint else ""


def _bad_values(a: np.ndarray) -> str:
    """'-inf at 3 of 209 elements' (or 'nan at 1 and inf at 2 of 6 elements')."""
    counts = [
        ("nan", int(np.isnan(a).sum())),
        ("inf", int(np.isposinf(a).sum())),
        ("-inf", int(np.isneginf(a).sum())),
    ]
    found = " and ".join(f"{name} at {n}" for name, n in counts if n)
    return f"{found} of {a.size} elements"


def _describe(value: Any) -> str:
    """'(1, 209) in [0, 0.97]' for an array (with any nan/inf counted), the value for a number."""
    if not isinstance(value, np.ndarray):
        return repr(value)
    if value.size == 0:
        return f"{value.shape} empty"
    if value.dtype.kind not in "fc":
        return f"{value.shape} of {value.dtype}"
    finite = value[np.isfinite(value)]
    text = f"{value.shape}"
    if finite.size:
        text += f" in [{finite.min():.4g}, {finite.max():.4g}]"
    if finite.size < value.size:
        text += f" with {_bad_values(value)}"
    return text


def _describe_all(values: list[Any]) -> str:
    return ", ".join(_describe(v) for v in values)


# ----------------------------------------------------------------------------------------------
# Where the user called the op: the innermost frame outside this package.

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
_ENGINE = tuple(
    os.path.join(_PACKAGE, name)
    for name in ("tensor.py", "broadcast.py", "_checks.py", "engine" + os.sep, "ops" + os.sep)
)


def user_site() -> tuple[str, int, tuple[str, int, str] | None]:
    """(file, line, via): the user's frame, and `via` the innermost tinygrad_edu frame above the
    engine (a layer or a loss, as (file, line, function)) when the user called the op through one."""
    frame: FrameType | None = sys._getframe(1)
    via = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_PACKAGE):
            return filename, frame.f_lineno, via
        if via is None and not filename.startswith(_ENGINE):
            via = (filename, frame.f_lineno, frame.f_code.co_name)
        frame = frame.f_back
    return "<unknown>", 0, via  # pragma: no cover - an op run only from inside the package


def _short(filename: str) -> str:
    """A path relative to the working directory when it is under it, else as it is."""
    if os.path.isabs(filename):
        try:
            rel = os.path.relpath(filename)
        except ValueError:  # pragma: no cover - another drive on Windows
            return filename
        if not rel.startswith(".."):
            return rel
    return filename


def format_site(site: tuple[str, int, tuple[str, int, str] | None]) -> str:
    filename, lineno, via = site
    code = linecache.getline(filename, lineno).strip()
    text = f"{_short(filename)}:{lineno}" + (f": {code}" if code else "")
    if via is not None:
        text += f" (through {_short(via[0])}:{via[1]}, in {via[2]})"
    return text
