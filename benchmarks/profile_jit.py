"""Where a compiled step's time goes, line by line of its generated source.

    python -m benchmarks.profile_jit W3                  # the planar step, generic ops
    python -m benchmarks.profile_jit W4 --ops 1000 --top 10
    python -m benchmarks.profile_jit W1 --model fused --data DIR

The step is checked as in the table (bench.check), then its program's `run` is compiled again with a
clock read after every line, in the namespace of the bound `run` (the same buffers and states), and
replayed `--runs` times. Each line's time is its median less the cost of a clock read (measured on
empty lines), so lines of a few hundred nanoseconds are approximate; the sum is set against the
median time of the plain replay.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections import defaultdict
from typing import Any

from benchmarks import measure
from benchmarks import workloads as w


def _instrument(lines: list[str], returns: bool = True) -> str:
    """`run` with the time of line i appended to `_T[i]`."""
    out = [lines[0], "    _s = _pc()"]
    for i, line in enumerate(lines[1:]):
        if line.startswith("    return "):
            line = "    _r = " + line[len("    return ") :]
        out += [line, f"    _e = _pc(); _T[{i}].append(_e - _s); _s = _e"]
    return "\n".join([*out, "    return _r" if returns else "    return None"]) + "\n"


def profile(step: w.JitStep, runs: int = 2000) -> tuple[float, float, list[tuple[float, str]]]:
    """(median µs of the whole step as the table times it, of its program's `run` alone, and
    [(µs, line)] in program order) of a trusted jit step."""
    (entry,) = step.compiled._cache.values()
    lines = entry.source.rstrip("\n").split("\n")
    if not lines[0].startswith("def run(") or any(
        not ln.startswith("    ") or ln.startswith("     ") or " def " in ln for ln in lines[1:]
    ):
        raise ValueError("profile_jit: the program is not one straight-line run()")
    body = lines[1:]
    ns: dict[str, Any] = dict(entry.run.__globals__, _pc=time.perf_counter, _T=[[] for _ in body])
    exec(compile(_instrument(lines), "<profile>", "exec"), ns)
    empty: dict[str, Any] = {"_pc": time.perf_counter, "_T": [[] for _ in body]}
    blank = ["def run():"] + ["    pass"] * len(body)
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
        ns["run"](*inputs)
        empty["run"]()
    clock = statistics.median(t for ts in empty["_T"] for t in ts)
    per_line = [
        (1e6 * max(0.0, statistics.median(ts) - clock), ln.strip())
        for ts, ln in zip(ns["_T"], body, strict=True)
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
        f"add up to {lines_sum:.1f} µs",
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
