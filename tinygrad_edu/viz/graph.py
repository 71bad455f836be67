"""Draw the graph that produced a tensor, as the course draws J = 3(a + b*c).

Tensors are boxes (name, shape, the value when small, the gradient once backward ran) and ops are
circles (`*`, `+`, `@`, `tanh`), read from left (inputs) to right (the result)::

    from tinygrad_edu.viz import draw_graph, to_dot
    print(to_dot(J))              # DOT text: needs no program
    draw_graph(J)                 # a graphviz.Digraph: shows itself in Jupyter
    save_graph(J, "course_graph") # course_graph.dot, and course_graph.svg when `dot` is installed

`to_dot` writes the DOT text itself; `draw_graph` hands the same lines to the `graphviz` package,
which calls Graphviz's `dot` program only to render (SVG, PNG). A large graph stays readable: arrays
show their shape, not their values, and past `max_nodes` boxes and circles one box says what was
left out.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import deque
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_edu._checks import check_positive_int
from tinygrad_edu._files import atomic_write
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.formulas import op_formula
from tinygrad_edu.viz.labels import (
    SMALL,
    Namer,
    format_shape,
    format_value,
    op_symbol,
    tensors_of,
)

LEAF = "#dbeafe"  # a leaf that requires grad: what backward computes gradients for (blue)
DATA = "#eeeeee"  # a leaf that does not (data such as X, Y; constants): grey
RESULT = "#ffffff"  # an op's result
GRAPH_NAME = "computation_graph"  # the default file name when graphviz renders it


def to_dot(t: Tensor, grads: bool = True, max_nodes: int = 100) -> str:
    """The DOT text of the graph that produced `t` (see the module docstring). `grads` shows each
    tensor's `.grad` when it has one; `max_nodes` caps the boxes and circles drawn."""
    body = "".join(f"\t{line}\n" for line in _body(t, grads, max_nodes))
    return f"digraph {GRAPH_NAME} {{\n{body}}}\n"


def draw_graph(t: Tensor, grads: bool = True, max_nodes: int = 100) -> Any:
    """The graph that produced `t` as a `graphviz.Digraph` (its `.source` is `to_dot(t)`).

    Render it with `.render("name", format="svg")` or `.pipe(format="png")` (these need Graphviz's
    `dot` program); in Jupyter it shows itself."""
    try:
        import graphviz
    except ImportError as exc:
        raise ImportError(
            "draw_graph needs the graphviz package: pip install 'tinygrad_edu[viz]' "
            "(to_dot(t) gives the DOT text without it)"
        ) from exc
    return graphviz.Digraph(GRAPH_NAME, body=[f"\t{line}\n" for line in _body(t, grads, max_nodes)])


def save_graph(
    t: Tensor, path: str | os.PathLike, grads: bool = True, max_nodes: int = 100
) -> list[Path]:
    """Write `PATH.dot` always and `PATH.svg` when Graphviz's `dot` program is installed; returns
    the paths written (`has_dot()` says whether the SVG will be)."""
    base = Path(path)
    base = base.with_suffix("") if base.suffix in (".dot", ".svg") else base
    text = to_dot(t, grads, max_nodes)
    written = [_write(base.with_name(base.name + ".dot"), text.encode())]
    if has_dot():
        svg = subprocess.run(["dot", "-Tsvg"], input=text.encode(), capture_output=True, check=True)
        written.append(_write(base.with_name(base.name + ".svg"), svg.stdout))
    return written


def has_dot() -> bool:
    """True when Graphviz's `dot` program is on the PATH (apt-get install graphviz, brew install
    graphviz, or graphviz.org); without it only DOT text can be written."""
    return shutil.which("dot") is not None


# ----------------------------------------------------------------------------------------------
# The DOT statements


def _body(root: Tensor, grads: bool, max_nodes: int) -> list[str]:
    """The DOT statements: tensors breadth-first from `root` (what is near the result is drawn
    first), each with the op that made it and edges from that op's operands."""
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(root).__name__}")
    check_positive_int("draw_graph", "max_nodes", max_nodes)
    name = Namer(root)
    lines = [
        "rankdir=LR",  # inputs on the left, the result on the right, as the course draws it
        'node [fontname="Helvetica" fontsize=11]',
        'edge [color="#555555"]',
    ]
    box = {id(root): "t1"}  # DOT ids in the order met: the text is the same on every run
    ops = 0
    queue = deque([root])
    cut: set[str] = set()  # the nodes whose inputs were left out
    while queue:
        t = queue.popleft()
        lines.append(_tensor_node(box[id(t)], t, name(t), grads))
        ctx = t._ctx
        if ctx is None:
            continue
        if len(box) + ops >= max_nodes:  # no room for the op circle
            cut.add(box[id(t)])
            continue
        ops += 1
        op_id = f"op{ops}"
        lines.append(_op_node(op_id, ctx))
        lines.append(f"{op_id} -> {box[id(t)]}")
        for i, p in enumerate(ctx.parents):
            if not isinstance(p, Tensor):  # a constant operand (the 3 of 3 * v): a small grey box
                const = f"{op_id}_{i}"
                lines.append(
                    f'{const} [label={_quote(name(p))} shape=box style="filled" fillcolor="{DATA}"]'
                )
                lines.append(f"{const} -> {op_id}")
                continue
            if id(p) not in box:
                if len(box) + ops >= max_nodes:
                    cut.add(op_id)
                    continue
                box[id(p)] = f"t{len(box) + 1}"
                queue.append(p)
            lines.append(f"{box[id(p)]} -> {op_id}")
    if cut:
        left_out = sum(1 for t in tensors_of(root) if id(t) not in box)
        lines.append(
            f'more [label="... {left_out} more tensors not shown\\n(max_nodes={max_nodes})" '
            'shape=note style="filled" fillcolor="#fff7d6"]'
        )
        lines.extend(f"more -> {target}" for target in sorted(cut))
    return lines


def _tensor_node(node_id: str, t: Tensor, label: str, grads: bool) -> str:
    """A box: `a = 5` for a number; the name and the shape (and the values, when few) for an
    array; then the gradient when backward left one."""
    if t.size == 1 and t.ndim <= 1:
        rows = [f"{label} = {format_value(t.data)}"]
    else:
        rows = [label, f"shape {format_shape(t.shape)}"]
        if t.size <= SMALL:
            rows.append(format_value(t.data))
    if t.dtype != np.float64:
        rows.append(str(t.dtype))
    if grads and t.grad is not None:
        g = t.grad.data
        rows.append(
            f"grad = {format_value(g)}"
            if g.size <= SMALL
            else f"grad shape {format_shape(g.shape)}"
        )
    fill = RESULT if t._ctx is not None else LEAF if t.requires_grad else DATA
    text = "\\n".join(_escape(r) for r in rows)
    return f'{node_id} [label="{text}" shape=box style="rounded,filled" fillcolor="{fill}"]'


def _op_node(op_id: str, ctx: Any) -> str:
    forward, gradient = op_formula(type(ctx))
    tip = f"{type(ctx).__name__}: {forward}.  {gradient}" if forward else type(ctx).__name__
    symbol = op_symbol(ctx)
    shape = "circle" if len(symbol) <= 2 else "ellipse"
    return (
        f"{op_id} [label={_quote(symbol)} tooltip={_quote(tip)} shape={shape} "
        'style="filled" fillcolor="#fde68a" fontsize=12]'
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _quote(text: str) -> str:
    return f'"{_escape(text)}"'


def _write(path: Path, data: bytes) -> Path:
    """Write with `atomic_write`, so a half-written file never replaces a good one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(path) as f:
        f.write(data)
    return path
