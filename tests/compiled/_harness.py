"""What the tests of tests/compiled/ share: a jitted step run beside an independent eager copy of the
same state, compared bit for bit after every call, and the proof that the program was really used.

A test describes its step with `make()`, which builds a fresh `World` each time it is called (the
same values every time): the step, the tensors to compare after each call, the optimizers whose
state is compared too, and the arguments of each call. `run_both(make)` builds two worlds, runs
one eagerly and the other through `jit`, and compares them after each call:

- what the step returned (the bits, shape and dtype of every Tensor; other values by ==);
- every tensor of `World.tensors`: its array, its `.grad` (or that both have none), its version;
- every optimizer's state (v, s as arrays, Adam's t by value).

The jit checks itself on call 2 and falls back to eager (with a JitWarning) when its program
differs, so equal results alone prove nothing: `assert_compiled` also asserts that no JitWarning
was given, that every cache entry is a trusted `Compiled`, and that `fn` itself ran only twice per
program (trace, check), so every later call was a replay. `assert_eager` is its opposite, for the
steps the jit must refuse.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_edu import JitWarning, Tensor, jit
from tinygrad_edu.compiled.program import bits_equal
from tinygrad_edu.compiled.step import Compiled, CompiledStep


@dataclass
class World:
    """One copy of a step and its state."""

    fn: Callable
    tensors: dict[str, Tensor]  # compared after every call: array, .grad, version
    calls: list[tuple] = field(default_factory=lambda: [()])  # the arguments, cycled
    optimizers: list = field(default_factory=list)  # their state is compared too
    kwargs: list[dict] = field(default_factory=lambda: [{}])  # keyword arguments, cycled


@dataclass
class Run:
    """What `run_both` saw."""

    step: CompiledStep
    eager: World
    jitted: World
    fn_calls: int  # how many times the jitted world's fn itself ran
    jit_warnings: list[str]


def run_both(
    make: Callable[[], World],
    n_calls: int = 3,
    before: Callable[[int, World], None] | None = None,
    max_programs: int = 8,
    around: Callable[[int], Any] = lambda i: contextlib.nullcontext(),
) -> Run:
    """Call the step `n_calls` times eagerly on one world and through jit on another; assert that
    both return the same bits and leave the same state after every call. `before(i, world)` runs
    before call i on each world (to change an lr, replace an array, seed numpy, ...); both calls
    i run inside the context manager `around(i)` (no_grad, detect_anomaly, ...)."""
    eager, jitted = make(), make()
    count = [0]

    def counted(*args: Any, **kwargs: Any) -> Any:
        count[0] += 1
        return jitted.fn(*args, **kwargs)

    counted.__name__ = getattr(jitted.fn, "__name__", "step")
    step = jit(counted, max_programs=max_programs)
    messages: list[str] = []
    for i in range(n_calls):
        args_e, args_j = eager.calls[i % len(eager.calls)], jitted.calls[i % len(jitted.calls)]
        kw_e, kw_j = eager.kwargs[i % len(eager.kwargs)], jitted.kwargs[i % len(jitted.kwargs)]
        if before is not None:
            before(i, eager)
        with around(i):
            want = eager.fn(*args_e, **kw_e)
        if before is not None:
            before(i, jitted)
        with warnings.catch_warnings(record=True) as caught, around(i):
            warnings.simplefilter("always")
            got = step(*args_j, **kw_j)
        messages += [str(w.message) for w in caught if issubclass(w.category, JitWarning)]
        where = f"call {i + 1}"
        assert_same(want, got, f"{where}: returned")
        assert_same_state(eager, jitted, where)
    return Run(step, eager, jitted, count[0], messages)


def assert_compiled(run: Run, programs: int = 1) -> list[Compiled]:
    """The jitted calls used `programs` trusted programs: no JitWarning, and `fn` ran only to trace
    and to check each program (every other call was a replay)."""
    assert not run.jit_warnings, f"the step fell back to eager: {run.jit_warnings}"
    entries = list(run.step._cache.values())
    assert all(isinstance(e, Compiled) for e in entries), f"eager entries: {entries}"
    assert all(e.trusted for e in entries), "a program was never trusted"
    assert len(entries) == programs, f"{len(entries)} programs, expected {programs}"
    assert run.fn_calls == 2 * programs, (
        f"fn ran {run.fn_calls} times for {programs} program(s): the program was not replayed"
    )
    return entries


def assert_eager(run: Run, match: str | None, n_calls: int = 3) -> None:
    """The step stayed eager: `fn` ran at every call, and (when `match` is given) exactly one
    JitWarning was given, which contains `match`."""
    assert run.fn_calls == n_calls, f"fn ran {run.fn_calls} times in {n_calls} calls"
    assert not any(isinstance(e, Compiled) and e.trusted for e in run.step._cache.values())
    if match is None:
        assert not run.jit_warnings, run.jit_warnings
        return
    assert len(run.jit_warnings) == 1, run.jit_warnings
    assert match in run.jit_warnings[0], run.jit_warnings[0]


def assert_same(want: Any, got: Any, where: str) -> None:
    """Eager's result and the jit's: Tensors with the same bits, the rest equal (nested)."""
    if isinstance(want, Tensor):
        assert isinstance(got, Tensor), f"{where}: got {type(got).__name__}, not a Tensor"
        assert bits_equal(want._data, got._data), (
            f"{where}: {got._data!r} ({got._data.dtype}) is not eager's {want._data!r} "
            f"({want._data.dtype})"
        )
    elif isinstance(want, (tuple, list)):
        assert type(got) is type(want) and len(got) == len(want), f"{where}: {got!r}"
        for k, (w, g) in enumerate(zip(want, got, strict=True)):
            assert_same(w, g, f"{where}[{k}]")
    elif isinstance(want, dict):
        assert isinstance(got, dict) and got.keys() == want.keys(), f"{where}: {got!r}"
        for k in want:
            assert_same(want[k], got[k], f"{where}[{k!r}]")
    elif isinstance(want, np.ndarray):
        assert bits_equal(want, got), f"{where}: {got!r} is not eager's {want!r}"
    else:
        assert want == got or (want != want and got != got), f"{where}: {got!r} != {want!r}"


def assert_same_state(eager: World, jitted: World, where: str) -> None:
    for name, e in eager.tensors.items():
        j = jitted.tensors[name]
        assert_same(e, j, f"{where}: {name}")
        assert (e._grad is None) == (j._grad is None), (
            f"{where}: {name}.grad is {j._grad!r}, eager's {e._grad!r}"
        )
        if e._grad is not None:
            assert_same(e._grad, j._grad, f"{where}: {name}.grad")
        assert e._version == j._version, (
            f"{where}: {name}._version is {j._version}, eager's {e._version}"
        )
    for k, (oe, oj) in enumerate(zip(eager.optimizers, jitted.optimizers, strict=True)):
        for p, (se, sj) in enumerate(zip(oe.state, oj.state, strict=True)):
            assert_same(se, sj, f"{where}: optimizer {k}, state of parameter {p}")
