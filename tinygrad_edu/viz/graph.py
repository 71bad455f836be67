"""Draw the graph that produced a tensor, as the course draws J = 3(a + b*c).

Tensors are boxes (name, shape, the value when small, the gradient) and ops are circles (`*`, `+`,
`@`, `tanh`), read from left (inputs) to right (the result)::

    from tinygrad_edu.viz import draw_graph, to_dot
    draw_graph(J)                 # in Jupyter: the drawing (SVG), or the DOT text without `dot`
    print(to_dot(J))              # DOT text: needs no program
    save_graph(J, "course_graph") # course_graph.dot, and course_graph.svg when `dot` is installed

Names: a tensor's `name`, else the variable holding it in the calling code (`X`, `Y`, `A1`), else
the short expression that made it (`W1 @ X`), else `t1`, `t2`, ... (labels.py). The root is named
the same way: `draw_graph(cost)` calls it "cost".

Gradients (`grads=True`): for a one-element root J whose graph is still there (before
`J.backward()`, or after `J.backward(retain_graph=True)`), every box shows dJ/d(tensor), computed
for the drawing with `autograd.grad`: `.grad` is not touched and a later `J.backward()` works as
before. Once `J.backward()` has freed the graph, a box shows the `.grad` that backward left (the
leaves, and the tensors that called `retain_grad()`), and a note says how to see the others.

`to_dot` writes the DOT text itself; `graphviz` calls Graphviz's `dot` program only to render. A
large graph stays readable: arrays show their shape, and past `max_nodes` one box says what is left.
"""

from __future__ import annotations

import shutil
from collections import deque
from typing import Any

import numpy as np

from tinygrad_edu._checks import check_positive_int
from tinygrad_edu.autograd.functional import grad as autograd_grad
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.viz.formulas import op_formula
from tinygrad_edu.viz.labels import (
    SMALL,
    Namer,
    caller_names,
    format_shape,
    format_value,
    op_symbol,
    tensors_of,
)

LEAF = "#dbeafe"  # a leaf that requires grad: what backward computes gradients for (blue)
DATA = "#eeeeee"  # a leaf that does not (data such as X, Y; constants): grey
RESULT = "#ffffff"  # an op's result
GRAPH_NAME = "computation_graph"  # the default file name when graphviz renders it
INSTALL_DOT = (
    "Graphviz's `dot` program is not installed, so this is the graph's DOT text: install it to "
    "see the drawing (apt-get install graphviz, brew install graphviz, conda install graphviz, "
    "or graphviz.org/download), or paste the text into an online Graphviz viewer"
)


def to_dot(t: Tensor, grads: bool = True, max_nodes: int = 100) -> str:
    """The DOT text of the graph that produced `t` (names and gradients: see the module docstring).

    Args:
        t: the tensor to draw the graph of (the cost J).
        grads: show each tensor's gradient.
        max_nodes: the most boxes and circles drawn, an int >= 1.

    Returns:
        The DOT text, the same on every run.

    Raises:
        TypeError: t is not a Tensor.
        ValueError: max_nodes is not a whole number >= 1."""
    return _dot(_body(t, grads, max_nodes, caller_names()))


def draw_graph(t: Tensor, grads: bool = True, max_nodes: int = 100) -> Any:
    """The graph that produced `t`, to show in Jupyter (the last line of a cell) or to render.

    With the `graphviz` package and Graphviz's `dot` program: a `graphviz.Digraph` (its `.source` is
    `to_dot(t)`), which Jupyter shows as SVG; render it with `.render("name", format="png")` or
    `.pipe(format="svg")`. Without either: a `GraphText`, whose display (and `repr`) is one line
    saying how to install `dot`, then the DOT text (its `.source`); nothing raises.

    Args:
        t: the tensor to draw the graph of (the cost J).
        grads: show each tensor's gradient: dJ/d(tensor) on every box, also before backward (see
            the module docstring).
        max_nodes: the most boxes and circles drawn, an int >= 1.

    Returns:
        A `graphviz.Digraph`, or a `GraphText` without graphviz or `dot`.

    Raises:
        TypeError: t is not a Tensor.
        ValueError: max_nodes is not a whole number >= 1."""
    lines = _body(t, grads, max_nodes, caller_names())
    try:
        import graphviz
    except ImportError:
        graphviz = None
    if graphviz is None or not has_dot():  # a Digraph would raise ExecutableNotFound on display
        return GraphText(_dot(lines))
    return graphviz.Digraph(GRAPH_NAME, body=[f"\t{line}\n" for line in lines])


class GraphText:
    """The DOT text of a graph, shown when Graphviz's `dot` cannot draw it: `repr` (what Jupyter
    and the Python prompt show) is one line on installing `dot`, then the text; `str` and
    `.source` are the DOT text alone, as `graphviz.Digraph.source`.

    Args:
        source: The graph in Graphviz's DOT language."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        return f"{INSTALL_DOT}\n\n{self.source}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython's display
        printer.text(repr(self))


def has_dot() -> bool:
    """Whether Graphviz's `dot` program is on the PATH (apt-get install graphviz, brew install
    graphviz, or graphviz.org); without it only DOT text can be written.

    Returns:
        True when `dot` can draw SVG and PNG files."""
    return shutil.which("dot") is not None


# ----------------------------------------------------------------------------------------------
# The DOT statements


def _dot(lines: list[str]) -> str:
    body = "".join(f"\t{line}\n" for line in lines)
    return f"digraph {GRAPH_NAME} {{\n{body}}}\n"


def _gradients(root: Tensor) -> tuple[dict[int, np.ndarray], bool]:
    """The gradient to draw on each tensor (by id), and whether backward freed some of them.

    For a one-element root whose graph is still there: dJ/d(tensor) for every tensor that requires
    grad, by `autograd.grad` (retain_graph=True: `.grad` untouched, the graph kept for the user's
    own backward). Otherwise, or once backward freed the saved values: the `.grad` it left."""
    nodes = [t for t in tensors_of(root) if t.requires_grad]
    left = {id(t): t.grad.data for t in nodes if t.grad is not None}
    if root.size != 1 or not root.requires_grad:
        return left, False
    try:
        found = autograd_grad(root, nodes, retain_graph=True, allow_unused=True)
    except RuntimeError as exc:
        if "freed" not in str(exc):
            raise
        return left, len(left) < len(nodes)  # the saved values went with backward
    return {id(t): g.data for t, g in zip(nodes, found, strict=True) if g is not None}, False


def _body(root: Tensor, grads: bool, max_nodes: int, names: dict[int, str]) -> list[str]:
    """The DOT statements: tensors breadth-first from `root` (what is near the result is drawn
    first), each with the op that made it and edges from that op's operands."""
    if not isinstance(root, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(root).__name__}")
    check_positive_int("draw_graph", "max_nodes", max_nodes)
    name = Namer(root, root_name=None, names=names)
    gradient, freed = _gradients(root) if grads else ({}, False)
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
        lines.append(_tensor_node(box[id(t)], t, name(t), gradient.get(id(t))))
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
    if freed:
        J = name(root)
        text = (
            f"backward freed the gradients of the results: draw_graph({J}) before {J}.backward()"
            f"\n(or after {J}.backward(retain_graph=True)) shows them all"
        )
        lines.append(f'freed [label={_quote(text)} shape=note style="filled" fillcolor="#fff7d6"]')
    return lines


def _tensor_node(node_id: str, t: Tensor, label: str, g: np.ndarray | None) -> str:
    """A box: `a = 5` for a number; the name and the shape (and the values, when few) for an
    array; then its gradient `g`, if any."""
    if t.size == 1 and t.ndim <= 1:
        rows = [f"{label} = {format_value(t.data)}"]
    else:
        rows = [label, f"shape {format_shape(t.shape)}"]
        if t.size <= SMALL:
            rows.append(format_value(t.data))
    if t.dtype != np.float64:
        rows.append(str(t.dtype))
    if g is not None:
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
