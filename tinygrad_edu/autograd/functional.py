"""`grad(outputs, inputs)`: gradients as a tuple, without touching `.grad` (PyTorch's
`torch.autograd.grad`).

The course's calculus refresher differentiates twice: for J = x^3, dJ/dx = 3x^2 and d/dx(3x^2) = 6x.
Here the second derivative comes from the same backward formulas as the first: with
`create_graph=True` the one backward sweep (engine/backprop.py) runs every op's formula on Tensors,
so each gradient is recorded like any forward computation and can be differentiated again:

    >>> from tinygrad_edu import Tensor, grad
    >>> x = Tensor(3.0, requires_grad=True)
    >>> (dJ_dx,) = grad(x**3, x, create_graph=True)
    >>> dJ_dx.item(), grad(dJ_dx, x)[0].item()
    (27.0, 18.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tinygrad_edu.engine.backprop import run_backward
from tinygrad_edu.engine.grad_mode import enable_grad
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
    """The gradients of `outputs` with respect to `inputs`, without touching `.grad`.

    For one scalar output J this is (dJ/dx for x in inputs). For several outputs, or outputs that
    are not scalars, the result is the gradient of L = sum(output * grad_output) summed over them.

    Args:
        outputs: a Tensor or a sequence of Tensors.
        inputs: a Tensor or a sequence of Tensors (one may be listed twice).
        grad_outputs: dL/d(output) for each output (defaults to 1 for a one-element output).
        create_graph: record the gradients' own graph, so they can be differentiated again (the
            Hessian-vector product is `grad((g * v).sum(), x)` for `g = grad(J, x, create_graph=True)`).
        retain_graph: keep the saved values (defaults to `create_graph`).
        allow_unused: return None for an input nothing in `outputs` depends on, instead of raising.

    Returns:
        One gradient per input, in order.

    Raises:
        RuntimeError: an input or output does not require grad, an input is not part of the graph
            (without allow_unused), or grad_outputs is missing for an output of several elements.
        ValueError: the grad_outputs do not match the outputs in number or shape.

    Examples:
        >>> x = Tensor([1.0, 2.0], requires_grad=True)
        >>> grad((x * x).sum(), x)
        (Tensor([2., 4.]),)
        >>> print(x.grad)  # untouched
        None
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
    # the sweep keys the inputs by tensor: one listed twice (grad(J, [x, x]), as PyTorch allows) is
    # asked for once and its gradient given at both places
    unique = tuple(dict.fromkeys(ins))
    found: Any = run_backward(  # a list, since inputs are given
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
            g = np.ones_like(y._data)
        g = g if isinstance(g, Tensor) else Tensor(g, dtype=y.dtype)
        if g.shape != y.shape:
            raise ValueError(
                f"grad: grad_outputs[{i}] has shape {g.shape} but output {i} has shape {y.shape}"
            )
        seeds.append(g)
    if len(outs) == 1:
        g = seeds[0]
        # a copy: the sweep may hand the seed back as a result, or add into it
        return outs[0], (g if create_graph else g._data.copy())
    with enable_grad():
        # started from the first term, not from Tensor(0.0): a float64 zero would make the sum, its
        # seed and so every gradient of float32 outputs float64
        terms = [(y * g).sum() for y, g in zip(outs, seeds, strict=True)]
        total = sum(terms[1:], terms[0])
    one = np.ones_like(total._data)
    return total, (Tensor._wrap(one) if create_graph else one)
