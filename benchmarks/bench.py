"""Speed of tinygrad_edu against the course's hand-written numpy, in the same process run.

    python -m benchmarks                    # the table (1 thread)
    python -m benchmarks --threads 2 --json results.json

Each row: the median milliseconds of one training iteration after warm-up for numpy and tinygrad_edu,
which take turns a block of repetitions at a time; the ratio tinygrad_edu / numpy (below 1 is faster
than numpy); and the peak memory of one iteration measured with tracemalloc. Before timing, both run
two iterations from the same parameters and must print the same two costs. When PyTorch is installed,
its column is measured the same way in a process of its own, against the numpy of that process (see
`add_pytorch` for why).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from typing import Any

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _pin_threads(n: int) -> None:
    """BLAS reads its thread count when numpy loads, so set it and re-run this process once."""
    if os.environ.get("TINYGRAD_EDU_BENCH_THREADS") == str(n):
        return
    env = dict(os.environ, TINYGRAD_EDU_BENCH_THREADS=str(n), **{v: str(n) for v in _THREAD_VARS})
    os.execve(sys.executable, [sys.executable, "-m", "benchmarks", *sys.argv[1:]], env)


def _median_ms(steps: dict[str, Any], reps: int, warmup: int) -> dict[str, float]:
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


def _peak_mb(step: Any) -> float:
    """Peak bytes allocated during one iteration (numpy reports its buffers to tracemalloc)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


def check(workload: Any, rtol: float = 1e-9) -> list[float]:
    """Two iterations of every framework; their costs must agree with numpy's."""
    expected = [workload.steps["numpy"]() for _ in range(2)]
    for name, step in workload.steps.items():
        if name == "numpy":
            continue
        got = [step() for _ in range(2)]
        for e, g in zip(expected, got, strict=False):
            if abs(e - g) > rtol * abs(e):
                raise AssertionError(
                    f"{workload.name} ({workload.size}): {name} gives costs {got}, numpy {expected}"
                )
    return expected


def run_row(workload: Any, reps: int, warmup: int, memory: bool) -> dict:
    costs = check(workload)
    row: dict[str, Any] = {"workload": workload.name, "size": workload.size, "costs": costs}
    for name, ms in _median_ms(workload.steps, reps, warmup).items():
        row[f"{name}_ms"] = ms
    if memory:
        for name, step in workload.steps.items():
            if name != "pytorch":
                row[f"{name}_peak_mb"] = _peak_mb(step)
    if "pytorch_ms" in row:
        row["pytorch_ratio"] = row["pytorch_ms"] / row["numpy_ms"]
    if "tinygrad_edu_ms" not in row:
        return row
    row["ratio"] = row["tinygrad_edu_ms"] / row["numpy_ms"]
    if workload.ops_per_step:
        row["us_per_op"] = 1000 * row["tinygrad_edu_ms"] / workload.ops_per_step
    if memory:
        row["memory_ratio"] = row["tinygrad_edu_peak_mb"] / max(row["numpy_peak_mb"], 1e-9)
    return row


def collect(args: argparse.Namespace, framework: str = "tinygrad_edu") -> list[dict]:
    """The rows for numpy and one framework, "tinygrad_edu" or "pytorch", in this process."""
    from benchmarks import workloads as w
    from tinygrad_edu.data import DataError, load_cats

    torch = None
    if framework == "pytorch":
        import torch

        torch.set_num_threads(args.threads)
    try:
        cats = load_cats(args.data)
        X, Y, source = cats.X_train, cats.Y_train, "cat data"
    except DataError:
        X, Y = w.cat_like(209)
        source = "synthetic data of the cat shape (the .h5 files were not found)"
    print(f"{framework}: W1/W2 at m=209 on {source}", file=sys.stderr)

    reps, warm = args.reps, 2
    rows = []
    specs = [
        # more repetitions for the shorter rows: a median of more samples, still under a second each
        (lambda: w.make_deep(X, Y, torch=torch), reps * 2),
        (lambda: w.make_logreg(X, Y, torch=torch), reps * 20),
        (lambda: w.make_planar(torch=torch), reps * 20),
        (lambda: w.make_chain(1000, torch=torch), reps * 2),
    ]
    if not args.quick:
        for m in (2090, 20900):
            Xs, Ys = w.cat_like(m)
            specs.append(((lambda Xs=Xs, Ys=Ys: w.make_deep(Xs, Ys, torch=torch)), 3))
        specs += [(lambda n=n: w.make_chain(n, torch=torch), 3) for n in (10_000, 100_000)]
    for make, n in specs:
        workload = make()
        if framework != "tinygrad_edu":
            del workload.steps["tinygrad_edu"]
        print(f"  {workload.name} ({workload.size}) ...", file=sys.stderr)
        rows.append(run_row(workload, n, warm, memory=framework == "tinygrad_edu"))
    return rows


def add_pytorch(rows: list[dict], argv: list[str]) -> None:
    """The PyTorch column, measured in a process of its own, against the numpy of that process.

    Importing torch adds about 150,000 Python objects to a process, and every full pass of Python's
    garbage collector walks all of them: in the same process, that slows down whatever allocates
    many Python objects (a recorded graph) by a cost that belongs to torch, not to the code timed."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", *argv, "--framework", "pytorch", "--json", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"PyTorch column left out: its run failed\n{done.stderr}", file=sys.stderr)
        return
    sys.stderr.write(done.stderr)
    theirs = json.loads(done.stdout[done.stdout.index("{") :])["rows"]
    for row, other in zip(rows, theirs, strict=True):
        row["pytorch_ms"] = other["pytorch_ms"]
        row["pytorch_ratio"] = other["pytorch_ms"] / other["numpy_ms"]


def markdown(rows: list[dict]) -> str:
    torch = any("pytorch_ms" in r for r in rows)
    head = "| workload | size | numpy ms | tinygrad_edu ms | ratio |"
    rule = "|---|---|---:|---:|---:|"
    if torch:
        head += " pytorch ms | pytorch ratio |"
        rule += "---:|---:|"
    head += " µs/op | peak MB numpy | peak MB tinygrad_edu | memory ratio |"
    rule += "---:|---:|---:|---:|"
    lines = [head, rule]
    for r in rows:
        line = (
            f"| {r['workload']} | {r['size']} | {r['numpy_ms']:.3f} | {r['tinygrad_edu_ms']:.3f} "
            f"| {r['ratio']:.2f} |"
        )
        if torch:
            line += f" {r.get('pytorch_ms', float('nan')):.3f} | {r.get('pytorch_ratio', float('nan')):.2f} |"
        us = f"{r['us_per_op']:.2f}" if "us_per_op" in r else ""
        line += (
            f" {us} | {r['numpy_peak_mb']:.1f} | {r['tinygrad_edu_peak_mb']:.1f} "
            f"| {r['memory_ratio']:.2f} |"
        )
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--threads", type=int, default=1, help="BLAS/torch threads (default 1)")
    parser.add_argument("--reps", type=int, default=15, help="timed repetitions per row")
    parser.add_argument("--quick", action="store_true", help="only the four m=209 / 1,000-op rows")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON ('-': stdout)")
    parser.add_argument("--data", metavar="DIR", help="folder with the cat .h5 files")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out")
    parser.add_argument("--framework", default="tinygrad_edu", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _pin_threads(args.threads)
    if args.framework == "pytorch":  # the child process of add_pytorch: its rows, as JSON
        print(json.dumps({"rows": collect(args, "pytorch")}))
        return 0
    rows = collect(args)
    if not args.no_torch and importlib.util.find_spec("torch") is not None:
        same = ["--threads", str(args.threads), "--reps", str(args.reps)]
        same += ["--quick"] * args.quick + (["--data", args.data] if args.data else [])
        add_pytorch(rows, same)
    print(
        f"\ntinygrad_edu vs hand-written numpy, {args.threads} thread(s), python "
        f"{platform.python_version()}, ratio = tinygrad_edu / numpy (lower is faster)\n"
    )
    print(markdown(rows))
    if args.json:
        text = json.dumps({"threads": args.threads, "rows": rows}, indent=2)
        if args.json == "-":
            print(text)
        else:
            with open(args.json, "w") as f:
                f.write(text + "\n")
    return 0
