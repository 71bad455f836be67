"""Random training steps: Hypothesis draws a graph of 5 to 30 ops (elementwise, broadcasting
binary ops, matmul, reductions, reshape and transpose; a chain or a DAG that reuses earlier values,
some of them dead ends) on 2 to 4 parameters and one input, and the jitted step (forward, backward
of the cost, SGD) equals eager bit for bit over 3 calls, replayed from its program.

A graph is a recipe: a list of (op, operand positions, option), drawn with the shapes worked out
as it is drawn, so every op is valid; the step interprets the recipe on Tensors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.compiled._harness import World, assert_compiled, run_both
from tinygrad_edu import Tensor, optim
from tinygrad_edu.testing import arrays_in
from tinygrad_edu.testing.op_table import Domain

UNARY = {
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "neg": lambda x: -x,
    "abs": lambda x: x.abs(),
    "scale": lambda x: x * 0.5,
    "shift": lambda x: 1.0 - x,
    "exp": lambda x: (x * 0.25).exp(),
}
BINARY = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / (y * y + 1.0),
    "maximum": lambda x, y: x.maximum(y),
}
REDUCE = ("sum", "mean", "max")
AXES = (None, 0, 1)


def _fits(s: tuple, t: tuple) -> bool:
    return all(a == b or 1 in (a, b) for a, b in zip(s, t, strict=True))


@st.composite
def recipes(draw: Any) -> tuple[list, list, list]:
    """(parameter shapes, input shape, ops): each op is (name, operand positions, option)."""
    a, b = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    choices = [(a, b), (b, a), (a, 1), (1, b), (b, b)]
    params = draw(st.lists(st.sampled_from(choices), min_size=2, max_size=4))
    shapes = [*params, (a, b)]  # the input X last
    ops = []
    for _ in range(draw(st.integers(5, 30))):
        n = len(shapes)
        i = draw(st.sampled_from([n - 1, n - 1, *range(n)]))  # often the latest: long chains
        s = shapes[i]
        kind = draw(st.sampled_from(["unary", "binary", "matmul", "reduce", "reshape", "T"]))
        if kind == "unary":
            ops.append((draw(st.sampled_from(sorted(UNARY))), (i,), None))
        elif kind == "binary":
            j = draw(st.sampled_from([j for j in range(n) if _fits(s, shapes[j])]))
            ops.append((draw(st.sampled_from(sorted(BINARY))), (i, j), None))
            s = tuple(max(p, q) for p, q in zip(s, shapes[j], strict=True))
        elif kind == "matmul":
            rows = [j for j in range(n) if shapes[j][0] == s[1]]
            cols = [j for j in range(n) if shapes[j][1] == s[1]]
            if rows:
                j = draw(st.sampled_from(rows))
                ops.append(("matmul", (i, j), None))
                s = (s[0], shapes[j][1])
            else:  # i @ j.T (j = i fits)
                j = draw(st.sampled_from(cols))
                ops.append(("matmul_T", (i, j), None))
                s = (s[0], shapes[j][0])
        elif kind == "reduce":
            axis = draw(st.sampled_from(AXES))
            ops.append((draw(st.sampled_from(REDUCE)), (i,), axis))
            s = (1, 1) if axis is None else (1, s[1]) if axis == 0 else (s[0], 1)
        elif kind == "reshape":
            target = draw(st.sampled_from([(s[1], s[0]), (1, s[0] * s[1]), (s[0] * s[1], 1)]))
            ops.append(("reshape", (i,), target))
            s = target
        else:
            ops.append(("T", (i,), None))
            s = (s[1], s[0])
        shapes.append(s)
    return params, (a, b), ops


def interpret(ops: list, nodes: list, sinks: bool) -> tuple[Tensor, Tensor]:
    """Run the recipe on `nodes` (the parameters, then X); the cost is the sum of the last value,
    plus (when `sinks`) the sums of the values nothing else used (plus the first parameter's sum
    when nothing else depends on a parameter)."""
    used = set()
    for name, operands, option in ops:
        used.update(operands)
        xs = [nodes[k] for k in operands]
        if name in UNARY:
            out = UNARY[name](xs[0])
        elif name in BINARY:
            out = BINARY[name](*xs)
        elif name == "matmul":
            out = xs[0] @ xs[1]
        elif name == "matmul_T":
            out = xs[0] @ xs[1].T
        elif name in REDUCE:
            out = getattr(xs[0], name)(axis=option, keepdims=True)
        elif name == "reshape":
            out = xs[0].reshape(option)
        else:
            out = xs[0].T
        nodes.append(out)
    cost = nodes[-1].sum()
    if sinks:
        for k, node in enumerate(nodes[:-1]):
            if k not in used and node.requires_grad:
                cost = cost + node.sum()
    if not cost.requires_grad:  # the last value depends on X alone
        cost = cost + nodes[0].sum()
    return cost, nodes[-1]


def graph_world(recipe: tuple, values: list, sinks: bool) -> World:
    ops = recipe[2]
    params = [Tensor(v.copy(), requires_grad=True) for v in values[:-1]]
    X = Tensor(values[-1].copy())
    opt = optim.SGD(params, lr=0.01)

    def step(X):
        opt.zero_grad()
        cost, last = interpret(ops, [*params, X], sinks)
        cost.backward()
        opt.step()
        return cost, last

    tensors = {f"P{k}": p for k, p in enumerate(params)}
    return World(step, tensors, [(X,)], [opt])


@given(data=st.data())
def test_random_graph_step_equals_eager_and_is_replayed(data) -> None:
    """Protects lowering, the passes (folding, aliasing, dead code, buffer reuse, views) and the
    generated code on graphs no one wrote by hand: any reuse of a buffer still in use, a view of
    moved memory or a wrong gradient sum shows as a bit that differs from eager, or a fallback."""
    recipe = data.draw(recipes(), label="recipe")
    shapes = [*recipe[0], recipe[1]]
    values = [data.draw(arrays_in(Domain(-1.0, 1.0), s), label=f"value {k}") for k, s in
              enumerate(shapes)]  # fmt: skip
    sinks = data.draw(st.booleans(), label="sinks")
    run = run_both(lambda: graph_world(recipe, values, sinks))
    assert_compiled(run)
    # the inputs are not touched, and each value the step returns is a fresh array
    np.testing.assert_array_equal(run.jitted.calls[0][0]._data, values[-1])


def test_a_gradient_summed_from_three_layouts_equals_eager() -> None:
    """Hypothesis found it: v6's gradient is the sum of a broadcast view (reshape of a sum), a
    transposed view and a C-ordered array. Eager summed the last one in place into the F-ordered
    partial sum, the traced step out of place (numpy's order K: C), so the matmul that met the sum
    next rounded P3's gradient differently by one bit, and the jit fell back. Both now sum out of
    place when the layouts differ."""
    x = float.fromhex("-0x1.fffffffffffb4p-1")  # not -1: with -1 every product is exact
    recipe = (
        [(2, 3), (2, 1), (2, 1), (1, 3)],
        (2, 3),
        [
            ("reshape", (4,), (6, 1)),
            ("matmul", (5, 3), None),
            ("matmul_T", (6, 0), None),
            ("T", (7,), None),
            ("matmul_T", (0, 6), None),
            ("abs", (9,), None),
            ("reshape", (6,), (3, 6)),
            ("matmul", (1, 3), None),
        ],
    )
    values = [-np.ones(s) for s in recipe[0]] + [np.full(recipe[1], x)]
    assert_compiled(run_both(lambda: graph_world(recipe, values, True)))
