"""`Function`: one op, its forward and its backward side by side, and `apply`, which runs it.

The course draws backpropagation on a computation graph: u = b*c, v = a + u, J = 3v. Each box of that
drawing is a Function: `forward` computes its output, `backward` multiplies the gradient that arrives
by its local derivatives. `apply` unwraps the Tensor arguments, runs `forward`, wraps the result and,
when grad mode is on and some input requires grad, remembers the box (the "ctx") on the result.

The engine never imports Tensor (imports go one way); tensor.py hands its class over once.
"""

from __future__ import annotations

from itertools import count
from typing import Any

import numpy as np

from tinygrad_edu.engine import versions
from tinygrad_edu.engine.collector import defer, later
from tinygrad_edu.engine.grad_mode import recording

__all__ = ["Function", "apply1", "apply2", "is_tensor"]

_tensor: Any = type(None)  # the Tensor class, once tensor.py is imported
_wrap: Any = None  # Tensor._wrap: an array the engine made, as a Tensor without a copy
# Called after every op, (ctx, arrays, result), and every backward step, (ctx, grad, in_grads), while
# a tool needs them (anomaly mode, checking mode); empty lists cost one truth test per op.
forward_hooks: list = []
backward_hooks: list = []
# Every recorded op gets the next number, counting down: an op's inputs were made before it, so they
# have larger numbers, and a heap (smallest first) pops the newest op first.
_creation_order = count(0, -1)
_new = object.__new__
_PLAIN = (float, int, np.ndarray)  # arguments that are never Tensors: no isinstance for them


def use_tensor_class(cls: Any) -> None:
    """Tell the engine which class wraps arrays (tensor.py calls it once)."""
    global _tensor, _wrap
    _tensor, _wrap = cls, cls._wrap


def is_tensor(value: object) -> bool:
    """True for a Tensor (ops use it to write one formula for arrays and Tensors)."""
    return isinstance(value, _tensor)


class Function:
    """An op: `forward(ctx, *arrays) -> array` and `backward(ctx, grad) -> one gradient per input`.

    The shape is PyTorch's `torch.autograd.Function`, on numpy arrays::

        class Cube(Function):
            @staticmethod
            def forward(ctx, x):            # y = x^3
                ctx.save_for_backward(x)
                return x ** 3

            @staticmethod
            def backward(ctx, grad):        # dL/dx = dL/dy * 3x^2
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * grad

        y = Cube.apply(t)

    `forward` gets each Tensor argument as its numpy array, any other argument (and the keywords)
    as it is. `ctx`, an instance of the class, keeps what backward needs (`save_for_backward` for
    arrays); `ctx.needs_input_grad[i]` says whether input i needs a gradient (return None if not).
    An optional `check(*arrays, **kwargs)` runs before `forward` to refuse bad arguments with a
    clear error; `on_error(*arrays, **kwargs)` does the same only when `forward` raised.
    """

    check: Any = None
    on_error: Any = None
    # Built-in ops (ops/base.py) keep the rules written there (a gradient of the input's shape, a
    # fresh array), so the sweep skips the shape comparison and may add into their arrays in place;
    # checking mode (checking.py, on in the test suite) verifies the rules on every call.
    _builtin = False
    parents: tuple = ()  # the arguments of `apply` (Tensors and plain values), once recorded
    forward_kwargs: dict = {}  # noqa: RUF012  (read-only default) the keyword arguments, once recorded
    needs_input_grad: tuple = ()
    _saved: tuple | None = ()  # what save_for_backward kept; None once backward freed it
    # for versions.check_versions: the write clock when the op saved, and the versions then
    _epoch = 0
    _input_versions: list | tuple = ()  # by argument, when some argument had been written
    _out_version = 0
    seq: int  # the creation order (counting down), set when the op is recorded

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for backward (freed after it unless `retain_graph=True`): the inputs and the
        output themselves, not copies, so backward can refuse one changed in place since."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        """What `save_for_backward` kept (the sweep checked their versions before `backward`).

        Raises:
            RuntimeError: the values were freed by an earlier backward."""
        if self._saved is None:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time: its "
                "saved values were freed after the first backward. Pass retain_graph=True the "
                "first time (backward(retain_graph=True) or grad(..., retain_graph=True)) if you "
                "need to backward twice, or run the forward again."
            )
        return self._saved

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        """The output array from the input arrays; every subclass defines it.

        Args:
            ctx: this op's record: `ctx.save_for_backward(...)`, attributes for backward."""
        raise NotImplementedError("a Function subclass defines forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> Any:
        """One gradient per input (a tuple when several; None where not needed) from dL/d(out).

        Args:
            ctx: the record forward filled in.
            grad: dL/d(output), of the output's shape (a Tensor under create_graph=True)."""
        raise NotImplementedError("a Function subclass defines backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run the op on Tensors (and plain values), recording it when a gradient will be needed.

        Returns:
            A Tensor: the result of `forward`, with the op as its `grad_fn` when recorded.

        Raises:
            ValueError, TypeError, IndexError: from `check`, or numpy's error naming the op."""
        T = _tensor
        if len(args) == 1 and type(args[0]) is T:  # t.sum(axis=0), t.reshape(shape): one tensor
            arrays, needs, watch = (args[0]._data,), (args[0].requires_grad,), args[0]._counter
        else:
            arrays, needs, watch = _unwrap(args)
        ctx = _new(cls)
        ctx.needs_input_grad = needs
        if cls.check is not None:
            cls.check(*arrays, **kwargs)
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except (ValueError, TypeError, IndexError, OverflowError) as exc:
            raise _forward_failed(cls, exc, arrays, kwargs) from None
        if type(out) is not np.ndarray:
            out = _as_output(cls, out, ctx)
        # an int or bool result (a user's mask) has no gradient, as in PyTorch
        record = True in needs and out.dtype.kind == "f"
        return _finish(ctx, out, args, arrays, record, watch, kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


# `Function.apply` for the commonest calls, one Tensor (x.exp()) and two arguments (a * b), with no
# argument lists to build; the tail, `_finish`, is the same. An op costs a sixth less (benchmarks/, W4).


def apply1(cls: type[Function], a: Any) -> Any:
    """`cls.apply(a)` for one Tensor and no keywords."""
    ctx = _new(cls)
    x, need = a._data, a.requires_grad
    ctx.needs_input_grad = (need,)
    if cls.check is not None:
        cls.check(x)
    try:
        out = cls.forward(ctx, x)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise _forward_failed(cls, exc, (x,), {}) from None
    return _finish(ctx, out, (a,), (x,), need, a._counter, None)


def apply2(cls: type[Function], a: Any, b: Any) -> Any:
    """`cls.apply(a, b)` for two arguments (Tensors or plain values) and no keywords."""
    T = _tensor
    # `watch`: some argument's versions must be noted if the op saves it (see _finish)
    if type(a) is T or (type(a) not in _PLAIN and isinstance(a, T)):
        x, need_a, watch = a._data, a.requires_grad, a._counter is not None
    else:
        x, need_a, watch = a, False, type(a) is np.ndarray
    if type(b) is T or (type(b) not in _PLAIN and isinstance(b, T)):
        y, need_b, watch = b._data, b.requires_grad, watch or b._counter is not None
    else:
        y, need_b, watch = b, False, watch or type(b) is np.ndarray
    ctx = _new(cls)
    ctx.needs_input_grad = (need_a, need_b)
    if cls.check is not None:
        cls.check(x, y)
    try:
        out = cls.forward(ctx, x, y)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise _forward_failed(cls, exc, (x, y), {}) from None
    return _finish(ctx, out, (a, b), (x, y), need_a or need_b, watch, None)


def _finish(
    ctx: Function, out: Any, args: tuple, arrays: tuple, record: bool, watch: Any, kwargs: Any
) -> Any:
    """The one tail of every apply: wrap the result, record the op, note the versions of what it
    saved (`watch`: an argument was written in place before, or is a numpy array), call hooks."""
    if type(out) is not np.ndarray:
        out = _as_output(type(ctx), out, ctx)
    # Tensor._wrap(out), written out: this runs once per op. (A tensor's slots are _data, _ctx and
    # requires_grad; _grad, _counter, name and _retains_grad keep their class defaults until set.)
    result = _new(_tensor)
    result._data = out
    # a view of an input's memory, or an input itself: the two share one version counter
    if out.base is not None or (
        arrays
        and (out is arrays[0] or out is arrays[-1] or (len(arrays) > 2 and _any_is(out, arrays)))
    ):
        versions.share_counter(result, args)
    if record and recording.enabled:
        ctx.parents = args
        if kwargs:
            ctx.forward_kwargs = kwargs
        ctx.seq = seq = next(_creation_order)
        if seq < later[0]:  # a graph begins, or has grown long: see collector.py
            defer(ctx)
        result._ctx, result.requires_grad = ctx, True
        if ctx._saved:
            ctx._epoch = versions.last_write
            if kwargs:  # a numpy array given as a keyword is watched like one given in order
                args = (*args, *kwargs.values())
                watch = watch or np.ndarray in map(type, args)
            if watch:
                versions.remember_versions(ctx, args, result)
    else:
        result._ctx, result.requires_grad = None, False
    if forward_hooks:
        if result._ctx is None:  # the tools see what the op ran on, recorded or not (jit)
            ctx.parents, ctx.forward_kwargs = args, kwargs or {}
        for hook in forward_hooks:
            hook(ctx, arrays, result)
    return result


def _any_is(value: object, items: tuple) -> bool:
    for item in items:  # noqa: SIM110  (a loop: a generator costs more than the op it checks)
        if item is value:
            return True
    return False


def _unwrap(args: tuple) -> tuple[tuple, tuple, bool]:
    """The arrays for `forward`, whether each argument needs a gradient, and `watch` (_finish)."""
    T = _tensor
    arrays, needs, watch = [], [], False
    for a in args:  # a loop, not two generators: this runs once per op
        if isinstance(a, T):
            arrays.append(a._data)
            needs.append(a.requires_grad)
            watch = watch or a._counter is not None
        else:
            arrays.append(a)
            needs.append(False)
            watch = watch or type(a) is np.ndarray
    return tuple(arrays), tuple(needs), watch


def _forward_failed(cls: Any, exc: Exception, arrays: tuple, kwargs: dict) -> Exception:
    """The error for an exception from `forward`, made to say which op it came from: the op's own
    (`on_error` raises it), one that already names the op, or numpy's words with the op's name and
    the inputs' shapes and dtypes (OverflowError becomes ValueError)."""
    if cls.on_error is not None:
        cls.on_error(*arrays, **kwargs)
    msg = str(exc)
    names = {cls.__name__, getattr(cls, "name", cls.__name__)}
    flat = msg.lower().replace("_", "")
    if any(n.lower().replace("_", "") in flat for n in names):
        return exc
    label = f"{cls.name} ({cls.symbol})" if hasattr(cls, "symbol") else cls.__name__
    inputs = [f"{a.shape} {a.dtype}" if isinstance(a, np.ndarray) else f"{a!r:.20}" for a in arrays]
    inputs += [f"{k}={v!r:.40}" for k, v in kwargs.items()]
    kind = next((k for k in (IndexError, TypeError) if isinstance(exc, k)), ValueError)
    return kind(f"{label}: {msg} (inputs: {', '.join(inputs)})")


def _as_output(cls: type, out: Any, ctx: Function) -> np.ndarray:
    """The result of `forward` as an array (numpy gives np.float64 for a 0-d result, a user's
    forward may give a list); a saved output becomes that array too, to stand for the output."""
    if isinstance(out, _tensor):
        raise TypeError(f"{cls.__name__}.forward must return a numpy array, not a Tensor")
    array = np.asarray(out)
    saved = ctx._saved
    if saved and any(s is out for s in saved):
        ctx._saved = tuple(array if s is out else s for s in saved)
    return array
