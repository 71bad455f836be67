"""Write the graph drawing to files: `save_graph(J, "g.png")` writes g.dot (the DOT text, which needs
no program) and g.png (drawn by Graphviz's `dot` program, when installed)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tinygrad_edu._files import atomic_write
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.graph import has_dot, to_dot

FORMATS = ("svg", "png", "dot")


def save_graph(
    t: Tensor,
    path: str | os.PathLike,
    grads: bool = True,
    max_nodes: int = 100,
    format: str | None = None,
) -> list[Path]:
    """Write the graph's DOT text to `PATH.dot`, and its drawing to `PATH.svg` or `PATH.png` when
    Graphviz's `dot` program is installed (`has_dot()`).

    Args:
        t: the tensor to draw the graph of.
        path: the file name; a suffix .svg, .png or .dot is replaced (`g.png` writes g.dot, g.png).
        grads: show each tensor's gradient (see `draw_graph`).
        max_nodes: the most boxes and circles drawn.
        format: "svg", "png" or "dot" (the text alone); None takes the suffix of `path`, else svg.

    Returns:
        The paths written, the .dot first.

    Raises:
        ValueError: format is not one of "svg", "png", "dot"."""
    base, fmt = graph_file(path, format)
    text = to_dot(t, grads, max_nodes)  # names from the caller's variables, as draw_graph's
    written = [_write(base.with_name(base.name + ".dot"), text.encode())]
    if fmt != "dot" and has_dot():
        drawn = subprocess.run(
            ["dot", f"-T{fmt}"], input=text.encode(), capture_output=True, check=True
        )
        written.append(_write(base.with_name(f"{base.name}.{fmt}"), drawn.stdout))
    return written


def graph_file(path: str | os.PathLike, format: str | None = None) -> tuple[Path, str]:
    """`PATH` without a .svg, .png or .dot suffix, and the format: `format`, else that suffix,
    else "svg". `graph_file("g.png")` is `(Path("g"), "png")`.

    Raises:
        ValueError: format is not one of "svg", "png", "dot"."""
    base = Path(path)
    suffix = base.suffix.lstrip(".").lower()
    if suffix in FORMATS:
        base = base.with_suffix("")
    fmt = format if format is not None else suffix if suffix in FORMATS else "svg"
    if fmt not in FORMATS:
        raise ValueError(f"save_graph: format must be one of {list(FORMATS)}, got {format!r}")
    return base, fmt


def _write(path: Path, data: bytes) -> Path:
    """Write with `atomic_write`, so a half-written file never replaces a good one."""
    with atomic_write(path, parents=True) as f:
        f.write(data)
    return path
