"""Double backward: `backward(create_graph=True)`, `grad(...)` and gradgradcheck on whole graphs.

The course's calculus (x^3, the u = b*c, v = a + u, J = 3v graph), Hessian-vector products of a small
network against central differences, the explicit Hessian and PyTorch, grad()'s contract against
PyTorch's torch.autograd.grad, accumulation into .grad, custom Functions, and that the ordinary
(create_graph=False) gradients are unchanged. The op-by-op sweep is test_double_backward_table.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from tests.support.custom_ops import Cube, NumpyCos
from tinygrad_edu import Function, Tensor, grad, gradcheck, gradgradcheck, nn, no_grad
from tinygrad_edu.autograd.gradcheck import GradcheckError

try:
    import torch
except ImportError:  # pragma: no cover - the PyTorch comparisons are skipped
    torch = None

NEEDS_TORCH = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
# PyTorch warns that backward(create_graph=True) makes a reference cycle; here that is the point
TORCH_BACKWARD_CYCLE = pytest.mark.filterwarnings(
    "ignore:Using backward\\(\\) with create_graph=True:UserWarning"
)


def _t(x: Any) -> Any:
    """A float64 PyTorch leaf requiring grad, with x's values."""
    return torch.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)


# ----------------------------------------------------------------------------------------------
# The course's calculus


def test_cube_backward_with_create_graph_then_again() -> None:
    """J = x^3: dJ/dx = 3x^2 (a Tensor with history), d/dx(3x^2) = 6x, d/dx(6x) = 6."""
    x = Tensor(3.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    first = x.grad
    assert first.item() == 27.0
    assert first.requires_grad and first.grad_fn is not None and not first.is_leaf
    x.grad = None  # otherwise the next backward adds 6x into the same .grad
    first.backward(create_graph=True)
    second = x.grad
    assert second.item() == 18.0 and second.requires_grad
    x.grad = None
    second.backward()
    assert x.grad.item() == 6.0
    assert not x.grad.requires_grad  # the last backward had no create_graph


def test_cube_elementwise_through_grad() -> None:
    x = Tensor([-2.0, 0.5, 1.5], requires_grad=True)
    (g,) = grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, 3 * x.data**2, rtol=1e-15)
    (h,) = grad(g.sum(), x, create_graph=True)
    np.testing.assert_allclose(h.data, 6 * x.data, rtol=1e-15)
    (k,) = grad(h.sum(), x, allow_unused=True)
    # 6x is linear: its gradient is the constant 6 (recorded through 6 * x's Mul)
    np.testing.assert_array_equal(k.data, [6.0, 6.0, 6.0])
    assert x.grad is None


def _sigmoid2(x: float) -> float:
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s) * (1 - 2 * s)


ZERO_D = {  # f and its second derivative
    "exp": (Tensor.exp, np.exp),
    "tanh": (Tensor.tanh, lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2)),
    "sigmoid": (Tensor.sigmoid, _sigmoid2),
    "sqrt": (Tensor.sqrt, lambda x: -0.25 * x**-1.5),
    "pow": (lambda x: x**2.5, lambda x: 2.5 * 1.5 * x**0.5),
    "rpow": (lambda x: 2.0**x, lambda x: 2.0**x * np.log(2.0) ** 2),
}


@pytest.mark.parametrize("name", list(ZERO_D))
def test_second_derivative_of_a_0d_input(name: str) -> None:
    """On a 0-d array numpy returns a scalar, not an array: the ops that save their output must
    still save the output's own array, or its dependence on x is lost in the second derivative."""
    f, second = ZERO_D[name]
    x = Tensor(0.7, requires_grad=True)
    (g,) = grad(f(x), x, create_graph=True)
    (h,) = grad(g, x)
    np.testing.assert_allclose(h.item(), second(0.7), rtol=1e-12)


def test_course_graph_second_derivatives() -> None:
    """u = b*c, v = a + u, J = 3v: dJ/da = 3, dJ/db = 3c, dJ/dc = 3b; the only second derivative
    that is not 0 is d2J/db dc = d2J/dc db = 3."""
    a, b, c = (Tensor(v, requires_grad=True) for v in (5.0, 3.0, 2.0))
    J = 3 * (a + b * c)
    da, db, dc = grad(J, [a, b, c], create_graph=True)
    assert (da.item(), db.item(), dc.item()) == (3.0, 6.0, 9.0)
    assert not da.requires_grad  # 3: a constant, nothing to differentiate
    assert db.requires_grad and dc.requires_grad
    H = np.zeros((3, 3))
    for i, row in ((1, db), (2, dc)):
        for j, h in enumerate(grad(row, [a, b, c], retain_graph=True, allow_unused=True)):
            H[i, j] = 0.0 if h is None else h.item()
    np.testing.assert_array_equal(H, [[0, 0, 0], [0, 0, 3], [0, 3, 0]])
    # dJ/db = 3c does not depend on a or b: unused, as in PyTorch
    assert grad(db, [a, b], allow_unused=True) == (None, None)
    with pytest.raises(RuntimeError, match=r"output 0 .* does not require grad"):
        grad(da, a)


# ----------------------------------------------------------------------------------------------
# Hessian-vector products of a small network


def _net(seed: int) -> tuple[nn.Module, np.ndarray, np.ndarray]:
    """The course's planar net, small: 2 -> 4 tanh -> 1, on 6 examples; b drawn too (not zeros)."""
    rng = np.random.RandomState(seed)
    model = nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1))
    for p in model.parameters():
        p.data[...] = rng.randn(*p.shape)
    X = rng.randn(2, 6)
    Y = (rng.rand(1, 6) > 0.5).astype(np.float64)
    return model, X, Y


def _cost(model: nn.Module, X: np.ndarray, Y: np.ndarray, fused: bool) -> Tensor:
    Z = model(X)
    if fused:
        return nn.binary_cross_entropy_with_logits(Z, Y)
    return nn.binary_cross_entropy(Z.sigmoid(), Y)


def _flat(ts: Any) -> np.ndarray:
    return np.concatenate([np.asarray(t.data if isinstance(t, Tensor) else t).ravel() for t in ts])


def _split(flat: np.ndarray, params: list[Tensor]) -> list[np.ndarray]:
    out, start = [], 0
    for p in params:
        out.append(flat[start : start + p.size].reshape(p.shape))
        start += p.size
    return out


def _hvp(model: nn.Module, X: np.ndarray, Y: np.ndarray, fused: bool, v: list) -> np.ndarray:
    params = list(model.parameters())
    g = grad(_cost(model, X, Y, fused), params, create_graph=True)
    s = sum((gi * vi).sum() for gi, vi in zip(g, v, strict=True))
    return _flat(grad(s, params))


@pytest.mark.parametrize("fused", [False, True], ids=["sigmoid+bce", "bce_with_logits"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hessian_vector_product_of_a_small_net(seed: int, fused: bool) -> None:
    model, X, Y = _net(seed)
    params = list(model.parameters())
    n = sum(p.size for p in params)
    assert n == 17
    v = _split(np.random.RandomState(100 + seed).randn(n), params)
    hv = _hvp(model, X, Y, fused, v)

    # central differences of the gradient along v: (g(theta + eps v) - g(theta - eps v)) / 2 eps
    eps = 1e-5
    saved = [p.data.copy() for p in params]
    sides = []
    for sign in (1.0, -1.0):
        for p, p0, vi in zip(params, saved, v, strict=True):
            p.data[...] = p0 + sign * eps * vi
        sides.append(_flat(grad(_cost(model, X, Y, fused), params)))
    for p, p0 in zip(params, saved, strict=True):
        p.data[...] = p0
    np.testing.assert_allclose(hv, (sides[0] - sides[1]) / (2 * eps), rtol=1e-6, atol=1e-9)

    # the explicit Hessian, one row per element of the gradient (each row a backward through
    # g[k], an index of the gradient: ScatterAdd's graph); the graph is kept for every row
    g = grad(_cost(model, X, Y, fused), params, create_graph=True)
    rows = []
    for gi in g:
        for idx in np.ndindex(gi.shape):
            rows.append(_flat(grad(gi[idx], params, retain_graph=True)))
    H = np.array(rows)
    np.testing.assert_allclose(H, H.T, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(H @ _flat(v), hv, rtol=1e-10, atol=1e-14)
    assert all(p.grad is None for p in params)  # grad() never writes .grad

    if torch is None:
        return
    tparams = [_t(p.data) for p in params]
    tW1, tb1, tW2, tb2 = tparams
    tZ = tW2 @ torch.tanh(tW1 @ torch.from_numpy(X) + tb1) + tb2
    tY = torch.from_numpy(Y)
    if fused:
        tJ = torch.nn.functional.binary_cross_entropy_with_logits(tZ, tY)
    else:
        tJ = torch.nn.functional.binary_cross_entropy(torch.sigmoid(tZ), tY)
    tg = torch.autograd.grad(tJ, tparams, create_graph=True)
    ts = sum((gi * torch.from_numpy(vi)).sum() for gi, vi in zip(tg, v, strict=True))
    thv = _flat([h.numpy() for h in torch.autograd.grad(ts, tparams)])
    np.testing.assert_allclose(hv, thv, rtol=1e-7, atol=1e-12)


def test_gradgradcheck_of_the_small_net() -> None:
    model, X, Y = _net(3)
    params = list(model.parameters())

    def cost(*ps: Tensor) -> Tensor:
        W1, b1, W2, b2 = ps
        return nn.binary_cross_entropy((W2 @ (W1 @ X + b1).tanh() + b2).sigmoid(), Y)

    assert gradgradcheck(cost, *params)


# ----------------------------------------------------------------------------------------------
# grad(): the contract of torch.autograd.grad


def test_grad_returns_a_tuple_and_leaves_dot_grad_alone() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.grad = Tensor([10.0, 20.0])
    out = grad((x * x).sum(), x)
    assert isinstance(out, tuple) and len(out) == 1
    np.testing.assert_array_equal(out[0].data, [2.0, 4.0])
    assert not out[0].requires_grad and out[0].is_leaf
    np.testing.assert_array_equal(x.grad.data, [10.0, 20.0])
    # one tensor or a list of them: the same
    (again,) = grad((x * x).sum(), [x])
    np.testing.assert_array_equal(again.data, [2.0, 4.0])


@NEEDS_TORCH
def test_grad_of_several_outputs_with_grad_outputs_like_pytorch() -> None:
    rng = np.random.default_rng(0)
    xv, wv = rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    G1, G2 = rng.standard_normal((2, 2)), rng.standard_normal(3)
    x, w = Tensor(xv, requires_grad=True), Tensor(wv, requires_grad=True)
    tx, tw = _t(xv), _t(wv)
    y1, y2 = (x @ w).tanh(), (x * x).sum(axis=0)
    ty1, ty2 = torch.tanh(tx @ tw), (tx * tx).sum(dim=0)
    for create_graph in (False, True):
        ours = grad(
            [y1, y2], [x, w], grad_outputs=[G1, G2], create_graph=create_graph, retain_graph=True
        )
        theirs = torch.autograd.grad(
            [ty1, ty2],
            [tx, tw],
            grad_outputs=[torch.from_numpy(G1), torch.from_numpy(G2)],
            create_graph=create_graph,
            retain_graph=True,
        )
        for a, b in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-12, atol=1e-15)
            assert a.requires_grad == b.requires_grad == create_graph
    # grad_outputs as a Tensor with history: the result follows it (d/dG of dL/dx)
    G = Tensor(G1, requires_grad=True)
    tG = _t(G1)
    (gx,) = grad((x @ w).tanh(), x, grad_outputs=G, create_graph=True)
    (tgx,) = torch.autograd.grad(torch.tanh(tx @ tw), tx, grad_outputs=tG, create_graph=True)
    (dG,) = grad(gx.sum(), G)
    (tdG,) = torch.autograd.grad(tgx.sum(), tG)
    np.testing.assert_allclose(dG.data, tdG.numpy(), rtol=1e-12)


def test_grad_errors_are_clear() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    unused = Tensor([4.0, 5.0], requires_grad=True)
    constant = Tensor([1.0, 1.0, 1.0])
    y = x * x
    # non-scalar output without grad_outputs (torch: "grad can be implicitly created only for
    # scalar outputs")
    with pytest.raises(RuntimeError, match=r"output 0 has shape \(3,\).*grad_outputs"):
        grad(y, x)
    J = y.sum()
    # an input the output does not depend on: named (its position and shape)
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(2,\)\) is not part of the graph"):
        grad(J, [x, unused], retain_graph=True)
    gx, gu = grad(J, [x, unused], allow_unused=True, retain_graph=True)
    np.testing.assert_array_equal(gx.data, [2.0, 4.0, 6.0])
    assert gu is None
    with pytest.raises(RuntimeError, match=r"input 1 .* does not require grad"):
        grad(J, [x, constant], retain_graph=True)
    with pytest.raises(ValueError, match="2 grad_outputs for 1 outputs"):
        grad(J, x, grad_outputs=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"grad_outputs\[0\] has shape \(2,\)"):
        grad(y, x, grad_outputs=np.ones(2))
    with pytest.raises(TypeError, match=r"inputs\[0\] is ndarray"):
        grad(J, [x.data])
    with pytest.raises(RuntimeError, match=r"output 0 .* does not require grad"):
        grad(constant.sum(), x)


@NEEDS_TORCH
def test_grad_errors_match_pytorchs_cases() -> None:
    """The same calls fail in PyTorch: the errors above are the contract, not our invention."""
    tx, tu = _t([1.0, 2.0, 3.0]), _t([4.0, 5.0])
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        torch.autograd.grad(tx * tx, tx)
    with pytest.raises(RuntimeError, match="not have been used in the graph"):
        torch.autograd.grad((tx * tx).sum(), [tx, tu])
    with pytest.raises(RuntimeError, match="does not require grad"):
        torch.autograd.grad((tx * tx).sum(), [tx, torch.ones(3, dtype=torch.float64)])


def test_grad_of_an_input_listed_twice_and_of_an_intermediate() -> None:
    x = Tensor([1.0, -2.0], requires_grad=True)
    h = x.tanh()
    J = (h * h * 3.0).sum()
    a, b, dh = grad(J, [x, x, h], retain_graph=True)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_allclose(dh.data, 6 * h.data, rtol=1e-15)
    np.testing.assert_allclose(a.data, 6 * h.data * (1 - h.data**2), rtol=1e-14)
    c, d = grad(J, [x, x], create_graph=True)
    np.testing.assert_array_equal(c.data, a.data)
    np.testing.assert_array_equal(d.data, a.data)
    if torch is not None:
        tx = _t(x.data)
        th = torch.tanh(tx)
        ta, tb, tdh = torch.autograd.grad((th * th * 3.0).sum(), [tx, tx, th])
        for ours, theirs in ((a, ta), (b, tb), (dh, tdh)):
            np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-14)


@pytest.mark.parametrize("call", ["grad", "backward"])
def test_retain_graph(call: str) -> None:
    """Without create_graph the saved values are freed: a second pass raises the engine's error.
    retain_graph=True keeps them; create_graph=True keeps them by default."""
    x = Tensor([0.5, 1.5], requires_grad=True)

    def first(J: Tensor, **kw: Any) -> None:
        if call == "grad":
            grad(J, x, **kw)
        else:
            J.backward(**kw)

    J = (x.tanh() * x).sum()
    first(J)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        grad(J, x)

    J = (x.tanh() * x).sum()
    first(J, retain_graph=True)
    (g1,) = grad(J, x, retain_graph=True)
    (g2,) = grad(J, x)
    np.testing.assert_array_equal(g1.data, g2.data)

    J = (x.tanh() * x).sum()
    first(J, create_graph=True)
    (g3,) = grad(J, x)
    np.testing.assert_array_equal(g3.data, g1.data)

    J = (x.tanh() * x).sum()
    first(J, create_graph=True, retain_graph=False)  # explicitly freed, as PyTorch
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        grad(J, x)


@NEEDS_TORCH
def test_retain_graph_like_pytorch() -> None:
    tx = _t([0.5, 1.5])
    tJ = (torch.tanh(tx) * tx).sum()
    torch.autograd.grad(tJ, tx)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        torch.autograd.grad(tJ, tx)
    tJ = (torch.tanh(tx) * tx).sum()
    torch.autograd.grad(tJ, tx, create_graph=True)
    torch.autograd.grad(tJ, tx)  # kept by create_graph


def test_grad_records_even_inside_no_grad() -> None:
    """As PyTorch: create_graph=True records the gradient's graph whatever the grad mode."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    J = (x**3).sum()
    with no_grad():
        (g,) = grad(J, x, create_graph=True)
    assert g.requires_grad and g.grad_fn is not None
    np.testing.assert_array_equal(grad(g.sum(), x)[0].data, [6.0, 12.0])


# ----------------------------------------------------------------------------------------------
# Accumulation into .grad


@TORCH_BACKWARD_CYCLE
def test_two_backwards_with_create_graph_accumulate_out_of_place() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    first = x.grad
    np.testing.assert_array_equal(first.data, [3.0, 12.0])
    (x * x).sum().backward(create_graph=True)
    assert x.grad is not first  # a new node: the old gradient is part of the new one's graph
    np.testing.assert_array_equal(first.data, [3.0, 12.0])
    np.testing.assert_array_equal(x.grad.data, [5.0, 16.0])  # 3x^2 + 2x
    (h,) = grad(x.grad.sum(), x)  # 6x + 2
    np.testing.assert_array_equal(h.data, [8.0, 14.0])
    if torch is not None:
        tx = _t([1.0, 2.0])
        (tx**3).sum().backward(create_graph=True)
        (tx * tx).sum().backward(create_graph=True)
        np.testing.assert_array_equal(x.grad.data, tx.grad.detach().numpy())
        np.testing.assert_array_equal(h.data, torch.autograd.grad(tx.grad.sum(), tx)[0].numpy())


def test_dot_grad_from_create_graph_is_never_shared() -> None:
    """x + y hands one gradient to both leaves, and a reshape hands on a view: each .grad must be an
    array of its own, since a later backward without create_graph adds into .grad in place."""
    x, y = Tensor(1.0, requires_grad=True), Tensor(2.0, requires_grad=True)
    (x + y).backward(create_graph=True)
    assert x.grad is not y.grad and not np.shares_memory(x.grad.data, y.grad.data)
    (x * 3.0).backward()  # in place into x.grad
    assert (x.grad.item(), y.grad.item()) == (4.0, 1.0)

    w = Tensor(np.arange(6.0), requires_grad=True)
    seed = Tensor(np.ones((2, 3)))
    w.reshape(2, 3).backward(seed, create_graph=True)
    assert not np.shares_memory(w.grad.data, seed.data)
    w.sum().backward()
    np.testing.assert_array_equal(seed.data, np.ones((2, 3)))
    np.testing.assert_array_equal(w.grad.data, np.full(6, 2.0))


@NEEDS_TORCH
@TORCH_BACKWARD_CYCLE
def test_backward_with_a_gradient_that_has_history() -> None:
    """y.backward(v, create_graph=True) with v requiring grad: x.grad = 2x v depends on v too."""
    x, v = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (x**2).backward(v, create_graph=True)
    (dv,) = grad(x.grad.sum(), v)
    tx, tv = _t([1.0, 2.0]), _t([3.0, 4.0])
    (tx**2).backward(tv, create_graph=True)
    (tdv,) = torch.autograd.grad(tx.grad.sum(), tv)
    np.testing.assert_array_equal(x.grad.data, tx.grad.detach().numpy())
    np.testing.assert_array_equal(dv.data, tdv.numpy())  # 2x


# ----------------------------------------------------------------------------------------------
# Custom Functions


class DetachedCube(Function):
    """out = x^3, with a backward right in value that detaches the saved input: its first
    derivative is right, its second is 0 where it should be 6x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        x = x.detach() if isinstance(x, Tensor) else x
        return 3 * x**2 * grad


def test_a_backward_that_calls_numpy_fails_clearly_under_create_graph() -> None:
    x = Tensor([0.3, -1.0], requires_grad=True)
    NumpyCos.apply(x).sum().backward()  # on arrays it works
    np.testing.assert_allclose(x.grad.data, np.cos(x.data), rtol=1e-15)
    for attempt in (
        lambda J: J.backward(create_graph=True),
        lambda J: grad(J, x, create_graph=True),
    ):
        with pytest.raises(TypeError, match=r"NumpyCos\.backward cannot run with create_graph"):
            attempt(NumpyCos.apply(x).sum())


def test_a_custom_function_written_with_operators_double_backwards() -> None:
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    (g,) = grad(Cube.apply(x).sum(), x, create_graph=True)
    (h,) = grad(g.sum(), x)
    np.testing.assert_allclose(g.data, 3 * x.data**2, rtol=1e-15)
    np.testing.assert_allclose(h.data, 6 * x.data, rtol=1e-15)
    assert gradgradcheck(lambda t: (Cube.apply(t.tanh()) * t).sum(), x)


def test_gradgradcheck_names_the_custom_op_that_is_not_differentiable() -> None:
    x = Tensor([0.4, -0.7, 1.1], requires_grad=True)

    def cost(t: Tensor) -> Tensor:
        return (DetachedCube.apply(t.tanh() * 2.0).exp() * t).sum()

    assert gradcheck(cost, x)  # first derivatives are right
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(cost, x)
    message = str(info.value)
    assert "a second derivative is wrong" in message
    assert "The op at fault: DetachedCube, op 3 of 6" in message
    assert "test_double_backward.py" in message  # the line that called it


# ----------------------------------------------------------------------------------------------
# create_graph=False is unchanged; float32 is kept


def test_ordinary_gradients_are_unchanged() -> None:
    """backward() and grad() without create_graph run the array sweep: identical arrays; the sweep
    on Tensors gives the same values; and they are the course's formulas (dZ2 = A2 - Y, ...)."""
    model, X, Y = _net(4)
    params = list(model.parameters())
    _cost(model, X, Y, fused=False).backward()
    by_backward = [p.grad.data.copy() for p in params]
    assert all(not p.grad.requires_grad for p in params)
    plain = grad(_cost(model, X, Y, fused=False), params)
    recorded = grad(_cost(model, X, Y, fused=False), params, create_graph=True)
    for b, p, r in zip(by_backward, plain, recorded, strict=True):
        np.testing.assert_array_equal(b, p.data)  # bitwise
        np.testing.assert_allclose(r.data, b, rtol=1e-12, atol=0)

    W1, b1, W2, b2 = (p.data for p in params)
    m = X.shape[1]
    A1 = np.tanh(W1 @ X + b1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dZ2 = A2 - Y
    dZ1 = W2.T @ dZ2 * (1 - A1**2)
    course = [dZ1 @ X.T / m, dZ1.sum(axis=1, keepdims=True) / m, dZ2 @ A1.T / m]
    course.append(dZ2.sum(axis=1, keepdims=True) / m)
    for b, c in zip(by_backward, course, strict=True):
        np.testing.assert_allclose(b, c, rtol=1e-12, atol=1e-15)


def test_float32_is_kept_with_create_graph() -> None:
    x = Tensor(np.array([0.5, -1.0, 2.0], dtype=np.float32), requires_grad=True)
    w = Tensor(np.array([[1.0, 2.0, -1.0]], dtype=np.float32), requires_grad=True)
    J = ((w @ x.reshape(3, 1)).tanh() + (x.exp() * x).sum() + x.max()).sum()
    gx, gw = grad(J, [x, w], create_graph=True)
    assert gx.dtype == gw.dtype == np.float32
    # this backward walks through the forward graph too (gx depends on it): keep it for the next
    (h,) = grad((gx * gx).sum() + gw.sum(), x, retain_graph=True)
    assert h.dtype == np.float32
    J.backward(create_graph=True)
    assert x.grad.dtype == np.float32 and x.grad.requires_grad
    # several outputs: their sum, its seed and so the gradients stay float32
    (a,) = grad([x * x, x.sum()], x, grad_outputs=[np.ones(3, np.float32), None])
    assert a.dtype == np.float32
    (c,) = grad([x * x, x.sum()], x, grad_outputs=[np.ones(3, np.float32), None], create_graph=True)
    assert c.dtype == np.float32
    np.testing.assert_allclose(c.data, 2 * x.data + 1, rtol=1e-6)
    # against float64, the same values to float32's precision
    x64, w64 = Tensor(x.data.astype(np.float64), True), Tensor(w.data.astype(np.float64), True)
    J64 = ((w64 @ x64.reshape(3, 1)).tanh() + (x64.exp() * x64).sum() + x64.max()).sum()
    gx64, gw64 = grad(J64, [x64, w64], create_graph=True)
    (h64,) = grad((gx64 * gx64).sum() + gw64.sum(), x64)
    np.testing.assert_allclose(h.data, h64.data, rtol=1e-5, atol=1e-5)
