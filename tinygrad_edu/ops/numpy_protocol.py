"""numpy's own functions on Tensors (NEP 13 `__array_ufunc__`, NEP 18 `__array_function__`).

The course writes its models in numpy: `Z = np.dot(W, A) + b`, `A = 1 / (1 + np.exp(-Z))`,
`np.maximum(0, Z)`, `db = np.sum(dZ, axis=1, keepdims=True)`. When one of the arguments is a Tensor,
numpy hands the call to the Tensor (these two protocols), and this module sends it to the matching
Tensor method, so the course's code records the graph and differentiates as written:

    >>> import numpy as np
    >>> from tinygrad_edu import Tensor
    >>> W = Tensor([[0.0, 0.0]], requires_grad=True)
    >>> Z = np.dot(W, np.array([[3.0], [4.0]]))
    >>> np.tanh(Z).sum().backward()  # tanh'(0) = 1, so dW = X^T
    >>> W.grad
    Tensor([[3., 4.]])

A numpy function with no gradient here, called on a tensor that requires grad, would silently cut
the graph (its result is a plain array): it raises TypeError naming the function and the way out.
On tensors without grad (or inside `no_grad()`), numpy just computes, on the arrays.

This module never imports Tensor: it is handed the class by the Tensor that numpy called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.engine.grad_mode import is_grad_enabled

# ufunc -> (Tensor method for `ufunc(tensor, x)`, method for `ufunc(x, tensor)`)
BINARY_UFUNCS: dict[Any, tuple[str, str]] = {
    np.add: ("__add__", "__radd__"),
    np.subtract: ("__sub__", "__rsub__"),
    np.multiply: ("__mul__", "__rmul__"),
    np.divide: ("__truediv__", "__rtruediv__"),
    np.power: ("__pow__", "__rpow__"),
    np.matmul: ("__matmul__", "__rmatmul__"),
    np.maximum: ("maximum", "maximum"),  # max(a, b) = max(b, a), ties split alike
    np.minimum: ("minimum", "minimum"),
    # comparisons: bool tensors with no history, as the operators give
    np.less: ("__lt__", "__gt__"),
    np.less_equal: ("__le__", "__ge__"),
    np.greater: ("__gt__", "__lt__"),
    np.greater_equal: ("__ge__", "__le__"),
    np.equal: ("__eq__", "__eq__"),
    np.not_equal: ("__ne__", "__ne__"),
}
UNARY_UFUNCS: dict[Any, Callable[[Any], Any]] = {
    np.exp: lambda t: t.exp(),
    np.log: lambda t: t.log(),
    np.tanh: lambda t: t.tanh(),
    np.sqrt: lambda t: t.sqrt(),
    np.absolute: lambda t: t.abs(),
    np.negative: lambda t: -t,
    np.positive: lambda t: t,
    np.square: lambda t: t**2,
    np.sign: lambda t: t.sign(),
}
# ufuncs whose result is a yes/no per element: computed on the arrays, gradient or not
NO_VALUE_UFUNCS = {np.isfinite, np.isnan, np.isinf, np.signbit}
# ufunc.reduce on a tensor: np.add.reduce(t, axis) is t.sum(axis)
REDUCTIONS: dict[Any, str] = {np.add: "sum", np.maximum: "max"}

# What to write instead, for the numpy functions people reach for most.
HINTS = {
    "clip": "t.maximum(low).minimum(high)",
    "where": "mask * a + (1 - mask) * b, with mask = (condition).astype(a.dtype)",
    "log1p": "(1 + t).log()",
    "expm1": "t.exp() - 1",
    "cos": "a Function of your own (docs/05_your_own_op.md)",
    "sin": "a Function of your own (docs/05_your_own_op.md)",
}


def _requires_grad(values: Any, tensor_type: type) -> bool:
    """Some Tensor among `values` (or inside a list or tuple of them) records a gradient."""
    return is_grad_enabled() and any(_needs(v, tensor_type) for v in values)


def _needs(value: Any, tensor_type: Any) -> bool:
    if isinstance(value, tensor_type):
        return value.requires_grad
    if isinstance(value, (list, tuple)):  # np.concatenate([t, u]), np.stack((t, u))
        return any(_needs(v, tensor_type) for v in value)
    return False


def _no_gradient(name: str) -> TypeError:
    hint = HINTS.get(name)
    instead = f"write {hint}" if hint else "use the Tensor method of the same name if there is one"
    return TypeError(
        f"np.{name} has no gradient in tinygrad_edu: on a tensor that requires grad its result "
        f"would be a plain array, silently cut from the graph. Instead {instead}, or call "
        f"np.{name}(t.detach()) to compute the values without a gradient"
    )


def _arrays(values: Any, tensor_type: Any) -> Any:
    """The arguments with every Tensor (also inside a list or tuple) replaced by its array."""
    if isinstance(values, tensor_type):
        return values.data
    if isinstance(values, (list, tuple)):
        return type(values)(_arrays(v, tensor_type) for v in values)
    return values


def array_ufunc(
    tensor_type: type, ufunc: Any, method: str, inputs: tuple, kwargs: dict[str, Any]
) -> Any:
    """`Tensor.__array_ufunc__`: a numpy ufunc called with a Tensor among its arguments."""
    out = kwargs.get("out")
    plain = method == "__call__" and not (set(kwargs) - {"out"}) and out is None
    if plain and len(inputs) == 2 and ufunc in BINARY_UFUNCS:
        a, b = inputs
        forward, reflected = BINARY_UFUNCS[ufunc]
        if isinstance(a, tensor_type):
            return getattr(a, forward)(b)
        return getattr(b, reflected)(a)
    if plain and len(inputs) == 1 and ufunc in UNARY_UFUNCS:
        return UNARY_UFUNCS[ufunc](inputs[0])
    if method == "reduce" and ufunc in REDUCTIONS and isinstance(inputs[0], tensor_type):
        extra = set(kwargs) - {"axis", "keepdims"}
        if not extra:
            reduce = getattr(inputs[0], REDUCTIONS[ufunc])
            return reduce(axis=kwargs.get("axis", 0), keepdims=kwargs.get("keepdims", False))
    name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
    if out is not None and any(isinstance(o, tensor_type) for o in out):
        raise TypeError(
            f"np.{name}(..., out=tensor): numpy cannot write into a Tensor; use the in-place "
            "operators (t += x, t -= x, t *= x, t /= x)"
        )
    if _requires_grad(inputs, tensor_type) and ufunc not in NO_VALUE_UFUNCS:
        if out is not None:  # `array += tensor`: the gradient would be lost in the array
            raise TypeError(
                f"np.{name}: writing a result that needs a gradient into a numpy array (out=, "
                "or `array += tensor`) would lose the gradient; write `result = array + tensor`"
            )
        raise _no_gradient(name)
    return getattr(ufunc, method)(*_arrays(inputs, tensor_type), **kwargs)


def _dot(a: Any, b: Any) -> Any:
    if np.ndim(a) == 0 or np.ndim(b) == 0:
        return a * b
    if np.ndim(a) > 2 or np.ndim(b) > 2:
        raise TypeError(
            f"np.dot of arrays with more than 2 axes (shapes {np.shape(a)} and {np.shape(b)}) "
            "is not matmul; use `a @ b` (numpy's matmul rules) on tensors"
        )
    return a @ b


def _reshape(a: Any, *args: Any, **kwargs: Any) -> Any:
    # np.reshape(a, shape) or np.reshape(a, shape=...) (numpy >= 2.1; `newshape` before it)
    shape = kwargs.pop("shape", kwargs.pop("newshape", args[0] if args else None))
    if kwargs.pop("order", "C") != "C" or kwargs or len(args) > 1 or shape is None:
        _unsupported("reshape", "order, copy or a missing shape")
    return a.reshape(shape)


def _reduction(method: str) -> Callable[..., Any]:
    def reduce(a: Any, axis: Any = None, *args: Any, keepdims: Any = False, **kwargs: Any) -> Any:
        if args or kwargs:
            _unsupported(method, ", ".join(kwargs) or "positional dtype/out")
        return getattr(a, method)(axis=axis, keepdims=keepdims is True)  # not numpy's _NoValue

    return reduce


def _unsupported(name: str, what: str) -> None:
    raise TypeError(f"np.{name} on a tensor: {what} is not supported; call the Tensor method")


FUNCTIONS: dict[Any, Callable[..., Any]] = {
    np.dot: _dot,
    np.sum: _reduction("sum"),
    np.mean: _reduction("mean"),
    np.max: _reduction("max"),
    np.amax: _reduction("max"),
    np.reshape: _reshape,
    np.transpose: lambda a, axes=None: a.transpose(axes) if axes is not None else a.transpose(),
    np.squeeze: lambda a, axis=None: a.squeeze(axis),
}
# Functions whose result carries no values to compute with further (a shape, a yes/no, an index,
# an array of zeros of the same shape): numpy computes them on the arrays, gradient or not.
NO_VALUES = {
    np.shape,
    np.ndim,
    np.size,
    np.allclose,
    np.isclose,
    np.array_equal,
    np.array_equiv,
    np.argmax,
    np.argmin,
    np.all,
    np.any,
    np.count_nonzero,
    np.zeros_like,
    np.ones_like,
    np.empty_like,
    np.array2string,
    np.array_repr,
    np.array_str,
    np.result_type,
    np.iscomplexobj,
    np.isrealobj,
}


def array_function(tensor_type: type, func: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    """`Tensor.__array_function__`: a numpy function called with a Tensor among its arguments."""
    handler = FUNCTIONS.get(func)
    if handler is not None and isinstance(args[0] if args else None, tensor_type):
        return handler(*args, **kwargs)
    if handler is not None and func is np.dot and len(args) == 2 and not kwargs:
        return handler(*args)  # np.dot(array, tensor)
    if func not in NO_VALUES and _requires_grad((*args, *kwargs.values()), tensor_type):
        raise _no_gradient(func.__name__)
    return func(*_arrays(args, tensor_type), **_arrays_in(kwargs, tensor_type))


def _arrays_in(kwargs: dict[str, Any], tensor_type: type) -> dict[str, Any]:
    return {k: _arrays(v, tensor_type) for k, v in kwargs.items()}


def numpy_view(t: Any) -> np.ndarray:
    """`t.numpy()`: the values as a numpy array sharing memory with the tensor (as in PyTorch).

    For a tensor that requires grad the array is read-only: a write into it would change what
    backward computes without any record. Write through `.data` (which counts the change), or take
    `.detach().numpy()` or `.numpy().copy()`."""
    if t.requires_grad:
        view = t._data.view()
        view.flags.writeable = False
        return view
    return t._data


def as_array(t: Any, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
    """`np.asarray(t)` and `np.array(t)` (numpy's `__array__`): the values, as `t.numpy()` gives
    them unless a copy or another dtype is asked for."""
    if copy:
        return np.array(t._data, dtype=dtype, copy=True)
    if dtype is not None and np.dtype(dtype) != t._data.dtype:
        if copy is False:
            raise ValueError(f"Tensor: a {dtype} array of this {t.dtype} tensor needs a copy")
        return t._data.astype(dtype)
    return numpy_view(t)
