"""What the trace watches besides the ops, in one place: while a step is traced, these entry points
report to the tracer, and everything is put back as it was when the trace ends.

- The engine's own hooks: a forward hook sees every op; `backprop.watcher` gives backward the
  trace's strategy (trace.OnTrace).
- What the program depends on without an argument that shows it: the `training` flag (and a
  BatchNorm's momentum and eps) of every module the step calls (guarded).
- A training-mode BatchNorm's update of its running statistics: one call of
  `batchnorm.running_update` on the buffers' arrays, which the program makes again.
- Python-level effects the program must repeat: an optimizer's `step()` and `zero_grad()`,
  `.grad = ...`, a Tensor made inside the step, a comparison or `sign` (bool and sign tensors are
  made without an op).
- What a program cannot repeat: a value read back into Python (`item()`, `bool()`, `float()`,
  `numpy()`, `np.asarray(t)`, `.data`) can steer the Python code, and a write outside the ops
  (`t.data = ...`, `t[i] = ...`, `t += ...`) is not an op the trace sees. Each refuses the trace, and
  the step stays eager.

Only the thread that traces is watched; in any other thread the originals run unchanged.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_edu import optim
from tinygrad_edu.compiled import optimizers
from tinygrad_edu.compiled.program import Instr, Lit
from tinygrad_edu.compiled.sweep import OnTrace
from tinygrad_edu.compiled.trace import Tracer, mode_of
from tinygrad_edu.engine import backprop, function
from tinygrad_edu.engine.grads import OnTensors
from tinygrad_edu.nn import batchnorm, module
from tinygrad_edu.ops import dispatch
from tinygrad_edu.tensor import Tensor

_READS = ("item", "__bool__", "__float__", "numpy", "__array__", "tolist", "argmax")
_WRITES = ("__setitem__", "__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__",
           "zero_", "copy_")  # fmt: skip
_SHAPES = (np.shape, np.ndim, np.size)
_COMPARISONS = {
    "__lt__": np.less, "__le__": np.less_equal, "__gt__": np.greater,
    "__ge__": np.greater_equal, "__eq__": np.equal, "__ne__": np.not_equal,
}  # fmt: skip


@contextlib.contextmanager
def watching(tracer: Tracer) -> Iterator[None]:
    """Route the step's effects to `tracer` for the duration of the `with` block."""
    patches: list[tuple[Any, str, Any]] = []

    def patch(owner: Any, name: str, make: Any) -> None:
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        patches.append((owner, name, original))
        setattr(owner, name, make(original))

    for name in _READS:
        if name in Tensor.__dict__:
            patch(Tensor, name, _refusing(tracer, f"{name}() reads a traced value into Python"))
    for name in _WRITES:
        patch(Tensor, name, _refusing(tracer, f"{name} writes into a tensor outside the ops"))
    for name, fn in _COMPARISONS.items():
        patch(Tensor, name, _recording(tracer, fn))
    patch(Tensor, "sign", _recording(tracer, np.sign))
    patch(Tensor, "data", lambda prop: _data_property(tracer, prop))
    patch(Tensor, "grad", lambda prop: _grad_property(tracer, prop))
    patch(Tensor, "__init__", lambda init: _init(tracer, init))
    patch(OnTensors, "to_leaf", lambda to_leaf: _to_leaf(tracer, to_leaf))  # create_graph=True
    patch(dispatch, "operand", lambda operand: _operand(tracer, operand))
    for name in ("__array_ufunc__", "__array_function__"):
        patch(Tensor, name, lambda protocol: _no_arrays_out(tracer, protocol))
    patch(optim.Optimizer, "step", lambda step: optimizers.traced_step(tracer, step))
    patch(batchnorm, "update_running_stats", lambda update: _running_stats(tracer, update))
    patch(module.Module, "__call__", lambda call: _module_call(tracer, call))
    patch(module, "zero_grad_of", lambda zero: _zero_grad_of(tracer, zero))
    patch(optim.optimizer, "_zero_grad_of", lambda zero: _zero_grad_of(tracer, zero))
    function.forward_hooks.append(tracer.on_forward)
    backprop.watcher = lambda retain: _on_trace(tracer, retain)
    try:
        yield
    finally:
        backprop.watcher = None
        function.forward_hooks.remove(tracer.on_forward)
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)


def _refusing(tracer: Tracer, why: str) -> Any:
    def make(original: Any) -> Any:
        def method(self: Any, *args: Any, **kwargs: Any) -> Any:
            if tracer.mine():
                tracer.refuse(why)
            return original(self, *args, **kwargs)

        return method

    return make


def _recording(tracer: Tracer, fn: Any) -> Any:
    def make(original: Any) -> Any:
        def method(self: Any, *args: Any) -> Any:
            result = original(self, *args)
            if isinstance(result, Tensor):
                tracer.record_call(fn, [self, *args], result, fn.__name__)
            return result

        return method

    return make


def _module_call(tracer: Tracer, call: Any) -> Any:
    """A module called in the step: its `training` flag is guarded (train() and eval() change
    what Dropout and BatchNorm compute, with no argument that shows it)."""

    def called(self: Any, *args: Any, **kwargs: Any) -> Any:
        if tracer.mine():
            tracer.modes.setdefault(id(self), (self, mode_of(self)))
        return call(self, *args, **kwargs)

    return called


def _running_stats(tracer: Tracer, update: Any) -> Any:
    """`batchnorm.update_running_stats` while a step is traced: the same arrays updated by the
    same function, and that call as an instruction that writes the buffers (state)."""

    def traced(bn: Any, mu: Any, var: Any, m: int) -> None:
        if not tracer.mine():
            return update(bn, mu, var, m)
        tensors = (bn.running_mean, bn.running_var, bn.num_batches_tracked, mu, var)
        values = [tracer.of_tensor(t) for t in tensors]
        mean, variance, count = (t._data for t in tensors[:3])
        batchnorm.running_update(mean, variance, count, mu._data, var._data, m, bn.momentum)
        for buffer in tensors[:3]:
            function.versions.increment_version(buffer)
            tracer.bumps.append(buffer)
        args = [*values, Lit(m), Lit(bn.momentum)]
        instr = Instr(
            "update", batchnorm.running_update, args, [], op="BatchNorm", writes=values[:3]
        )
        tracer.instrs.append(instr)
        return None

    return traced


def _data_property(tracer: Tracer, prop: Any) -> property:
    def get(self: Any) -> Any:
        if tracer.mine():
            tracer.refuse(".data reads a traced tensor's array outside the ops")
        return prop.fget(self)

    def set_(self: Any, value: Any) -> None:
        if tracer.mine():
            tracer.refuse(".data = ... writes into a tensor outside the ops")
        prop.fset(self, value)

    return property(get, set_, doc=prop.__doc__)


def _grad_property(tracer: Tracer, prop: Any) -> property:
    def set_(self: Any, value: Any) -> None:
        if tracer.mine():
            tracer.grad_assigned(self)
        prop.fset(self, value)

    return property(prop.fget, set_, doc=prop.__doc__)


def _init(tracer: Tracer, init: Any) -> Any:
    def init_watched(self: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        init(self, data, *args, **kwargs)
        tracer.on_new_tensor(self, data)

    return init_watched


def _to_leaf(tracer: Tracer, to_leaf: Any) -> Any:
    def to_leaf_watched(self: Any, node: Any, g: Any, owned: bool) -> None:
        if tracer.mine():
            tracer.touch(node)
        to_leaf(self, node, g, owned)

    return to_leaf_watched


def _operand(tracer: Tracer, operand: Any) -> Any:
    def operand_watched(t: Any, other: Any) -> Any:
        value = operand(t, other)
        if isinstance(value, np.ndarray):
            tracer.on_operand(other, value)
        return value

    return operand_watched


def _no_arrays_out(tracer: Tracer, protocol: Any) -> Any:
    """numpy's own functions on a tensor: a Tensor back is an op the trace saw; a numpy array
    back (np.isnan(t)) is computed from the values outside the ops."""

    def protocol_watched(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = protocol(self, *args, **kwargs)
        shape_only = args and args[0] in _SHAPES  # np.shape(t): fixed by the guards
        if (
            tracer.mine()
            and not shape_only
            and not isinstance(result, Tensor | type(None))
            and result is not NotImplemented
        ):
            tracer.refuse("a numpy function gave values of a traced tensor outside the ops")
        return result

    return protocol_watched


def _zero_grad_of(tracer: Tracer, zero: Any) -> Any:
    def zero_grad_of(param: Any) -> None:
        if not tracer.mine():
            return zero(param)
        tracer.touch(param)
        value = tracer.grad_value(param)
        if param._grad.requires_grad:
            param._grad = param._grad.detach()
        param._grad._data[...] = 0
        function.versions.increment_version(param._grad)
        tracer.fill_zeros(value)
        return None

    return zero_grad_of


def _on_trace(tracer: Tracer, retain_graph: bool) -> Any:
    if not tracer.mine():
        return None
    tracer.take_names()
    return OnTrace(tracer, retain_graph)
