"""`Tensor`: an array that remembers the op that made it, so backward can walk back through it.

This file holds storage, attributes and the operator overloads; every piece of math is an op in `ops/`
(a `Function` with its forward and gradient side by side).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_edu import autograd

_SCALARS = (int, float, bool)


class Tensor:
    """An n-dimensional array (float64 by default) that records the computation graph.

    >>> a = Tensor(5.0, requires_grad=True)
    >>> b = Tensor(3.0, requires_grad=True)
    >>> c = Tensor(2.0, requires_grad=True)
    >>> J = 3 * (a + b * c)
    >>> J.backward()
    >>> J.item(), a.grad.item(), b.grad.item(), c.grad.item()
    (33.0, 3.0, 6.0, 9.0)

    `data` is a number, a (nested) list, a numpy array or another Tensor; the tensor keeps its own copy.
    Integers and bools become float64; float arrays keep their dtype (as in PyTorch) unless `dtype`
    says otherwise.
    """

    __slots__ = ("__weakref__", "_ctx", "_retains_grad", "data", "grad", "name", "requires_grad")

    # numpy must not treat a Tensor as an array inside `ndarray + Tensor` (it would build an object
    # array element by element); with this, Python calls Tensor.__radd__ instead.
    __array_ufunc__ = None
    # Defining __eq__ (elementwise, as numpy) would remove hashing; tensors hash by identity.
    __hash__ = object.__hash__

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        self.data = _to_array(data, dtype)
        self.grad: Tensor | None = None
        self.requires_grad = False
        self._ctx = None
        self._retains_grad = False
        self.name = name
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """The internal constructor: wraps an array the engine made, without a copy."""
        t = object.__new__(cls)
        t.data = array
        t.grad = None
        t.requires_grad = False
        t._ctx = None
        t._retains_grad = False
        t.name = None
        return t

    # ------------------------------------------------------------------------------------------
    # Constructors

    @staticmethod
    def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A tensor of zeros: `Tensor.zeros(2, 3)` or `Tensor.zeros((2, 3))`."""
        return Tensor(np.zeros(_shape_arg("zeros", shape)), requires_grad, dtype)

    @staticmethod
    def ones(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A tensor of ones: `Tensor.ones(2, 3)` or `Tensor.ones((2, 3))`."""
        return Tensor(np.ones(_shape_arg("ones", shape)), requires_grad, dtype)

    @staticmethod
    def randn(
        *shape: Any,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        requires_grad: bool = False,
        dtype: Any = None,
    ) -> Tensor:
        """Standard normal values; the same `seed` gives the same numbers, or pass a
        `numpy.random.Generator` as `rng`."""
        if seed is not None and rng is not None:
            raise ValueError("randn: pass seed or rng, not both")
        if rng is None:
            rng = np.random.default_rng(seed)
        elif not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"randn: rng must be a numpy.random.Generator, got {type(rng).__name__}"
            )
        return Tensor(rng.standard_normal(_shape_arg("randn", shape)), requires_grad, dtype)

    # ------------------------------------------------------------------------------------------
    # Attributes and conversions

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for tensors the user made (and results made with no grad); False for op results
        that recorded their history."""
        return self._ctx is None

    @property
    def grad_fn(self) -> autograd.Function | None:
        """The op that made this tensor (None for a leaf)."""
        return self._ctx

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed), as numpy's `.T`."""
        return self.transpose()

    def numpy(self) -> np.ndarray:
        """The values as a numpy array (shares memory with the tensor, as in PyTorch)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if dtype is not None and np.dtype(dtype) != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item(): only a tensor with one element can be converted to a Python number; "
                f"this one has shape {self.shape} ({self.size} elements)"
            )
        return self.data.reshape(-1)[0].item()

    def __float__(self) -> float:
        return float(self.item())

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor (it has no first axis)")
        return len(self.data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use (t > 0).numpy().all() or .any()"
            )
        return bool(self.data.reshape(-1)[0])

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = []
        if self.data.dtype != np.float64:
            extras.append(f"dtype={self.data.dtype}")
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self._ctx is not None:
            extras.append(f"grad_fn=<{type(self._ctx).__name__}>")
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    # ------------------------------------------------------------------------------------------
    # Autograd

    def backward(
        self, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Compute dself/dx for every leaf x that requires grad, adding it into `x.grad`.

        For a tensor of one element (the cost J) `grad` defaults to 1 (dJ/dJ). For any other output
        pass `grad`, the gradient of some scalar with respect to this tensor (same shape).
        The saved values of the graph are freed afterwards unless `retain_graph=True`.

        With `create_graph=True` the gradients are Tensors with their own history, so `x.grad` can
        be differentiated again (for y = x**3, x.grad is 3x^2, whose gradient is 6x); `retain_graph`
        then defaults to True."""
        if retain_graph is None:
            retain_graph = create_graph
        if not self.requires_grad:
            raise RuntimeError(
                "backward: this tensor does not require grad and has no history to backpropagate "
                "through; create the inputs with requires_grad=True (and not inside no_grad())"
            )
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward: grad can be omitted only for an output with one element (a scalar "
                    f"cost); this output has shape {self.shape}. Reduce it first (e.g. .sum()) or "
                    f"pass backward(grad) with an array of shape {self.shape}"
                )
            g = np.ones_like(self.data)
        else:
            try:
                g = _to_array(grad.data if isinstance(grad, Tensor) else grad, self.data.dtype)
            except (TypeError, ValueError) as exc:
                raise type(exc)(
                    f"backward: grad must be real numbers of the output's shape {self.shape} "
                    f"({exc})"
                ) from None
            if g.shape != self.shape:
                raise ValueError(
                    f"backward: grad has shape {g.shape} but the output has shape {self.shape}; "
                    "they must match"
                )
        if create_graph and isinstance(grad, Tensor):
            g = grad  # its own history takes part in the graph of the gradients
        autograd.run_backward(self, g, retain_graph=retain_graph, create_graph=create_graph)

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor too after backward (leaves always get it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        if self._ctx is not None:
            self._retains_grad = True

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Switch gradient tracking of a leaf on or off, in place; returns the tensor."""
        if self._ctx is not None and not requires_grad:
            raise RuntimeError(
                "requires_grad_: only a leaf's flag can be switched off; use .detach() to get a "
                "tensor without history"
            )
        if requires_grad and self.data.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad_: only floating point tensors can require grad, this one is "
                f"{self.data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same values (shared memory) without history, requires_grad=False."""
        return Tensor._wrap(self.data)

    # ------------------------------------------------------------------------------------------
    # Arithmetic: each calls an op from ops/arithmetic.py

    def _operand(self, other: Any) -> Any:
        """`other` as an op argument: Tensors as they are; Python numbers as they are (numpy keeps
        the tensor's dtype for them); arrays and lists copied in the tensor's dtype."""
        if isinstance(other, Tensor):
            return other
        if type(other) in _SCALARS:
            return other
        dtype = self.data.dtype if self.data.dtype.kind == "f" else np.float64
        try:
            arr = np.array(other)
        except (TypeError, ValueError):
            return NotImplemented
        if arr.dtype.kind not in "biuf":  # None would become nan, a string an error deep in numpy
            return NotImplemented
        return arr.astype(dtype, copy=False)

    def _binary(self, op: type, other: Any, reflected: bool = False) -> Tensor:
        if not (isinstance(other, Tensor) or type(other) in _SCALARS):
            operand = self._operand(other)
            if operand is NotImplemented:
                # Python would try the other operand's reflected method next: an ndarray's fails
                # with a message about ufuncs, and after a reflected call nobody is left. Say here
                # what is wrong, naming the op.
                if reflected or isinstance(other, np.ndarray):
                    raise _not_numbers(f"{op.name} ({op.symbol})", other)
                return NotImplemented
            other = operand
        return op.apply(other, self) if reflected else op.apply(self, other)

    def __add__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Add, self, other)
        return self._binary(_ops.Add, other)

    def __radd__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Add, other, self)
        return self._binary(_ops.Add, other, True)

    def __sub__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Sub, self, other)
        return self._binary(_ops.Sub, other)

    def __rsub__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Sub, other, self)
        return self._binary(_ops.Sub, other, True)

    def __mul__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Mul, self, other)
        return self._binary(_ops.Mul, other)

    def __rmul__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Mul, other, self)
        return self._binary(_ops.Mul, other, True)

    def __truediv__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Div, self, other)
        return self._binary(_ops.Div, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Div, other, self)
        return self._binary(_ops.Div, other, True)

    def __pow__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Pow, self, other)
        return self._binary(_ops.Pow, other)

    def __rpow__(self, other: Any) -> Tensor:
        if type(other) in _DIRECT:
            return autograd.apply2(_ops.Pow, other, self)
        return self._binary(_ops.Pow, other, True)

    def __matmul__(self, other: Any) -> Tensor:
        if type(other) is Tensor:
            return autograd.apply2(_ops.MatMul, self, other)
        return self._binary(_ops.MatMul, _as_matmul_operand(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._binary(_ops.MatMul, _as_matmul_operand(other), True)

    def __neg__(self) -> Tensor:
        return autograd.apply1(_ops.Neg, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return autograd.apply1(_ops.Abs, self)

    # Comparisons give bool tensors with no history (a mask, not something to differentiate).
    def _compare(self, other: Any, op: str, fn: Any) -> Tensor:
        other = self._operand(other)
        if other is NotImplemented:
            return NotImplemented
        b = other.data if isinstance(other, Tensor) else other
        if isinstance(b, np.ndarray) and b.shape != self.data.shape:
            from tinygrad_edu.broadcast import check_broadcast

            check_broadcast(op, self.data.shape, b.shape)
        try:
            out = fn(self.data, b)
        except OverflowError:  # a Python int beyond float64, e.g. 10**400
            raise ValueError(f"{op}: {b!r:.40} is too large to compare with a float") from None
        return Tensor._wrap(np.asarray(out))

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, "<", np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, "<=", np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, ">", np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, ">=", np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, "==", np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, "!=", np.not_equal)

    # ------------------------------------------------------------------------------------------
    # Elementwise functions (ops/unary.py, ops/activations.py)

    def exp(self) -> Tensor:
        return autograd.apply1(_ops.Exp, self)

    def log(self) -> Tensor:
        return autograd.apply1(_ops.Log, self)

    def sqrt(self) -> Tensor:
        return autograd.apply1(_ops.Sqrt, self)

    def abs(self) -> Tensor:
        return autograd.apply1(_ops.Abs, self)

    def sigmoid(self) -> Tensor:
        return autograd.apply1(_ops.Sigmoid, self)

    def tanh(self) -> Tensor:
        return autograd.apply1(_ops.Tanh, self)

    def relu(self) -> Tensor:
        return autograd.apply1(_ops.ReLU, self)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        return _ops.LeakyReLU.apply(self, slope=slope)

    def sign(self) -> Tensor:
        """-1, 0 or 1 per element, with no history (its gradient is 0 almost everywhere)."""
        return Tensor._wrap(np.sign(self.data))

    # ------------------------------------------------------------------------------------------
    # Reductions (ops/reduce.py) and softmax (ops/softmax.py)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.Sum.apply(self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.Mean.apply(self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Tensor:
        return _ops.Max.apply(self, axis=axis, keepdims=keepdims)

    def softmax(self, axis: int = -1) -> Tensor:
        return _ops.Softmax.apply(self, axis=axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return _ops.LogSoftmax.apply(self, axis=axis)

    # ------------------------------------------------------------------------------------------
    # Movement (ops/movement.py)

    def reshape(self, *shape: Any) -> Tensor:
        return _ops.Reshape.apply(self, shape=_shape_arg("reshape", shape, allow_negative=True))

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            # an explicit tuple is a permutation to check, even an empty one (only 0-d takes it)
            return _ops.Transpose.apply(self, axes=tuple(axes[0]))
        if axes == (None,):  # numpy's spelling of "reverse them"
            axes = ()
        return _ops.Transpose.apply(self, axes=axes or None)

    def flatten(self) -> Tensor:
        """The values as one axis (a reshape to (-1,))."""
        return _ops.Reshape.apply(self, shape=(-1,))

    def broadcast_to(self, *shape: Any) -> Tensor:
        return _ops.BroadcastTo.apply(self, shape=_shape_arg("broadcast_to", shape))

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.Index.apply(self, index=index)


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    """A fresh float array from `data`, or an error that says what was given."""
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except TypeError as exc:
            raise TypeError(
                f"Tensor: {dtype!r} is not a dtype; use np.float64 or np.float32"
            ) from exc
        if dtype.kind != "f":
            raise TypeError(
                f"Tensor: dtype must be a floating point type (float64, float32), got {dtype}"
            )
    if isinstance(data, Tensor):
        data = data.data
    try:
        arr = np.array(data)
    except ValueError as exc:
        raise ValueError(f"Tensor: data is not a rectangular array of numbers ({exc})") from None
    kind = arr.dtype.kind
    if kind == "f":
        return arr if dtype is None or arr.dtype == dtype else arr.astype(dtype)
    if kind in "biu":
        return arr.astype(dtype or np.float64)
    if kind == "O" and arr.size and all(type(v) in _SCALARS for v in arr.flat):
        # numpy keeps ints beyond int64 (2**70) as Python objects; like every int they become floats
        try:
            return arr.astype(dtype or np.float64)
        except OverflowError:
            raise ValueError(
                f"Tensor: data holds an int too large for a float (above about 1.8e308): "
                f"{data!r:.60}"
            ) from None
    what = {"c": "complex numbers", "U": "strings", "S": "bytes", "O": "Python objects"}
    raise TypeError(
        f"Tensor: data must be real numbers, got {what.get(kind, arr.dtype)} "
        f"(numpy dtype {arr.dtype}) from {type(data).__name__}"
    )


def _not_numbers(op: str, other: Any) -> TypeError:
    """The error for an operand that is not real numbers: a str, None, complex, Python objects."""
    what = type(other).__name__
    if isinstance(other, np.ndarray):
        what += f" of dtype {other.dtype}"
    return TypeError(
        f"{op}: cannot combine a Tensor with {what} {other!r:.40}; the other operand must be a "
        "number, an array (or list) of real numbers, or a Tensor"
    )


def _shape_arg(op: str, shape: tuple, allow_negative: bool = False) -> tuple[int, ...]:
    """Accept `f(2, 3)` and `f((2, 3))`; every size an int."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"{op}: sizes must be ints, got {shape!r}")
        if n < 0 and not (allow_negative and n == -1):
            raise ValueError(f"{op}: sizes must be >= 0, got {shape!r}")
    return tuple(int(n) for n in shape)


def _as_matmul_operand(other: Any) -> Any:
    # matmul refuses a scalar whatever its value, and the op's own error says to use * instead: a
    # 0-d array stands in for the number (converting it could fail for an int like 10**400)
    return np.zeros(()) if type(other) in _SCALARS else other


# Operands an op takes as they are: the operators skip `_binary`'s conversions for them.
_DIRECT = frozenset((Tensor, *_SCALARS))

from tinygrad_edu import ops as _ops  # noqa: E402  (ops need Tensor's module loaded first)
