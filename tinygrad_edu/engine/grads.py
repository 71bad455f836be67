"""How the backward sweep (backprop.py) holds and sums gradients: the strategy of each order.

- `OnArrays`, plain backward: numpy arrays; the engine sums in place into arrays it owns.
- `OnTensors`, create_graph=True: Tensors with history, summed out of place; an op's saved arrays
  are handed to its backward as the Tensors they came from, so the gradient's graph connects to the
  forward graph and can be differentiated again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.engine import function, versions

__all__ = ["OnArrays", "OnTensors"]


def _shape_error(ctx: Any, got: tuple, expected: tuple) -> RuntimeError:
    return RuntimeError(
        f"{type(ctx).__name__}.backward returned a gradient of shape {got} for an input of shape "
        f"{expected}; each gradient must have its input's shape"
    )


class OnArrays:
    """Plain backward: gradients are numpy arrays, summed in place where the engine owns them. (Its
    `call`, the version check and the op's backward, is written out in the sweep: the hot path.)"""

    kind = np.ndarray
    in_place = True

    def __init__(self, retain_graph: bool) -> None:
        self.retain_graph = retain_graph

    def convert(self, ctx: Any, parent: Any, pg: Any) -> np.ndarray:
        """A gradient as an array of the parent's shape and dtype, or an error naming the op."""
        data = parent._data
        if type(pg) is not np.ndarray:
            pg = np.asarray(getattr(pg, "_data", pg))
        if pg.shape != data.shape:
            raise _shape_error(ctx, pg.shape, data.shape)
        return pg if pg.dtype == data.dtype else pg.astype(data.dtype)

    def hand_out(self, g: np.ndarray, owned: bool) -> np.ndarray:
        return g if owned else g.copy()

    def to_leaf(self, node: Any, g: np.ndarray, owned: bool) -> None:
        # stored without a copy only when the engine made it; a later one is added in place, as
        # PyTorch does (the user zeroes .grad between steps)
        if node._grad is None:
            node._grad = function._wrap(g if owned else g.copy())
        else:
            node._grad._data += g
            versions.increment_version(node._grad)


class OnTensors:
    """create_graph=True: gradients are Tensors with history, summed out of place."""

    in_place = False

    def __init__(self, retain_graph: bool) -> None:
        self.retain_graph = retain_graph
        self.kind = function._tensor

    def seed(self, grad: Any) -> Any:
        return grad if isinstance(grad, self.kind) else function._wrap(grad)

    def call(self, ctx: Any, node: Any, g: Any) -> Any:
        saved = ctx._saved
        if saved:
            if ctx._epoch != versions.last_write:
                versions.check_versions(ctx, saved, node)
            ctx._saved = tuple(_saved_as_tensor(v, node, ctx.parents) for v in saved)
        try:
            return ctx.backward(ctx, g)
        except TypeError as exc:
            if "Tensor" not in str(exc) and not str(exc).startswith("np."):
                raise
            # the backward calls numpy (np.cos(x)) on what is now a Tensor: no graph can come of it
            raise TypeError(
                f"{type(ctx).__name__}.backward cannot run with create_graph=True: it calls numpy "
                f"on a Tensor ({exc}). Write it with operators and Tensor methods (x.exp(), "
                "x.tanh(), ...) and keep the values it needs with ctx.save_for_backward"
            ) from None
        finally:
            if saved:
                ctx._saved = saved

    def convert(self, ctx: Any, parent: Any, pg: Any) -> Any:
        if not isinstance(pg, self.kind):  # a constant: its history is unknown
            pg = function._wrap(np.asarray(pg, dtype=parent.dtype))
        if pg.shape != parent.shape:
            raise _shape_error(ctx, pg.shape, parent.shape)
        if pg.dtype != parent.dtype:  # a recorded cast, so float32 stays float32 here too
            pg = pg.astype(parent.dtype)
        return pg

    def hand_out(self, g: Any, owned: bool) -> Any:
        return g

    def to_leaf(self, node: Any, g: Any, owned: bool) -> None:
        # out of place (the old .grad may be part of the graph); the first a fresh array too, as
        # PyTorch clones it: g may be shared (x + y hands both the same) or a view (reshape), and a
        # later plain backward adds into .grad in place
        node._grad = g + 0.0 if node._grad is None else node._grad + g


def _saved_as_tensor(value: Any, node: Any, parents: tuple) -> Any:
    """A saved value as the Tensor it came from: an input's array is that input, the output's array
    is the output. Another array (a mask, an intermediate) is a constant; numbers stay numbers."""
    if type(value) is not np.ndarray:
        return value
    if value is node._data:
        return node
    for p in parents:
        if getattr(p, "_data", None) is value:
            return p
    return function._wrap(value)
