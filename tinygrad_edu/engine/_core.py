"""The autograd engine: `Function` (an op with its forward and backward), grad mode, and the
backward pass.

The course draws backpropagation on a computation graph: u = b*c, v = a + u, J = 3v, then walks it from
right to left multiplying local derivatives (dJ/da = dJ/dv * dv/da). This file is that walk for arrays:

- Every op is a `Function`. `Function.apply` runs its `forward` on numpy arrays and, when grad mode is on
  and some input requires grad, records the op (the "ctx") on the result so backward can find it.
- `run_backward` sweeps the recorded graph once, newest op first (each op carries a creation number;
  a heap orders them, no recursion, so a graph 100,000 ops deep works), calling each op's `backward`
  and summing the gradients that reach the same tensor. With `create_graph=True` the same sweep runs
  on Tensors (higher_order.py), so the gradients can be differentiated again.
"""

from __future__ import annotations

import gc
import threading
from array import array
from collections.abc import Callable
from heapq import heappop, heappush
from itertools import count
from typing import Any

import numpy as np

from tinygrad_edu.engine._flags import ModeContext, ThreadFlag

__all__ = [
    "Function",
    "enable_grad",
    "increment_version",
    "is_grad_enabled",
    "no_grad",
    "run_backward",
    "set_grad_enabled",
]


# ----------------------------------------------------------------------------------------------
# Grad mode: per thread, as in PyTorch, so `no_grad()` in one thread leaves the others recording.

_mode = ThreadFlag(True)
# Every recorded op gets the next number, counting down: an op's inputs were made before it, so they
# have larger numbers, and a heap (smallest first) pops the newest op first.
_creation_order = count(0, -1)
# How many threads are inside detect_anomaly() (anomaly.py keeps it): the one check per op and per
# backward step, so the checks cost nothing while nobody uses them.
_anomaly_threads = 0


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default)."""
    return _mode.enabled


class set_grad_enabled(ModeContext):
    """Turn recording on or off inside a `with` block (or a decorated function, generator functions
    included); the previous mode comes back on exit, also after an exception."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)

    # The mode to restore is kept per thread, not on this object: one `@no_grad()` function may
    # run in several threads at once, each entering and leaving at its own time.
    def __enter__(self) -> None:
        _mode.saved.append(_mode.enabled)
        _mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = _mode.saved.pop()


class no_grad(set_grad_enabled):
    """`with no_grad():` or `@no_grad()`: ops inside record nothing; results are leaves without grad.

    Use it for the parameter update (`with no_grad(): w -= lr * w.grad` keeps `w` the same leaf)
    and for prediction."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Turn recording back on inside a `no_grad()` block."""

    def __init__(self) -> None:
        super().__init__(True)


# ----------------------------------------------------------------------------------------------
# Versions: every in-place write bumps the version of the tensor written (PyTorch's version
# counter). An op that saved a tensor for backward remembers the version it saw; backward after it
# changed raises instead of computing with the new values.


# A counter is a small array of ints, [version, has views, stamp of the last write]: array.array
# holds no Python objects, so the garbage collector never tracks it (a graph makes many, and
# every tracked object makes the collector's full passes longer).
_FRESH_COUNTER = array("q", (0, 0, 0))
VIEWS, STAMP = 1, 2
# The clock of in-place writes: each write takes the next stamp. An op that saves tensors notes
# the last stamp (its `_epoch`); at backward, an unchanged clock means nothing was written since,
# and the check costs one comparison. Otherwise the stamps of what it saved tell what changed.
_stamps = count(1)
_last_write = 0
# Set once a recorded in-place op gave a tensor a new history (see seen_by): until then the
# sweeps need not look for rewritten inputs.
_rewritten = [False]


def version_counter(t: Tensor) -> array:
    """The tensor's counter, made on first use (most tensors are never written in place)."""
    counter = t._counter
    if counter is None:
        counter = t._counter = _FRESH_COUNTER[:]
    return counter


def increment_version(t: Tensor) -> None:
    """Record that `t`'s values were changed in place (as `torch.autograd.graph.increment_version`):
    every in-place write of the library calls it; call it after writing into `t.data[...]`
    yourself if backward may still need the old values."""
    global _last_write
    counter = t._counter
    if counter is None:
        counter = t._counter = _FRESH_COUNTER[:]
    counter[0] += 1
    counter[STAMP] = _last_write = next(_stamps)


def _remember_versions(ctx: Function, args: tuple, result: Tensor) -> None:
    """The versions, for the error message, of inputs written before this op (an input never
    written is at version 0, not stored) and of an output sharing a counter (a view). A numpy
    array the caller passed as an operand and `forward` saved is copied: its owner may change it
    before backward, and no version would tell. Called only when some argument is one of these."""
    saved = ctx._saved
    versions = []
    for a in args:
        if type(a) is Tensor:
            counter = a._counter
            versions.append(0 if counter is None else counter[0])
            continue
        versions.append(0)
        if type(a) is np.ndarray and any(s is a for s in saved):
            ctx._saved = saved = tuple(s.copy() if s is a else s for s in saved)
    ctx._input_versions = versions
    if result._counter is not None:
        ctx._out_version = result._counter[0]


def _share_counter(result: Tensor, args: tuple) -> None:
    """`result` is a view of an input's memory (reshape, transpose, basic indexing): a write into
    either changes both, so both share one version counter."""
    out = result._data
    for a in args:
        if type(a) is Tensor and np.may_share_memory(out, a._data):
            counter = version_counter(a)
            counter[VIEWS] = 1
            result._counter = counter
            return


def _check_versions(ctx: Function, saved: tuple, output: Tensor | None = None) -> None:
    """Raise if a saved input, or the output, was written in place after the forward: its counter
    has a later stamp, and its memory is one of the saved arrays (an array replaced by
    `t.data = ...` left the saved one as it was). The output is the sweep's node, passed in or
    stashed on the ctx while the sweep runs this op's backward."""
    if output is None:
        output = ctx.__dict__.get("_output")
    for i, t in (*enumerate(ctx.parents), (None, output)):
        if type(t) is Tensor:
            counter = t._counter
            if (
                counter is not None
                and counter[STAMP] > ctx._epoch
                and any(s is t._data for s in saved)
            ):
                versions = ctx._input_versions
                then = ctx._out_version if i is None else (versions[i] if versions else 0)
                raise _modified_error(ctx, i, t, then, counter[0])


def _modified_error(
    ctx: Function, source: int | None, t: Tensor, saved_at: int, now: int
) -> RuntimeError:
    what = "its output" if source is None else f"its input {source}"
    if t.name:
        what += f" ({t.name})"
    shape = t.shape
    return RuntimeError(
        f"{type(ctx).__name__}.backward: {what}, of shape {shape}, was saved for backward and has "
        f"since been modified in place (it is at version {now}; it was saved at version "
        f"{saved_at}), so the gradient would be computed with the new values. retain_graph does "
        "not protect against this: run the forward again after the change, or make the change "
        "after backward (for parameters: zero_grad, forward, backward, step)."
    )


# ----------------------------------------------------------------------------------------------
# Function: one op, forward and backward side by side.


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

    `apply` passes each Tensor argument to `forward` as its numpy array and any other argument as it is;
    keyword arguments (an axis, a shape) go to `forward` too. `ctx` is an instance of the class: store
    what backward needs on it, with `save_for_backward` for arrays. `ctx.needs_input_grad[i]` says
    whether input i needs a gradient, so backward can skip work nobody uses (return None there).

    A subclass may define `check(*arrays, **kwargs)`, called before `forward`, to raise a clear error
    for arguments the op cannot take; `forward` itself then assumes valid input. Where numpy itself
    refuses bad arguments (shapes that do not broadcast), `on_error(*arrays, **kwargs)` may replace
    `check`: it runs only when `forward` raises, so valid calls pay nothing for it, and it raises
    the error that names the op and the shapes.
    """

    check = None  # optional argument check, see the class docstring
    on_error = None  # optional: explains an error the forward raised, see the class docstring
    _builtin = False  # built-in ops return fresh gradient arrays the engine may reuse in place
    parents: tuple = ()  # the arguments of `apply` (Tensors and plain values), once recorded
    forward_kwargs: dict = {}  # noqa: RUF012  (read-only default) the keyword arguments, once recorded
    needs_input_grad: tuple = ()

    _saved: tuple | None = ()  # what save_for_backward kept; None once backward freed it
    # in-place writes (see _check_versions): the clock when the op saved, and the versions then
    _epoch = 0
    _input_versions: list | tuple = ()  # by argument, when some argument had been written
    _out_version = 0

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep arrays for backward (freed after backward unless `retain_graph=True`).

        Save the inputs and the output themselves (not copies): `apply` then remembers their
        versions, and backward refuses to run if one was changed in place since."""
        self._saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        """What `save_for_backward` kept, after checking that none of it changed in place.

        Raises:
            RuntimeError: the values were freed by an earlier backward, or a saved input or
                output was modified in place after the forward."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                f"{type(self).__name__}: trying to backward through the graph a second time: its "
                "saved values were freed after the first backward. Pass retain_graph=True the "
                "first time (backward(retain_graph=True) or grad(..., retain_graph=True)) if you "
                "need to backward twice, or run the forward again."
            )
        if self._epoch != _last_write:  # something was written in place since the forward
            _check_versions(self, saved)
        return saved

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> np.ndarray:
        raise NotImplementedError("a Function subclass defines forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> Any:
        raise NotImplementedError("a Function subclass defines backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run the op on Tensors (and plain values), recording it when a gradient will be needed."""
        if not kwargs:
            if len(args) == 2:
                return apply2(cls, args[0], args[1])
            if len(args) == 1 and type(args[0]) is Tensor:
                return apply1(cls, args[0])
        ctx = _new(cls)
        arrays, ctx.needs_input_grad = _arrays_and_needs(args)
        record = True in ctx.needs_input_grad
        if cls.check is not None:
            cls.check(*arrays, **kwargs)
        try:
            out = cls.forward(ctx, *arrays, **kwargs)
        except (ValueError, TypeError, IndexError, OverflowError) as exc:
            raise _forward_failed(cls, exc, arrays, kwargs) from None
        if type(out) is not np.ndarray:
            out = _as_output(cls, out, ctx)
        result = Tensor._wrap(out)
        if out.base is not None or _any_is(out, arrays):  # a view of an input, or the input
            _share_counter(result, args)
        if record and _mode.enabled:
            ctx.parents = args
            if kwargs:
                ctx.forward_kwargs = kwargs
            ctx.seq = next(_creation_order)
            result.requires_grad = True
            result._ctx = ctx
            if ctx._saved:
                ctx._epoch = _last_write
                for a in args:
                    if type(a) is np.ndarray or (type(a) is Tensor and a._counter is not None):
                        _remember_versions(ctx, args, result)
                        break
        if _anomaly_threads:
            _anomaly.after_forward(ctx, arrays, result)
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


_new = object.__new__


# `Function.apply` for the two commonest calls, one Tensor (x.exp()) and two arguments (a * b): the
# same steps with no argument lists to build. They run once for every op of every graph, and written
# out like this they take about a sixth less time per op than the general path (benchmarks/, W4).


def apply1(cls: type[Function], a: Tensor) -> Tensor:
    """`cls.apply(a)` for one Tensor argument and no keywords."""
    ctx = _new(cls)
    need = a.requires_grad
    ctx.needs_input_grad = (need,)
    x = a._data
    if cls.check is not None:
        cls.check(x)
    try:
        out = cls.forward(ctx, x)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise _forward_failed(cls, exc, (x,), {}) from None
    if type(out) is not np.ndarray:
        out = _as_output(cls, out, ctx)
    result = _new(Tensor)  # Tensor._wrap, written out
    result._data = out
    result._grad = None
    result._retains_grad = False
    result.name = None
    result._counter = None
    if out.base is not None or out is x:  # a view of the input, or the input itself
        _share_counter(result, (a,))
    if need and _mode.enabled:
        ctx.parents = (a,)
        ctx.seq = next(_creation_order)
        result.requires_grad = True
        result._ctx = ctx
        if ctx._saved:
            ctx._epoch = _last_write
            if a._counter is not None:
                _remember_versions(ctx, (a,), result)
    else:
        result.requires_grad = False
        result._ctx = None
    if _anomaly_threads:
        _anomaly.after_forward(ctx, (x,), result)
    return result


def apply2(cls: type[Function], a: Any, b: Any) -> Tensor:
    """`cls.apply(a, b)` for two arguments (Tensors or plain values) and no keywords."""
    ctx = _new(cls)
    if type(a) is Tensor:
        need_a = a.requires_grad
        x = a._data
    else:
        need_a = False
        x = a
    if type(b) is Tensor:
        need_b = b.requires_grad
        y = b._data
    else:
        need_b = False
        y = b
    ctx.needs_input_grad = (need_a, need_b)
    if cls.check is not None:
        cls.check(x, y)
    try:
        out = cls.forward(ctx, x, y)
    except (ValueError, TypeError, IndexError, OverflowError) as exc:
        raise _forward_failed(cls, exc, (x, y), {}) from None
    if type(out) is not np.ndarray:
        out = _as_output(cls, out, ctx)
    result = _new(Tensor)  # Tensor._wrap, written out
    result._data = out
    result._grad = None
    result._retains_grad = False
    result.name = None
    result._counter = None
    if out.base is not None or out is x or out is y:
        _share_counter(result, (a, b))
    if (need_a or need_b) and _mode.enabled:
        ctx.parents = (a, b)
        ctx.seq = next(_creation_order)
        result.requires_grad = True
        result._ctx = ctx
        if ctx._saved:
            ctx._epoch = _last_write
            ta, tb = type(a), type(b)  # (x, y are a, b when these are not Tensors)
            if (
                (ta is Tensor and a._counter is not None)
                or (tb is Tensor and b._counter is not None)
                or ta is np.ndarray
                or tb is np.ndarray
            ):
                _remember_versions(ctx, (a, b), result)
    else:
        result.requires_grad = False
        result._ctx = None
    if _anomaly_threads:
        _anomaly.after_forward(ctx, (x, y), result)
    return result


def _forward_failed(cls: type[Function], exc: Exception, arrays: tuple, kwargs: dict) -> Exception:
    """The error to raise for an exception from `forward`: the op's own explanation (`on_error`
    raises it, when it recognizes the problem), or numpy's, named by `_naming_the_op`."""
    if cls.on_error is not None:
        cls.on_error(*arrays, **kwargs)
    return _naming_the_op(cls, exc, list(arrays), kwargs)


def _any_is(value: object, items: tuple) -> bool:
    # a loop, not any(...): a generator costs more than the op it checks, once per op
    for item in items:  # noqa: SIM110
        if item is value:
            return True
    return False


def _arrays_and_needs(args: tuple) -> tuple[tuple, tuple[bool, ...]]:
    """The numpy arrays `forward` gets (Tensors unwrapped, other arguments as they are), and
    whether each argument needs a gradient."""
    arrays = []
    needs = []
    for a in args:
        if isinstance(a, Tensor):
            arrays.append(a._data)
            needs.append(a.requires_grad)
        else:
            arrays.append(a)
            needs.append(False)
    return tuple(arrays), tuple(needs)


def _naming_the_op(cls: type, exc: Exception, arrays: list, kwargs: dict) -> Exception:
    """An error raised inside `forward`, made to say which op it came from.

    The ops' own errors already name the op (`sum: axis 5 is out of range ...`) and pass unchanged.
    Any other (numpy refusing a bool tensor, `int too large to convert to float`) becomes the same
    kind of error (OverflowError becomes ValueError) with the op's name, numpy's words, and the
    inputs' shapes and dtypes: an error never leaves an op without saying which op it was."""
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
    """The result of `forward` as an array. numpy returns scalars (np.float64) for 0-d results, and
    a user's forward may return a list. A saved output is replaced by the array too: with
    create_graph=True the saved output must be the output's own array to stand for the output."""
    if isinstance(out, Tensor):
        raise TypeError(f"{cls.__name__}.forward must return a numpy array, not a Tensor")
    try:
        array = np.asarray(out)
    except Exception as exc:  # pragma: no cover - reported with the op's name
        raise TypeError(
            f"{cls.__name__}.forward returned {type(out).__name__}, not an array"
        ) from exc
    saved = ctx._saved
    if saved and any(s is out for s in saved):
        ctx._saved = tuple(array if s is out else s for s in saved)
    return array


# ----------------------------------------------------------------------------------------------
# The backward pass.


def run_backward(
    root: Tensor,
    grad: np.ndarray,
    retain_graph: bool = False,
    inputs: tuple[Tensor, ...] | None = None,
    trace: Callable[[Tensor, np.ndarray, list[tuple[Tensor, np.ndarray]]], None] | None = None,
    create_graph: bool = False,
) -> list[Any] | None:
    """Backpropagate `grad` (dL/droot) through the graph that made `root`.

    Without `inputs`, gradients accumulate into `.grad` of every leaf that requires grad (and of
    tensors that called `retain_grad()`). With `inputs`, nothing is written: the gradients of those
    tensors are returned in order (None for one that `root` does not depend on).

    Order: every recorded op carries a creation number, and an op's inputs were always made before
    it, so sweeping the ops from the newest to the oldest (a heap keyed by that number) reaches each
    tensor only after all of its consumers have added their part: its gradient is then complete, the
    sum over its consumers (the multivariate chain rule). It is released as soon as the tensor's own
    backward has used it. No recursion, so a graph 100,000 ops deep is fine.

    `trace(node, g, pairs)`, when given, watches the sweep (`viz.explain_backward` prints it): it is
    called once for every node a gradient reaches, ops in sweep order then leaves, with `g` (the
    node's gradient, summed over its consumers) and `pairs`, the `(parent, gradient)` its backward
    passes on (empty for a leaf). The arrays are the engine's own: copy what you keep.

    `create_graph=True` runs the same sweep on Tensors (higher_order.py): the gradients, written into
    `.grad` or returned, are Tensors whose own graph can be differentiated again.
    """
    if create_graph:
        if trace is not None:
            raise ValueError("run_backward: trace cannot watch a sweep with create_graph=True")
        from tinygrad_edu.engine._higher import sweep_graph

        return sweep_graph(root, grad, retain_graph, inputs)
    # The sweep makes no reference cycles, so Python's cycle collector has nothing to find here;
    # left on, it would rescan the whole graph again and again on a long one (time per op grows
    # with the graph). It is paused for the sweep and restored afterwards.
    _pause_collector()
    try:
        return _sweep(root, grad, retain_graph, inputs, trace)
    finally:
        _resume_collector()


# Several threads may be in backward at once: the first one in pauses the collector (if it was on)
# and the last one out turns it back on, so no interleaving can leave it off for good.
_collector_lock = threading.Lock()
_collector_pauses = 0
_collector_was_on = False


def _pause_collector() -> None:
    global _collector_pauses, _collector_was_on
    with _collector_lock:
        if _collector_pauses == 0:
            _collector_was_on = gc.isenabled()
            gc.disable()
        _collector_pauses += 1


def _resume_collector() -> None:
    global _collector_pauses
    with _collector_lock:
        _collector_pauses -= 1
        if _collector_pauses == 0 and _collector_was_on:
            gc.enable()


def seen_by(parent: Tensor, seq: int) -> Tensor:
    """The graph node `parent` was when the op numbered `seq` recorded it.

    An in-place op in grad mode (`h += x`) gives `h` a new history: `h` becomes the output of the
    in-place op, whose input is a new tensor standing for `h`'s old value (`ctx.replaced`). Ops
    recorded before it used the old value, so their gradient goes there. An op's inputs always have
    larger creation numbers than the op itself; a smaller one means the input was rewritten later.
    """
    ctx = parent._ctx
    while ctx is not None and ctx.seq < seq:
        parent = ctx.replaced
        ctx = parent._ctx
    return parent


def _sweep(
    root: Tensor,
    grad: np.ndarray,
    retain_graph: bool,
    inputs: tuple[Tensor, ...] | None,
    trace: Callable[[Tensor, np.ndarray, list[tuple[Tensor, np.ndarray]]], None] | None,
) -> list[np.ndarray | None] | None:
    # Tensors hash by identity, so they are the keys: a node's gradient is `grads[node]`.
    wanted = None if inputs is None else {t: i for i, t in enumerate(inputs)}
    results: list[np.ndarray | None] = [None] * (len(inputs) if inputs is not None else 0)
    grads: dict[Tensor, np.ndarray] = {root: grad}
    # Arrays the engine may add into in place: made by the engine (a sum) or handed by a built-in op
    # to exactly one input. An op may pass `g` itself on (add: d(out)/da = 1), or one array to two
    # inputs (`x + x`); those are shared and must never be written.
    owned: set[Tensor] = {root}
    leaves: list[Tensor] = []
    heap: list[tuple[int, Tensor]] = []
    # The next node to process when it is the only one waiting: most graphs are chains for long
    # stretches, and a chain's next node need not go through the heap (push then pop the same node).
    node: Tensor | None = None
    if root._ctx is None:
        leaves.append(root)
    else:
        node = root
    pop_grad, get_grad = grads.pop, grads.get
    rewritten = _rewritten[0]

    while node is not None:
        g = pop_grad(node)
        is_owned = node in owned
        if is_owned:
            owned.discard(node)
        if wanted is not None and node in wanted:
            results[wanted[node]] = g if is_owned else g.copy()
            is_owned = False  # handed out: nobody may add into it now
        if node._retains_grad and wanted is None:
            _accumulate_leaf(node, g, False)
        ctx = node._ctx
        # it saved something and a write happened since its forward: saved_tensors checks
        stale = ctx._saved and ctx._epoch != _last_write
        if stale:
            ctx._output = node
        in_grads = ctx.backward(ctx, g)
        if stale:
            del ctx._output  # (a reference cycle otherwise: node -> ctx -> node)
        if not retain_graph:
            ctx._saved = None
        parents = ctx.parents
        if type(in_grads) is not tuple:
            in_grads = (in_grads,)
        if len(in_grads) != len(parents):
            raise _count_error(ctx, len(in_grads))
        if _anomaly_threads:
            _anomaly.after_backward(ctx, g, in_grads)
        pairs = [] if trace is not None else None
        following = None
        builtin = ctx._builtin
        seq = ctx.seq
        # The lengths were checked above; zip(strict=True) would check again at twice the cost.
        for parent, pg, need in zip(parents, in_grads, ctx.needs_input_grad):  # noqa: B905
            if not need or pg is None:
                continue
            if rewritten:  # some tensor took a new history in place: route by creation number
                parent_ctx = parent._ctx
                if parent_ctx is not None and parent_ctx.seq < seq:
                    parent = seen_by(parent, seq)
            data = parent._data
            # numpy makes a scalar of a 0-d result, and a user's op may return anything: make it an
            # array of the input's dtype and shape. (The built-in ops' shapes are right by their
            # tests, so theirs are not compared here.)
            if (
                type(pg) is not np.ndarray
                or pg.dtype is not data.dtype
                or (not builtin and pg.shape != data.shape)
            ):
                pg = _check_grad(ctx, parent, pg)
            if pairs is not None:
                pairs.append((parent, pg))
            stored = get_grad(parent)
            if stored is None:
                grads[parent] = pg
                parent_ctx = parent._ctx
                if parent_ctx is not None:
                    if following is None:
                        following = parent
                    else:
                        heappush(heap, (parent_ctx.seq, parent))
                else:
                    leaves.append(parent)
                    # a leaf keeps its gradient array without a copy when the engine may own it
                    if (
                        builtin
                        and pg.base is None
                        and (pg is not g or is_owned)
                        and _only_once(pg, in_grads)
                    ):
                        owned.add(parent)
            elif parent in owned:
                np.add(stored, pg, out=stored)
            else:
                total = stored + pg  # numpy gives a scalar, not an array, for 0-d operands
                grads[parent] = total if type(total) is np.ndarray else np.asarray(total)
                owned.add(parent)
        if pairs is not None:
            trace(node, g, pairs)
        # Newest first: the parent kept aside goes next unless the heap holds a newer node.
        if following is None or (heap and heap[0][0] < following._ctx.seq):
            if following is not None:
                heappush(heap, (following._ctx.seq, following))
            following = heappop(heap)[1] if heap else None
        node = following

    for leaf in leaves:
        g = pop_grad(leaf)
        if trace is not None:
            trace(leaf, g, [])
        if wanted is None:
            if leaf.requires_grad:  # requires_grad_(False) after the forward: no gradient
                _accumulate_leaf(leaf, g, leaf in owned)
        elif leaf in wanted:
            results[wanted[leaf]] = g if leaf in owned else g.copy()
    return results if inputs is not None else None


def _only_once(pg: np.ndarray, grads: tuple) -> bool:
    # `x + x`: add hands one array to both inputs; neither may then own it
    if len(grads) == 1:
        return True
    if len(grads) == 2:
        return grads[0] is not grads[1]
    return sum(1 for other in grads if other is pg) <= 1


def _check_grad(ctx: Function, parent: Tensor, pg: Any) -> np.ndarray:
    """Make a gradient an array of the parent's shape and dtype, or say which op returned what."""
    data = parent._data
    if type(pg) is not np.ndarray:
        if isinstance(pg, Tensor):
            pg = pg._data
        pg = np.asarray(pg)
    if pg.shape != data.shape:
        raise _shape_error(ctx, pg.shape, data.shape)
    if pg.dtype != data.dtype:
        pg = pg.astype(data.dtype)
    return pg


# The two ways a backward can break its contract, worded once for both sweeps (this one and the
# create_graph sweep of higher_order.py).


def _count_error(ctx: Function, n_grads: int) -> RuntimeError:
    return RuntimeError(
        f"{type(ctx).__name__}.backward returned {n_grads} gradients for {len(ctx.parents)} "
        "inputs; return one per input (None where none is needed)"
    )


def _shape_error(ctx: Function, got: tuple[int, ...], expected: tuple[int, ...]) -> RuntimeError:
    return RuntimeError(
        f"{type(ctx).__name__}.backward returned a gradient of shape {got} for an input of shape "
        f"{expected}; each gradient must have its input's shape"
    )


def _accumulate_leaf(node: Tensor, g: np.ndarray, owned: bool) -> None:
    # The first gradient is stored without a copy only when the engine made it; a later one is added
    # in place, as PyTorch does (the user zeroes .grad between steps).
    grad = node._grad
    if grad is None:
        node._grad = Tensor._wrap(g if owned else g.copy())
    else:
        grad._data += g
        increment_version(grad)


from tinygrad_edu.engine import anomaly as _anomaly  # noqa: E402
from tinygrad_edu.tensor import Tensor  # noqa: E402  (tensor.py uses Function at call time)

_wrap = Tensor._wrap
