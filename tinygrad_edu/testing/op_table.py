"""The op table: every differentiable op, how a user calls it, its numpy reference, and the input
domains where it is smooth.

The gradient tests iterate this table, so an op added here is checked against numpy (forward) and
against central differences (backward) over generated inputs, with no new test to write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tinygrad_edu import ops
from tinygrad_edu.engine.function import Function


@dataclass(frozen=True)
class Domain:
    """Where an input's values are drawn: [low, high], at least `gap` away from each point in `avoid`
    (where the op has a kink or a pole), all different when `distinct` (max: no ties)."""

    low: float = -3.0
    high: float = 3.0
    avoid: tuple[float, ...] = ()
    gap: float = 1e-2
    distinct: bool = False


@dataclass(frozen=True)
class OpSpec:
    """One row of the table.

    `kind` says which arguments a test draws besides the inputs: "elementwise" (none), "binary"
    (two broadcastable inputs, either of which may be a Python number or a numpy array), "matmul",
    "reduce" (axis, keepdims), "softmax" (axis), "reshape" (shape), "squeeze" (None or axes of
    size 1, drawn with a shape that has some), "transpose" (axes),
    "broadcast_to" (shape), "index" (an index), "leaky_relu" (slope), "loss" (two inputs of one
    shape, the second a label in [0, 1])."""

    name: str
    function: type[Function]
    call: Callable
    reference: Callable
    domains: tuple[Domain, ...]
    kind: str


ANY = Domain()
POSITIVE = Domain(0.1, 5.0)
NONZERO = Domain(-3.0, 3.0, avoid=(0.0,), gap=0.3)
KINK_AT_0 = Domain(-3.0, 3.0, avoid=(0.0,))
# max(a, b) has its kink where a = b: the two inputs draw from interleaved sets at least 0.1 apart
# (a from [k + 0.05, k + 0.45], b from [k + 0.55, k + 0.95]), so either may win and none is within
# a finite difference's step of a tie. Exact ties are drawn by `t.maximum(t)`, the same tensor twice.
LOWER_HALVES = Domain(-3.0, 3.0, avoid=tuple(k + 0.75 for k in range(-3, 3)), gap=0.3)
UPPER_HALVES = Domain(-3.0, 3.0, avoid=tuple(k + 0.25 for k in range(-3, 4)), gap=0.3)


def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_log_softmax(x, axis=-1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _method(name: str) -> Callable:
    """`a.name(b)`, or `b.name(a)` when a is a number (max and min are symmetric)."""
    return lambda a, b: getattr(a, name)(b) if hasattr(a, name) else getattr(b, name)(a)


OPS: tuple[OpSpec, ...] = (
    OpSpec("add", ops.Add, lambda a, b: a + b, np.add, (ANY, ANY), "binary"),
    OpSpec("sub", ops.Sub, lambda a, b: a - b, np.subtract, (ANY, ANY), "binary"),
    OpSpec("mul", ops.Mul, lambda a, b: a * b, np.multiply, (ANY, ANY), "binary"),
    OpSpec("div", ops.Div, lambda a, b: a / b, np.divide, (ANY, NONZERO), "binary"),
    OpSpec(
        "pow", ops.Pow, lambda a, b: a**b, np.power, (Domain(0.2, 3.0), Domain(-2, 2)), "binary"
    ),
    OpSpec("neg", ops.Neg, lambda a: -a, np.negative, (ANY,), "elementwise"),
    OpSpec(
        "maximum",
        ops.Maximum,
        _method("maximum"),
        np.maximum,
        (LOWER_HALVES, UPPER_HALVES),
        "binary",
    ),
    OpSpec(
        "minimum",
        ops.Minimum,
        _method("minimum"),
        np.minimum,
        (LOWER_HALVES, UPPER_HALVES),
        "binary",
    ),
    OpSpec("matmul", ops.MatMul, lambda a, b: a @ b, np.matmul, (ANY, ANY), "matmul"),
    OpSpec("exp", ops.Exp, lambda a: a.exp(), np.exp, (ANY,), "elementwise"),
    OpSpec("log", ops.Log, lambda a: a.log(), np.log, (POSITIVE,), "elementwise"),
    OpSpec("sqrt", ops.Sqrt, lambda a: a.sqrt(), np.sqrt, (POSITIVE,), "elementwise"),
    OpSpec("abs", ops.Abs, lambda a: a.abs(), np.abs, (KINK_AT_0,), "elementwise"),
    OpSpec("sigmoid", ops.Sigmoid, lambda a: a.sigmoid(), _np_sigmoid, (ANY,), "elementwise"),
    OpSpec("tanh", ops.Tanh, lambda a: a.tanh(), np.tanh, (ANY,), "elementwise"),
    OpSpec(
        "relu",
        ops.ReLU,
        lambda a: a.relu(),
        lambda a: np.maximum(a, 0),
        (KINK_AT_0,),
        "elementwise",
    ),
    OpSpec(
        "leaky_relu",
        ops.LeakyReLU,
        lambda a, slope=0.01: a.leaky_relu(slope),
        lambda a, slope=0.01: np.where(a > 0, a, slope * a),
        (KINK_AT_0,),
        "leaky_relu",
    ),
    OpSpec(
        "sum",
        ops.Sum,
        lambda a, **kw: a.sum(**kw),
        lambda a, **kw: np.sum(a, **kw),
        (ANY,),
        "reduce",
    ),
    OpSpec(
        "mean",
        ops.Mean,
        lambda a, **kw: a.mean(**kw),
        lambda a, **kw: np.mean(a, **kw),
        (ANY,),
        "reduce",
    ),
    OpSpec(
        "max",
        ops.Max,
        lambda a, **kw: a.max(**kw),
        lambda a, **kw: np.max(a, **kw),
        (Domain(distinct=True),),
        "reduce",
    ),
    OpSpec(
        "softmax",
        ops.Softmax,
        lambda a, axis=-1: a.softmax(axis),
        _np_softmax,
        (ANY,),
        "softmax",
    ),
    OpSpec(
        "log_softmax",
        ops.LogSoftmax,
        lambda a, axis=-1: a.log_softmax(axis),
        _np_log_softmax,
        (ANY,),
        "softmax",
    ),
    OpSpec(
        "reshape",
        ops.Reshape,
        lambda a, shape: a.reshape(shape),
        lambda a, shape: np.reshape(a, shape),
        (ANY,),
        "reshape",
    ),
    OpSpec(
        "squeeze",
        ops.Squeeze,
        lambda a, axis=None: a.squeeze(axis),
        lambda a, axis=None: np.squeeze(a, axis),
        (ANY,),
        "squeeze",
    ),
    OpSpec(
        "transpose",
        ops.Transpose,
        lambda a, axes=None: a.transpose(axes) if axes is not None else a.transpose(),
        lambda a, axes=None: np.transpose(a, axes),
        (ANY,),
        "transpose",
    ),
    OpSpec(
        "broadcast_to",
        ops.BroadcastTo,
        lambda a, shape: a.broadcast_to(shape),
        lambda a, shape: np.broadcast_to(a, shape),
        (ANY,),
        "broadcast_to",
    ),
    OpSpec(
        "index",
        ops.Index,
        lambda a, index: a[index],
        lambda a, index: a[index],
        (ANY,),
        "index",
    ),
    OpSpec(
        "binary_cross_entropy_with_logits",
        ops.BCEWithLogits,
        lambda z, y: ops.BCEWithLogits.apply(z, y),
        lambda z, y: np.mean(-(y * np.log(_np_sigmoid(z)) + (1 - y) * np.log(1 - _np_sigmoid(z)))),
        (ANY, Domain(0.0, 1.0)),
        "loss",
    ),
    OpSpec(
        "binary_cross_entropy",
        ops.BinaryCrossEntropy,
        lambda a, y: ops.BinaryCrossEntropy.apply(a, y),
        lambda a, y: np.mean(-(y * np.log(a) + (1 - y) * np.log(1 - a))),
        (Domain(0.05, 0.95), Domain(0.0, 1.0)),  # A is a probability, away from the clamps
        "loss",
    ),
)
