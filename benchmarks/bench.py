"""Speed of tinygrad_edu against the course's hand-written numpy, in the same process run.

    python -m benchmarks                    # the tables (1 thread)
    python -m benchmarks --threads 2 --json results.json

Each row: the median milliseconds of one training iteration after warm-up for numpy, tinygrad_edu
eager and tinygrad_edu through `tinygrad_edu.jit`, which take turns a block of repetitions at a time;
the ratios to numpy (below 1 is faster than numpy); the jit step's call 1 (trace + compile) and
call 2 (the eager run + the check of the program); and the peak memory of one iteration measured
with tracemalloc. Before timing, each runs three iterations from the same parameters and must give
numpy's three costs, and the jit step must replay its program (measure.py). When PyTorch is
installed, its column is measured the same way in a process of its own, against the numpy of that
process (see `add_pytorch` for why).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import time
from typing import Any

from benchmarks.measure import run_row
from benchmarks.table import markdown

__all__ = ["collect", "main", "markdown", "run_row"]

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _pin_threads(n: int) -> None:
    """BLAS reads its thread count when numpy loads, so set it and re-run this process once."""
    if os.environ.get("TINYGRAD_EDU_BENCH_THREADS") == str(n):
        return
    env = dict(os.environ, TINYGRAD_EDU_BENCH_THREADS=str(n), **{v: str(n) for v in _THREAD_VARS})
    os.execve(sys.executable, [sys.executable, "-m", "benchmarks", *sys.argv[1:]], env)


def _projected(points: list[tuple[int, float]], n_ops: int) -> float:
    """Seconds a jit step's first call on an n-op chain would take, from the shorter chains: with
    the growth of the last two (at least linear), or linear from one (so that a second length is
    measured before a row is left out)."""
    if not points:
        return 0.0
    (n2, t2), power = points[-1], 1.0
    if len(points) > 1:
        n1, t1 = points[-2]
        power = max(1.0, math.log(max(t2, 1e-9) / max(t1, 1e-9)) / math.log(n2 / n1))
    return t2 * (n_ops / n2) ** power


def _specs(X: Any, Y: Any, quick: bool, large: bool) -> list[tuple[Any, int, int, int]]:
    """(make(frameworks, torch), timed repetitions, warm-up calls a turn, ops of a W4 chain).
    The slow rows (3 repetitions) need no warm-up calls: the check's calls came just before."""
    from benchmarks import workloads as w

    def big(m: int, model: str) -> Any:
        return lambda fw, torch: w.make_deep(*w.cat_like(m), model, fw, torch)

    specs: list[tuple[Any, int, int, int]] = []
    for model in ("generic", "fused"):  # more repetitions for the shorter rows
        specs.append(((lambda fw, torch, m=model: w.make_deep(X, Y, m, fw, torch)), 30, 2, 0))
    sizes = [] if quick else [2090, 20900] if large else [2090]
    specs += [(big(m, model), 3, 0, 0) for m in sizes for model in ("generic", "fused")]
    for model in ("generic", "fused"):
        specs.append(((lambda fw, torch, m=model: w.make_logreg(X, Y, m, fw, torch)), 300, 2, 0))
    for model in ("generic", "fused"):
        specs.append(((lambda fw, torch, m=model: w.make_planar(m, fw, torch)), 300, 2, 0))
    for n in (1000,) if quick else (1000, 10_000, 100_000):
        reps, warm = (30, 2) if n == 1000 else (3, 0)
        specs.append(((lambda fw, torch, n=n: w.make_chain(n, fw, torch)), reps, warm, n))
    return specs


def collect(args: argparse.Namespace, framework: str = "tinygrad_edu") -> list[dict]:
    """The rows for numpy and tinygrad_edu (eager and jit), or numpy and "pytorch", in this process."""
    from benchmarks import workloads as w
    from tinygrad_edu.data import DataError, load_cats

    torch, frameworks = None, ("numpy", "eager", "jit", "jit_bce")
    if framework == "pytorch":
        import torch

        torch.set_num_threads(args.threads)
        frameworks = ("numpy", "pytorch")
    try:
        cats = load_cats(args.data)
        X, Y, source = cats.X_train, cats.Y_train, "cat data"
    except DataError:
        X, Y = w.cat_like(209)
        source = "synthetic data of the cat shape (the .h5 files were not found)"
    print(f"{framework}: W1/W2 at m=209 on {source}", file=sys.stderr)

    rows, chain_first = [], []  # (n_ops, seconds of the jit step's call 1) of the W4 rows so far
    scale = args.reps / 15
    for make, reps, warm, n_ops in _specs(X, Y, args.quick, args.large):
        fw, note = frameworks, None
        projected = _projected(chain_first, n_ops) if n_ops else 0.0
        if "jit" in fw and projected > args.first_call_budget:
            fw = tuple(f for f in fw if f not in ("jit", "jit_bce"))
            note = (
                f"jit left out: its call 1 would take about {projected:,.0f} s (projected from "
                f"the shorter chains), over --first-call-budget {args.first_call_budget:g} s"
            )
        workload = make(fw, torch)
        if note:
            workload.notes.append(note)
        print(f"  {workload.name} ({workload.model}, {workload.size}) ...", end="", file=sys.stderr)
        start = time.perf_counter()
        reps = reps if reps <= 3 else max(1, round(reps * scale))  # the slow rows: 3 in any case
        row = run_row(workload, reps, warm, memory=framework != "pytorch", first_call_s=scale)
        print(f" {time.perf_counter() - start:.1f} s", file=sys.stderr)
        if "jit_call1_ms" in row and n_ops:
            chain_first.append((n_ops, row["jit_call1_ms"] / 1000))
        rows.append(row)
    w.cat_like.cache_clear()
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
        assert [row[k] for k in ("workload", "model", "size")] == [
            other[k] for k in ("workload", "model", "size")
        ]
        row["pytorch_ms"] = other["pytorch_ms"]
        row["pytorch_ratio"] = other["pytorch_ms"] / other["numpy_ms"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--threads", type=int, default=1, help="BLAS/torch threads (default 1)")
    parser.add_argument("--reps", type=int, default=15, help="timed repetitions per row")
    parser.add_argument("--quick", action="store_true", help="only the m=209 / 1,000-op rows")
    parser.add_argument("--large", action="store_true", help="W1 at m=20,900 too (X is 2 GB)")
    parser.add_argument(
        "--first-call-budget",
        type=float,
        default=120.0,
        metavar="S",
        help="leave the jit column of a W4 chain out when its call 1 (trace + "
        "compile), projected from the shorter chains, would take over S seconds",
    )
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
        same += ["--quick"] * args.quick + ["--large"] * args.large
        same += ["--data", args.data] if args.data else []
        add_pytorch(rows, same)
    print(
        f"\ntinygrad_edu vs hand-written numpy, {args.threads} thread(s), python "
        f"{platform.python_version()}, ratio = time of one iteration / numpy's (lower is faster)\n"
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
