"""PyTorch float64 as the oracle: every op of the table, and composite graphs (the course's 2-layer
net, random graphs with broadcasting and reuse, extreme inputs), forward and gradients to 1e-7.

Skipped without torch (`pip install torch==2.13.0`, CPU build).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.support.numpy_cases import NUMPY_FUNCTIONS, square
from tests.support.op_cases import Case, cases
from tinygrad_edu import Tensor
from tinygrad_edu.ops import BCEWithLogits
from tinygrad_edu.testing import arrays_in, axes, course_layout
from tinygrad_edu.testing.op_table import OPS, Domain, OpSpec

torch = pytest.importorskip("torch")
F = torch.nn.functional

RTOL, ATOL = 1e-7, 1e-12
SPECS = pytest.mark.parametrize("spec", OPS, ids=[s.name for s in OPS])


def _reduction(fn: Any) -> Any:
    def call(a: Any, axis: Any = None, keepdims: bool = False) -> Any:
        if axis is None:
            return fn(a, dim=tuple(range(a.ndim)), keepdim=keepdims)
        dims = tuple(axis) if isinstance(axis, tuple) else (axis,)
        if not dims:  # numpy: reduce over no axis at all; torch's dim=() would reduce them all
            return a.clone()
        return fn(a, dim=dims, keepdim=keepdims)

    return call


def _torch_index(x: Any, index: Any) -> tuple[Any, Any]:
    """numpy's `x[index]` as torch's `x'[index']`, torch having no negative slice steps: those axes
    of x are flipped instead."""
    parts = list(index) if isinstance(index, tuple) else [index]
    consumed = sum(p is not None and p is not Ellipsis for p in parts)
    out: list[Any] = []
    flips: list[int] = []
    dim = 0
    for p in parts:
        if p is Ellipsis:
            out.extend([slice(None)] * (x.ndim - consumed))
            dim += x.ndim - consumed
        elif p is None:
            out.append(None)
        elif isinstance(p, slice):
            size = x.shape[dim]
            start, stop, step = p.indices(size)
            if step < 0:
                flips.append(dim)
                r = range(start, stop, step)
                out.append(slice(size - 1 - r[0], size - r[-1], -step) if r else slice(0, 0))
            else:
                out.append(slice(start, stop, step))
            dim += 1
        elif isinstance(p, np.ndarray):
            out.append(torch.as_tensor(p))
            dim += 1
        else:
            out.append(int(p))
            dim += 1
    return (x.flip(flips) if flips else x), tuple(out)


def _both_tensors(a: Any, b: Any) -> tuple[Any, Any]:
    """torch.maximum takes tensors only: a Python number becomes a 0-d float64 tensor."""
    as_t = lambda x: x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float64)  # noqa: E731
    return as_t(a), as_t(b)


# How torch's calling conventions differ from numpy's, per kind of op: each wraps the row's torch
# function (or, for a row without one, its own `call` run on torch tensors).
CONVENTIONS: dict[str, Any] = {
    "reduce": _reduction,  # dim= and keepdim= for axis= and keepdims=
    "softmax": lambda fn: lambda a, axis=-1: fn(a, axis),
    "squeeze": lambda fn: lambda a, axis=None: fn(a) if axis is None else fn(a, axis),
    "transpose": lambda fn: lambda a, axes=None: fn(a, axes or tuple(reversed(range(a.ndim)))),
    "leaky_relu": lambda fn: lambda a, slope=0.01: fn(a, slope),
    "index": lambda fn: lambda x, index: fn(*_torch_index(x, index)),
}


def _torch_function(spec: OpSpec) -> Any:
    """The row's PyTorch counterpart, taking the arguments its `call` takes."""
    if spec.torch is None:  # `call` itself runs on torch tensors: operators, shared methods
        return CONVENTIONS.get(spec.kind, lambda fn: fn)(spec.call)
    fn = functools.reduce(getattr, spec.torch.split("."), torch)
    if spec.kind == "binary":  # a torch function (not an operator) takes tensors only
        return lambda a, b: fn(*_both_tensors(a, b))
    return CONVENTIONS.get(spec.kind, lambda fn: fn)(fn)


TORCH: dict[str, Any] = {spec.name: _torch_function(spec) for spec in OPS}


def test_every_torch_name_of_the_table_is_a_torch_function() -> None:
    for spec in OPS:
        if spec.torch is not None:
            fn = functools.reduce(getattr, spec.torch.split("."), torch)
            assert callable(fn), f"{spec.name}: torch.{spec.torch} is not a function"


def _torch_args(case: Case) -> list[Any]:
    out: list[Any] = []
    for i, (a, const) in enumerate(zip(case.args, case.is_const, strict=True)):
        if const:  # a Python number stays one; a numpy scalar would turn torch into numpy
            is_array = isinstance(a, np.ndarray)
            out.append(torch.from_numpy(np.array(a)) if is_array else float(a))
        elif case.same and i == 1:
            out.append(out[0])
        else:
            t = torch.tensor(np.array(a, dtype=np.float64), requires_grad=case.requires[i])
            out.append(t)
    return out


@SPECS
@given(data=st.data())
def test_op_agrees_with_pytorch(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec), label="case")
    ours = case.tensors()
    theirs = _torch_args(case)
    out = spec.call(*ours, **case.kwargs)
    expected = TORCH[spec.name](*theirs, **case.kwargs)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=RTOL, atol=ATOL)
    W = data.draw(arrays_in(Domain(-2.0, 2.0), out.shape), label="W")
    (out * W).sum().backward()
    (expected * torch.from_numpy(W)).sum().backward()
    for i, (a, t) in enumerate(zip(ours, theirs, strict=True)):
        if isinstance(a, Tensor) and a.requires_grad:
            np.testing.assert_allclose(
                a.grad.data, t.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"input {i}"
            )


@pytest.mark.parametrize("name", list(NUMPY_FUNCTIONS))
@given(data=st.data())
def test_numpy_function_on_tensors_agrees_with_pytorch(name: str, data: st.DataObject) -> None:
    """`np.exp(t)`, `np.dot(W, X)`, `np.sum(t, axis=1)`, ... on Tensors: PyTorch's numbers."""
    row, numpy_call = NUMPY_FUNCTIONS[name]
    spec = next(s for s in OPS if s.name == row)
    case = data.draw(cases(spec), label="case")
    if name == "dot":
        assume(all(np.ndim(a) <= 2 for a in case.args))
    if name == "square":
        assume(not case.is_const[0] and case.requires[0])
        numpy_call, torch_call = square, lambda a, b: a**2
    else:
        torch_call = TORCH[row]
    ours, theirs = case.tensors(), _torch_args(case)
    out = numpy_call(*ours, **case.kwargs)
    expected = torch_call(*theirs, **case.kwargs)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=RTOL, atol=ATOL)
    W = data.draw(arrays_in(Domain(-2.0, 2.0), out.shape), label="W")
    (out * W).sum().backward()
    (expected * torch.from_numpy(W)).sum().backward()
    used = ours[:1] if name == "square" else ours
    for i, (a, t) in enumerate(zip(used, theirs, strict=False)):
        if isinstance(a, Tensor) and a.requires_grad:
            np.testing.assert_allclose(
                a.grad.data, t.grad.numpy(), rtol=RTOL, atol=ATOL, err_msg=f"input {i}"
            )


# ----------------------------------------------------------------------------------------------
# Composite graphs


def _both(*arrays: np.ndarray, requires_grad: bool = True) -> tuple[list[Tensor], list[Any]]:
    ours = [Tensor(a, requires_grad=requires_grad) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=requires_grad) for a in arrays]
    return ours, theirs


def _assert_close(ours: Any, theirs: Any, what: str = "") -> None:
    np.testing.assert_allclose(
        np.asarray(ours.data if isinstance(ours, Tensor) else ours),
        theirs.detach().numpy(),
        rtol=RTOL,
        atol=ATOL,
        err_msg=what,
    )


def _bce(z: Tensor, y: Any) -> Tensor:
    return BCEWithLogits.apply(z, y if isinstance(y, Tensor) else Tensor(y))


@st.composite
def two_layer_nets(draw: Any) -> tuple:
    X, Y = draw(course_layout())
    n_x, _ = X.shape
    n_h = draw(st.integers(1, 5))
    shapes = [(n_h, n_x), (n_h, 1), (1, n_h), (1, 1)]
    params = [draw(arrays_in(Domain(-1.0, 1.0), s)) for s in shapes]
    return X.numpy(), Y.numpy(), params


@given(two_layer_nets(), st.booleans())
def test_course_two_layer_net(net: tuple, fused: bool) -> None:
    """The course's planar net: Z1 = W1 X + b1, A1 = tanh, Z2 = W2 A1 + b2, A2 = sigmoid, the
    cross-entropy cost (written out with log, or the fused op), then backward."""
    X, Y, params = net
    m = X.shape[1]
    (W1, b1, W2, b2), (tW1, tb1, tW2, tb2) = _both(*params)

    def cost(lib: Any, W1: Any, b1: Any, W2: Any, b2: Any, X: Any, Y: Any) -> Any:
        A1 = lib.tanh(W1 @ X + b1)
        Z2 = W2 @ A1 + b2
        if fused:
            return lib.bce(Z2, Y)
        A2 = lib.sigmoid(Z2)
        return -(1 / m) * (Y * lib.log(A2) + (1 - Y) * lib.log(1 - A2)).sum()

    class Ours:
        tanh, sigmoid, log = Tensor.tanh, Tensor.sigmoid, Tensor.log
        bce = staticmethod(_bce)

    class Theirs:
        tanh, sigmoid, log = torch.tanh, torch.sigmoid, torch.log
        bce = staticmethod(F.binary_cross_entropy_with_logits)

    J = cost(Ours, W1, b1, W2, b2, X, Y)
    tJ = cost(Theirs, tW1, tb1, tW2, tb2, torch.from_numpy(X), torch.from_numpy(Y))
    assert J.shape == () and J.requires_grad
    _assert_close(J, tJ, "cost")
    J.backward()
    tJ.backward()
    for name, p, tp in zip(
        ("W1", "b1", "W2", "b2"), (W1, b1, W2, b2), (tW1, tb1, tW2, tb2), strict=True
    ):
        assert p.grad.shape == p.shape
        _assert_close(p.grad, tp.grad, f"d{name}")


GRAPH_OPS = ("add", "sub", "mul", "neg", "tanh", "sigmoid", "pass", "scale", "rsub", "sumk")


@st.composite
def graphs(draw: Any) -> tuple:
    """A random graph: three leaves of mutually broadcastable shapes, then ops that each read one
    or two earlier nodes (so nodes are reused by several consumers); the cost sums the last node
    and a drawn subset of the others. "pass" is x + 0.0, whose backward hands on the very array
    it received (the engine must not let two tensors add into that one array)."""
    bs = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    leaves = [draw(arrays_in(Domain(-2.0, 2.0), s)) for s in bs.input_shapes]
    requires = draw(st.lists(st.booleans(), min_size=3, max_size=3))
    if not any(requires):
        requires[0] = True
    program = []
    for k in range(draw(st.integers(1, 8))):
        n = len(leaves) + k
        program.append(
            (
                draw(st.sampled_from(GRAPH_OPS)),
                draw(st.integers(0, n - 1)),
                draw(st.integers(0, n - 1)),
            )
        )
    n_nodes = len(leaves) + len(program)
    outputs = set(draw(st.lists(st.integers(0, n_nodes - 1), max_size=n_nodes)))
    return leaves, requires, program, outputs


def _evaluate(nodes: list, program: list, outputs: set[int], lib: str) -> Any:
    nodes = list(nodes)
    for op, i, j in program:
        a, b = nodes[i], nodes[j]
        if op == "add":
            r = a + b
        elif op == "sub":
            r = a - b
        elif op == "mul":
            r = a * b
        elif op == "neg":
            r = -a
        elif op == "tanh":
            r = a.tanh()
        elif op == "sigmoid":
            r = a.sigmoid()
        elif op == "pass":
            r = a + 0.0
        elif op == "scale":
            r = a * 1.5
        elif op == "rsub":
            r = 1.0 - a
        elif a.ndim == 0:  # sumk of a 0-d node
            r = a + 0.0
        else:  # sumk: the sum over axis 0, kept as size 1 so later ops broadcast it back
            r = a.sum(axis=0, keepdims=True) if lib == "ours" else a.sum(dim=0, keepdim=True)
        nodes.append(r)
    # the cost reads the last node and a drawn subset of the others: sum_k (node_k * (k + 1)).sum()
    used = [node for k, node in enumerate(nodes) if k == len(nodes) - 1 or k in outputs]
    return sum((node * float(k + 1)).sum() for k, node in enumerate(used))


@given(graphs())
def test_random_graphs_with_reuse(graph: tuple) -> None:
    leaves, requires, program, outputs = graph
    ours = [Tensor(a, requires_grad=r) for a, r in zip(leaves, requires, strict=True)]
    theirs = [
        torch.tensor(a, dtype=torch.float64, requires_grad=r)
        for a, r in zip(leaves, requires, strict=True)
    ]
    J = _evaluate(ours, program, outputs, "ours")
    tJ = _evaluate(theirs, program, outputs, "torch")
    _assert_close(J, tJ, "cost")
    assert J.requires_grad == tJ.requires_grad
    if not J.requires_grad:  # the cost does not depend on a leaf that requires grad
        return
    J.backward()
    tJ.backward()
    grads = []
    for k, (a, t) in enumerate(zip(ours, theirs, strict=True)):
        if t.grad is None:  # the cost does not depend on this leaf: no gradient, as in torch
            assert a.grad is None
        elif a.requires_grad:
            _assert_close(a.grad, t.grad, f"leaf {k}")
            grads.append(a.grad.data)
        else:
            assert a.grad is None
    for i, g in enumerate(grads):
        for h in grads[i + 1 :]:
            assert not np.shares_memory(g, h), "two leaves share one gradient array"


@given(st.integers(1, 40), arrays_in(Domain(-2.0, 2.0), (2, 3)))
def test_node_reused_by_many_consumers(k: int, x: np.ndarray) -> None:
    (t,), (tt,) = _both(x)
    y, ty = t.tanh(), tt.tanh()
    J = sum((y * float(i)).sum() for i in range(1, k + 1)) + (y * y).sum()
    tJ = sum((ty * float(i)).sum() for i in range(1, k + 1)) + (ty * ty).sum()
    J.backward()
    tJ.backward()
    _assert_close(t.grad, tt.grad)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@given(
    arrays_in(Domain(-1000.0, 1000.0), st.sampled_from([(3,), (2, 3), (3, 4)])),
    st.sampled_from([-1, 0]),
)
def test_softmax_at_large_inputs(name: str, x: np.ndarray, axis: int) -> None:
    x = x.copy()
    x.flat[0], x.flat[-1] = 1000.0, -1000.0
    (t,), (tt,) = _both(x)
    out = getattr(t, name)(axis)
    expected = getattr(torch, name)(tt, axis)
    assert np.isfinite(out.data).all()
    _assert_close(out, expected)
    W = np.linspace(-1.0, 1.0, x.size).reshape(x.shape)
    (out * W).sum().backward()
    (expected * torch.from_numpy(W)).sum().backward()
    assert np.isfinite(t.grad.data).all()
    _assert_close(t.grad, tt.grad)


def test_log_softmax_of_0_800_minus_800() -> None:
    (t,), (tt,) = _both(np.array([0.0, 800.0, -800.0]))
    out, expected = t.log_softmax(), torch.log_softmax(tt, -1)
    _assert_close(out, expected)
    assert out.data[2] == pytest.approx(-1600.0)


def test_sigmoid_at_plus_minus_800() -> None:
    x = np.array([-800.0, -710.0, -30.0, 0.0, 30.0, 710.0, 800.0])
    (t,), (tt,) = _both(x)
    out, expected = t.sigmoid(), torch.sigmoid(tt)
    assert np.isfinite(out.data).all()
    _assert_close(out, expected)
    out.sum().backward()
    expected.sum().backward()
    assert np.isfinite(t.grad.data).all()
    _assert_close(t.grad, tt.grad)


def test_bce_with_logits_at_plus_minus_800() -> None:
    z, y = np.array([[-800.0, -40.0, 0.0, 40.0, 800.0]]), np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    (tz, ty), (Tz, Ty) = _both(z, y)
    J, tJ = BCEWithLogits.apply(tz, ty), F.binary_cross_entropy_with_logits(Tz, Ty)
    _assert_close(J, tJ)
    J.backward()
    tJ.backward()
    _assert_close(tz.grad, Tz.grad)
    _assert_close(ty.grad, Ty.grad)


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(max_dims=3, max_side=4),
        elements=st.sampled_from([0.0, 1.0, 2.0]),
    ),
    st.data(),
)
def test_max_ties_split_evenly_like_amax(x: np.ndarray, data: st.DataObject) -> None:
    """Where k elements share the maximum each gets 1/k of its gradient (torch.amax does the same;
    torch.max(dim) would give it all to one of them)."""
    axis = data.draw(axes(x.ndim), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    (t,), (tt,) = _both(x)
    out = t.max(axis=axis, keepdims=keepdims)
    expected = TORCH["max"](tt, axis=axis, keepdims=keepdims)
    _assert_close(out, expected)
    W = np.arange(1.0, out.size + 1).reshape(out.shape)
    (out * W).sum().backward()
    (expected * torch.from_numpy(W)).sum().backward()
    _assert_close(t.grad, tt.grad)


def test_kinks_at_exactly_zero() -> None:
    """relu's gradient at 0 is 0, abs's is 0 (sign), leaky_relu's is the slope: as PyTorch."""
    x = np.array([-1.0, 0.0, 1.0])
    for ours, theirs in [
        (Tensor.relu, torch.relu),
        (Tensor.abs, torch.abs),
        (lambda t: t.leaky_relu(0.2), lambda t: F.leaky_relu(t, 0.2)),
    ]:
        (t,), (tt,) = _both(x)
        ours(t).sum().backward()
        theirs(tt).sum().backward()
        _assert_close(t.grad, tt.grad)


@pytest.mark.parametrize("a, b", [(0.0, 0.0), (0.0, 2.0), (0.0, 1.0), (2.0, 0.0), (1.5, -1.0)])
def test_pow_gradients_at_zero_take_pytorchs_limits(a: float, b: float) -> None:
    # d(a^b)/da at b = 0 and d(a^b)/db at a = 0 meet 0 * inf; the limits are 0, as PyTorch gives
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    (x**y).backward()
    tx = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    (tx**ty).backward()
    assert x.grad.item() == tx.grad.item()
    assert y.grad.item() == ty.grad.item()
