"""`CompiledStep`: what `tinygrad_edu.jit(fn)` returns. It keeps one program per signature and picks
one at every call:

1. The first call with a signature runs `fn` eagerly while it is traced (trace.py); the program is
   optimized (passes.py) and compiled (codegen.py).
2. The next call checks it: `fn` runs eagerly again, and the program runs from a copy of the state
   as it was before; only if every result (returned tensors, gradients, parameters, optimizer
   state) has the same bits is the program trusted. Otherwise the step stays eager, with a warning.
3. Later calls replay the program, after the guards: the arguments' shapes, dtypes and
   requires_grad (the signature), the values of other arguments, grad mode, the identity of every
   state array, whether each `.grad` the program reads exists, the optimizers' hyperparameters.
   A guard that fails traces a new program.
"""

from __future__ import annotations

import copy
import time
import warnings
from collections import OrderedDict
from typing import Any

import numpy as np

from tinygrad_edu.compiled import codegen, passes
from tinygrad_edu.compiled.fastpath import MISS, fast_step
from tinygrad_edu.compiled.optimizers import hyperparameters
from tinygrad_edu.compiled.program import Program, Value, bits_equal
from tinygrad_edu.compiled.trace import Same, Tracer, program_of
from tinygrad_edu.compiled.watch import watching
from tinygrad_edu.engine.anomaly import is_anomaly_enabled
from tinygrad_edu.engine.grad_mode import recording
from tinygrad_edu.engine.versions import increment_version
from tinygrad_edu.tensor import Tensor

_active: list = []  # the tracers at work (a step called inside a traced step runs eagerly)


class JitWarning(UserWarning):
    """A compiled step runs eagerly (same results, no speed-up), and this says why."""


class Compiled:
    """One program: its source, its guards, and `run` bound to the live state."""

    def __init__(self, program: Program, tracer: Tracer, name: str) -> None:
        self.program = program
        passes.fold(program)
        passes.alias(program)
        passes.share(program)
        passes.eliminate(program)
        self.owner = passes.assign_buffers(program)
        self.names = codegen.Names(tracer.names)
        self.source = codegen.generate(program, self.owner, self.names)[0]
        self.code, self.globals, self.static, self.run_names = codegen.executable(
            program, self.owner, self.names
        )
        self.trusted = False
        self.slots = [v for v in program.states if v.kind == "slot"]
        self.state_guards = [(v.source, v.array) for v in program.states if v.kind == "state"]
        self.grad_guards = tracer.grad_guards
        self.hypers = [(opt, hyperparameters(opt)) for opt in dict.fromkeys(tracer.optimizers)]
        self.run = self.bind(self.live_arrays())
        self.plan()

    def live_arrays(self) -> dict:
        names = self.run_names
        arrays = {names(v): v.array for v in self.program.states if v.kind == "state"}
        arrays.update({names(v): v.source for v in self.program.dicts.values()})
        return arrays

    def bind(self, arrays: dict) -> Any:
        return codegen.bind(
            self.code, self.program, self.globals, self.static, self.run_names, arrays
        )

    def guards_hold(self) -> bool:
        for source, arr in self.state_guards:
            if (
                source._data if isinstance(source, Tensor) else source[0].get(source[1])
            ) is not arr:
                return False
        for t, none in self.grad_guards:
            if (t._grad is None) is not none:
                return False
        return all(hyperparameters(opt) == h for opt, h in self.hypers)

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
        self.grad_plan = []
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


class CompiledStep:
    """A training step that replays as straight-line numpy after its first call (see jit)."""

    def __init__(self, fn: Any, max_programs: int = 8) -> None:
        self.fn = fn
        self.__name__ = getattr(fn, "__name__", "step")
        self.__doc__ = getattr(fn, "__doc__", None)
        self.max_programs = max_programs
        self._cache: OrderedDict = OrderedDict()  # signature -> Compiled, or the reason it is eager
        self._retraces: dict = {}
        self._fast: Any = None  # the guarded step function of the latest trusted program
        self.first_call_seconds: float | None = None  # trace + compile of the latest program

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fast = self._fast
        if fast is not None and not kwargs:
            result = fast(*args)
            if result is not MISS:
                return result
        flat = [*args, *(kwargs[k] for k in sorted(kwargs))]
        if is_anomaly_enabled() or _active:
            return self.fn(*args, **kwargs)
        key = _signature(flat, sorted(kwargs))
        if key is None:
            return self._eager(
                ("unhashable",),
                args,
                kwargs,
                "an argument is neither a Tensor, "
                "a numpy array nor a hashable value (compared by value)",
            )
        entry = self._cache.get(key)
        if isinstance(entry, str):
            return self.fn(*args, **kwargs)
        if entry is None or not entry.guards_hold():
            return self._trace(key, args, kwargs, flat, retrace=entry is not None)
        self._cache.move_to_end(key)
        if not entry.trusted:
            return self._verify(key, entry, args, kwargs, flat)
        if not kwargs:
            self._fast = fast_step(entry, flat, key[0], _active)
        return entry.finish(entry.run(*entry.inputs(flat)))

    def source(self) -> str:
        """The generated numpy code of the latest program.

        Raises:
            RuntimeError: the step was not called yet, or it runs eagerly."""
        programs = [e for e in self._cache.values() if isinstance(e, Compiled)]
        if not programs:
            reasons = [e for e in self._cache.values() if isinstance(e, str)]
            why = f": it runs eagerly ({reasons[-1]})" if reasons else ": call it once first"
            raise RuntimeError(f"jit({self.__name__}).source(): there is no program yet{why}")
        return programs[-1].source

    def _eager(self, key: Any, args: tuple, kwargs: dict, why: str) -> Any:
        if key not in self._cache:
            warnings.warn(f"jit({self.__name__}): {why}; the step runs eagerly (same results, "
                          "no speed-up)", JitWarning, stacklevel=3)  # fmt: skip
            self._cache[key] = why
        return self.fn(*args, **kwargs)

    def _trace(self, key: Any, args: tuple, kwargs: dict, flat: list, retrace: bool) -> Any:
        if retrace:
            self._retraces[key] = self._retraces.get(key, 0) + 1
            if self._retraces[key] > 3:
                self._cache.pop(key)
                return self._eager(key, args, kwargs, "the state it reads keeps changing "
                                   "(new arrays, .grad set or cleared) between calls")  # fmt: skip
        start = time.perf_counter()
        tracer = Tracer(flat)
        rng = np.random.get_state()
        rng = rng[1].copy(), rng[2]
        _active.append(tracer)
        try:
            with watching(tracer):
                result = self.fn(*args, **kwargs)
        finally:
            _active.pop()
        after = np.random.get_state()
        if after[2] != rng[1] or not np.array_equal(after[1], rng[0]):
            tracer.refuse("it draws from numpy's global random generator (a new draw each call)")
        if tracer.refused is not None:
            self._cache.pop(key, None)
            warnings.warn(f"jit({self.__name__}): {tracer.refused}; the step runs eagerly (same "
                          "results, no speed-up)", JitWarning, stacklevel=3)  # fmt: skip
            self._cache[key] = tracer.refused
            return result
        self._cache[key] = Compiled(program_of(tracer, result), tracer, self.__name__)
        self._cache.move_to_end(key)
        while len(self._cache) > self.max_programs:
            self._cache.popitem(last=False)
        self.first_call_seconds = time.perf_counter() - start
        return result

    def _verify(self, key: Any, entry: Compiled, args: tuple, kwargs: dict, flat: list) -> Any:
        """Run the step eagerly and the program from a copy of the same state: trust it if the two
        agree bit for bit."""
        snapshot = {n: _copy(a) for n, a in entry.live_arrays().items()}
        inputs = [a.copy() for a in entry.inputs(flat)]
        grads_before = [t._grad for t, _ in entry.program.grads]
        result = self.fn(*args, **kwargs)
        outs = entry.bind(snapshot)(*inputs)
        why = _differs(entry, result, outs, snapshot, grads_before)
        n_in = len(entry.program.inputs)
        for v, replayed in zip(entry.slots, inputs[n_in:], strict=True):
            if why is None and not bits_equal(replayed, v.source._grad._data):
                why = f"the gradient {entry.names(v)}, added up in place"

        if why is not None:
            self._cache[key] = f"its program does not reproduce the eager step ({why})"
            warnings.warn(f"jit({self.__name__}): {self._cache[key]}; the step runs eagerly "
                          "(same results, no speed-up)", JitWarning, stacklevel=3)  # fmt: skip
        else:
            entry.trusted = True
            if not kwargs:
                self._fast = fast_step(entry, flat, key[0], _active)
        return result


def _copy(a: Any) -> Any:
    return a.copy() if isinstance(a, np.ndarray) else copy.deepcopy(a)


def _differs(entry: Compiled, result: Any, outs: tuple, snapshot: dict, before: list) -> Any:
    program = entry.program
    template = passes._flatten(program.returned)
    got = passes._flatten(_shape_like(program.returned, result))
    if len(got) != len(template):
        return "it returned something else"
    k = 0
    for tv, r in zip(template, got, strict=True):
        if isinstance(tv, Value):
            if not isinstance(r, Tensor) or not bits_equal(r._data, outs[k]):
                return "a returned tensor"
            k += 1
        elif isinstance(tv, Same):
            if r is not tv.tensor:
                return "a returned tensor"
        elif not (r is tv or r == tv):
            return "a returned value"
    for (t, v), start in zip(program.grads, before, strict=True):
        if v is None:
            if t._grad is not None:
                return "a .grad"
        elif v == "same":
            if t._grad is not start:
                return "a .grad"
        else:
            if t._grad is None or not bits_equal(t._grad._data, outs[k]):
                return f"the gradient of {t.name or 'a tensor'}"
            k += 1
    for v in program.states:
        if v.kind == "state" and not bits_equal(snapshot[entry.run_names(v)], v.array):
            return f"{entry.names(v)} after the step"
    for name, v in program.dicts.items():
        if _scalars(snapshot[entry.run_names(v)]) != _scalars(v.source):
            return f"the optimizer state {name}"
    return None


def _scalars(d: dict) -> dict:
    return {k: x for k, x in d.items() if not isinstance(x, np.ndarray)}


def _shape_like(template: Any, result: Any) -> Any:
    if isinstance(template, (tuple, list)) and isinstance(result, (tuple, list)):
        return type(template)(result)
    return result


def _signature(flat: list, kwnames: list) -> Any:
    key: list = [recording.enabled, tuple(kwnames)]
    for a in flat:
        if isinstance(a, Tensor):
            key.append(("T", a._data.shape, a._data.dtype.str, a.requires_grad))
        elif isinstance(a, np.ndarray):
            key.append(("A", a.shape, a.dtype.str))
        else:
            try:
                hash(a)
            except TypeError:
                return None
            key.append(("V", type(a), a))
    return tuple(key)
