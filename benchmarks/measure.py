"""One row of the table: check the workload's frameworks against numpy, then time them in turns.

The jit column is only reported for a step that really replays: its calls give no `JitWarning`
(a step that falls back to eager says so with one), and after call 2 it holds one program, trusted
(checked against the eager step bit for bit), which later calls replay without tracing again.
"""

from __future__ import annotations

import contextlib
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Iterator
from typing import Any

from benchmarks.workloads import JitStep, Workload
from tinygrad_edu.compiled import JitWarning
from tinygrad_edu.compiled.entry import Compiled

FRAMEWORKS = ("eager", "jit", "jit_bce", "pytorch")  # the columns set against numpy


def _label(workload: Workload) -> str:
    return f"{workload.name} ({workload.model}, {workload.size})"


class NoReplayError(AssertionError):
    """The jit step does not replay a trusted program (it runs eagerly, or traced again)."""


@contextlib.contextmanager
def no_fallback(workload: Workload) -> Iterator[None]:
    """A JitWarning (the step runs eagerly after all) stops the row: no jit figure for it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitWarning)
        try:
            yield
        except JitWarning as exc:
            raise NoReplayError(f"{_label(workload)}: the jit step runs eagerly ({exc})") from None


def replays(workload: Workload, step: JitStep, caught: list | None = None) -> None:
    """The jit step gave no JitWarning (in `caught`), holds one program, trusted (checked against
    the eager step), and never traced again: so its calls after the second replay it."""
    for w in caught or ():
        if issubclass(w.category, JitWarning):
            raise NoReplayError(f"it runs eagerly: {w.message}")
    entries = list(step.compiled._cache.values())
    ok = len(entries) == 1 and isinstance(entries[0], Compiled) and entries[0].trusted
    if not ok or step.compiled._retraces:
        raise NoReplayError(
            f"{_label(workload)}: the jit step does not replay one trusted program "
            f"(programs: {entries}, retraces: {step.compiled._retraces})"
        )


def _calls(step: Any, calls: int) -> tuple[list[float], list[float], list]:
    """The costs and seconds of `calls` calls, and the warnings they gave (others shown again)."""
    got, seconds = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JitWarning)
        for _ in range(calls):
            start = time.perf_counter()
            got.append(step())
            seconds.append(time.perf_counter() - start)
    for w in caught:
        if not issubclass(w.category, JitWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return got, seconds, caught


def check(workload: Workload, rtol: float = 1e-9, calls: int = 3) -> dict[str, Any]:
    """`calls` iterations of every framework from the same parameters; every cost must agree with
    numpy's. For the jit step call 1 traces, call 2 checks the program, call 3 replays it; the
    times of its calls 1 and 2 are returned, or why it does not replay (`jit_left_out`)."""
    out: dict[str, Any] = {"costs": [workload.steps["numpy"]() for _ in range(calls)]}
    for name, step in workload.steps.items():
        if name == "numpy":
            continue
        got, seconds, caught = _calls(step, calls)
        for e, g in zip(out["costs"], got, strict=True):
            if abs(e - g) > rtol * abs(e):
                raise AssertionError(
                    f"{_label(workload)}: {name} gives costs {got}, numpy {out['costs']}"
                )
        if isinstance(step, JitStep):
            try:
                replays(workload, step, caught)
                if name == "jit":
                    out["first_calls"] = [(seconds[0], seconds[1])]
            except NoReplayError as exc:
                out[f"{name}_left_out"] = str(exc)
    return out


def first_calls(workload: Workload, samples: list, budget_s: float = 1.0) -> tuple[float, float]:
    """Median seconds of call 1 (trace + compile) and call 2 (the eager run + the check) of a new
    jit step: more steps on new parameters while they take under `budget_s` in all (at most 5)."""
    while workload.fresh_jit and len(samples) < 5 and sum(map(sum, samples)) < budget_s:
        step = workload.fresh_jit()
        start = time.perf_counter()
        step()
        middle = time.perf_counter()
        step()
        samples.append((middle - start, time.perf_counter() - middle))
        replays(workload, step)
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def median_ms(steps: dict[str, Any], reps: int, warmup: int) -> dict[str, float]:
    """The median milliseconds of one call of each step.

    The frameworks take turns: each runs `warmup` untimed calls and then a block of its timed calls,
    at least 5 times over. Within a block the data is warm in the cache, as in a training loop; and a
    slow stretch of the machine (another process, a frequency change) is spread over all of them
    instead of falling on whichever happened to run then."""
    times: dict[str, list[float]] = {name: [] for name in steps}
    turns = max(5, reps // 10)  # blocks of about 10: short enough that a slow stretch hits all
    per_turn = max(1, -(-reps // turns))
    for _ in range(turns):
        for name, step in steps.items():
            for _ in range(warmup):
                step()
            for _ in range(per_turn):
                start = time.perf_counter()
                step()
                times[name].append(time.perf_counter() - start)
    return {name: 1000 * statistics.median(t) for name, t in times.items()}


def peak_mb(step: Any) -> float:
    """Peak bytes allocated during one iteration (numpy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


def run_row(
    workload: Workload, reps: int, warmup: int, memory: bool, first_call_s: float = 1.0
) -> dict:
    """Check, then time: milliseconds of one iteration of each framework, its ratio to numpy (and
    per op for W4), the jit step's first two calls (new jit steps for the median while they take
    under `first_call_s` in all), and the peak memory of one iteration."""
    row: dict[str, Any] = {"workload": workload.name, "model": workload.model}
    row.update(size=workload.size, notes=list(workload.notes))
    with no_fallback(workload):
        checked = check(workload)
        row["costs"] = checked["costs"]
        if "jit_left_out" in checked:  # the eager step gives the jit column's costs
            del workload.steps["jit"]
            workload.fresh_jit = None
            row["notes"].append(f"jit left out: {checked['jit_left_out']}")
        if "jit_bce_left_out" in checked:
            del workload.steps["jit_bce"]
            row["notes"].append(f"jit_bce left out: {checked['jit_bce_left_out']}")
        if "first_calls" in checked:
            call1, call2 = first_calls(workload, checked["first_calls"], first_call_s)
            row["jit_call1_ms"], row["jit_call2_ms"] = 1000 * call1, 1000 * call2
        for name, ms in median_ms(workload.steps, reps, warmup).items():
            row[f"{name}_ms"] = ms
        for name in ("jit", "jit_bce"):
            if name in workload.steps:
                replays(workload, workload.steps[name])  # and the timed calls replayed it too
        if memory:
            for name, step in workload.steps.items():
                if name != "pytorch":
                    row[f"{name}_peak_mb"] = peak_mb(step)
    for name in FRAMEWORKS:
        if f"{name}_ms" in row:
            row[f"{name}_ratio"] = row[f"{name}_ms"] / row["numpy_ms"]
            if workload.ops_per_step:
                row[f"{name}_us_per_op"] = 1000 * row[f"{name}_ms"] / workload.ops_per_step
    return row
