"""The guards that pick a program at every call, or trace a new one: a program is replayed only
for calls it was made for, and every call equals eager bit for bit (a guard that let a call
through wrongly shows as a bit that differs; one that refused wrongly shows as more traces)."""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pytest

from tests.compiled._harness import World, assert_compiled, run_both
from tinygrad_edu import Tensor, no_grad, optim


def linear_world(calls: list[tuple], n_out: int = 3) -> World:
    """step(X, *rest): tanh(W X + b), its mean as the cost (times rest[0] when given), SGD; X's
    .grad (when X requires grad) cleared first."""
    rng = np.random.RandomState(11)
    W = Tensor(rng.randn(n_out, 4), requires_grad=True)
    b = Tensor(rng.randn(n_out, 1), requires_grad=True)
    opt = optim.SGD([W, b], lr=0.1)

    def step(X, *rest):
        opt.zero_grad()
        X.grad = None
        A = (W @ X + b).tanh()
        cost = A.mean() * rest[0] if rest else A.mean()
        cost.backward()
        opt.step()
        return cost, A

    return World(step, {"W": W, "b": b}, calls, [opt])


def _x(m: int, dtype=np.float64, requires_grad: bool = False, seed: int = 0) -> Tensor:
    return Tensor(np.random.RandomState(seed).randn(4, m), requires_grad=requires_grad, dtype=dtype)


def _thrice(*calls: tuple) -> list[tuple]:
    return [c for c in calls for _ in range(3)]


SECOND = {
    "shape": lambda: _x(7),
    "dtype": lambda: _x(5, dtype=np.float32),
    "requires_grad": lambda: _x(5, requires_grad=True),
}


@pytest.mark.parametrize("second", SECOND.values(), ids=SECOND.keys())
def test_argument_signature_change_gives_a_new_program(second) -> None:
    """Protects the signature: another shape, dtype or requires_grad of an argument is another
    program (a replay of the first would compute with the wrong shapes or dtype)."""

    def make() -> World:
        world = linear_world(_thrice((_x(5),), (second(),)))
        world.tensors["X2"] = world.calls[-1][0]  # its .grad too, when it requires grad
        return world

    assert_compiled(run_both(make, n_calls=6), programs=2)


def test_non_tensor_argument_by_value() -> None:
    """Protects arguments compared by value: a number is baked into the program, so another
    value must trace another program, and the same value again must replay the first."""
    calls = _thrice((_x(5), 0.5), (_x(5), 2.0)) + [(_x(5), 0.5)] * 2
    run = run_both(lambda: linear_world(calls), n_calls=8)
    assert_compiled(run, programs=2)


def test_same_tensor_twice_then_two_tensors() -> None:
    """Protects which arguments are the same array: a program traced with step(x, x) reads one
    input for both, and replayed for step(x, y) it silently used x for y (it did)."""

    def make() -> World:
        rng = np.random.RandomState(12)
        p = Tensor(rng.randn(3), requires_grad=True)
        x, y = Tensor(rng.randn(3)), Tensor(rng.randn(3))
        opt = optim.SGD([p], lr=0.1)

        def step(a, c):
            opt.zero_grad()
            cost = (p * a + c * c).sum()
            cost.backward()
            opt.step()
            return cost

        return World(step, {"p": p}, _thrice((x, x), (x, y)))

    assert_compiled(run_both(make, n_calls=6), programs=2)


def test_f_ordered_argument_gives_a_new_program() -> None:
    """Protects the strides in the signature: the same values F-ordered make F-ordered
    intermediates in eager, which a program traced on a C-ordered argument does not have (its
    sums then add in another order: other bits, silently)."""
    rng = np.random.RandomState(13)
    values, w0 = rng.randn(4, 9), rng.randn(4, 1)

    def make() -> World:
        c_order, f_order = Tensor(values), Tensor(np.asfortranarray(values))
        w = Tensor(w0.copy(), requires_grad=True)
        opt = optim.SGD([w], lr=0.1)

        def step(X):
            opt.zero_grad()
            cost = (X * w).tanh().sum()  # X * w is laid out as X is
            cost.backward()
            opt.step()
            return cost

        return World(step, {"w": w}, _thrice((c_order,), (f_order,)) * 4, [opt])

    assert_compiled(run_both(make, n_calls=24), programs=2)


def test_fresh_argument_that_requires_grad_gets_its_own_grad() -> None:
    """Protects .grad of arguments: with a new tensor each call, the replay set .grad on the
    tensor of the trace and left the caller's at None (it did, silently). Each such call is
    traced anew (the program belongs to the tensors it sets .grad on)."""

    def make() -> World:
        rng = np.random.RandomState(14)
        W = Tensor(rng.randn(3, 2))
        xs = [Tensor(rng.randn(3, 2), requires_grad=True) for _ in range(4)]

        def step(x):
            x.grad = None
            cost = (W * x).sum()
            cost.backward()
            return cost

        return World(step, {f"x{i}": x for i, x in enumerate(xs)}, [(x,) for x in xs])

    run = run_both(make, n_calls=4)
    assert all(x.grad is not None for x in run.jitted.tensors.values())


def test_parameter_array_replaced_between_calls() -> None:
    """Protects the identity of state arrays: `W.data = np.zeros(other shape)` gives W another
    array (of another shape): the program bound to the old one must not run; a new one is traced.
    The same shape is written into the same array (W keeps its memory): no retrace."""

    def replace(i: int, world: World) -> None:
        W = world.tensors["W"]
        if i == 3:
            W.data = np.full((3, 4), 0.25)  # same shape: into the same array
        if i == 5:
            W.data = np.zeros((2, 4))
            world.tensors["b"].data = np.zeros((2, 1))

    run = run_both(lambda: linear_world([(_x(6),)]), n_calls=9, before=replace)
    assert not run.jit_warnings, run.jit_warnings
    (entry,) = run.step._cache.values()
    assert entry.trusted
    assert run.fn_calls == 4, "traced and checked for the old arrays, then for the new ones"


def test_grad_mode_is_part_of_the_signature() -> None:
    """Protects grad mode: an evaluation step called under no_grad and outside it gets a
    program each (under no_grad no graph is recorded, and the results need no grad)."""

    def make() -> World:
        rng = np.random.RandomState(15)
        W, X = Tensor(rng.randn(2, 4), requires_grad=True), Tensor(rng.randn(4, 3))
        return World(lambda X: (W @ X).sigmoid(), {"W": W}, [(X,)])

    run = run_both(make, n_calls=6, around=lambda i: no_grad() if i % 2 else nullcontext())
    assert_compiled(run, programs=2)


def test_bounded_cache_keeps_max_programs() -> None:
    """Protects the bounded cache: with max_programs=2, a third signature evicts the least
    recently used program, and that signature is traced again when it comes back."""
    shapes = [_x(3), _x(4), _x(5), _x(3)]
    run = run_both(lambda: linear_world(_thrice(*((x,) for x in shapes))), n_calls=12,
                   max_programs=2)  # fmt: skip
    assert not run.jit_warnings
    assert len(run.step._cache) == 2
    assert all(e.trusted for e in run.step._cache.values())
    assert run.fn_calls == 8, "4 programs traced and checked: the first shape twice"


def test_a_step_traced_again_at_every_call_says_which_guard_fails() -> None:
    """Protects the warning of a step that never replays: it names what changes at every call (a
    new argument it sets .grad on), not 'the state it reads' (it said that for any guard)."""

    def make() -> World:
        rng = np.random.RandomState(15)
        W = Tensor(rng.randn(3, 2))
        xs = [Tensor(rng.randn(3, 2), requires_grad=True) for _ in range(6)]

        def step(x):
            cost = (W * x).sum()
            cost.backward()
            return cost

        return World(step, {f"x{i}": x for i, x in enumerate(xs)}, [(x,) for x in xs])

    run = run_both(make, n_calls=6)
    assert run.jit_warnings, "the step runs eagerly in the end"
    assert "argument 0 is another tensor at each call" in run.jit_warnings[-1], run.jit_warnings
    assert "state it reads" not in run.jit_warnings[-1]


def test_alternating_programs_keep_their_fast_paths(monkeypatch) -> None:
    """Protects the fast path of each program: an epoch of mini-batches alternates between two
    shapes (the last batch is smaller), and switching made the switched-to program's guarded
    function again at every switch (fit by epochs spent more time there than in numpy)."""
    from tinygrad_edu.compiled import step as step_module

    built = []
    real = step_module.fast_step
    monkeypatch.setattr(step_module, "fast_step", lambda *a: built.append(1) or real(*a))
    big, small = _x(5), _x(2)
    calls = _thrice((big,), (small,)) + [(big,), (big,), (small,)] * 4
    assert_compiled(run_both(lambda: linear_world(calls), n_calls=len(calls)), programs=2)
    assert len(built) == 2  # once per program, at its first replay
