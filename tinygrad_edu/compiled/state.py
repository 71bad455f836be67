"""The part of the trace that follows state: optimizers' state (their averages, Adam's t) and
`.grad` (what the step finds there, stores, adds into, clears), so the program repeats it.

`Tracer` (trace.py) inherits these methods; they use its values (`by_id`, `_value`, `new`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.compiled.program import Instr, Lit, Value
from tinygrad_edu.engine import versions
from tinygrad_edu.tensor import Tensor


class StateTrace:
    """What the step does to state outside its values (mixed into trace.Tracer)."""

    by_id: dict
    instrs: list
    states: list
    dicts: dict
    keep: list
    grad_start: dict
    grad_guards: list
    made_here: set
    # Tracer's methods (trace.py), which these use
    _value: Callable[..., Value]
    of_tensor: Callable[[Any], Value]
    new: Callable[..., Value]

    def grad_value(self, t: Any) -> Value:
        """The value of `t.grad`: made in this step, or `t.grad` as the step starts (a slot)."""
        arr = t._grad._data
        v = self.by_id.get(id(arr))
        if v is None:
            self.touch(t)
            v = self._value("slot", arr, source=t)
            v.grad_of = t
            self.states.append(v)
            self.grad_guards.append((t, False))
        return v

    # ------------------------------------------------------------------ optimizers

    def state_dict(self, state: dict) -> Value:
        """An optimizer's state dict of one parameter (Adam's t lives there)."""
        v = self.dicts.get(id(state))
        if v is None:
            v = self.dicts[id(state)] = Value("dict", None, None, f"state{len(self.dicts)}")
            v.source = state
            self.keep.append(state)
        return v

    def state_array(self, state: dict, key: str) -> Value:
        """An optimizer's average (v or s) of one parameter: state, bound by identity."""
        arr = state[key]
        v = self.by_id.get(id(arr))
        if v is None:
            v = self._value("state", arr, source=(state, key))
            v.name = f"{key}{len(self.states)}"
        return v

    def fill_zeros(self, value: Value) -> None:
        """`.grad` filled with zeros in place (`zero_grad(set_to_none=False)`)."""
        if value.kind == "slot":
            self.instrs.append(Instr("fill", np.copyto, [value, Lit(0)], [value], writes=[value]))
        else:
            self._value("const", value.array)

    # ------------------------------------------------------------------ .grad

    def touch(self, t: Any) -> None:
        """Note `t.grad` as the step found it, before the step changes it."""
        if id(t) not in self.grad_start:
            self.grad_start[id(t)] = (t, t._grad)

    def grad_assigned(self, t: Any) -> None:
        self.touch(t)

    def leaf_grad(self, node: Any, g: Any) -> None:
        """What plain backward does at a leaf: store g (a copy), or add it into `.grad` in place."""
        v_g = self.of_tensor(g)
        if v_g.grad_of is None:
            v_g.grad_of = node
        first = id(node) not in self.grad_start
        self.touch(node)
        if node._grad is None:
            if first:
                self.grad_guards.append((node, True))
            node._grad = Tensor._wrap(g._data.copy())
            self.by_id[id(node._grad._data)] = v_g
            self.keep.append(node._grad._data)
            return
        old = node._grad
        v_old = self.grad_value(node)
        old._data += g._data
        versions.increment_version(old)
        if v_old.kind == "slot":
            self.instrs.append(
                Instr("out", np.add, [v_old, v_g], [v_old], op="grad +=", writes=[v_old])
            )
        else:  # a gradient made in this step: a new value, written into a fresh array
            node._grad = Tensor._wrap(old._data.copy())
            self.new("out", np.add, [v_old, v_g], node._grad._data, "grad +=")

    def grads_at_end(self) -> list:
        """(tensor, value) for each touched `.grad`: None (cleared), "same" (the tensor the step
        found, changed in place or not), or the value the program makes."""
        final: list = []
        for t, start in self.grad_start.values():
            made = self.by_id.get(id(t._data))
            if id(t) in self.made_here or (made is not None and made.kind == "tmp"):
                continue  # a tensor of this call only: nobody sees its .grad after it
            g = t._grad
            if g is None:
                final.append((t, None))
            elif g is start:
                final.append((t, "same"))
            else:
                final.append((t, self.of_tensor(g)))
        return final
