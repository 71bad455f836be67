"""The course's gradient-checking report: one relative difference per input, and how to read it.

The course compares the whole gradient g of a parameter with its numerical estimate g_num at once:

    difference = ||g - g_num||_2 / (||g||_2 + ||g_num||_2)

Dividing by the sizes makes it a relative measure: 0 means equal, 1 means unrelated (g_num = 0 or
g = -g_num). The course reads it with rough thresholds: below 1e-7 the gradient is fine, around 1e-5
it deserves a closer look, above 1e-3 there is almost certainly a bug.
"""

from __future__ import annotations

import numpy as np

__all__ = ["BUG", "FINE", "format_report", "reading", "relative_difference"]

FINE = 1e-7  # below: fine
BUG = 1e-3  # above: almost certainly a bug; in between: look closer


def relative_difference(g: np.ndarray, g_num: np.ndarray) -> float:
    """||g - g_num||_2 / (||g||_2 + ||g_num||_2), and 0 when both are zero (nothing to compare)."""
    g = np.asarray(g, dtype=np.float64)
    g_num = np.asarray(g_num, dtype=np.float64)
    denominator = np.linalg.norm(g) + np.linalg.norm(g_num)
    if denominator == 0:
        return 0.0
    return float(np.linalg.norm(g - g_num) / denominator)


def reading(difference: float) -> str:
    """The course's reading of a relative difference (nan reads as a bug)."""
    if difference < FINE:
        return "fine"
    if difference <= BUG:
        return "look closer"
    return "almost certainly a bug"


def format_report(rows: list[tuple[str, tuple[int, ...], float]]) -> str:
    """An aligned table of (input name, shape, relative difference) rows and the course's verdict
    on the worst one, in the words of its `gradient_check_n`."""
    table = [("input", "shape", "difference", "reading")]
    table += [(name, str(shape), f"{d:.2e}", reading(d)) for name, shape, d in rows]
    widths = [max(len(row[c]) for row in table) for c in range(3)]
    lines = [
        "gradcheck report, difference = ||g - g_num|| / (||g|| + ||g_num||): below 1e-7 fine, "
        "1e-7 to 1e-3 look closer, above 1e-3 almost certainly a bug"
    ]
    for row in table:
        cells = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)] + [row[3]]
        lines.append("  " + "  ".join(cells))
    # the worst input decides the verdict; nan (a broken gradient) counts as the worst
    name, _, worst = max(rows, key=lambda r: np.inf if np.isnan(r[2]) else r[2])
    verdict = reading(worst)
    if verdict == "fine":
        lines.append(f"Your backward propagation works perfectly fine! difference = {worst:.2e}")
    elif verdict == "look closer":
        lines.append(
            f"Your backward propagation is probably fine, but look closer at {name}: "
            f"difference = {worst:.2e}"
        )
    else:
        lines.append(
            f"There is a mistake in the backward propagation! difference = {worst:.2e} ({name})"
        )
    return "\n".join(lines)
