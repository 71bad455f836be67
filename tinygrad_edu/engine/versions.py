"""Version counters: every in-place write bumps the version of the tensor written (PyTorch's
version counter). An op that saved a tensor for backward remembers the version it saw; backward after
it changed raises instead of computing with the new values.

The engine reads tensors through a few attributes only (`_data`, `_counter`, `name`, `shape`), so this
file works on anything that has them and never imports Tensor.
"""

from __future__ import annotations

from array import array
from itertools import count
from typing import Any

import numpy as np

__all__ = ["increment_version", "version_counter"]

# A counter is a small array of ints, [version, has views, stamp of the last write]: array.array
# holds no Python objects, so the garbage collector never tracks it (a graph makes many, and every
# tracked object makes the collector's full passes longer).
_FRESH = array("q", (0, 0, 0))
VIEWS, STAMP = 1, 2
# The clock of in-place writes: each write takes the next stamp. An op that saves tensors notes the
# clock (its `_epoch`); at backward an unchanged clock means nothing was written since, and the check
# costs one comparison. Otherwise the stamps of what it saved tell what changed.
_stamps = count(1)
last_write = 0
# Set once a recorded in-place op gave a tensor a new history (see backprop.seen_by): until then the
# sweep need not look for rewritten inputs.
rewritten = False


def version_counter(t: Any) -> array:
    """The tensor's counter, made on first use (most tensors are never written in place)."""
    if t._counter is None:
        t._counter = _FRESH[:]
    return t._counter


def increment_version(t: Any) -> None:
    """Record that `t`'s values were changed in place (as `torch.autograd.graph.increment_version`).

    Every in-place write of the library calls it; call it after writing into `t.data[...]` yourself
    if backward may still need the old values.

    Args:
        t: the Tensor whose values changed."""
    global last_write
    counter = version_counter(t)
    counter[0] += 1
    counter[STAMP] = last_write = next(_stamps)


def share_counter(result: Any, args: tuple) -> None:
    """`result` is a view of an input's memory (reshape, transpose, basic indexing): a write into
    either changes both, so both share one version counter."""
    out = result._data
    for a in args:
        data = getattr(a, "_data", None)
        if type(data) is np.ndarray and np.may_share_memory(out, data):
            counter = version_counter(a)
            counter[VIEWS] = 1
            result._counter = counter
            return


def remember_versions(ctx: Any, args: tuple, result: Any) -> None:
    """The versions, for the error message, of inputs written before this op (an input never written
    is at version 0, not stored) and of an output sharing a counter (a view). A numpy array the
    caller passed as an operand and `forward` saved is copied: its owner may change it before
    backward, and no version would tell. Called only when some argument is one of these."""
    saved = ctx._saved
    versions = []
    for a in args:
        if type(a) is np.ndarray:
            if any(s is a for s in saved):
                ctx._saved = saved = tuple(s.copy() if s is a else s for s in saved)
            versions.append(0)
        else:
            counter = getattr(a, "_counter", None)
            versions.append(0 if counter is None else counter[0])
    ctx._input_versions = versions
    if result._counter is not None:
        ctx._out_version = result._counter[0]


def check_versions(ctx: Any, saved: tuple, output: Any) -> None:
    """Raise if a saved input, or the output, was written in place after the forward: its counter
    has a later stamp, and its memory is one of the saved arrays (an array replaced by `t.data = ...`
    left the saved one as it was).

    Raises:
        RuntimeError: naming the op, the tensor, its shape and both versions."""
    for i, t in (*enumerate(ctx.parents), (None, output)):
        counter = getattr(t, "_counter", None)
        if counter is not None and counter[STAMP] > ctx._epoch and any(s is t._data for s in saved):
            versions = ctx._input_versions
            then = ctx._out_version if i is None else (versions[i] if versions else 0)
            what = "its output" if i is None else f"its input {i}"
            if t.name:
                what += f" ({t.name})"
            raise RuntimeError(
                f"{type(ctx).__name__}.backward: {what}, of shape {t.shape}, was saved for backward "
                f"and has since been modified in place (it is at version {counter[0]}; it was saved "
                f"at version {then}), so the gradient would be computed with the new values. "
                "retain_graph does not protect against this: run the forward again after the "
                "change, or make the change after backward (for parameters: zero_grad, forward, "
                "backward, step)."
            )
