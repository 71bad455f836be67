"""Training loops as learners write them, through a jitted step: minibatches of two sizes, a
learning rate changed between calls, gradients accumulated without zero_grad, `grad()` in place of
backward, and what else a step does. Each equals eager bit for bit at every call, replayed from its
program(s)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiled._harness import World, assert_compiled, run_both
from tinygrad_edu import Tensor, grad, nn, no_grad, optim


def _data(m: int, seed: int) -> tuple[Tensor, Tensor]:
    rng = np.random.RandomState(seed)
    return Tensor(rng.randn(2, m)), Tensor((rng.rand(1, m) > 0.5).astype(float))


def shallow_world(calls: list[tuple], zero_grad: bool = True, lr: float = 1.2) -> World:
    model = nn.ShallowNet(2, 4, 1)
    opt = optim.SGD(model.parameters(), lr=lr)

    def step(X, Y):
        if zero_grad:
            opt.zero_grad()
        A2 = model(X)
        cost = nn.binary_cross_entropy(A2, Y)
        cost.backward()
        opt.step()
        return cost

    return World(step, dict(model.named_parameters()), calls, [opt])


def test_minibatches_of_two_sizes_alternating() -> None:
    """Protects the cache: a full minibatch and a last smaller one get a program each, both
    trusted, and alternating between them replays the right one."""
    batches = [_data(8, 1), _data(5, 2)]
    run = run_both(lambda: shallow_world(batches), n_calls=8)
    assert_compiled(run, programs=2)


def test_changed_learning_rate_replays_the_same_program() -> None:
    """Protects the lr read at every call: a new lr set by hand between calls (a decay in a fit
    loop) replays the program with the new lr, as eager steps with it; no new trace."""

    def decay(i: int, world: World) -> None:
        if i == 3:
            world.optimizers[0].lr = 0.3
        if i == 5:
            world.optimizers[0].lr = 0.5

    run = run_both(lambda: shallow_world([_data(6, 3)]), n_calls=7, before=decay)
    assert_compiled(run)


def test_gradient_accumulation_without_zero_grad() -> None:
    """Protects gradients added into .grad across calls (the step never clears them): call 1
    finds no .grad, later calls add into it in place, as eager does."""
    run = run_both(lambda: shallow_world([_data(6, 4)], zero_grad=False, lr=0.1), n_calls=6)
    assert not run.jit_warnings, run.jit_warnings
    (entry,) = run.step._cache.values()
    assert entry.trusted
    assert run.fn_calls == 3, "call 1 (no .grad yet), then a program that adds into .grad"


def test_accumulating_two_minibatches_then_one_update() -> None:
    """Protects two backward passes in one step adding into the same .grad before the update."""

    def make() -> World:
        model = nn.ShallowNet(2, 3, 1)
        opt = optim.SGD(model.parameters(), lr=0.5)
        (X1, Y1), (X2, Y2) = _data(4, 5), _data(4, 6)

        def step():
            opt.zero_grad()
            nn.binary_cross_entropy(model(X1), Y1).backward()
            nn.binary_cross_entropy(model(X2), Y2).backward()
            opt.step()

        return World(step, dict(model.named_parameters()), [()], [opt])

    assert_compiled(run_both(make))


def test_grad_instead_of_backward() -> None:
    """Protects `grad()`: the gradients handed back (no .grad touched), then assigned to .grad
    for the optimizer; returned as well."""

    def make() -> World:
        rng = np.random.RandomState(8)
        W = Tensor(rng.randn(1, 3), requires_grad=True)
        b = Tensor(np.zeros((1, 1)), requires_grad=True)
        X, Y = Tensor(rng.randn(3, 7)), Tensor((rng.rand(1, 7) > 0.5).astype(float))
        opt = optim.Adam([W, b], lr=0.1)

        def step(X, Y):
            A = (W @ X + b).sigmoid()
            cost = nn.binary_cross_entropy(A, Y)
            dW, db = grad(cost, [W, b])
            W.grad, b.grad = dW, db
            opt.step()
            return cost, dW, db

        return World(step, {"W": W, "b": b}, [(X, Y)], [opt])

    assert_compiled(run_both(make, n_calls=4))


def test_grad_leaves_dot_grad_alone() -> None:
    """Protects `grad()` without an optimizer: .grad stays None in the replay, as in eager."""

    def make() -> World:
        x = Tensor(np.linspace(-1.0, 1.0, 5), requires_grad=True)

        def step():
            y = (x.tanh() * x).sum()
            (dx,) = grad(y, [x])
            return y, dx

        return World(step, {"x": x}, [()])

    run = run_both(make)
    assert_compiled(run)
    assert run.jitted.tensors["x"].grad is None


def pattern_world(body, kwargs: dict | None = None) -> World:
    """W, b (3 x 4, 3 x 1) trained by Adam; `body(W, b, opt, X, **kwargs)` is the step."""
    rng = np.random.RandomState(9)
    W = Tensor(rng.randn(3, 4), requires_grad=True)
    b = Tensor(rng.randn(3, 1), requires_grad=True)
    X = Tensor(rng.randn(4, 5))
    opt = optim.Adam([W, b], lr=0.1)
    return World(lambda *a, **k: body(W, b, opt, *a, **k), {"W": W, "b": b}, [(X,)], [opt],
                 [kwargs or {}])  # fmt: skip


def _zero_grad_to_zeros(W, b, opt, X):
    opt.zero_grad(set_to_none=False)  # .grad filled with zeros in place, then added into
    cost = (W @ X + b).tanh().mean()
    cost.backward()
    opt.step()
    return cost


def _backward_twice(W, b, opt, X):
    opt.zero_grad()
    cost = (W @ X + b).tanh().mean()
    cost.backward(retain_graph=True)
    cost.backward()  # the gradient added twice into .grad
    opt.step()
    return cost


def _nested_results(W, b, opt, X, scale=1.0):
    opt.zero_grad()
    Z = W @ X + b
    cost = Z.tanh().mean() * scale
    cost.backward()
    opt.step()
    return {"cost": cost, "parts": [Z, 3, "label"], "scale": scale}


def _accuracy_under_no_grad(W, b, opt, X):
    opt.zero_grad()
    A = (W @ X + b).sigmoid()
    cost = A.mean()
    cost.backward()
    opt.step()
    with no_grad():
        accuracy = ((A > 0.5) * 1.0).mean()  # a comparison: made without an op
    return cost, accuracy


def _detached_and_constant(W, b, opt, X):
    opt.zero_grad()
    Z = W @ X + b
    weights = Tensor(np.full((3, 5), 2.0))  # a tensor made inside the step: a constant
    cost = (Z.tanh() * Z.detach() * weights).mean()
    cost.backward()
    opt.step()
    return cost


PATTERNS = {
    "zero_grad(set_to_none=False)": (_zero_grad_to_zeros, None, 3),
    "backward twice (retain_graph)": (_backward_twice, None, 2),
    "nested results and a keyword": (_nested_results, {"scale": 2.0}, 2),
    "no_grad block and a comparison": (_accuracy_under_no_grad, None, 2),
    "detach and a tensor made inside": (_detached_and_constant, None, 2),
}


@pytest.mark.parametrize("body, kwargs, traces", PATTERNS.values(), ids=PATTERNS.keys())
def test_step_patterns(body, kwargs, traces: int) -> None:
    """Protects what else a learner's step does (each once broke a tracer somewhere): zeros
    written into .grad, two backward passes, results in a dict and a list, keyword arguments,
    no_grad inside the step, detach, a tensor made inside the step."""
    run = run_both(lambda: pattern_world(body, kwargs), n_calls=5)
    assert not run.jit_warnings, run.jit_warnings
    (entry,) = run.step._cache.values()
    assert entry.trusted
    assert run.fn_calls == traces, "trace and check (zero_grad to zeros: .grad exists from call 2)"


def test_parameter_passed_as_an_argument() -> None:
    """Protects a parameter given to the step as an argument (and closed over by the optimizer):
    the check on call 2 ran the program on the argument itself, so the update was applied twice
    (it was, silently: the program was then trusted)."""

    def make() -> World:
        model = nn.ShallowNet(2, 3, 1)
        W1 = model.layers[0].W
        opt = optim.SGD(model.parameters(), lr=0.5)
        X, Y = _data(6, 10)

        def step(W1, X, Y):
            opt.zero_grad()
            cost = nn.binary_cross_entropy(model(X), Y) + (W1 * W1).sum()
            cost.backward()
            opt.step()
            return cost

        return World(step, dict(model.named_parameters()), [(W1, X, Y)], [opt])

    assert_compiled(run_both(make, n_calls=4))
