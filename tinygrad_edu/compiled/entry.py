"""One program of a compiled step: built from a finished trace, optimized, compiled, and bound to
the live state, with the guards that say when it may replay.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.compiled import codegen, interpret, passes, rewrites
from tinygrad_edu.compiled.optimizers import hyperparameters
from tinygrad_edu.compiled.program import Program, Value
from tinygrad_edu.compiled.trace import Tracer, mode_of
from tinygrad_edu.engine.versions import increment_version
from tinygrad_edu.tensor import Tensor


def program_of(tracer: Tracer, result: Any) -> Program:
    """The program of a finished trace: its instructions, and what the step handed back."""
    return Program(
        instrs=tracer.instrs,
        inputs=tracer.inputs,
        returned=_template(tracer, result),
        grads=tracer.grads_at_end(),
        bumps=tracer.bumps,
        states=tracer.states,
        dicts={v.name: v for v in tracer.dicts.values()},
    )


class Same:
    """A returned tensor from outside the step (an argument, a parameter): handed back itself."""

    def __init__(self, tensor: Any) -> None:
        self.tensor = tensor


def _template(tracer: Tracer, result: Any) -> Any:
    if isinstance(result, Tensor):
        v = tracer.of_tensor(result)
        return Same(result) if v.kind in ("state", "input") and v.array is result._data else v
    if isinstance(result, (tuple, list)) and type(result) in (tuple, list):
        return type(result)(_template(tracer, r) for r in result)
    if isinstance(result, dict) and type(result) is dict:
        return {k: _template(tracer, r) for k, r in result.items()}
    if isinstance(result, np.ndarray):
        tracer.refuse(
            "the step returns a numpy array (return Tensors, or numbers made without them)"
        )
    return result


class Compiled:
    """One program: its source, its guards, and `run` bound to the live state."""

    def __init__(self, program: Program, tracer: Tracer, name: str, asked: tuple = ()) -> None:
        self.program = program
        # what changes rounding, where asked for (then the check at call 2 has a tolerance)
        self.rewritten = rewrites.apply(program, tracer.sweeps, asked) if asked else []
        passes.fold(program)
        passes.alias(program)
        passes.simplify(program)
        passes.share(program)
        passes.eliminate(program)
        self.owner = passes.assign_buffers(program)
        self.names = codegen.Names(tracer.names_at_end(), tracer.by_id)
        self.interpreted = len(program.instrs) >= interpret.LONG
        if self.interpreted:  # too long to compile quickly: a loop over prebound calls
            self.run_names: codegen.Names = codegen.BufferNames(self.names, self.owner)
        else:
            self.code, self.globals, self.static, self.run_names = codegen.executable(
                program, self.owner, self.names
            )
        self.trusted = False
        self._source: str | None = None
        self.slots = [v for v in program.states if v.kind == "slot"]
        self.state_guards = [(v.source, v.array) for v in program.states if v.kind == "state"]
        self.grad_guards = tracer.grad_guards
        # an argument the program writes into (a parameter passed to the step) or whose .grad it
        # sets must be that tensor (not another of its shape)
        written = {id(w) for i in program.instrs for w in i.writes}
        touched = {id(t) for t, v in program.grads if v is not None or t.requires_grad}
        self.pinned = [
            (v.source, flat_tensor)
            for v, flat_tensor in zip(program.inputs, tracer.input_tensors, strict=True)
            if id(v) in written or id(flat_tensor) in touched
        ]
        self.hypers = [(opt, hyperparameters(opt)) for opt in dict.fromkeys(tracer.optimizers)]
        self.modes = list(tracer.modes.values())  # (module, mode_of(module)) of each one called
        self.run = self.bind(self.live_arrays())
        self.plan()
        for instr in program.instrs:  # names given, the trace's arrays and tensors can go
            for v in (*instr.outs, *instr.values()):
                self.names(v)
                if v.kind == "tmp":
                    v.array = v.tensor = v.grad_of = None
        self.names.by_array = {}

    @property
    def source(self) -> str:
        """The program as Python, named after the user's tensors (made when first asked for)."""
        if self._source is None:
            self._source = codegen.generate(self.program, self.owner, self.names)[0]
        return self._source

    def live_arrays(self) -> dict:
        names = self.run_names
        arrays = {names(v): v.array for v in self.program.states if v.kind == "state"}
        arrays.update({names(v): v.source for v in self.program.dicts.values()})
        return arrays

    def bind(self, arrays: dict) -> Any:
        """`run` on `arrays` (by name: the state arrays and optimizer dicts, live or copies)."""
        if self.interpreted:
            names = self.run_names
            fixed = {id(v): arrays[names(v)] for v in self.program.states if v.kind == "state"}
            fixed.update({id(v): arrays[names(v)] for v in self.program.dicts.values()})
            fixed.update({id(a): a.array for a in passes.constants(self.program)})
            return interpret.interpreter(self.program, self.owner, fixed)
        return codegen.bind(
            self.code, self.program, self.globals, self.static, self.run_names, arrays
        )

    def failing_guard(self, flat: list) -> str | None:
        """None if the program may replay on `flat`, else what changed (for the warning of a
        step that traces again at every call)."""
        for i, t in self.pinned:
            if flat[i] is not t:
                return (
                    f"argument {i} is another tensor at each call, and the step writes into it "
                    "or sets its .grad (pass the same tensor, or one that needs no gradient)"
                )
        for source, arr in self.state_guards:
            if isinstance(source, Tensor) and source._data is not arr:
                return (
                    f"{source.name or 'a tensor'}, which it reads from outside the step, gets a "
                    "new array between calls"
                )
            if not isinstance(source, Tensor) and source[0].get(source[1]) is not arr:
                return "an optimizer's state gets a new array between calls"
        for t, none in self.grad_guards:
            if (t._grad is None) is not none:
                return f"the .grad of {t.name or 'a tensor'} is set or cleared between calls"
        if not all(hyperparameters(opt) == h for opt, h in self.hypers):
            return "an optimizer's hyperparameters change between calls"
        for module, mode in self.modes:
            if mode_of(module) != mode:
                return (
                    f"{type(module).__name__}'s mode (train() or eval(), momentum, eps) changes "
                    "between calls"
                )
        return None

    def inputs(self, flat: list) -> list:
        arrays = [flat[v.source] for v in self.program.inputs]
        arrays = [a._data if isinstance(a, Tensor) else a for a in arrays]
        return arrays + [v.source._grad._data for v in self.slots]

    def finish(self, outs: tuple) -> Any:
        """The step's effects on Python objects: `.grad`s, versions, the returned tensors."""
        wrap = Tensor._wrap
        for t, k in self.grad_plan:
            t._grad = None if k is None else wrap(outs[k])
        for p in self.program.bumps:
            increment_version(p)
        if self.returns_one:
            return wrap(outs[0])
        return self.rebuild(outs)

    def rebuild(self, outs: tuple) -> Any:
        """The step's return value, its tensors made from the program's results."""
        return _rebuild(self.program.returned, iter(outs))

    def plan(self) -> None:
        """Where each `.grad` of the step's results comes from, worked out once."""
        k = sum(isinstance(v, Value) for v in passes._flatten(self.program.returned))
        self.grad_plan: list = []
        for t, v in self.program.grads:
            if v is None:
                self.grad_plan.append((t, None))
            elif v != "same":
                self.grad_plan.append((t, k))
                k += 1
        self.returns_one = isinstance(self.program.returned, Value)


def _rebuild(template: Any, outs: Any) -> Any:
    if isinstance(template, Value):
        return Tensor._wrap(next(outs))
    if isinstance(template, Same):
        return template.tensor
    if isinstance(template, (tuple, list)):
        return type(template)(_rebuild(t, outs) for t in template)
    if isinstance(template, dict):
        return {k: _rebuild(v, outs) for k, v in template.items()}
    return template
