"""Where a compiled step's time goes, line by line of its generated source.

    python -m benchmarks.profile_jit W3                  # the planar step, generic ops
    python -m benchmarks.profile_jit W4 --ops 1000 --top 10
    python -m benchmarks.profile_jit W1 --model fused --data DIR

The step is checked as in the table (bench.check), then its program's `run` is compiled again with a
clock read after every line, on the closure of the bound `run` (the same buffers and states), and
replayed `--runs` times; a long program, which runs in the interpreter loop (interpret.py), is
timed call by call of that loop. It reads the internals of tinygrad_edu/compiled/ (entry.py,
codegen.py, interpret.py), which may change. Each line's time is its median less the cost of a clock read (measured on
empty lines), so lines of a few hundred nanoseconds are approximate; the sum is set against the
median time of the plain replay.
"""

from __future__ import annotations

import argparse
import functools
import re
import statistics
import time
from collections import defaultdict
from typing import Any

from benchmarks import measure
from benchmarks import workloads as w
from tinygrad_edu.compiled import codegen, interpret


def _instrument(lines: list[str], returns: bool = True) -> str:
    """`run` with the time of line i appended to `_T[i]`."""
    out = [lines[0], "    _s = _pc()"]
    for i, line in enumerate(lines[1:]):
        if line.startswith("    return "):
            line = "    _r = " + line[len("    return ") :]
        out += [line, f"    _e = _pc(); _T[{i}].append(_e - _s); _s = _e"]
    return "\n".join([*out, "    return _r" if returns else "    return None"]) + "\n"


def _compiled_run(entry: Any, body: list[str]) -> Any:
    """The program's `run` again, timed line by line, on the closure of the bound one (the same
    buffers, states and constants)."""
    lines = codegen.generate(entry.program, entry.owner, entry.run_names)[0].rstrip().split("\n")
    if len(lines) != len(body) + 1 or any(ln.startswith("     ") for ln in lines):
        raise ValueError("profile_jit: the program is not one straight-line run()")
    free = entry.run.__code__.co_freevars
    cells = dict(zip(free, (c.cell_contents for c in entry.run.__closure__), strict=True))
    run = "".join(f"    {line}\n" for line in _instrument(lines).splitlines())
    scope: dict[str, Any] = {"_pc": time.perf_counter, "_T": [[] for _ in body]}
    exec(
        compile(f"def make({', '.join(free)}):\n{run}    return run\n", "<profile>", "exec"), scope
    )
    timed = scope["make"](**cells)
    timed.times = scope["_T"]
    return timed


def _interpreted_run(entry: Any) -> tuple[Any, list[str]]:
    """The interpreter's loop again (interpret.py), timing each of its prebound calls."""
    free = entry.run.__code__.co_freevars
    cells = dict(zip(free, (c.cell_contents for c in entry.run.__closure__), strict=True))
    calls, env, n = cells["calls"], cells["env"], cells["n"]
    times: list[list[float]] = [[] for _ in calls]
    clock: list[float] = []

    def timed(*inputs: Any) -> None:
        env[:n] = inputs
        pc = time.perf_counter
        for (fn, args), t in zip(calls, times, strict=True):
            start = pc()
            fn(*args)
            t.append(pc() - start)
        for _ in range(20):  # the clock's own cost, read the same way
            start = pc()
            clock.append(pc() - start)

    timed.times, timed.clock = times, clock  # type: ignore[attr-defined]
    labels = []
    for fn, args in calls:
        if fn is interpret._dynamic:
            instr = args[1]
            labels.append(f"{getattr(instr.fn, '__name__', instr.kind)}(...)  # read per call")
        else:
            f = fn.func if isinstance(fn, functools.partial) else fn
            labels.append(f"{getattr(f, '__name__', type(f).__name__)}(...)")
    return timed, labels


def profile(step: w.JitStep, runs: int = 2000) -> tuple[float, float, list[tuple[float, str]]]:
    """(median µs of the whole step as the table times it, of its program's `run` alone, and
    [(µs, line)] in program order) of a trusted jit step: a line of the generated source, or for
    an interpreted (long) program, a call of the interpreter's loop."""
    (entry,) = step.compiled._cache.values()
    blank = ["def run():", "    pass"]
    if entry.interpreted:  # the loop's own cost is not in the calls' times
        timed, body = _interpreted_run(entry)
    else:
        body = entry.source.rstrip("\n").split("\n")[1:]
        timed = _compiled_run(entry, body)
        blank = ["def run():"] + ["    pass"] * len(body)
    empty: dict[str, Any] = {"_pc": time.perf_counter, "_T": [[] for _ in blank[1:]]}
    exec(compile(_instrument(blank, returns=False), "<blank>", "exec"), empty)
    inputs = entry.inputs([])
    plain, whole = [], []
    for _ in range(runs):
        start = time.perf_counter()
        entry.run(*inputs)
        middle = time.perf_counter()
        step()
        whole.append(time.perf_counter() - middle)
        plain.append(middle - start)
        timed(*inputs)
        empty["run"]()
    clock = statistics.median(
        timed.clock if entry.interpreted else [t for ts in empty["_T"] for t in ts]
    )
    per_line = [
        (1e6 * max(0.0, statistics.median(ts) - clock), ln.strip())
        for ts, ln in zip(timed.times, body, strict=True)
    ]
    return 1e6 * statistics.median(whole), 1e6 * statistics.median(plain), per_line


def _callee(line: str) -> str:
    m = re.match(r"(?:[\w, ]+ = )?(\w+)\(", line)
    return m.group(1) if m else line.split("(")[0].strip()


def report(name: str, step: w.JitStep, top: int, runs: int) -> str:
    whole, total, per_line = profile(step, runs)
    lines_sum = sum(t for t, _ in per_line)
    out = [
        f"## {name}: the step {whole:.1f} µs, its program's run() {total:.1f} µs (medians), the "
        f"rest (guards, .grads, versions, item()) {whole - total:.1f} µs; the {len(per_line)} lines "
        f"add up to {lines_sum:.1f} µs (the rest of run(): an interpreter loop's own cost, or "
        f"the error of the clock, {total - lines_sum:.1f} µs)",
        "",
        "| µs | % | line |",
        "|---:|---:|---|",
    ]
    for t, line in sorted(per_line, key=lambda p: -p[0])[:top]:
        out.append(f"| {t:.2f} | {100 * t / lines_sum:.1f} | `{line}` |")
    groups: dict[str, list[float]] = defaultdict(list)
    for t, line in per_line:
        groups[_callee(line)].append(t)
    out += ["", "| call | lines | µs | % | µs a line |", "|---|---:|---:|---:|---:|"]
    for fn, ts in sorted(groups.items(), key=lambda g: -sum(g[1])):
        s = sum(ts)
        out.append(
            f"| {fn} | {len(ts)} | {s:.1f} | {100 * s / lines_sum:.1f} | {s / len(ts):.2f} |"
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_jit", description=__doc__)
    parser.add_argument("workload", choices=["W1", "W2", "W3", "W4"])
    parser.add_argument("--model", default="generic", choices=["generic", "fused"])
    parser.add_argument("--ops", type=int, default=1000, help="W4: the chain's length")
    parser.add_argument("--top", type=int, default=15, help="how many of the costliest lines")
    parser.add_argument("--runs", type=int, default=0, help="replays (default: about 2 s)")
    parser.add_argument("--data", metavar="DIR", help="folder with the cat .h5 files")
    parser.add_argument("--source", action="store_true", help="print the generated source too")
    args = parser.parse_args(argv)
    fw = ("numpy", "jit")
    if args.workload in ("W1", "W2"):
        from tinygrad_edu.data import DataError, load_cats

        try:
            cats = load_cats(args.data)
            X, Y = cats.X_train, cats.Y_train
        except DataError:
            X, Y = w.cat_like(209)
        make = w.make_deep if args.workload == "W1" else w.make_logreg
        workload = make(X, Y, args.model, fw)
    elif args.workload == "W3":
        workload = w.make_planar(args.model, fw)
    else:
        workload = w.make_chain(args.ops, fw)
    with measure.no_fallback(workload):
        checked = measure.check(workload)
    if "jit_left_out" in checked:
        raise SystemExit(f"no program to profile: {checked['jit_left_out']}")
    step = workload.steps["jit"]
    if args.source:
        print(step.compiled.source())
    start = time.perf_counter()
    step()
    runs = args.runs or max(20, int(2.0 / max(time.perf_counter() - start, 1e-6) / 3))
    label = f"{workload.name} ({workload.model}, {workload.size})"
    print(report(label, step, args.top, runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
