"""Second derivatives of every op of the table (`tinygrad_edu.testing.op_table.OPS`), over the inputs that
tests/support/op_cases.py draws for the first-order tests (test_ops_table.py): `gradgradcheck` (central
differences of the first derivative against double backward) in float64, float32 kept end to end,
the same first derivatives with and without create_graph, and PyTorch float64 as the oracle. Then
ScatterAdd, the internal op that is index's gradient, differentiated up to the third order.

Why each op is also checked squared: gradgradcheck differentiates s(x) = sum(dL/dx * V) with respect
to x only. For L = sum(op(x) * R) the gradient reaching the op is the constant R, so a backward that
is not differentiable in the gradient it receives (one that detaches `grad`) would pass. For
L = sum(op(x)^2 * R) the op receives 2 op(x) R, which depends on x, so both paths are checked
(test_the_squared_check_catches_a_detached_incoming_gradient shows the difference).

The table's Domains keep inputs away from kinks (relu, abs, leaky_relu at 0; no ties in max), poles
(division by 0) and pow's a <= 0, where second derivatives do not exist.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.op_cases import Case, cases, grad_inputs, substitute
from tinygrad_edu import Function, Tensor, grad, gradcheck, gradgradcheck
from tinygrad_edu.autograd.gradcheck import GradcheckError
from tinygrad_edu.ops.movement import ScatterAdd
from tinygrad_edu.testing import arrays_in
from tinygrad_edu.testing.op_table import OPS, Domain, OpSpec

try:
    import torch
except ImportError:  # pragma: no cover - the PyTorch comparisons are skipped
    torch = None
if torch is not None:
    from tests.contract.test_oracle_torch import TORCH, _torch_args

NEEDS_TORCH = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
SPECS = pytest.mark.parametrize("spec", OPS, ids=[s.name for s in OPS])
WEIGHTS = Domain(-2.0, 2.0)
# Each PyTorch example runs several backward passes in two libraries: a fifth of the profile's
# examples (5 in dev, 100 in thorough). settings() inherits the rest of the loaded profile.
FEWER = settings(max_examples=max(5, settings.default.max_examples // 5))


def _call(case: Case, args: list[Any], wrt: list[Tensor]) -> Any:
    """fn(*xs): the case's op with the tensors requiring grad replaced by xs."""

    def op(*xs: Tensor) -> Tensor:
        return case.spec.call(*substitute(args, wrt, xs), **case.kwargs)

    return op


def _squared(op: Any) -> Any:
    """fn(*xs) = op(*xs)^2 elementwise: the op's backward then receives 2 op(x) R, not a constant."""

    def fn(*xs: Tensor) -> Tensor:
        y = op(*xs)
        return y * y

    return fn


def _first_and_second(
    case: Case, dtype: Any, W: np.ndarray, V: list[np.ndarray]
) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
    """For L = sum(op * W): the inputs requiring grad, dL/dx (create_graph=True) and the gradient of
    s = sum_i sum(dL/dx_i * V_i), i.e. the Hessian of L times V (zeros where s does not depend on x)."""
    args = case.tensors(dtype)
    wrt = grad_inputs(case, args)
    out = case.spec.call(*args, **case.kwargs)
    L = (out * W.astype(dtype)).sum()
    first = list(grad(L, wrt, create_graph=True))
    terms = [(g * v.astype(dtype)).sum() for g, v in zip(first, V, strict=True)]
    s = sum(terms[1:], terms[0])
    if not s.requires_grad:  # a linear op: the first derivative does not depend on x
        return wrt, first, [Tensor(np.zeros(x.shape, dtype=dtype)) for x in wrt]
    second = grad(s, wrt, allow_unused=True)
    zeros = [Tensor(np.zeros(x.shape, dtype=dtype)) for x in wrt]
    return wrt, first, [z if h is None else h for h, z in zip(second, zeros, strict=True)]


@SPECS
@given(data=st.data())
def test_second_derivatives_match_central_differences(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec), label="case")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")  # gradgradcheck's R and V
    args = case.tensors()
    wrt = grad_inputs(case, args)
    before = [np.array(t.data, copy=True) for t in wrt]
    op = _call(case, args, wrt)
    assert gradgradcheck(op, *wrt, seed=seed)
    assert gradgradcheck(_squared(op), *wrt, seed=seed)
    for t, b in zip(wrt, before, strict=True):
        assert np.array_equal(t.data, b), f"{spec.name}: gradgradcheck changed an input"
        assert t.grad is None, f"{spec.name}: gradgradcheck wrote .grad"


@SPECS
@given(data=st.data())
def test_create_graph_gives_the_same_first_derivatives(spec: OpSpec, data: st.DataObject) -> None:
    """The sweep on Tensors runs the very formulas of the sweep on arrays: same values, dtypes and
    shapes; only the history differs. `.grad` is left untouched by grad()."""
    case = data.draw(cases(spec), label="case")
    args = case.tensors()
    wrt = grad_inputs(case, args)
    out = spec.call(*args, **case.kwargs)
    W = data.draw(arrays_in(WEIGHTS, out.shape), label="W")
    L = (out * W).sum()
    plain = grad(L, wrt, retain_graph=True)
    recorded = grad(L, wrt, create_graph=True)
    for k, (x, p, r) in enumerate(zip(wrt, plain, recorded, strict=True)):
        assert not p.requires_grad and p.is_leaf
        assert r.dtype == p.dtype == x.dtype and r.shape == p.shape == x.shape
        np.testing.assert_allclose(r.data, p.data, rtol=1e-12, atol=0, err_msg=f"input {k}")
        assert x.grad is None


@SPECS
@given(data=st.data())
def test_second_derivatives_keep_float32(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec), label="case")
    args = case.tensors()
    W = data.draw(arrays_in(WEIGHTS, spec.call(*args, **case.kwargs).shape), label="W")
    wrt = grad_inputs(case, args)
    V = [data.draw(arrays_in(WEIGHTS, x.shape), label=f"V{i}") for i, x in enumerate(wrt)]
    wrt32, first32, second32 = _first_and_second(case, np.float32, W, V)
    _, first64, second64 = _first_and_second(case, np.float64, W, V)
    for k, (x, g, h) in enumerate(zip(wrt32, first32, second32, strict=True)):
        assert g.dtype == np.float32, f"{spec.name}: dL/dx_{k} is {g.dtype}"
        assert h.dtype == np.float32, f"{spec.name}: the second derivative of x_{k} is {h.dtype}"
        assert g.shape == h.shape == x.shape
    for a32, a64 in zip(first32 + second32, first64 + second64, strict=True):
        scale = max(1.0, float(np.abs(a64.data).max(initial=0.0)))
        np.testing.assert_allclose(a32.data, a64.data, rtol=1e-3, atol=1e-4 * scale)


# ----------------------------------------------------------------------------------------------
# PyTorch float64 as the oracle


def _torch_wrt(case: Case, ours: list[Any], theirs: list[Any]) -> list[Any]:
    """PyTorch's tensors matching grad_inputs(case, ours), in the same order."""
    out: list[Any] = []
    for a, t in zip(ours, theirs, strict=True):
        if isinstance(a, Tensor) and a.requires_grad and all(t is not u for u in out):
            out.append(t)
    return out


@NEEDS_TORCH
@SPECS
@FEWER
@given(data=st.data())
def test_second_derivatives_agree_with_pytorch(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec), label="case")
    ours, theirs = case.tensors(), _torch_args(case)
    wrt, twrt = grad_inputs(case, ours), _torch_wrt(case, ours, theirs)
    out = spec.call(*ours, **case.kwargs)
    tout = TORCH[spec.name](*theirs, **case.kwargs)
    W = data.draw(arrays_in(WEIGHTS, out.shape), label="W")
    W2 = data.draw(arrays_in(WEIGHTS, out.shape), label="W2")
    V = [data.draw(arrays_in(WEIGHTS, x.shape), label=f"V{i}") for i, x in enumerate(wrt)]

    # L = sum(out * W + out^2 * W2): the second term makes the gradient reaching the op depend on x
    L = (out * W + out * out * W2).sum()
    tW, tW2 = torch.from_numpy(W), torch.from_numpy(W2)
    first = grad(L, wrt, create_graph=True)
    tfirst = torch.autograd.grad((tout * tW + tout * tout * tW2).sum(), twrt, create_graph=True)
    for k, (g, tg) in enumerate(zip(first, tfirst, strict=True)):
        np.testing.assert_allclose(g.data, tg.detach().numpy(), rtol=1e-7, atol=1e-12, err_msg=k)

    s = sum((g * v).sum() for g, v in zip(first, V, strict=True))
    ts = sum((tg * torch.from_numpy(v)).sum() for tg, v in zip(tfirst, V, strict=True))
    # a first derivative that does not depend on x (a linear op) has no history: all zeros
    second = grad(s, wrt, allow_unused=True) if s.requires_grad else [None] * len(wrt)
    tsecond = (
        torch.autograd.grad(ts, twrt, allow_unused=True) if ts.requires_grad else [None] * len(wrt)
    )
    for k, (x, h, th) in enumerate(zip(wrt, second, tsecond, strict=True)):
        ours_h = np.zeros(x.shape) if h is None else h.data
        # a linear op's second derivative may be PyTorch's ZeroTensor, which needs force=True
        theirs_h = np.zeros(x.shape) if th is None else th.detach().numpy(force=True)
        np.testing.assert_allclose(
            ours_h, theirs_h, rtol=1e-7, atol=1e-12, err_msg=f"{spec.name}: input {k}"
        )


# ----------------------------------------------------------------------------------------------
# The check itself can fail


class _SumDetached(Function):
    """out = sum(a), with a backward that is right in value but detaches the gradient it receives:
    correct first derivatives, wrong second ones in any graph where that gradient depends on a."""

    @staticmethod
    def forward(ctx, a):
        ctx.shape = a.shape
        return np.asarray(a.sum())

    @staticmethod
    def backward(ctx, grad):
        g = grad.detach() if isinstance(grad, Tensor) else grad
        return g * np.ones(ctx.shape)


def test_the_squared_check_catches_a_detached_incoming_gradient() -> None:
    x = Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)
    assert gradcheck(lambda t: _SumDetached.apply(t), x)
    assert gradgradcheck(lambda t: _SumDetached.apply(t), x)  # alone, R is constant: it passes
    with pytest.raises(GradcheckError, match="The op at fault: _SumDetached"):
        gradgradcheck(_squared(lambda t: _SumDetached.apply(t)), x)


# ----------------------------------------------------------------------------------------------
# ScatterAdd: index's gradient as an op, so that index can be differentiated again

ROWS = np.array([0, 2, 0, 3])  # row 0 is read twice: its gradients add up


def _index(x: Any) -> Any:
    return x[ROWS, ::-1]


def test_scatter_add_forward_and_its_gradient() -> None:
    """ScatterAdd(g) puts g where a[index] reads, adding where a position is read twice; its own
    gradient is grad[index]. It is linear: second derivatives zero, checked squared as well."""
    g = Tensor(np.arange(12.0).reshape(4, 3) - 5.0, requires_grad=True)
    out = ScatterAdd.apply(g, shape=(5, 3), index=(ROWS, slice(None, None, -1)), repeats=True)
    expected = np.zeros((5, 3))
    np.add.at(expected, (ROWS, slice(None, None, -1)), g.data)
    np.testing.assert_array_equal(out.data, expected)
    assert expected[0].tolist() == (g.data[0] + g.data[2])[::-1].tolist()  # the repeat adds

    def scatter(t: Tensor) -> Tensor:
        return ScatterAdd.apply(t, shape=(5, 3), index=(ROWS, slice(None, None, -1)), repeats=True)

    assert gradcheck(scatter, g)
    assert gradgradcheck(scatter, g)
    assert gradgradcheck(_squared(scatter), g)


def test_index_gradient_is_a_scatter_add_that_differentiates_twice_more() -> None:
    """Triple backward through x[rows, ::-1]: the first gradient is a ScatterAdd, whose backward is
    an index, whose backward is a ScatterAdd again. Checked by central differences of the first and
    of the second derivative, and against PyTorch."""
    rng = np.random.default_rng(7)
    x = Tensor(rng.uniform(-1.5, 1.5, (5, 3)), requires_grad=True)
    W, V, U = (rng.standard_normal(s) for s in ((4, 3), (5, 3), (5, 3)))

    def first_derivative(t: Tensor) -> Tensor:
        (g,) = grad((_index(t).tanh() * W).sum(), t, create_graph=True)
        return g

    g1 = first_derivative(x)
    assert type(g1.grad_fn) is ScatterAdd
    (g2,) = grad((g1 * V).sum(), x, create_graph=True)
    (g3,) = grad((g2 * U).sum(), x)
    assert g1.shape == g2.shape == g3.shape == (5, 3)
    assert np.abs(g3.data).max() > 1e-3  # tanh''' is not 0: the third order is really exercised
    # gradgradcheck of the first derivative differentiates it twice: third derivatives of the cost
    assert gradgradcheck(first_derivative, x)
    assert gradgradcheck(_squared(first_derivative), x)

    if torch is None:
        pytest.skip("PyTorch is not installed")
    tx = torch.tensor(x.data, requires_grad=True)
    rows = torch.from_numpy(ROWS)
    t1 = torch.autograd.grad(
        (tx[rows].flip(1).tanh() * torch.from_numpy(W)).sum(), tx, create_graph=True
    )[0]
    t2 = torch.autograd.grad((t1 * torch.from_numpy(V)).sum(), tx, create_graph=True)[0]
    t3 = torch.autograd.grad((t2 * torch.from_numpy(U)).sum(), tx)[0]
    for ours, theirs in ((g1, t1), (g2, t2), (g3, t3)):
        np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-7, atol=1e-12)


def test_index_backward_stays_on_arrays_without_create_graph() -> None:
    x = Tensor(np.ones((5, 3)), requires_grad=True)
    x[ROWS, ::-1].sum().backward()
    assert x.grad.grad_fn is None and not x.grad.requires_grad
    assert x.grad.data[:, 0].tolist() == [2.0, 0.0, 1.0, 1.0, 0.0]
