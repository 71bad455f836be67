"""A user's `Function` in a jitted step: an op with no lowering, replayed as an opaque call of its
own forward and backward (as eager calls them), equal to eager bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiled._harness import World, assert_compiled, run_both
from tests.support.custom_ops import Cube, NumpyCos
from tinygrad_edu import Function, Tensor, optim


class ScaledTanh(Function):
    """out = tanh(a) * k, k an array that needs no gradient.    da = grad * (1 - tanh(a)^2) * k,
    from a value kept on ctx (not an input); dk = None."""

    @staticmethod
    def forward(ctx, a, k):
        ctx.t = np.tanh(a)
        ctx.k = k
        return ctx.t * k

    @staticmethod
    def backward(ctx, grad):
        return grad * (1.0 - ctx.t**2) * ctx.k, None


def function_world(op) -> World:
    rng = np.random.RandomState(7)
    W = Tensor(rng.randn(3, 4), requires_grad=True)
    X = Tensor(rng.randn(4, 5))
    k = rng.rand(3, 5)
    opt = optim.SGD([W], lr=0.1)

    def step(X):
        opt.zero_grad()
        Z = W @ X
        A = op(Z, k)
        cost = (A * A).mean()
        cost.backward()
        opt.step()
        return cost, A

    return World(step, {"W": W}, [(X,)], [opt])


OPS = {
    "cube (backward with operators)": lambda z, k: Cube.apply(z) * k,
    "sin (backward with numpy)": lambda z, k: NumpyCos.apply(z) + k,
    "scaled tanh (two inputs, state on ctx)": lambda z, k: ScaledTanh.apply(z, k),
}


@pytest.mark.parametrize("op", OPS.values(), ids=OPS.keys())
def test_user_function_is_an_opaque_call_equal_to_eager(op) -> None:
    """Protects the opaque call: a fresh ctx per replay, the backward given the replay's arrays,
    its gradient converted as eager converts it."""
    run = run_both(lambda: function_world(op), n_calls=4)
    (entry,) = assert_compiled(run)
    assert "forward(" in entry.source and ".backward" in entry.source, entry.source


def test_user_function_alone_on_a_parameter() -> None:
    """Protects an opaque op applied directly to a parameter (its gradient added into .grad)."""

    def make() -> World:
        x = Tensor(np.linspace(-2.0, 2.0, 6), requires_grad=True)
        opt = optim.Momentum([x], lr=0.1)

        def step():
            opt.zero_grad()
            cost = NumpyCos.apply(x).sum() + NumpyCos.apply(x * 2.0).sum()
            cost.backward()
            opt.step()
            return cost

        return World(step, {"x": x}, [()], [opt])

    assert_compiled(run_both(make))
