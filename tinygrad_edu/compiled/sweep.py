"""The backward sweep while a step is traced: `OnTrace`, the strategy backprop.py's sweep uses then
(watch.py hands it over through `backprop.watcher`).

Gradients are Tensors, as with create_graph=True, so that each step of a graph-safe op's gradient
(lower.GRAPH_SAFE) is itself an op the trace records; any other op has its backward called on
arrays, as plain backward calls it, and recorded as one opaque call. Leaves get their gradients as
plain backward gives them (a fresh array, or added into `.grad` in place), so the trace computes
the bits plain backward computes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.compiled.program import Instr, Lit, Value, layout
from tinygrad_edu.engine import versions
from tinygrad_edu.engine.grads import OnArrays, OnTensors
from tinygrad_edu.tensor import Tensor

_CONVERT = OnArrays(False).convert  # a user's gradient as an array of the input's shape and dtype


class OnTrace(OnTensors):
    """The sweep's strategy while a step is traced: gradients are Tensors (so that each step of a
    graph-safe op's gradient is an op the trace sees); leaves get them as plain backward gives them
    (a fresh array, or added into `.grad` in place), and `grad()` hands them out without history."""

    def __init__(self, tracer: Any, retain_graph: bool) -> None:
        super().__init__(retain_graph)
        self.tracer = tracer

    def seed(self, grad: Any) -> Any:
        # where the sweep starts, its root (its first node) and seed: for rewrites.py
        self.tracer.sweeps.append([len(self.tracer.instrs), None, None])
        if isinstance(grad, Tensor):
            return grad
        self.tracer.const(grad)
        self.tracer.sweeps[-1][2] = grad
        return Tensor._wrap(grad)

    def call(self, ctx: Any, node: Any, g: Any) -> Any:
        tracer = self.tracer
        if tracer.sweeps[-1][1] is None:
            tracer.sweeps[-1][1] = node
        if id(ctx) not in tracer.seen_ctx:
            tracer.refuse("backward reaches an op recorded before the step was called")
        v_g = tracer.of_tensor(g)
        if v_g.grad_of is None:
            v_g.grad_of = node
        ctx_value = tracer.opaque_ctx.get(id(ctx))
        if ctx_value is None:
            start = len(tracer.instrs)
            grads = super().call(ctx, node, g)
            for instr in tracer.instrs[start:]:
                if instr.op == "BroadcastTo" and instr.fn is np.copyto:
                    _as_view(tracer, instr)
            return grads
        # an opaque op: its backward on arrays, as plain backward calls it
        saved = ctx._saved
        if saved and ctx._epoch != versions.last_write:
            versions.check_versions(ctx, saved, node)
        grads = ctx.backward(ctx, g._data)
        if type(grads) is not tuple:
            grads = (grads,)
        if len(grads) != len(ctx.parents):
            return grads  # the sweep names the op that returned too many or too few
        forward = ctx_value.producer
        instr = Instr("backward", type(ctx), [ctx_value, v_g], [], op=type(ctx).__name__)
        instr.reads = [a for a in forward.args if isinstance(a, Value)] + [forward.outs[0]]
        results: list = []
        specs: list = []
        for parent, pg, need in zip(ctx.parents, grads, ctx.needs_input_grad, strict=True):
            if not need or pg is None:
                results.append(None)
                specs.append(None)
                continue
            arr = _CONVERT(ctx, parent, pg)
            if arr is g._data:  # the incoming gradient itself: replay copies it too (codegen.py)
                arr = arr.copy()
            t = Tensor._wrap(arr)
            v = tracer._value("tmp", arr)
            v.producer, v.grad_of = instr, parent
            # a view of the incoming gradient (Reshape's grad.reshape) stays a view, as in plain
            # backward (a matmul reads a broadcast view in another order than a copy): its
            # memory, g's, is kept in use as long as the view is read
            if arr.base is not None and np.shares_memory(arr, g._data):
                v.base = v_g.base or v_g
            instr.outs.append(v)
            specs.append((parent.shape, parent.dtype))
            results.append(t)
        instr.info = specs
        tracer.instrs.append(instr)
        return tuple(results)

    def hand_out(self, g: Any, owned: bool) -> Any:
        # grad() wraps what it gets as plain backward hands it out: an array, a copy (a gradient
        # may be a read-only broadcast view, or shared); the trace knows it as g's value
        arr = g._data.copy()
        self.tracer.by_id[id(arr)] = self.tracer.of_tensor(g)
        self.tracer.keep.append(arr)
        return arr

    def to_leaf(self, node: Any, g: Any, owned: bool) -> None:
        self.tracer.leaf_grad(node, g)


def _as_view(tracer: Any, instr: Instr) -> None:
    """A gradient spread by Sum's or Mean's backward: a read-only view (np.broadcast_to), as plain
    backward makes it, not a copy: a matmul or a sum reads a view in another order than a copy
    (other bits). The trace's tensor gets the view too."""
    (src,), v = instr.args, instr.outs[0]
    view = np.broadcast_to(src.array, v.shape)
    instr.kind, instr.fn, instr.args = "view", np.broadcast_to, [src, Lit(tuple(v.shape))]
    v.tensor._data = v.array = view
    v.base, v.order = src.base or src, layout(view)
    tracer.by_id[id(view)] = v
    tracer.keep.append(view)
