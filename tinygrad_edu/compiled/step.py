"""`CompiledStep`: what `tinygrad_edu.jit(fn)` returns. It keeps one program per signature and picks
one at every call:

1. The first call with a signature runs `fn` eagerly while it is traced (trace.py); the program is
   optimized (passes.py) and compiled (codegen.py).
2. The next call checks it: `fn` runs eagerly again, and the program runs from a copy of the state
   as it was before; only if every result (returned tensors, gradients, parameters, optimizer
   state) has the same bits is the program trusted. Otherwise the step stays eager, with a warning.
3. Later calls replay the program, after the guards: the arguments' shapes, dtypes, strides,
   requires_grad and which of them are the same array (the signature), the values of other
   arguments, grad mode, the identity of every state array and of each argument whose `.grad` the
   program sets, whether each `.grad` the program reads exists, the optimizers' hyperparameters
   (not the learning rate, which the program reads at every call: a schedule replays it), and the
   `training` flag of every module the step calls, and a BatchNorm's momentum and eps (a program
   traced in eval mode is not replayed after `train()`). A guard that fails traces a new program.
"""

from __future__ import annotations

import gc
import time
import warnings
from collections import OrderedDict
from typing import Any

import numpy as np

from tinygrad_edu import random
from tinygrad_edu.compiled import verify
from tinygrad_edu.compiled.entry import Compiled, program_of
from tinygrad_edu.compiled.fastpath import MISS, fast_step
from tinygrad_edu.compiled.trace import Tracer
from tinygrad_edu.compiled.watch import watching
from tinygrad_edu.engine.anomaly import is_anomaly_enabled
from tinygrad_edu.engine.grad_mode import recording
from tinygrad_edu.tensor import Tensor

_active: list = []  # the tracers at work (a step called inside a traced step runs eagerly)


class JitWarning(UserWarning):
    """A compiled step runs eagerly (same results, no speed-up), and this says why."""


class CompiledStep:
    """A training step that replays as straight-line numpy after its first call (see jit)."""

    def __init__(self, fn: Any, max_programs: int = 8, rewrites: tuple = ()) -> None:
        self.fn = fn
        self.rewrites = rewrites  # the rewrites that change rounding asked for (rewrites.py)
        self.__name__ = getattr(fn, "__name__", "step")
        self.__doc__ = getattr(fn, "__doc__", None)
        self.max_programs = max_programs
        self._cache: OrderedDict = OrderedDict()  # signature -> Compiled, or the reason it is eager
        self._retraces: dict = {}
        self._unmatched = False  # warned that the rewrites asked for found nothing
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
        changed = None if entry is None else entry.failing_guard(flat)
        if entry is None or changed is not None:
            return self._trace(key, args, kwargs, flat, changed)
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

    def _trace(self, key: Any, args: tuple, kwargs: dict, flat: list, changed: Any) -> Any:
        """Call 1 of a program; `changed`: the guard that failed, if it replaces one."""
        if changed is not None:
            self._retraces[key] = self._retraces.get(key, 0) + 1
            if self._retraces[key] > 3:
                self._cache.pop(key)
                return self._eager(key, args, kwargs, f"it traces again at every call: {changed}")
        start = time.perf_counter()
        collecting = gc.isenabled()
        gc.disable()  # the trace makes many objects that live until it ends: no cyclic collection
        try:
            return self._traced(key, args, kwargs, flat, start)
        finally:
            if collecting:
                gc.enable()

    def _traced(self, key: Any, args: tuple, kwargs: dict, flat: list, start: float) -> Any:
        tracer = Tracer(flat)
        state: Any = np.random.get_state()
        rng = state[1].copy(), state[2]
        library_draws = random.draws()
        _active.append(tracer)
        try:
            with watching(tracer):
                result = self.fn(*args, **kwargs)
        finally:
            _active.pop()
        after: Any = np.random.get_state()
        if after[2] != rng[1] or not np.array_equal(after[1], rng[0]):
            tracer.refuse("it draws from numpy's global random generator (a new draw each call)")
        elif random.draws() != library_draws:
            tracer.refuse(
                "it draws random numbers (dropout, randn, a shuffle: a new draw each call)"
            )
        program = program_of(tracer, result)  # (what the step returns may refuse it too)
        if tracer.refused is not None:
            self._cache.pop(key, None)
            warnings.warn(f"jit({self.__name__}): {tracer.refused}; the step runs eagerly (same "
                          "results, no speed-up)", JitWarning, stacklevel=3)  # fmt: skip
            self._cache[key] = tracer.refused
            return result
        self._cache[key] = entry = Compiled(program, tracer, self.__name__, self.rewrites)
        if self.rewrites and not entry.rewritten and not self._unmatched:
            self._unmatched = True
            warnings.warn(f"jit({self.__name__}): rewrites={self.rewrites!r} found nothing to "
                          "rewrite (see tinygrad_edu.compiled.rewrites); the program is exact",
                          JitWarning, stacklevel=3)  # fmt: skip
        self._cache.move_to_end(key)
        while len(self._cache) > self.max_programs:
            self._cache.popitem(last=False)
        self.first_call_seconds = time.perf_counter() - start
        return result

    def _verify(self, key: Any, entry: Any, args: tuple, kwargs: dict, flat: list) -> Any:
        """Trust the program if it reproduces the eager step (verify.py), else stay eager."""
        result, why = verify.check(entry, self.fn, args, kwargs, flat)
        if why is not None and entry.rewritten:
            self._cache[key] = (
                f"its rewritten program ({'; '.join(entry.rewritten)}) is not within the "
                f"tolerance of the eager step (verify.RTOL: {why})"
            )
        elif why is not None:
            self._cache[key] = f"its program does not reproduce the eager step ({why})"
        if why is not None:
            warnings.warn(
                f"jit({self.__name__}): {self._cache[key]}; the step runs eagerly (same results, "
                "no speed-up)",
                JitWarning,
                stacklevel=3,
            )
        else:
            entry.trusted = True
            if not kwargs:
                self._fast = fast_step(entry, flat, key[0], _active)
        return result


def _signature(flat: list, kwnames: list) -> Any:
    """Grad mode, the keywords, and per argument its shape, dtype and requires_grad, its strides
    when not C order (numpy adds up in memory order: an F-ordered X gives other bits) and the
    first argument holding the same array (a program traced for step(x, x) reads one input for
    both), or its value."""
    key: list = [recording.enabled, tuple(kwnames)]
    first: dict[int, int] = {}
    for i, a in enumerate(flat):
        if isinstance(a, (Tensor, np.ndarray)):
            arr = a._data if isinstance(a, Tensor) else a
            kind = ("T", a.requires_grad) if isinstance(a, Tensor) else ("A",)
            strides = None if arr.flags.c_contiguous else arr.strides
            key.append((*kind, arr.shape, arr.dtype.str, strides, first.setdefault(id(arr), i)))
        else:
            try:
                hash(a)
            except TypeError:
                return None
            key.append(("V", type(a), a))
    return tuple(key)
