"""The benchmark runs with its one documented command and checks what it times."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import bench
from benchmarks import workloads as w

ROOT = Path(__file__).resolve().parents[2]


def test_a_row_times_both_and_checks_their_costs() -> None:
    row = bench.run_row(w.make_chain(30), reps=2, warmup=1, memory=True)
    assert row["numpy_ms"] > 0 and row["tinygrad_edu_ms"] > 0
    assert row["ratio"] == pytest.approx(row["tinygrad_edu_ms"] / row["numpy_ms"])
    assert row["us_per_op"] == pytest.approx(1000 * row["tinygrad_edu_ms"] / 30)
    assert len(row["costs"]) == 2


def test_a_wrong_answer_gets_no_speed_figure() -> None:
    workload = w.make_chain(30)
    workload.steps["tinygrad_edu"] = lambda: 1.0  # fast, and wrong
    with pytest.raises(AssertionError, match="tinygrad_edu gives costs"):
        bench.run_row(workload, reps=1, warmup=0, memory=False)


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
    assert "| W4 chain | 1,000 ops |" in done.stdout
    rows = json.loads(out.read_text())["rows"]
    assert [r["workload"] for r in rows] == [
        "W1 cat-deep",
        "W2 cat-logreg",
        "W3 planar",
        "W4 chain",
    ]
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    # PyTorch runs in a process of its own and its column is merged into the same rows
    assert all(r["pytorch_ms"] > 0 and r["pytorch_ratio"] > 0 for r in rows)
