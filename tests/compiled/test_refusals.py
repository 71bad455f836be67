"""What the trace refuses: a step that reads a traced value into Python (it may steer the code),
writes into a tensor outside the ops, draws random numbers, or takes an argument that cannot be
compared. Each stays eager: one JitWarning that says why, fn runs at every call, and every result
equals eager's. Under detect_anomaly() the step runs eagerly without a warning."""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pytest

from tests.compiled._harness import World, assert_compiled, assert_eager, run_both
from tinygrad_edu import Tensor, detect_anomaly, jit, optim


def refusing_world(body) -> World:
    """A training step on W, b (3 x 4, 3 x 1) with X (4 x 5) as argument, whose forward is
    `body(W, b, X, log)` (log: a list outside the step, for values read into Python)."""
    rng = np.random.RandomState(21)
    W = Tensor(rng.randn(3, 4), requires_grad=True)
    b = Tensor(rng.randn(3, 1), requires_grad=True)
    X = Tensor(rng.randn(4, 5))
    opt = optim.SGD([W, b], lr=0.1)
    log: list = []

    def step(X):
        opt.zero_grad()
        cost = body(W, b, X, log)
        cost.backward()
        opt.step()
        return cost

    return World(step, {"W": W, "b": b}, [(X,)], [opt])


def _reads_item(W, b, X, log):
    cost = (W @ X + b).tanh().mean()
    log.append(cost.item())
    return cost


def _branches_on_bool(W, b, X, log):
    cost = (W @ X + b).tanh().mean()
    return cost * 2.0 if cost > 0.0 else cost  # bool(a comparison tensor)


def _reads_float(W, b, X, log):
    cost = (W @ X + b).tanh().mean()
    log.append(float(cost))
    return cost


def _reads_numpy(W, b, X, log):
    A = (W @ X + b).sigmoid()
    log.append((A.numpy() > 0.5).mean())
    return A.mean()


def _reads_asarray(W, b, X, log):
    A = (W @ X + b).sigmoid()
    log.append(np.asarray(A).max())
    return A.mean()


def _reads_data(W, b, X, log):
    Z = W @ X + b
    log.append(Z.data.min())
    return Z.tanh().mean()


def _writes_data(W, b, X, log):
    Z = W @ X + b
    Z.data = np.clip(Z._data, -1.0, 1.0)  # a learner's clipping, outside the ops
    return Z.tanh().mean()


def _sets_item(W, b, X, log):
    mask = Tensor(np.ones((3, 5)))
    mask[0] = 0.0  # a mask built by item assignment
    return ((W @ X + b).tanh() * mask).mean()


def _adds_in_place(W, b, X, log):
    Z = W @ X
    Z += b
    return Z.tanh().mean()


def _draws_random(W, b, X, log):
    mask = np.random.rand(3, 5) > 0.5  # dropout with numpy's global generator
    return ((W @ X + b).tanh() * mask).mean()


REFUSALS = {
    "item()": (_reads_item, "item() reads a traced value"),
    "bool()": (_branches_on_bool, "__bool__() reads a traced value"),
    "float()": (_reads_float, "__float__() reads a traced value"),
    "numpy()": (_reads_numpy, "numpy() reads a traced value"),
    "np.asarray(t)": (_reads_asarray, "__array__() reads a traced value"),
    ".data read": (_reads_data, ".data reads a traced tensor's array"),
    ".data = write": (_writes_data, ".data = ... writes into a tensor"),
    "t[i] = ...": (_sets_item, "__setitem__ writes into a tensor"),
    "t += ...": (_adds_in_place, "__iadd__ writes into a tensor"),
    "numpy random": (_draws_random, "numpy's global random generator"),
}


def _seed(i: int, world: World) -> None:
    np.random.seed(i)  # both worlds draw the same numbers at call i


@pytest.mark.parametrize("body, why", REFUSALS.values(), ids=REFUSALS.keys())
def test_refused_step_stays_eager_with_one_warning(body, why: str) -> None:
    """Protects each refusal: a program cannot repeat a value read into Python, a write it does
    not see, or a random draw, so replaying would give a wrong result; eager's is given."""
    run = run_both(lambda: refusing_world(body), before=_seed)
    assert_eager(run, why)
    (entry,) = run.step._cache.values()
    assert isinstance(entry, str) and why in entry


def test_unhashable_argument_stays_eager() -> None:
    """Protects arguments compared by value: a list cannot be, so the step runs eagerly."""

    def make() -> World:
        world = refusing_world(lambda W, b, X, log: (W @ X + b).tanh().mean())
        fn = world.fn
        world.fn = lambda X, scales: fn(X) * scales[0]
        world.calls = [(world.calls[0][0], [2.0])]
        return world

    assert_eager(run_both(make), "neither a Tensor, a numpy array nor a hashable value")


def test_detect_anomaly_runs_eagerly_without_warning() -> None:
    """Protects anomaly mode: under detect_anomaly() every op is checked as it runs, which a
    program cannot do, so the step runs eagerly (no warning: it is what was asked); outside it,
    the same step compiles."""
    world = lambda: refusing_world(lambda W, b, X, log: (W @ X + b).tanh().mean())  # noqa: E731
    run = run_both(world, around=lambda i: detect_anomaly())
    assert_eager(run, None)
    assert not run.step._cache, "nothing traced under anomaly mode"
    run = run_both(world, n_calls=6, around=lambda i: detect_anomaly() if i < 3 else nullcontext())
    assert not run.jit_warnings, run.jit_warnings
    (entry,) = run.step._cache.values()
    assert entry.trusted
    assert run.fn_calls == 5, "3 eager calls, then a trace and a check, then a replay"


def test_step_called_inside_a_traced_step_runs_eagerly() -> None:
    """Protects nesting: a jitted step called while another step is traced runs its fn eagerly
    (it becomes part of the outer program), and the outer step still equals eager."""

    def make() -> World:
        world = refusing_world(lambda W, b, X, log: (W @ X + b).tanh().mean())
        W = world.tensors["W"]
        inner = jit(lambda X: (W @ X).sigmoid())
        fn = world.fn
        world.fn = lambda X: (fn(X), inner(X))
        return world

    assert_compiled(run_both(make))


def test_step_returning_a_numpy_array_stays_eager() -> None:
    """Protects the returned values: a numpy array made in the step (`A.numpy()`) is refused."""

    def make() -> World:
        world = refusing_world(lambda W, b, X, log: (W @ X + b).tanh().mean())
        fn = world.fn
        world.fn = lambda X: np.asarray(fn(X)._data)
        return world

    assert_eager(run_both(make), "returns a numpy array")
