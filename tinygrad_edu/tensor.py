"""`Tensor`: an array that remembers the op that made it, so backward can walk back through it.

This file holds storage, conversions, the operators and the methods that call ops; every piece of
math is an op in `ops/` (a `Function` with its forward and gradient side by side), and the graph is
recorded and walked by `engine/`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_edu import ops as _ops
from tinygrad_edu import random
from tinygrad_edu.broadcast import check_shape
from tinygrad_edu.engine import backprop, function, versions
from tinygrad_edu.ops import axis_names, dispatch, inplace, numpy_protocol
from tinygrad_edu.ops.cast import float_dtype, to_array

_new = object.__new__


class Tensor:
    """An n-dimensional array (float64 by default) that records the computation graph.

    Args:
        data: a number, a (nested) list, a numpy array or another Tensor; the tensor keeps its own
            copy. Integers and bools become float64; float arrays keep their dtype (as in PyTorch).
        requires_grad: record the ops on this tensor, so backward gives it a `.grad`.
        dtype: a float dtype to convert to (np.float64 or np.float32).
        name: a label for graph drawings and error messages.

    Examples:
        >>> a = Tensor(5.0, requires_grad=True)
        >>> b = Tensor(3.0, requires_grad=True)
        >>> c = Tensor(2.0, requires_grad=True)
        >>> J = 3 * (a + b * c)
        >>> J.backward()
        >>> J.item(), a.grad.item(), b.grad.item(), c.grad.item()
        (33.0, 3.0, 6.0, 9.0)
    """

    # What every op's result sets goes in slots; the rest is rarely set (a leaf's .grad, a name, a
    # version counter) and reads its default from the class until then: fewer writes per op.
    __slots__ = ("__dict__", "__weakref__", "_ctx", "_data", "requires_grad")
    _data: np.ndarray
    _ctx: Any  # the op (a Function) that made this tensor; None for a leaf
    requires_grad: bool
    _grad: Tensor | None = None
    _counter: Any = None  # the version counter (engine/versions.py), made on the first write
    _retains_grad = False
    name: str | None = None

    # Defining __eq__ (elementwise, as numpy) would remove hashing; tensors hash by identity.
    __hash__ = object.__hash__

    def __init__(
        self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None
    ) -> None:
        _blank(self, to_array(data, dtype))
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """The internal constructor: wraps an array the engine made, without a copy."""
        t = _new(cls)
        _blank(t, array)
        return t

    # numpy's own functions on a Tensor come here: `np.exp(t)`, `np.dot(W, X)`, `ndarray + t`
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        return numpy_protocol.array_ufunc(Tensor, ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        return numpy_protocol.array_function(Tensor, func, args, kwargs)

    @staticmethod
    def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A tensor of zeros: `Tensor.zeros(2, 3)` or `Tensor.zeros((2, 3))`.

        Args:
            requires_grad: record the ops on it.
            dtype: a float dtype, as for `Tensor`."""
        return Tensor(np.zeros(check_shape("zeros", shape)), requires_grad, dtype)

    @staticmethod
    def ones(*shape: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
        """A tensor of ones: `Tensor.ones(2, 3)` or `Tensor.ones((2, 3))`.

        Args:
            requires_grad: record the ops on it.
            dtype: a float dtype, as for `Tensor`."""
        return Tensor(np.ones(check_shape("ones", shape)), requires_grad, dtype)

    @staticmethod
    def randn(
        *shape: Any,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
        requires_grad: bool = False,
        dtype: Any = None,
    ) -> Tensor:
        """Standard normal values of the shape given as for `zeros`: `Tensor.randn(2, 3, seed=0)`.

        Args:
            seed: the seed of a fresh `numpy.random.default_rng` (the same seed, the same values);
                with neither `seed` nor `rng`, the values come from the library's generator, the
                one `tinygrad_edu.manual_seed` seeds.
            rng: a `numpy.random.Generator` to draw from instead of `seed`.
            requires_grad: record the ops on it.
            dtype: a float dtype, as for `Tensor`.

        Raises:
            ValueError: both seed and rng are given.
            TypeError: rng is not a Generator."""
        if seed is not None and rng is not None:
            raise ValueError("randn: pass seed or rng, not both")
        if rng is None and seed is None:
            values = random.generator().standard_normal(check_shape("randn", shape))
            return Tensor(values, requires_grad, dtype)
        if rng is None:
            rng = np.random.default_rng(seed)
        elif not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"randn: rng must be a numpy.random.Generator, got {type(rng).__name__}"
            )
        return Tensor(rng.standard_normal(check_shape("randn", shape)), requires_grad, dtype)

    @property
    def data(self) -> np.ndarray:
        """The values, a numpy array. Assigning it (`w.data -= lr * w.grad.data`, a learner's SGD
        step) bumps the version, so a backward that saved the old values raises; a write into the
        array itself (`t.data[0] = 1`) is not seen, as in PyTorch: the unchecked escape hatch."""
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        # `t.data -= x` reads the array, subtracts in place, then assigns the same array back here
        if value is not self._data:
            new = to_array(value._data if isinstance(value, Tensor) else value, None)
            if new.shape == self._data.shape and new.dtype == self._data.dtype:
                self._data[...] = new  # into the same memory, which ops may have saved
            else:
                self._data = new
        versions.increment_version(self)

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

    shape = property(lambda self: self._data.shape, doc="The shape, as numpy's.")
    ndim = property(lambda self: self._data.ndim, doc="The number of axes.")
    size = property(lambda self: self._data.size, doc="The number of elements.")
    dtype = property(lambda self: self._data.dtype, doc="The numpy dtype (float64 by default).")
    is_leaf = property(lambda self: self._ctx is None, doc="False for an op's recorded result.")
    grad_fn = property(lambda self: self._ctx, doc="The op that made this tensor (None: a leaf).")
    T = property(lambda self: self.transpose(), doc="The transpose (axes reversed), as numpy's.")

    def numpy(self) -> np.ndarray:
        """The values as a numpy array sharing memory with the tensor (as in PyTorch); read-only
        while it requires grad (ops/numpy_protocol.py says why)."""
        return numpy_protocol.numpy_view(self)

    __array__ = numpy_protocol.as_array

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
        extras = [f"dtype={self.dtype}"] if self._data.dtype != np.float64 else []
        extras += ["requires_grad=True"] if self.requires_grad else []
        extras += [f"grad_fn=<{type(self._ctx).__name__}>"] if self._ctx is not None else []
        extras += [f"name={self.name!r}"] if self.name is not None else []
        return f"Tensor({body}{''.join(', ' + e for e in extras)})"

    def backward(
        self, grad: Any = None, retain_graph: bool | None = None, create_graph: bool = False
    ) -> None:
        """Compute dself/dx for every leaf x that requires grad, adding it into `x.grad`.

        Args:
            grad: dL/dself, of this tensor's shape; it defaults to 1 (dJ/dJ) for one element.
            retain_graph: keep the saved values for another backward (default: `create_graph`).
            create_graph: make the gradients Tensors with their own history, so `x.grad` can be
                differentiated again (for y = x**3, x.grad is 3x^2, whose gradient is 6x).

        Raises:
            RuntimeError: this tensor does not require grad, or `grad` is omitted for an output
                with more than one element.
            ValueError: `grad` has another shape."""
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
            g: Any = np.ones_like(self._data)
        else:
            try:
                g = to_array(grad._data if isinstance(grad, Tensor) else grad, self._data.dtype)
            except (TypeError, ValueError) as exc:
                raise type(exc)(
                    f"backward: grad must be real numbers of the output's shape {self.shape} ({exc})"
                ) from None
            if g.shape != self.shape:
                raise ValueError(
                    f"backward: grad has shape {g.shape} but the output has shape {self.shape}; "
                    "they must match"
                )
        if create_graph and isinstance(grad, Tensor):
            g = grad  # its own history takes part in the graph of the gradients
        retain = create_graph if retain_graph is None else retain_graph
        backprop.run_backward(self, g, retain_graph=retain, create_graph=create_graph)

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor too after backward (leaves always get it)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        if self._ctx is not None:
            self._retains_grad = True

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Switch gradient tracking of a leaf on or off, in place; returns the tensor.

        Args:
            requires_grad: the new flag (off only for a leaf; only float tensors can be on)."""
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
        """The same values (shared memory, and so the same version counter, as in PyTorch) without
        history, requires_grad=False."""
        out = Tensor._wrap(self._data)
        out._counter = versions.version_counter(self)
        return out

    # Arithmetic (ops/arithmetic.py, ops/matmul.py): each operator made by ops/dispatch.py's `binary`
    __add__, __radd__ = dispatch.operators(_ops.Add)
    __sub__, __rsub__ = dispatch.operators(_ops.Sub)
    __mul__, __rmul__ = dispatch.operators(_ops.Mul)
    __truediv__, __rtruediv__ = dispatch.operators(_ops.Div)
    __pow__, __rpow__ = dispatch.operators(_ops.Pow)
    __matmul__, __rmatmul__ = dispatch.operators(_ops.MatMul)

    # np.maximum / np.minimum, element by element (ties split the gradient in half, as PyTorch's)
    maximum = dispatch.binary(_ops.Maximum, operator=False)
    minimum = dispatch.binary(_ops.Minimum, operator=False)

    # In-place updates (ops/inplace.py): written into this tensor's memory, the version bumped.
    __iadd__ = dispatch.inplace_operator(_ops.Add, np.add, __add__)
    __isub__ = dispatch.inplace_operator(_ops.Sub, np.subtract, __sub__)
    __imul__ = dispatch.inplace_operator(_ops.Mul, np.multiply, __mul__)
    __itruediv__ = dispatch.inplace_operator(_ops.Div, np.divide, __truediv__)
    __ipow__ = dispatch.inplace_operator(_ops.Pow, np.power, __pow__)

    def __imatmul__(self, other: Any) -> Tensor:  # type: ignore[misc]  # __matmul__ is dispatch.binary's
        raise TypeError(
            "@=: a matrix product cannot be written in place (its result has another shape in "
            "general, as PyTorch says too); write `t = t @ x`"
        )

    def __setitem__(self, index: Any, value: Any) -> None:
        """`t[index] = value`, in place, outside recorded history (refused while gradients are
        recorded for `t` or `value`)."""
        inplace.setitem(self, index, value)

    def zero_(self) -> Tensor:
        """Set every element to 0 in place (the version is bumped); returns the tensor."""
        inplace.check_unrecorded_write(self, "zero_")
        self._data[...] = 0
        versions.increment_version(self)
        return self

    def copy_(self, src: Any) -> Tensor:
        """Copy the values of `src` (a Tensor or an array, broadcast to this shape and cast to this
        dtype) into this tensor in place; returns the tensor.

        Args:
            src: the values, broadcastable to this tensor's shape.

        Raises:
            RuntimeError: gradients are being recorded and this tensor or `src` requires grad
                (copy inside `no_grad()`).
            ValueError: `src` does not broadcast to this tensor's shape."""
        return inplace.copy_(self, src)

    # Comparisons give bool tensors with no history (ops/compare.py).
    __lt__, __le__, __gt__, __ge__, __eq__, __ne__ = dispatch.comparisons()

    # Elementwise functions (ops/unary.py, ops/activations.py, ops/arithmetic.py)
    __neg__, __abs__, exp, log, sqrt = dispatch.unaries(
        _ops.Neg, _ops.Abs, _ops.Exp, _ops.Log, _ops.Sqrt
    )
    abs = __abs__
    sigmoid, tanh, relu = dispatch.unaries(_ops.Sigmoid, _ops.Tanh, _ops.ReLU)

    def __pos__(self) -> Tensor:
        return self

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        """out = a where a > 0, else slope * a (ops/activations.py gives its gradient).

        Args:
            slope: the factor for a <= 0."""
        return _ops.LeakyReLU.apply(self, slope=slope)

    def astype(self, dtype: Any) -> Tensor:
        """The values in another float dtype (`np.float32`, `np.float64`), as a recorded op whose
        gradient is cast back to this tensor's dtype. The tensor itself when the dtype is already
        `dtype` (as PyTorch's `.to`).

        Args:
            dtype: np.float32 or np.float64."""
        dtype = float_dtype("astype", dtype)
        return self if dtype == self._data.dtype else _ops.Cast.apply(self, dtype=dtype)

    argmax = axis_names.reduction(_ops.reduce.argmax, args=axis_names.ARGMAX_ARGS)  # no history

    def sign(self) -> Tensor:
        """-1, 0 or 1 per element, with no history (its gradient is 0 almost everywhere)."""
        return Tensor._wrap(np.asarray(np.sign(self._data)))  # an array also for a 0-d tensor

    # Reductions (ops/reduce.py) and softmax (ops/softmax.py)
    sum, mean = axis_names.reduction(_ops.Sum), axis_names.reduction(_ops.Mean)
    max = axis_names.reduction(_ops.Max, axis_names.MAX_DIM)
    softmax = axis_names.along_axis(_ops.Softmax, "softmax")
    log_softmax = axis_names.along_axis(_ops.LogSoftmax, "log_softmax")

    # Movement (ops/movement.py)
    def reshape(self, *shape: Any) -> Tensor:
        """The same values in `shape` (ints or one tuple; one -1 is inferred): `t.reshape(2, -1)`."""
        shape = check_shape("reshape", shape, allow_negative=True)
        return _ops.Reshape.apply(self, shape=shape)

    def transpose(self, *axes: Any) -> Tensor:
        """The axes reversed (`t.T`), or permuted as `axes` says: `t.transpose(1, 0, 2)`."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            # an explicit tuple is a permutation to check, even an empty one (only 0-d takes it)
            return _ops.Transpose.apply(self, axes=tuple(axes[0]))
        return _ops.Transpose.apply(self, axes=None if axes in ((), (None,)) else axes)

    squeeze = axis_names.squeeze(_ops.Squeeze)

    def flatten(self) -> Tensor:
        """The values as one axis (a reshape to (-1,))."""
        return _ops.Reshape.apply(self, shape=(-1,))

    def broadcast_to(self, *shape: Any) -> Tensor:
        """The values broadcast to `shape`, as numpy's; the gradient is summed back."""
        return _ops.BroadcastTo.apply(self, shape=check_shape("broadcast_to", shape))

    def __getitem__(self, index: Any) -> Tensor:
        return _ops.Index.apply(self, index=index)


def _blank(t: Tensor, array: np.ndarray) -> None:
    """The attributes of a new tensor (the others keep the class's defaults until set)."""
    t._data, t._ctx, t.requires_grad = array, None, False


function.use_tensor_class(Tensor)
dispatch.own_methods(Tensor)
