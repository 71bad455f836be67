"""The benchmark runs with its one documented command and checks what it times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import bench
from benchmarks import workloads as w
from tinygrad_edu import Tensor

ROOT = Path(__file__).resolve().parents[2]


def test_a_row_times_numpy_eager_and_jit_and_checks_their_costs() -> None:
    row = bench.run_row(w.make_chain(30), reps=2, warmup=1, memory=True)
    assert row["numpy_ms"] > 0 and row["eager_ms"] > 0 and row["jit_ms"] > 0
    for name in ("eager", "jit"):
        assert row[f"{name}_ratio"] == pytest.approx(row[f"{name}_ms"] / row["numpy_ms"])
        assert row[f"{name}_us_per_op"] == pytest.approx(1000 * row[f"{name}_ms"] / 30)
    assert row["jit_call1_ms"] > 0 and row["jit_call2_ms"] > 0
    assert len(row["costs"]) == 3  # the jit step's call 3 is its first replay
    assert row["notes"] == []


def test_a_wrong_answer_gets_no_speed_figure() -> None:
    workload = w.make_chain(30)
    workload.steps["eager"] = lambda: 1.0  # fast, and wrong
    with pytest.raises(AssertionError, match="eager gives costs"):
        bench.run_row(workload, reps=1, warmup=0, memory=False)


def test_a_jit_step_that_runs_eagerly_gets_no_jit_figure() -> None:
    workload = w.make_chain(30, frameworks=("numpy", "eager"))
    fn = w.chain_step(30)

    def reads_back() -> Tensor:
        cost = fn()
        cost.item()  # a value read into Python: the step stays eager, with a JitWarning
        return cost

    workload.steps["jit"] = w.JitStep(reads_back)
    row = bench.run_row(workload, reps=1, warmup=0, memory=False)
    assert "jit_ms" not in row and "jit_call1_ms" not in row
    assert row["eager_ms"] > 0
    assert len(row["notes"]) == 1 and "jit left out" in row["notes"][0]
    assert "item()" in row["notes"][0]


def test_the_quick_table_from_the_command_line(tmp_path) -> None:
    out = tmp_path / "rows.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--reps", "1", "--json", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "| W4 chain | generic | 1,000 ops |" in done.stdout
    rows = json.loads(out.read_text())["rows"]
    models = ["generic", "fused"]
    assert [(r["workload"], r["model"]) for r in rows] == [
        *(("W1 cat-deep", m) for m in models),
        *(("W2 cat-logreg", m) for m in models),
        *(("W3 planar", m) for m in models),
        ("W4 chain", "generic"),
    ]
    for r in rows:  # a jit figure, or the reason there is none
        assert r["eager_ms"] > 0
        assert r.get("jit_ms", 0) > 0 or any("jit left out" in n for n in r["notes"])
    assert rows[-1]["jit_call1_ms"] > 0 and rows[-1]["eager_us_per_op"] > 0
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    # PyTorch runs in a process of its own and its column is merged into the same rows
    assert all(r["pytorch_ms"] > 0 and r["pytorch_ratio"] > 0 for r in rows)
