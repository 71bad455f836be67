"""Gradients that are Tensors with history: `backward(create_graph=True)` and `grad(...)`.

The course's calculus refresher differentiates twice: for J = x^3, dJ/dx = 3x^2 and d/dx(3x^2) = 6x.
Here the second derivative comes from the same backward formulas as the first. Every op's `backward`
is written with operators (`grad * out * (1 - out)`) and helpers that work on numpy arrays and on
Tensors alike. The ordinary sweep (autograd.py) runs them on arrays; this sweep runs them on Tensors,
so each gradient it computes is recorded like any forward computation, and backward can walk
through it again:

    >>> from tinygrad_edu import Tensor, grad
    >>> x = Tensor(3.0, requires_grad=True)
    >>> (dJ_dx,) = grad(x**3, x, create_graph=True)
    >>> dJ_dx.item(), grad(dJ_dx, x)[0].item()
    (27.0, 18.0)

What the sweep changes, compared with the array sweep:

- the gradients are Tensors, summed with `+` (recorded), never in place;
- an op's saved arrays are handed to its backward as the Tensors they came from: an input's array as
  that input, the output's array as the output, so the gradient's graph connects to the forward graph
  (anything else an op saved is a constant there);
- recording is on while it runs, whatever the grad mode outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from tinygrad_edu.engine import _core as autograd
from tinygrad_edu.engine._core import enable_grad
from tinygrad_edu.tensor import Tensor

__all__ = ["grad"]


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """The gradients of `outputs` with respect to `inputs`, as a tuple, without touching `.grad`
    (PyTorch's `torch.autograd.grad`).

    For one scalar output J this is (dJ/dx for x in inputs). For several outputs, or outputs that are
    not scalars, `grad_outputs` gives dL/d(output) for each (defaults to 1 for a one-element output),
    and the result is the gradient of L = sum(output * grad_output) summed over the outputs.

    `create_graph=True` records the gradients' own graph, so they can be differentiated again (the
    Hessian-vector product is `grad((g * v).sum(), x)` for `g = grad(J, x, create_graph=True)`).
    `retain_graph` defaults to `create_graph`: without it the saved values are freed.

    An input that is not part of the graph (nothing in `outputs` depends on it) is an error, unless
    `allow_unused=True`, which returns None for it.
    """
    outs = _as_tensors("outputs", outputs)
    ins = _as_tensors("inputs", inputs)
    if grad_outputs is None:
        gouts: tuple[Any, ...] = (None,) * len(outs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)) or not isinstance(
        grad_outputs, (list, tuple)
    ):
        gouts = (grad_outputs,)
    else:
        gouts = tuple(grad_outputs)
    if len(gouts) != len(outs):
        raise ValueError(
            f"grad: {len(gouts)} grad_outputs for {len(outs)} outputs; give one per output"
        )
    for i, x in enumerate(ins):
        if not x.requires_grad:
            raise RuntimeError(
                f"grad: input {i} (shape {x.shape}) does not require grad, so no gradient is "
                "recorded for it; create it with requires_grad=True"
            )
    for i, y in enumerate(outs):
        if not y.requires_grad:
            raise RuntimeError(
                f"grad: output {i} (shape {y.shape}) does not require grad: it was not computed "
                "from any input that requires grad (or it was computed inside no_grad())"
            )
    if retain_graph is None:
        retain_graph = create_graph
    root, seed = _one_root(outs, gouts, create_graph)
    # the sweeps key the inputs by tensor: one listed twice (grad(J, [x, x]), as PyTorch allows)
    # is asked for once and its gradient given at both places
    unique = tuple(dict.fromkeys(ins))
    found = autograd.run_backward(
        root, seed, retain_graph=retain_graph, inputs=unique, create_graph=create_graph
    )
    by_input = dict(zip(unique, found, strict=True))
    results = [by_input[x] for x in ins]
    for i, (x, g) in enumerate(zip(ins, results, strict=True)):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {x.shape}) is not part of the graph that computed the "
                "outputs (nothing in them depends on it); pass allow_unused=True to get None for it"
            )
    if create_graph:
        return tuple(results)
    return tuple(None if g is None else Tensor._wrap(g) for g in results)


def _as_tensors(what: str, xs: Any) -> tuple[Tensor, ...]:
    xs = (xs,) if isinstance(xs, Tensor) else tuple(xs)
    if not xs:
        raise ValueError(f"grad: {what} is empty")
    for i, x in enumerate(xs):
        if not isinstance(x, Tensor):
            raise TypeError(f"grad: {what}[{i}] is {type(x).__name__}, expected a Tensor")
    return xs


def _one_root(outs: tuple[Tensor, ...], gouts: tuple[Any, ...], create_graph: bool) -> tuple:
    """One tensor and its seed gradient to start the sweep from.

    One output: itself, seeded with its grad_output (1 for a scalar). Several: the scalar
    L = sum_k sum(output_k * grad_output_k), whose gradient is the sum of theirs, seeded with 1."""
    seeds = []
    for i, (y, g) in enumerate(zip(outs, gouts, strict=True)):
        if g is None:
            if y.size != 1:
                raise RuntimeError(
                    f"grad: output {i} has shape {y.shape}; grad_outputs can be omitted only for "
                    "outputs with one element. Pass grad_outputs (dL/doutput, of that shape)"
                )
            g = np.ones_like(y.data)
        g = g if isinstance(g, Tensor) else Tensor(g, dtype=y.dtype)
        if g.shape != y.shape:
            raise ValueError(
                f"grad: grad_outputs[{i}] has shape {g.shape} but output {i} has shape {y.shape}"
            )
        seeds.append(g)
    if len(outs) == 1:
        g = seeds[0]
        return outs[0], (g if create_graph else g.data)
    with enable_grad():
        # started from the first term, not from Tensor(0.0): a float64 zero would make the sum, its
        # seed and so every gradient of float32 outputs float64
        terms = [(y * g).sum() for y, g in zip(outs, seeds, strict=True)]
        total = sum(terms[1:], terms[0])
    one = np.ones_like(total.data)
    return total, (Tensor._wrap(one) if create_graph else one)


# ----------------------------------------------------------------------------------------------
# The sweep on Tensors


def sweep_graph(
    root: Tensor, grad: Any, retain_graph: bool, inputs: tuple[Tensor, ...] | None
) -> list[Tensor | None] | None:
    """`autograd.run_backward` with `create_graph=True`: the same newest-first sweep, on Tensors."""
    with enable_grad():
        seed = grad if isinstance(grad, Tensor) else Tensor._wrap(grad)
        return _sweep(root, seed, retain_graph, inputs)


def _sweep(
    root: Tensor, grad: Tensor, retain_graph: bool, inputs: tuple[Tensor, ...] | None
) -> list[Tensor | None] | None:
    wanted = None if inputs is None else {t: i for i, t in enumerate(inputs)}
    results: list[Tensor | None] = [None] * (len(inputs) if inputs is not None else 0)
    grads: dict[Tensor, Tensor] = {root: grad}
    leaves: list[Tensor] = []
    heap: list[tuple[int, Tensor]] = []
    if root._ctx is None:
        leaves.append(root)
    else:
        heap.append((root._ctx.seq, root))
    while heap:
        node = heappop(heap)[1]
        g = grads.pop(node)
        if wanted is not None and node in wanted:
            results[wanted[node]] = g
        if node._retains_grad and wanted is None:
            _accumulate(node, g)
        ctx = node._ctx
        in_grads = _backward_on_tensors(ctx, node, g, retain_graph)
        if autograd._anomaly_threads:
            autograd._anomaly.after_backward(ctx, g.data, in_grads)
        seq = ctx.seq
        for parent, pg, need in zip(ctx.parents, in_grads, ctx.needs_input_grad, strict=True):
            if not need or pg is None:
                continue
            if autograd._rewritten[0]:  # some tensor took a new history in place
                parent_ctx = parent._ctx
                if parent_ctx is not None and parent_ctx.seq < seq:
                    parent = autograd.seen_by(parent, seq)
            pg = _as_grad_tensor(ctx, parent, pg)
            stored = grads.get(parent)
            if stored is not None:
                grads[parent] = stored + pg
                continue
            grads[parent] = pg
            if parent._ctx is not None:
                heappush(heap, (parent._ctx.seq, parent))
            else:
                leaves.append(parent)
    for leaf in leaves:
        g = grads.pop(leaf)
        if wanted is None:
            if leaf.requires_grad:  # requires_grad_(False) after the forward: no gradient
                _accumulate(leaf, g)
        elif leaf in wanted:
            results[wanted[leaf]] = g
    return results if inputs is not None else None


def _backward_on_tensors(ctx: Any, node: Tensor, g: Tensor, retain_graph: bool) -> tuple:
    """Call `ctx.backward` with `g` and the saved values as Tensors; one gradient per input."""
    saved = ctx._saved
    if saved:
        if ctx._epoch != autograd._last_write:  # written in place since the forward?
            autograd._check_versions(ctx, saved, node)
        ctx._saved = tuple(_saved_as_tensor(v, node, ctx.parents) for v in saved)
    try:
        in_grads = ctx.backward(ctx, g)
    except TypeError as exc:
        if "Tensor" not in str(exc) and not str(exc).startswith("np."):
            raise
        # numpy refuses Tensors: the backward calls numpy functions (np.cos(x)) on what is now a
        # Tensor. Only operators and Tensor methods can build the graph of a gradient.
        raise TypeError(
            f"{type(ctx).__name__}.backward cannot run with create_graph=True: it calls numpy on a "
            f"Tensor ({exc}). Write it with operators and Tensor methods (x.exp(), x.tanh(), ...) "
            "and keep the values it needs with ctx.save_for_backward"
        ) from None
    finally:
        if saved:
            ctx._saved = saved
    if not retain_graph:
        ctx._saved = None
    if type(in_grads) is not tuple:
        in_grads = (in_grads,)
    if len(in_grads) != len(ctx.parents):
        raise autograd._count_error(ctx, len(in_grads))
    return in_grads


def _saved_as_tensor(value: Any, node: Tensor, parents: tuple) -> Any:
    """A saved value as the Tensor it came from: an input's array is that input, the output's array
    is the output. Another array (a mask, an intermediate) is a constant; numbers stay numbers."""
    if type(value) is not np.ndarray:
        return value
    if value is node._data:
        return node
    for p in parents:
        if type(p) is Tensor and p._data is value:
            return p
    return Tensor._wrap(value)


def _as_grad_tensor(ctx: Any, parent: Tensor, pg: Any) -> Tensor:
    if not isinstance(pg, Tensor):
        pg = Tensor._wrap(np.asarray(pg, dtype=parent.dtype))  # a constant: its history is unknown
    if pg.shape != parent.shape:
        raise autograd._shape_error(ctx, pg.shape, parent.shape)
    if pg.dtype != parent.dtype:  # a recorded cast, so float32 stays float32 here too
        pg = pg.astype(parent.dtype)
    return pg


def _accumulate(node: Tensor, g: Tensor) -> None:
    # out of place: the gradient is a node of a graph, and the old one may be part of it. The first
    # one is stored as a fresh array too (PyTorch clones it): g may be the very Tensor handed to
    # another leaf (x + y gives both the same), the seed, or a view of a tensor of the gradient's
    # graph (reshape), and a later backward without create_graph adds into .grad in place.
    node._grad = g + 0.0 if node._grad is None else node._grad + g
