"""`Tensor`: an array that remembers the op that made it, so backward can walk back through it.

This file holds storage, attributes and the operator overloads; every piece of math is an op in `ops/`
(a `Function` with its forward and gradient side by side).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from tinygrad_edu.broadcast import check_broadcast, normalize_axis
from tinygrad_edu.engine import _core as autograd
from tinygrad_edu.engine._core import apply2, increment_version, is_grad_enabled

_SCALARS = (int, float, bool)


def _arithmetic(name: str, reflected: bool = False) -> Callable[[Tensor, Any], Tensor]:
    """The operator `t op other` (`other op t` when reflected) for the op class `ops.<name>`.

    A Python number, or a Tensor of the same dtype, goes straight to the op (the commonest cases:
    `x * 1.0001`, `W @ A + b`); anything else through `_binary`'s conversions and promotion. The op class is looked up when called:
    ops/ is imported at the end of this module."""
    if reflected:

        def operator(self: Tensor, other: Any) -> Tensor:
            op = getattr(_ops, name)
            if type(other) in _SCALARS:
                return apply2(op, other, self)
            return _binary(op, other, self)  # (a reflected call never has a Tensor on the left)

    else:

        def operator(self: Tensor, other: Any) -> Tensor:
            op = getattr(_ops, name)
            if type(other) in _SCALARS or (
                type(other) is Tensor and other._data.dtype is self._data.dtype
            ):
                return apply2(op, self, other)
            return _binary(op, self, other)

    spelled = {"Div": "truediv"}.get(name, name.lower())
    operator.__name__ = f"__{'r' if reflected else ''}{spelled}__"
    return operator


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

    __slots__ = (
        "__weakref__",
        "_counter",
        "_ctx",
        "_data",
        "_grad",
        "_retains_grad",
        "name",
        "requires_grad",
    )

    # Defining __eq__ (elementwise, as numpy) would remove hashing; tensors hash by identity.
    __hash__ = object.__hash__

    def __init__(
        self,
        data: Any,
        requires_grad: bool = False,
        dtype: Any = None,
        name: str | None = None,
    ) -> None:
        self._data = _to_array(data, dtype)
        self._grad: Tensor | None = None
        self.requires_grad = False
        self._ctx = None
        self._retains_grad = False
        self._counter = None  # the version counter, made on the first in-place write
        self.name = name
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """The internal constructor: wraps an array the engine made, without a copy."""
        t = object.__new__(cls)
        t._data = array
        t._grad = None
        t.requires_grad = False
        t._ctx = None
        t._retains_grad = False
        t._counter = None
        t.name = None
        return t

    # numpy's own functions on a Tensor come here (numpy_dispatch.py): `np.exp(t)`, `np.dot(W, X)`,
    # and `ndarray + tensor` too, which numpy turns into np.add(ndarray, tensor).
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return numpy_dispatch.array_ufunc(Tensor, ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        return numpy_dispatch.array_function(Tensor, func, args, kwargs)

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
    def data(self) -> np.ndarray:
        """The values, a numpy array (writable: `w.data -= lr * w.grad.data` is a learner's SGD step).

        Assigning it, or augmenting it as above, bumps the version, so a backward that saved the
        old values raises. A write into the array itself (`t.data[0] = 1`) is not seen, as in
        PyTorch: it is the unchecked escape hatch."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        # `t.data -= x` reads the array, subtracts in place, then assigns the same array back here
        if value is not self._data:
            new = _to_array(value._data if isinstance(value, Tensor) else value, None)
            if new.shape == self._data.shape and new.dtype == self._data.dtype:
                self._data[...] = new  # into the same memory, which ops may have saved
            else:
                self._data = new
        increment_version(self)

    @property
    def grad(self) -> Tensor | None:
        """dJ/d(this tensor) after `J.backward()`: None until then, a Tensor of the same shape and
        dtype after it (backward adds into it; `zero_grad()` clears it)."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"grad: expected a Tensor (or None) of shape {self.shape}, got "
                    f"{type(value).__name__}"
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"grad: a gradient of shape {value.shape} cannot be assigned to a tensor of "
                    f"shape {self.shape}; they must match"
                )
            if value.dtype != self.dtype:
                raise RuntimeError(
                    f"grad: a {value.dtype} gradient cannot be assigned to a {self.dtype} tensor; "
                    f"cast it first (g.astype(np.{self.dtype}))"
                )
        self._grad = value

    @property
    def _version(self) -> int:
        """How many times the values were written in place (PyTorch's `t._version`)."""
        return 0 if self._counter is None else self._counter[0]

    @property
    def shape(self) -> tuple[int, ...]:
        return self._data.shape

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def size(self) -> int:
        return self._data.size

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

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
        """The values as a numpy array sharing memory with the tensor (as in PyTorch).

        For a tensor that requires grad the array is read-only: a write into it would change
        what backward computes without any record. Write through `.data` (which counts the
        change), or take `.detach().numpy()` or `.numpy().copy()`."""
        if self.requires_grad:
            view = self._data.view()
            view.flags.writeable = False
            return view
        return self._data

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if copy:
            return np.array(self._data, dtype=dtype, copy=True)
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            if copy is False:
                raise ValueError(
                    f"Tensor: a {dtype} array of this {self.dtype} tensor needs a copy"
                )
            return self._data.astype(dtype)
        return self.numpy()

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self._data.size != 1:
            raise ValueError(
                f"item(): only a tensor with one element can be converted to a Python number; "
                f"this one has shape {self.shape} ({self.size} elements)"
            )
        return self._data.reshape(-1)[0].item()

    def __float__(self) -> float:
        return float(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor (it has no first axis)")
        return len(self._data)

    def __iter__(self) -> Iterator[Tensor]:
        for i in range(len(self)):
            yield self[i]

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                "use (t > 0).numpy().all() or .any()"
            )
        return bool(self._data.reshape(-1)[0])

    def __repr__(self) -> str:
        body = np.array2string(self._data, separator=", ", prefix="Tensor(")
        extras = []
        if self._data.dtype != np.float64:
            extras.append(f"dtype={self._data.dtype}")
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
            if self._data.size != 1:
                raise RuntimeError(
                    f"backward: grad can be omitted only for an output with one element (a scalar "
                    f"cost); this output has shape {self.shape}. Reduce it first (e.g. .sum()) or "
                    f"pass backward(grad) with an array of shape {self.shape}"
                )
            g = np.ones_like(self._data)
        else:
            try:
                g = _to_array(grad._data if isinstance(grad, Tensor) else grad, self._data.dtype)
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
        if requires_grad and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"requires_grad_: only floating point tensors can require grad, this one is "
                f"{self._data.dtype}"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """The same values (shared memory, and so the same version counter, as in PyTorch)
        without history, requires_grad=False."""
        out = Tensor._wrap(self._data)
        out._counter = autograd.version_counter(self)
        return out

    # ------------------------------------------------------------------------------------------
    # Arithmetic: each calls an op from ops/arithmetic.py

    def _operand(self, other: Any) -> Any:
        """`other` as an op argument: Tensors as they are; Python numbers as they are (numpy keeps
        the tensor's dtype for them); arrays and lists copied in the tensor's dtype."""
        if isinstance(other, Tensor):
            return other
        if type(other) in _SCALARS:
            return other
        dtype = self._data.dtype if self._data.dtype.kind == "f" else np.float64
        try:
            arr = np.array(other)
        except (TypeError, ValueError):
            return NotImplemented
        if arr.dtype.kind not in "biuf":  # None would become nan, a string an error deep in numpy
            return NotImplemented
        return arr.astype(dtype, copy=False)

    # One factory for all of them (see _arithmetic, below the class).
    __add__ = _arithmetic("Add")
    __radd__ = _arithmetic("Add", reflected=True)
    __sub__ = _arithmetic("Sub")
    __rsub__ = _arithmetic("Sub", reflected=True)
    __mul__ = _arithmetic("Mul")
    __rmul__ = _arithmetic("Mul", reflected=True)
    __truediv__ = _arithmetic("Div")
    __rtruediv__ = _arithmetic("Div", reflected=True)
    __pow__ = _arithmetic("Pow")
    __rpow__ = _arithmetic("Pow", reflected=True)

    def __matmul__(self, other: Any) -> Tensor:
        if type(other) is Tensor:  # the course's W @ A
            return apply2(_ops.MatMul, self, other)
        return _binary(_ops.MatMul, self, _as_matmul_operand(other))

    def __rmatmul__(self, other: Any) -> Tensor:
        return _binary(_ops.MatMul, _as_matmul_operand(other), self)

    def maximum(self, other: Any) -> Tensor:
        """The larger of the two, element by element (numpy's `np.maximum`; ties split the
        gradient in half, as PyTorch's `torch.maximum`)."""
        return _binary(_ops.Maximum, self, other)

    def minimum(self, other: Any) -> Tensor:
        """The smaller of the two, element by element (numpy's `np.minimum`)."""
        return _binary(_ops.Minimum, self, other)

    # ------------------------------------------------------------------------------------------
    # In-place updates, as in PyTorch: `t += x` writes into t's memory and bumps its version.

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(_ops.Add, np.add, other)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(_ops.Sub, np.subtract, other)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(_ops.Mul, np.multiply, other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(_ops.Div, np.divide, other)

    def __ipow__(self, other: Any) -> Tensor:
        return self._inplace(_ops.Pow, np.power, other)

    def __imatmul__(self, other: Any) -> Tensor:
        raise TypeError(
            "@=: a matrix product cannot be written in place (its result has another shape in "
            "general, as PyTorch says too); write `t = t @ x`"
        )

    def __setitem__(self, index: Any, value: Any) -> None:
        """`t[index] = value`, in place (the version is bumped), outside recorded history: refused
        while gradients are recorded for `t` or `value`."""
        index = _ops.movement._plain(index)
        # `t[i] += x` is `v = t[i]; v += x; t[i] = v`: the in-place op already wrote through the
        # view v (and counted the write), so this last step has nothing left to do
        if isinstance(value, Tensor) and _same_memory(value._data, self._data[index]):
            return
        self._check_unrecorded_write("item assignment (t[...] = x)")
        if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
            raise RuntimeError(
                "item assignment (t[...] = x): x requires grad, and an assignment records no "
                "history; build the tensor from ops instead, or assign `x.detach()`"
            )
        values = value._data if isinstance(value, Tensor) else value
        try:
            self._data[index] = values
        except (ValueError, TypeError, IndexError) as exc:
            raise type(exc)(
                f"item assignment (t[...] = x) into a tensor of shape {self.shape}: {exc}"
            ) from None
        increment_version(self)

    def _inplace(self, op: type, ufunc: Any, other: Any) -> Tensor:
        """`self op= other`.

        With nothing to record (inside `no_grad()`, or when neither side requires grad) this is
        numpy's in-place ufunc: `with no_grad(): w -= lr * w.grad` is PyTorch's update step, and
        `w` stays the same leaf. Otherwise the op is recorded and `self` takes its new history:
        the recorded op's input stands for the old value (it keeps a copy for its backward), and
        ops recorded earlier still send their gradient there (`autograd.seen_by`)."""
        symbol = f"{op.symbol}="
        if is_grad_enabled() and (
            self.requires_grad or (isinstance(other, Tensor) and other.requires_grad)
        ):
            return self._inplace_recorded(op, other, symbol)
        if isinstance(other, Tensor):
            operand = other._data
        elif type(other) in _SCALARS:
            operand = other
        else:
            operand = self._operand(other)
            if operand is NotImplemented:
                raise _not_numbers(f"{op.name} ({symbol})", other)
        try:
            ufunc(self._data, operand, out=self._data)
        except (ValueError, TypeError) as exc:
            raise _inplace_error(symbol, self, operand, exc) from None
        increment_version(self)
        return self

    def _inplace_recorded(self, op: type, other: Any, symbol: str) -> Tensor:
        if self._ctx is None and self.requires_grad:
            raise RuntimeError(
                f"{symbol}: {self._label()} is a leaf that requires grad; changing it in place "
                "while gradients are recorded would change what backward computes. For an update "
                f"step write `with no_grad(): w {symbol} ...` (or `w.data {symbol} ...`); for a new "
                f"tensor write `w = w {op.symbol} ...`"
            )
        if self._counter is not None and self._counter[autograd.VIEWS]:
            raise RuntimeError(
                f"{symbol}: {self._label()} shares its memory with a view (a reshape, transpose "
                "or index of it, or it is one); changing it in place while gradients are recorded "
                "would change the other tensor's values without its history (PyTorch rewrites "
                "that history, tinygrad_edu does not). Write `t = t "
                f"{op.symbol} x` for a new tensor, or do it inside no_grad()"
            )
        # `old` stands for the value before: the node of the old history, on the same memory (so
        # an op that saved that memory sees the write below), which the recorded op reads
        old = Tensor._wrap(self._data)
        old._ctx, old.requires_grad, old.name = self._ctx, self.requires_grad, self.name
        old._counter = autograd.version_counter(self)
        result = _binary(op, old, old if other is self else other)  # `h += h`: both are the old h
        if result is NotImplemented:
            raise _not_numbers(f"{op.name} ({symbol})", other)
        if result.shape != self.shape:
            raise ValueError(
                f"{op.name} ({symbol}): the result has shape {result.shape} but {self._label()} "
                f"has shape {self.shape}; an in-place op cannot change a tensor's shape "
                f"(write `t = t {op.symbol} x` for a new tensor)"
            )
        ctx = result._ctx
        if ctx._saved:  # the op keeps the old values for its backward, not the memory
            ctx._saved = tuple(s.copy() if s is self._data else s for s in ctx._saved)
        np.copyto(self._data, result._data, casting="same_kind")
        increment_version(self)
        ctx.replaced = old
        autograd._rewritten[0] = True
        self._ctx, self.requires_grad = ctx, True
        return self

    def zero_(self) -> Tensor:
        """Set every element to 0 in place (the version is bumped); returns the tensor."""
        self._check_unrecorded_write("zero_")
        self._data[...] = 0
        increment_version(self)
        return self

    def copy_(self, src: Any) -> Tensor:
        """Copy the values of `src` (a Tensor or an array, broadcast to this shape and cast to this
        dtype) into this tensor in place; returns the tensor.

        Raises:
            RuntimeError: gradients are being recorded and this tensor requires grad (copy inside
                `no_grad()`).
            ValueError: `src` does not broadcast to this tensor's shape."""
        self._check_unrecorded_write("copy_")
        if isinstance(src, Tensor) and src.requires_grad and is_grad_enabled():
            raise RuntimeError(
                "copy_: the source requires grad, and a copy records no history; write "
                "`t = src + 0.0` for a tensor that does, or copy `src.detach()`"
            )
        values = src._data if isinstance(src, Tensor) else np.asarray(src)
        try:
            np.copyto(self._data, values, casting="unsafe")
        except ValueError:
            raise ValueError(
                f"copy_: values of shape {values.shape} cannot be copied into {self._label()} of "
                f"shape {self.shape}"
            ) from None
        increment_version(self)
        return self

    def _check_unrecorded_write(self, what: str) -> None:
        if is_grad_enabled() and self.requires_grad:
            raise RuntimeError(
                f"{what}: {self._label()} requires grad; write into it inside `with no_grad():` "
                "(an update), or make a new tensor"
            )

    def _label(self) -> str:
        return f"tensor {self.name!r}" if self.name else f"the tensor of shape {self.shape}"

    def __neg__(self) -> Tensor:
        return autograd.apply1(_ops.Neg, self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return autograd.apply1(_ops.Abs, self)

    # Comparisons give bool tensors with no history (a mask, not something to differentiate).
    def _compare(self, other: Any, op: str, fn: Any) -> Tensor:
        operand = self._operand(other)
        if operand is NotImplemented:
            if isinstance(other, np.ndarray):  # numpy handed it here: nobody else will name the op
                raise _not_numbers(op, other)
            return NotImplemented
        other = operand
        b = other._data if isinstance(other, Tensor) else other
        if isinstance(b, np.ndarray) and b.shape != self._data.shape:
            check_broadcast(op, self._data.shape, b.shape)
        try:
            out = fn(self._data, b)
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

    def astype(self, dtype: Any) -> Tensor:
        """The values in another float dtype (`np.float32`, `np.float64`), as a recorded op whose
        gradient is cast back to this tensor's dtype. The tensor itself when the dtype is already
        `dtype` (as PyTorch's `.to`)."""
        dtype = _float_dtype("astype", dtype)
        if dtype == self._data.dtype:
            return self
        return _ops.Cast.apply(self, dtype=dtype)

    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """The index of the largest value along `axis` (of the flattened values when None), as an
        int64 tensor with no history (an index has no gradient). Ties give the first index.

        Raises:
            TypeError: `axis` is not None or one int.
            ValueError: `axis` is out of range, or the values are empty."""
        if axis is not None:
            if isinstance(axis, (tuple, list)):
                raise TypeError(f"argmax: axis must be None or one int, got {axis!r}")
            (axis,) = normalize_axis("argmax", axis, self.ndim, self.shape)
        if self._data.size == 0:
            raise ValueError(f"argmax: the tensor of shape {self.shape} is empty")
        return Tensor._wrap(np.asarray(np.argmax(self._data, axis=axis, keepdims=keepdims)))

    def sign(self) -> Tensor:
        """-1, 0 or 1 per element, with no history (its gradient is 0 almost everywhere)."""
        return Tensor._wrap(np.sign(self._data))

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

    def squeeze(self, axis: Any = None) -> Tensor:
        """The tensor without its axes of size 1 (only `axis`, an int or a tuple, when given)."""
        return _ops.Squeeze.apply(self, axis=axis)

    def flatten(self) -> Tensor:
        """The values as one axis (a reshape to (-1,))."""
        return _ops.Reshape.apply(self, shape=(-1,))

    def broadcast_to(self, *shape: Any) -> Tensor:
        return _ops.BroadcastTo.apply(self, shape=_shape_arg("broadcast_to", shape))

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.Index.apply(self, index=index)


def _float_dtype(where: str, dtype: Any) -> np.dtype:
    try:
        dtype = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{where}: {dtype!r} is not a dtype; use np.float64 or np.float32") from exc
    if dtype.kind != "f":
        raise TypeError(
            f"{where}: dtype must be a floating point type (float64, float32), got {dtype}"
        )
    return dtype.newbyteorder("=")


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    """A fresh float array from `data`, in the machine's byte order, or an error that says what
    was given."""
    if dtype is not None:
        dtype = _float_dtype("Tensor", dtype)
    if isinstance(data, Tensor):
        data = data._data
    try:
        arr = np.array(data)
    except ValueError as exc:
        raise ValueError(f"Tensor: data is not a rectangular array of numbers ({exc})") from None
    kind = arr.dtype.kind
    if kind == "f":
        if dtype is None:  # big-endian data (from a file, another machine) made native
            dtype = arr.dtype.newbyteorder("=")
        return arr if arr.dtype == dtype else arr.astype(dtype)
    if kind in "biu":
        return arr.astype(dtype or np.float64)  # astype makes big-endian ints native floats
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


def _same_memory(a: Any, b: Any) -> bool:
    """The two are the very same elements in memory (one view read twice), not just overlapping."""
    return (
        isinstance(a, np.ndarray)
        and isinstance(b, np.ndarray)
        and a.shape == b.shape
        and a.strides == b.strides
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


def _binary(op: type, a: Any, b: Any) -> Tensor:
    """`a op b` for the operators, one of `a` and `b` a Tensor: Python numbers go to the op as
    they are (numpy keeps the tensor's dtype for them), arrays and lists are converted to the
    tensor's dtype, and two tensors follow PyTorch's promotion."""
    ta, tb = type(a), type(b)
    if ta is Tensor and tb is Tensor:
        if a._data.dtype is not b._data.dtype and op is not _ops.MatMul:  # matmul refuses 0-d
            a, b = _promote(a, b)
        return apply2(op, a, b)
    if ta in _SCALARS or tb in _SCALARS:
        return apply2(op, a, b)
    reflected = not isinstance(a, Tensor)
    tensor, other = (b, a) if reflected else (a, b)
    if not isinstance(other, Tensor):
        operand = tensor._operand(other)
        if operand is NotImplemented:
            # Python would try the other operand's reflected method next: after a reflected call
            # nobody is left, and numpy's own message would not name the op. Say here what is wrong.
            if reflected or isinstance(other, np.ndarray):
                raise _not_numbers(f"{op.name} ({op.symbol})", other)
            return NotImplemented
        other = operand
    return op.apply(other, tensor) if reflected else op.apply(tensor, other)


def _promote(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """PyTorch's rule for two float tensors of different dtypes: a 0-d tensor does not change the
    dtype of one with dimensions (float32 (3,) * float64 () is float32); otherwise numpy's."""
    if a._data.dtype.kind == "f" and b._data.dtype.kind == "f":
        if a.ndim == 0 and b.ndim:
            return a.astype(b.dtype), b
        if b.ndim == 0 and a.ndim:
            return a, b.astype(a.dtype)
    return a, b


def _inplace_error(symbol: str, t: Tensor, operand: Any, exc: Exception) -> Exception:
    """numpy refused an in-place op: a shape that does not fit `t`, or a dtype it cannot hold."""
    shape = np.shape(operand)
    if isinstance(exc, ValueError):
        broadcast = check_broadcast(symbol, t.shape, shape)
        return ValueError(
            f"{symbol}: the result has shape {broadcast} but the tensor has shape {t.shape}; an "
            f"in-place op cannot change a tensor's shape (write `t = t {symbol[:-1]} x`)"
        )
    return TypeError(f"{symbol}: cannot write the result into a {t.dtype} tensor in place ({exc})")


from tinygrad_edu import ops as _ops  # noqa: E402  (ops need Tensor's module loaded first)
from tinygrad_edu.ops import numpy_protocol as numpy_dispatch  # noqa: E402
