"""The op table: every differentiable op, how a user calls it, its numpy and PyTorch counterparts,
and the input domains where it is smooth.

The test suites iterate this table and take all their per-op metadata from it (the PyTorch oracle,
the fuzz families, the error tests), so an op added here is checked against numpy (forward),
central differences (first and second order) and PyTorch over generated inputs, with no new test
to write. Adding an op touches its op file, one Tensor method and one row here;
tests/ops/test_ops_table.py fails when one of the three is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from tinygrad_edu import nn, ops
from tinygrad_edu.engine.function import Function


@dataclass(frozen=True)
class Domain:
    """Where an input's values are drawn: [low, high], at least `gap` away from each point in `avoid`
    (where the op has a kink or a pole), all different when `distinct` (max: no ties).

    Attributes:
        low: the smallest value.
        high: the largest value.
        avoid: points to stay away from (relu's 0, 1/x's pole).
        gap: the distance kept from each point of `avoid`.
        distinct: draw all values of an array different.

    Examples:
        >>> from tinygrad_edu.testing import allowed_intervals
        >>> allowed_intervals(Domain(-1.0, 1.0, avoid=(0.0,), gap=0.5))
        [(-1.0, -0.5), (0.5, 1.0)]
    """

    low: float = -3.0
    high: float = 3.0
    avoid: tuple[float, ...] = ()
    gap: float = 1e-2
    distinct: bool = False


# kind -> how many tensor inputs its ops take. The kind says which arguments a test draws besides
# them (tests/support/op_cases.py draws each kind; the fuzz suite has a family per kind).
KINDS: dict[str, int] = {
    "elementwise": 1,  # nothing
    "binary": 2,  # two broadcastable inputs, either may be a Python number or a numpy array
    "matmul": 2,  # shapes that matmul accepts (1-D operands are vectors)
    "reduce": 1,  # axis (None, an int or a tuple), keepdims
    "softmax": 1,  # axis
    "reshape": 1,  # shape
    "squeeze": 1,  # None or axes of size 1, drawn with a shape that has some
    "transpose": 1,  # axes
    "broadcast_to": 1,  # shape
    "index": 1,  # an index
    "leaky_relu": 1,  # slope
    "loss": 2,  # two inputs of one shape, the second a label in [0, 1]; reduction
}


@dataclass(frozen=True)
class OpSpec:
    """One row of the table.

    - `name`: the op's name, as messages and test ids spell it.
    - `function`: the op class; `call`: how a user calls it on Tensors (or numbers, for binary);
      `reference`: the same computation in numpy, on arrays.
    - `domains`: where each tensor input's values are drawn (one Domain per input).
    - `kind`: a key of KINDS.
    - `api`: the public name that applies the op, from the package: "Tensor.exp",
      "Tensor.__add__", "nn.binary_cross_entropy". `call` goes through it (a test checks).
    - `torch`: PyTorch's counterpart, for the oracle tests: a name in the torch module ("exp",
      "nn.functional.leaky_relu"), or None when `call` itself runs on torch tensors (`a + b`,
      `a.reshape(shape)`). torch's other conventions (dim for axis, ...) are translated per kind
      by tests/contract/test_oracle_torch.py; the table itself never imports torch."""

    name: str
    function: type[Function]
    call: Callable
    reference: Callable
    domains: tuple[Domain, ...]
    kind: str
    api: str
    torch: str | None = None


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


def _np_bce_with_logits(z, y, reduction="mean"):
    # -(y log sigma(z) + (1 - y) log(1 - sigma(z))) in PyTorch's stable form: finite for any logit
    losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    return losses.mean() if reduction == "mean" else losses.sum()


def _np_bce(a, y, reduction="mean"):
    with np.errstate(divide="ignore", invalid="ignore"):  # each log clamped at -100, as PyTorch's
        log_a, log_1ma = np.maximum(np.log(a), -100.0), np.maximum(np.log(1 - a), -100.0)
    losses = -(y * log_a + (1 - y) * log_1ma)
    return losses.mean() if reduction == "mean" else losses.sum()


def _method(name: str) -> Callable:
    """`a.name(b)`, or `b.name(a)` when a is a number (max and min are symmetric)."""
    return lambda a, b: getattr(a, name)(b) if hasattr(a, name) else getattr(b, name)(a)


def _reduction(name: str) -> Callable:
    return lambda a, **kw: getattr(a, name)(**kw)


def _np_reduction(fn: Callable) -> Callable:
    return lambda a, **kw: fn(a, **kw)


# fmt: off
OPS: tuple[OpSpec, ...] = (
    OpSpec("add", ops.Add, lambda a, b: a + b, np.add, (ANY, ANY), "binary",
           api="Tensor.__add__"),
    OpSpec("sub", ops.Sub, lambda a, b: a - b, np.subtract, (ANY, ANY), "binary",
           api="Tensor.__sub__"),
    OpSpec("mul", ops.Mul, lambda a, b: a * b, np.multiply, (ANY, ANY), "binary",
           api="Tensor.__mul__"),
    OpSpec("div", ops.Div, lambda a, b: a / b, np.divide, (ANY, NONZERO), "binary",
           api="Tensor.__truediv__"),
    OpSpec("pow", ops.Pow, lambda a, b: a**b, np.power, (Domain(0.2, 3.0), Domain(-2, 2)),
           "binary", api="Tensor.__pow__"),
    OpSpec("neg", ops.Neg, lambda a: -a, np.negative, (ANY,), "elementwise",
           api="Tensor.__neg__"),
    OpSpec("maximum", ops.Maximum, _method("maximum"), np.maximum, (LOWER_HALVES, UPPER_HALVES),
           "binary", api="Tensor.maximum", torch="maximum"),
    OpSpec("minimum", ops.Minimum, _method("minimum"), np.minimum, (LOWER_HALVES, UPPER_HALVES),
           "binary", api="Tensor.minimum", torch="minimum"),
    OpSpec("matmul", ops.MatMul, lambda a, b: a @ b, np.matmul, (ANY, ANY), "matmul",
           api="Tensor.__matmul__", torch="matmul"),
    OpSpec("exp", ops.Exp, lambda a: a.exp(), np.exp, (ANY,), "elementwise",
           api="Tensor.exp", torch="exp"),
    OpSpec("log", ops.Log, lambda a: a.log(), np.log, (POSITIVE,), "elementwise",
           api="Tensor.log", torch="log"),
    OpSpec("sqrt", ops.Sqrt, lambda a: a.sqrt(), np.sqrt, (POSITIVE,), "elementwise",
           api="Tensor.sqrt", torch="sqrt"),
    OpSpec("abs", ops.Abs, lambda a: a.abs(), np.abs, (KINK_AT_0,), "elementwise",
           api="Tensor.abs", torch="abs"),
    OpSpec("sigmoid", ops.Sigmoid, lambda a: a.sigmoid(), _np_sigmoid, (ANY,), "elementwise",
           api="Tensor.sigmoid", torch="sigmoid"),
    OpSpec("tanh", ops.Tanh, lambda a: a.tanh(), np.tanh, (ANY,), "elementwise",
           api="Tensor.tanh", torch="tanh"),
    OpSpec("relu", ops.ReLU, lambda a: a.relu(), lambda a: np.maximum(a, 0), (KINK_AT_0,),
           "elementwise", api="Tensor.relu", torch="relu"),
    OpSpec("leaky_relu", ops.LeakyReLU, lambda a, slope=0.01: a.leaky_relu(slope),
           lambda a, slope=0.01: np.where(a > 0, a, slope * a), (KINK_AT_0,), "leaky_relu",
           api="Tensor.leaky_relu", torch="nn.functional.leaky_relu"),
    OpSpec("sum", ops.Sum, _reduction("sum"), _np_reduction(np.sum), (ANY,), "reduce",
           api="Tensor.sum", torch="sum"),
    OpSpec("mean", ops.Mean, _reduction("mean"), _np_reduction(np.mean), (ANY,), "reduce",
           api="Tensor.mean", torch="mean"),
    # ties share the gradient evenly, as torch.amax's (torch.max(dim) gives it all to one)
    OpSpec("max", ops.Max, _reduction("max"), _np_reduction(np.max), (Domain(distinct=True),),
           "reduce", api="Tensor.max", torch="amax"),
    OpSpec("softmax", ops.Softmax, lambda a, axis=-1: a.softmax(axis), _np_softmax, (ANY,),
           "softmax", api="Tensor.softmax", torch="softmax"),
    OpSpec("log_softmax", ops.LogSoftmax, lambda a, axis=-1: a.log_softmax(axis),
           _np_log_softmax, (ANY,), "softmax", api="Tensor.log_softmax", torch="log_softmax"),
    OpSpec("reshape", ops.Reshape, lambda a, shape: a.reshape(shape),
           lambda a, shape: np.reshape(a, shape), (ANY,), "reshape", api="Tensor.reshape"),
    OpSpec("squeeze", ops.Squeeze, lambda a, axis=None: a.squeeze(axis),
           lambda a, axis=None: np.squeeze(a, axis), (ANY,), "squeeze",
           api="Tensor.squeeze", torch="squeeze"),
    OpSpec("transpose", ops.Transpose,
           lambda a, axes=None: a.transpose(axes) if axes is not None else a.transpose(),
           lambda a, axes=None: np.transpose(a, axes), (ANY,), "transpose",
           api="Tensor.transpose", torch="permute"),
    OpSpec("broadcast_to", ops.BroadcastTo, lambda a, shape: a.broadcast_to(shape),
           lambda a, shape: np.broadcast_to(a, shape), (ANY,), "broadcast_to",
           api="Tensor.broadcast_to"),
    OpSpec("index", ops.Index, lambda a, index: a[index], lambda a, index: a[index], (ANY,),
           "index", api="Tensor.__getitem__"),
    OpSpec("binary_cross_entropy_with_logits", ops.BCEWithLogits,
           nn.binary_cross_entropy_with_logits, _np_bce_with_logits, (ANY, Domain(0.0, 1.0)),
           "loss", api="nn.binary_cross_entropy_with_logits",
           torch="nn.functional.binary_cross_entropy_with_logits"),
    OpSpec("binary_cross_entropy", ops.BinaryCrossEntropy, nn.binary_cross_entropy, _np_bce,
           (Domain(0.05, 0.95), Domain(0.0, 1.0)),  # A is a probability, away from the clamps
           "loss", api="nn.binary_cross_entropy",
           torch="nn.functional.binary_cross_entropy"),
)
# fmt: on


def rows(kind: str) -> tuple[OpSpec, ...]:
    """The rows of one kind, in table order."""
    return tuple(spec for spec in OPS if spec.kind == kind)
