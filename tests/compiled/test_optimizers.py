"""The four optimizers in a jitted training step, in float64 and float32: parameters, gradients,
the optimizers' state (v, s, Adam's step count t) and the costs equal eager bit for bit over 6
calls, and the step is replayed from its program (the update lowered to in-place numpy calls)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiled._harness import World, assert_compiled, run_both
from tinygrad_edu import Tensor, nn, optim

OPTIMIZERS = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.5),
    "Momentum": lambda ps: optim.Momentum(ps, lr=0.5, beta=0.8),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.01, beta=0.9, eps=1e-6),
    "Adam": lambda ps: optim.Adam(ps, lr=0.01),
}
DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
N_CALLS = 6


def planar_world(make_optimizer, dtype, generic: bool) -> World:
    """The course's planar network (2 -> 4 tanh -> 1 sigmoid) on 12 examples; the cost as a
    learner writes it with generic ops (`generic`), or the library's binary_cross_entropy."""
    rng = np.random.RandomState(3)
    X = Tensor(rng.randn(2, 12), dtype=dtype)
    Y = Tensor((rng.rand(1, 12) > 0.5).astype(float), dtype=dtype)
    model = nn.ShallowNet(2, 4, 1, dtype=dtype)
    opt = make_optimizer(model.parameters())

    def step(X, Y):
        opt.zero_grad()
        A2 = model(X)
        if generic:
            cost = -(Y * A2.log() + (1 - Y) * (1 - A2).log()).mean()
        else:
            cost = nn.binary_cross_entropy(A2, Y)
        cost.backward()
        opt.step()
        return cost

    return World(step, dict(model.named_parameters()), [(X, Y)], [opt])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("generic", [True, False], ids=["generic_ops", "library_loss"])
@DTYPES
def test_optimizer_step_equals_eager_and_is_replayed(name: str, generic: bool, dtype) -> None:
    """Protects each optimizer's lowered update (the order of optim.py's arithmetic, scalars boxed
    in the parameter's dtype) and its state across calls."""
    run = run_both(lambda: planar_world(OPTIMIZERS[name], dtype, generic), n_calls=N_CALLS)
    assert_compiled(run)
    params = list(run.jitted.tensors.values())
    assert all(p.dtype == dtype and p.grad.dtype == dtype for p in params)
    cost = run.step(*run.jitted.calls[0])
    assert cost.dtype == dtype, "float32 stays float32 in the replay"


def test_adam_step_count_advances_in_the_replay() -> None:
    """Protects Adam's t: state read and written at every call, not a number baked into the
    program (a baked t would give the bias correction of call 1 forever)."""
    run = run_both(lambda: planar_world(OPTIMIZERS["Adam"], np.float64, True), n_calls=N_CALLS)
    assert_compiled(run)
    (opt,) = run.jitted.optimizers
    assert [s["t"] for s in opt.state] == [N_CALLS] * len(opt.params)


def test_two_optimizers_in_one_step() -> None:
    """Protects a step that updates two parameter groups with two optimizers (Adam and SGD)."""

    def make() -> World:
        rng = np.random.RandomState(5)
        W = Tensor(rng.randn(3, 4), requires_grad=True)
        b = Tensor(rng.randn(3, 1), requires_grad=True)
        X = Tensor(rng.randn(4, 6))
        adam, sgd = optim.Adam([W], lr=0.05), optim.SGD([b], lr=0.1)

        def step(X):
            adam.zero_grad()
            sgd.zero_grad()
            cost = ((W @ X + b).tanh() ** 2).mean()
            cost.backward()
            adam.step()
            sgd.step()
            return cost

        return World(step, {"W": W, "b": b}, [(X,)], [adam, sgd])

    assert_compiled(run_both(make, n_calls=5))
