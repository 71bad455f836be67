"""numpy's own functions on Tensors, each paired with the row of the op table it must dispatch to:
`np.exp(t)` is `t.exp()`, `np.add(2.0, t)` is `2.0 + t`, `np.sum(t, axis=1)` is `t.sum(axis=1)`.

The inputs come from that row's strategy (`op_cases.cases`), so every numpy function is drawn
exactly as its op is. Shared by tests/ops/test_numpy_protocol.py and the PyTorch oracle.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# numpy function name -> (op table row, the numpy call with the row's signature)
NUMPY_FUNCTIONS: dict[str, tuple[str, Callable[..., Any]]] = {
    "exp": ("exp", np.exp),
    "log": ("log", np.log),
    "tanh": ("tanh", np.tanh),
    "sqrt": ("sqrt", np.sqrt),
    "abs": ("abs", np.abs),
    "negative": ("neg", np.negative),
    "square": ("pow", None),  # np.square(a) is a ** 2: drawn from pow's base, see SQUARE
    "power": ("pow", np.power),
    "maximum": ("maximum", np.maximum),
    "minimum": ("minimum", np.minimum),
    "add": ("add", np.add),
    "subtract": ("sub", np.subtract),
    "multiply": ("mul", np.multiply),
    "divide": ("div", np.divide),
    "matmul": ("matmul", np.matmul),
    "dot": ("matmul", np.dot),  # 1-D and 2-D only: np.dot is not matmul beyond
    "sum": ("sum", lambda a, **kw: np.sum(a, **kw)),
    "mean": ("mean", lambda a, **kw: np.mean(a, **kw)),
    "max": ("max", lambda a, **kw: np.max(a, **kw)),
    "reshape": ("reshape", lambda a, shape: np.reshape(a, shape)),
    "transpose": ("transpose", lambda a, axes=None: np.transpose(a, axes)),
    "squeeze": ("squeeze", lambda a, axis=None: np.squeeze(a, axis)),
}


def square(a: Any, b: Any) -> Any:
    """np.square of the base of a pow case (the exponent drawn for pow is ignored)."""
    return np.square(a)


def square_reference(a: Any, b: Any) -> Any:
    return a**2
