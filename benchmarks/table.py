"""The rows as two markdown tables: the speed of one iteration, then the jit step's first two calls
and the peak memory; notes (a column left out, and why) below them."""

from __future__ import annotations

from typing import Any


def _cell(row: dict, key: str, fmt: str) -> str:
    value = row.get(key)
    return "" if value is None else format(value, fmt)


def _table(rows: list[dict], columns: list[tuple[str, str, str]]) -> list[str]:
    head = "| workload | model | size |" + "".join(f" {title} |" for title, _, _ in columns)
    lines = [head, "|---|---|---|" + "---:|" * len(columns)]
    for r in rows:
        cells = "".join(f" {_cell(r, key, fmt)} |" for _, key, fmt in columns)
        lines.append(f"| {r['workload']} | {r['model']} | {r['size']} |{cells}")
    return lines


def markdown(rows: list[dict]) -> str:
    torch = any("pytorch_ms" in r for r in rows)
    speed: list[tuple[str, str, Any]] = [
        ("numpy ms", "numpy_ms", ".3f"),
        ("eager ms", "eager_ms", ".3f"),
        ("jit ms", "jit_ms", ".3f"),
        ("eager ratio", "eager_ratio", ".2f"),
        ("jit ratio", "jit_ratio", ".2f"),
    ]
    if any("jit_bce_ms" in r for r in rows):  # the jit with rewrites=("sigmoid_bce",)
        speed.append(("jit sigmoid_bce ratio", "jit_bce_ratio", ".2f"))
    if torch:
        speed.append(("pytorch ratio", "pytorch_ratio", ".2f"))
    speed += [("eager µs/op", "eager_us_per_op", ".2f"), ("jit µs/op", "jit_us_per_op", ".2f")]
    first = [
        ("jit call 1 ms (trace + compile)", "jit_call1_ms", ".1f"),
        ("jit call 2 ms (eager + check)", "jit_call2_ms", ".1f"),
        ("peak MB numpy", "numpy_peak_mb", ".1f"),
        ("peak MB eager", "eager_peak_mb", ".1f"),
        ("peak MB jit", "jit_peak_mb", ".1f"),
    ]
    lines = [*_table(rows, speed), "", *_table(rows, first)]
    notes = [
        f"- {r['workload']} ({r['model']}, {r['size']}): {n}" for r in rows for n in r["notes"]
    ]
    return "\n".join(lines + (["", *notes] if notes else []))
