"""The backward pass: one sweep over the recorded graph, newest op first, for `backward()`,
`backward(create_graph=True)` and `grad()` alike.

Every recorded op carries a creation number, and an op's inputs were always made before it, so
sweeping from the newest op to the oldest (a heap keyed by that number) reaches each tensor after all
of its consumers added their part: its gradient is then complete, the sum over its consumers (the
multivariate chain rule). No recursion, so a graph 100,000 ops deep is fine.

How a gradient is held and summed is a small strategy: `OnArrays` (plain backward: numpy arrays,
summed in place where the engine owns them) or `OnTensors` (create_graph=True: Tensors summed with
`+` while grad mode records, so the gradients can be differentiated again; DeZero's idea, possible
because every backward formula is written with operators).
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush
from typing import Any

import numpy as np

from tinygrad_edu.engine import function, versions
from tinygrad_edu.engine.collector import graph_swept
from tinygrad_edu.engine.grad_mode import enable_grad
from tinygrad_edu.engine.grads import OnArrays, OnTensors

__all__ = ["run_backward", "seen_by"]

Trace = Callable[[Any, np.ndarray, list], None]


def run_backward(
    root: Any,
    grad: Any,
    retain_graph: bool = False,
    inputs: tuple | None = None,
    trace: Trace | None = None,
    create_graph: bool = False,
) -> list | None:
    """Backpropagate `grad` (dL/droot) through the graph that made `root`.

    Args:
        root: the Tensor to start from (the cost J).
        grad: dL/droot, an array of root's shape (a Tensor with create_graph=True).
        retain_graph: keep the saved values, so backward can run through the graph again.
        inputs: return the gradients of these tensors (None where root does not depend on one)
            instead of adding into `.grad`.
        trace: `trace(node, g, pairs)`, called for every node a gradient reaches (ops in sweep
            order, then leaves) with its gradient and the `(parent, gradient)` pairs its backward
            passes on (`viz.explain_backward` prints them). The arrays are the engine's: copy them.
        create_graph: the gradients are Tensors whose own graph can be differentiated again.

    Returns:
        The gradients of `inputs`, or None without `inputs`.

    Raises:
        RuntimeError: a backward broke its contract, a saved tensor was modified in place, or the
            graph was freed by an earlier backward."""
    if create_graph and trace is not None:
        raise ValueError("run_backward: trace cannot watch a sweep with create_graph=True")
    try:
        if create_graph:
            how = OnTensors(retain_graph)
        elif watcher is None or (how := watcher(retain_graph)) is None:
            return _sweep(root, grad, inputs, trace, _ON_ARRAYS[bool(retain_graph)])
        with enable_grad():
            return _sweep(root, how.seed(grad), inputs, trace, how)
    finally:
        graph_swept()


# The compiled step's trace sets this to its strategy maker while it watches a step (compiled/trace.py)
watcher: Callable[[bool], Any] | None = None
_ON_ARRAYS = {False: OnArrays(False), True: OnArrays(True)}  # it keeps nothing else: made once


def _sweep(
    root: Any, seed: Any, inputs: tuple | None, trace: Trace | None, how: Any
) -> list | None:
    wanted = None if inputs is None else {t: i for i, t in enumerate(inputs)}
    # grad(): only the ops on a path to an input run (the others keep their saved values), as in
    # PyTorch, so grad(J, h) of a non-leaf h leaves the graph below h for a later backward
    needed, runs = (None, None) if inputs is None else _on_a_path(root, wanted)  # type: ignore[arg-type]  # a dict when inputs are given
    results: list = [None] * (len(inputs) if inputs is not None else 0)
    grads = {root: seed}  # a node's gradient so far; Tensors hash by identity
    # Hot-path bookkeeping (arrays only): the gradients the engine may add into in place, made by it
    # (a sum) or handed by a built-in op to exactly one input; `g` passed on (add) or one array
    # given to two inputs (`x + x`) are shared, never written.
    owned = {root} if how.in_place else set()
    leaves: list = []
    heap: list = []
    # Hot-path bookkeeping: the next node, when it is the only one waiting (a chain), skips the heap
    node = None
    if root._ctx is None or (runs is not None and root not in runs):
        leaves.append(root)
    else:
        node = root
    kind, in_place, convert, retain_graph = how.kind, how.in_place, how.convert, how.retain_graph
    hooks = function.backward_hooks
    rewritten = versions.rewritten

    while node is not None:
        g = grads.pop(node)
        is_owned = node in owned
        if is_owned:
            owned.discard(node)
        if wanted is not None and node in wanted:
            results[wanted[node]] = how.hand_out(g, is_owned)
            is_owned = False  # handed out: nobody may add into it now
        if node._retains_grad and wanted is None:
            how.to_leaf(node, g, False)
        ctx = node._ctx
        if in_place:  # hot path: OnArrays.call, written out (it runs once per node)
            if ctx._saved and ctx._epoch != versions.last_write:
                versions.check_versions(ctx, ctx._saved, node)
            in_grads = ctx.backward(ctx, g)
        else:
            in_grads = how.call(ctx, node, g)
        parents, builtin = ctx.parents, ctx._builtin
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        # a built-in op returns one gradient per input (checking mode verifies it); a user's op is
        # checked here
        if not builtin and len(in_grads) != len(parents):
            raise RuntimeError(
                f"{type(ctx).__name__}.backward returned {len(in_grads)} gradients for "
                f"{len(parents)} inputs; return one per input (None where none is needed)"
            )
        if hooks:
            for hook in hooks:
                hook(ctx, g, in_grads)
        if not retain_graph:
            ctx._saved = None
        pairs: list | None = [] if trace is not None else None
        following = None
        seq = ctx.seq
        # The lengths were checked (or are checked by checking mode); zip(strict=True) costs twice.
        for parent, pg, need in zip(parents, in_grads, ctx.needs_input_grad):  # noqa: B905
            if not need or pg is None:
                continue
            if rewritten:  # some tensor took a new history in place: route by creation number
                parent_ctx = parent._ctx
                if parent_ctx is not None and parent_ctx.seq < seq:
                    parent = seen_by(parent, seq)
            if needed is not None and parent not in needed:
                continue
            data = parent._data
            # A built-in op's gradient has its input's shape (checking mode verifies it); anything
            # else (a user's op, numpy's scalar for a 0-d result, another dtype) is converted here.
            if (
                type(pg) is not kind
                or pg.dtype is not data.dtype
                or (not builtin and pg.shape != data.shape)
            ):
                pg = convert(ctx, parent, pg)
            if pairs is not None:
                pairs.append((parent, pg))
            stored = grads.get(parent)
            if stored is None:
                grads[parent] = pg
                parent_ctx = parent._ctx
                if parent_ctx is None or (runs is not None and parent not in runs):
                    leaves.append(parent)  # a leaf, or an input of grad() with nothing to run below
                    # a leaf keeps a built-in op's fresh array as its gradient, without a copy
                    if (
                        in_place
                        and builtin
                        and pg.base is None
                        and (pg is not g or is_owned)
                        and _only_once(pg, in_grads)
                    ):
                        owned.add(parent)
                elif following is None:
                    following = parent
                else:
                    heappush(heap, (parent_ctx.seq, parent))
            elif parent in owned and stored.strides == pg.strides:  # else out of place (order K,
                np.add(stored, pg, out=stored)  # as traced: a sum's layout sets a matmul's bits)
            else:
                total = stored + pg  # numpy gives a scalar, not an array, for 0-d operands
                grads[parent] = total if type(total) is kind else np.asarray(total)
                if in_place:
                    owned.add(parent)
        if pairs is not None:
            trace(node, g, pairs)  # type: ignore[misc]  # pairs is a list only when trace is given
        # Newest first: the parent kept aside goes next unless the heap holds a newer node.
        if following is None or (heap and heap[0][0] < following._ctx.seq):
            if following is not None:
                heappush(heap, (following._ctx.seq, following))
            following = heappop(heap)[1] if heap else None
        node = following

    for leaf in leaves:
        g = grads.pop(leaf)
        if trace is not None:
            trace(leaf, g, [])
        if wanted is None:
            if leaf.requires_grad:  # requires_grad_(False) after the forward: no gradient
                how.to_leaf(leaf, g, leaf in owned)
        elif leaf in wanted:
            results[wanted[leaf]] = how.hand_out(g, leaf in owned)
    return results if inputs is not None else None


def _on_a_path(root: Any, inputs: dict) -> tuple[set, set]:
    """The nodes from which one of `inputs` can be reached (the inputs included), and those of
    them whose backward must run (some parent is such a node too), walked once."""
    needed, runs, done, stack = set(), set(), set(), [root]
    while stack:
        node = stack[-1]
        ctx = node._ctx
        parents = () if ctx is None else _recorded_parents(ctx)
        waiting = [p for p in parents if p not in done]
        if waiting:
            stack.extend(waiting)
            continue
        stack.pop()
        if node not in done:
            done.add(node)
            if any(p in needed for p in parents):
                needed.add(node)
                runs.add(node)
            elif node in inputs:
                needed.add(node)
    return needed, runs


def _recorded_parents(ctx: Any) -> list:
    parents = [p for p, need in zip(ctx.parents, ctx.needs_input_grad, strict=True) if need]
    if versions.rewritten:
        parents = [seen_by(p, ctx.seq) for p in parents]
    return parents


def _only_once(pg: np.ndarray, grads: tuple) -> bool:
    # `x + x`: add hands one array to both inputs; neither may then own it
    if len(grads) == 2:
        return grads[0] is not grads[1]
    return sum(1 for other in grads if other is pg) <= 1


def seen_by(parent: Any, seq: int) -> Any:
    """The graph node `parent` was when the op numbered `seq` recorded it: a recorded in-place op
    (`h += x`) gives `h` a new history, whose input (`ctx.replaced`) stands for the old value that
    earlier ops used. An input's creation number is larger than its consumer's unless rewritten."""
    ctx = parent._ctx
    while ctx is not None and ctx.seq < seq:
        parent = ctx.replaced
        ctx = parent._ctx
    return parent
