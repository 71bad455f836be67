"""Every built-in op, one family per file; `table.OPS` lists them for the tests."""

from tinygrad_edu.ops.activations import LeakyReLU, ReLU, Sigmoid, Tanh
from tinygrad_edu.ops.arithmetic import Add, Div, Maximum, Minimum, Mul, Neg, Pow, Sub
from tinygrad_edu.ops.base import Op
from tinygrad_edu.ops.cast import Cast  # noqa: F401  (internal, as ScatterAdd: see cast.py)
from tinygrad_edu.ops.loss import BCEWithLogits, BinaryCrossEntropy
from tinygrad_edu.ops.matmul import MatMul
from tinygrad_edu.ops.movement import BroadcastTo, Index, Reshape, Squeeze, Transpose
from tinygrad_edu.ops.reduce import Max, Mean, Sum
from tinygrad_edu.ops.softmax import LogSoftmax, Softmax
from tinygrad_edu.ops.unary import Abs, Exp, Log, Sqrt

__all__ = [
    "Abs",
    "Add",
    "BCEWithLogits",
    "BinaryCrossEntropy",
    "BroadcastTo",
    "Div",
    "Exp",
    "Index",
    "LeakyReLU",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "Maximum",
    "Mean",
    "Minimum",
    "Mul",
    "Neg",
    "Op",
    "Pow",
    "ReLU",
    "Reshape",
    "Sigmoid",
    "Softmax",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Sum",
    "Tanh",
    "Transpose",
]
