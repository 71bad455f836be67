"""`jit(fn, rewrites=("sigmoid_bce",))`: the course's dZ = (A - Y) / m instead of backward's chain
rule through the cross-entropy and the sigmoid; only when asked for, only where it is the whole
gradient, checked at call 2 against eager with the stated tolerance (verify.RTOL)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_edu import JitWarning, Tensor, jit, nn, optim
from tinygrad_edu.compiled import verify
from tinygrad_edu.compiled.entry import Compiled


def data(m: int = 50, seed: int = 0) -> tuple[Tensor, Tensor]:
    rng = np.random.RandomState(seed)
    return Tensor(rng.randn(2, m)), Tensor((rng.rand(1, m) > 0.5).astype(float))


def planar(cost_of=None, extra=None):
    """A 2-4-1 network and its step; `cost_of(A2, Y)` replaces the course's cost, `extra(Z2,
    A2)` adds a term to it (another path to Z2)."""
    model = nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2)
    opt = optim.SGD(model.parameters(), lr=1.2)

    def step(X, Y):
        opt.zero_grad()
        Z2 = model.logits(X)
        A2 = Z2.sigmoid()
        if cost_of is None:
            cost = -(Y * A2.log() + (1 - Y) * (1 - A2).log()).mean()
        else:
            cost = cost_of(A2, Y)
        if extra is not None:
            cost = cost + extra(Z2, A2)
        cost.backward()
        opt.step()
        return cost

    return model, step


def replayed(step) -> Compiled:
    (entry,) = step._cache.values()
    assert isinstance(entry, Compiled) and entry.trusted
    return entry


def test_default_is_exact_and_the_rewrite_is_asked_for() -> None:
    """Protects 'off by default': the default program keeps backward's 8 lines for dZ2 and gives
    eager's bits; with the option it has the course's two."""
    X, Y = data()
    _, fn = planar()
    exact = jit(fn)
    for _ in range(3):
        exact(X, Y)
    assert replayed(exact).rewritten == []
    assert "sigmoid_bce" not in exact.source()
    _, fn = planar()
    fast = jit(fn, rewrites=("sigmoid_bce",))
    with warnings.catch_warnings():
        warnings.simplefilter("error", JitWarning)
        for _ in range(3):
            fast(X, Y)
    assert replayed(fast).rewritten == ["sigmoid_bce: dZ = (A - Y) / 50"]
    source = fast.source()
    assert "subtract(A2, Y, t" in source and ", c_50_0, dZ2)" in source, source
    assert "dA2" not in source  # backward's dA2 = -Y/A2 + ... is no longer computed


def test_rewritten_gradients_match_eager_and_the_course() -> None:
    """Protects the rewrite's math: on a replayed call, every gradient equals eager's to 1e-12
    (relative to the size of what it adds up, sum |dZ2|), and equals, bit for bit, the course's
    formulas computed in numpy the same way (dZ2 = (A2 - Y) / m, dW2 = dZ2 A1^T, ...)."""
    X, Y = data()
    model, fn = planar()
    twin, eager = planar()
    step = jit(fn, rewrites=("sigmoid_bce",))
    for _ in range(2):  # trace, check: both eager
        step(X, Y)
        eager(X, Y)
    W1, b1, W2, b2 = (p.numpy().copy() for p in twin.parameters())
    step(X, Y)  # the replay
    replayed(step)
    x, y, m = X.numpy(), Y.numpy(), X.shape[1]
    A1 = np.tanh(W1 @ x + b1)
    A2 = 1 / (1 + np.exp(-(W2 @ A1 + b2)))
    dZ2 = (A2 - y) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (1 - A1 * A1)
    course = [dZ1 @ x.T, dZ1.sum(axis=1, keepdims=True), dZ2 @ A1.T, dZ2.sum(axis=1, keepdims=True)]
    twin_params = list(twin.parameters())
    for p in twin_params:
        p.grad = None
    Z2 = twin.logits(X)
    Z2.retain_grad()
    A2_t = Z2.sigmoid()
    (-(Y * A2_t.log() + (1 - Y) * (1 - A2_t).log()).mean()).backward()
    scale = np.abs(Z2.grad.numpy()).sum()
    assert np.abs(Z2.grad.numpy() - dZ2).max() <= 1e-12 * np.abs(dZ2).max()
    for p, q, c in zip(model.parameters(), twin_params, course, strict=True):
        got = p.grad.numpy()
        assert np.array_equal(got, c), (p.name, got, c)
        assert np.abs(got - q.grad.numpy()).max() <= 1e-12 * scale, p.name


@pytest.mark.parametrize(
    "variant",
    ["another path to Z2", "A2 read again", "a mean over one axis", "another cost"],
)
def test_left_exact_where_the_formula_is_not_the_whole_gradient(variant) -> None:
    """Protects the match: where dJ/dZ2 is not (A2 - Y) / m (Z2 or A2 reach the cost another way,
    the mean is not over every element, the cost is another one), nothing is rewritten, the
    JitWarning says so, and the program gives eager's bits."""
    kw = {
        "another path to Z2": {"extra": lambda Z2, A2: (Z2 * Z2).mean()},
        "A2 read again": {"extra": lambda Z2, A2: A2.mean()},
        "a mean over one axis": {
            "cost_of": lambda A2, Y: -(Y * A2.log() + (1 - Y) * (1 - A2).log()).mean(axis=1).sum()
        },
        "another cost": {"cost_of": lambda A2, Y: ((A2 - Y) * (A2 - Y)).mean()},
    }[variant]
    X, Y = data()
    model, fn = planar(**kw)
    twin, eager = planar(**kw)
    step = jit(fn, rewrites=("sigmoid_bce",))
    with pytest.warns(JitWarning, match="found nothing to rewrite"):
        step(X, Y)
    costs = [step(X, Y).numpy() for _ in range(3)]
    assert replayed(step).rewritten == []
    eager(X, Y)
    assert all(np.array_equal(c, eager(X, Y).numpy()) for c in costs)
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        assert np.array_equal(p.numpy(), q.numpy()) and np.array_equal(
            p.grad.numpy(), q.grad.numpy()
        )


def test_a_check_outside_the_tolerance_keeps_the_step_eager(monkeypatch) -> None:
    """Protects the honest check: with the tolerance at 0, the rewritten program cannot be
    trusted; the step says why and stays eager (eager's results)."""
    monkeypatch.setitem(verify.RTOL, np.dtype(np.float64), 0.0)
    X, Y = data()
    _, fn = planar()
    step = jit(fn, rewrites=("sigmoid_bce",))
    step(X, Y)
    with pytest.warns(JitWarning, match="rewritten program .* not within the tolerance"):
        step(X, Y)
    assert step(X, Y).grad_fn is not None  # eager


def test_close_is_relative_to_the_array_and_exact_on_inf_and_nan() -> None:
    """Protects verify.close, the rewritten program's check."""
    e = np.array([1.0, -2.0, 0.0])
    assert verify.close(e + 1e-10, e)
    assert not verify.close(e + 1e-8, e)
    assert not verify.close(np.array([1.0, np.inf, 0.0]), np.array([1.0, 2.0, 0.0]))
    assert verify.close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))
    assert not verify.close(np.zeros(2) + 1e-300, np.zeros(2))  # eager's zeros: exact
    assert not verify.close(e.astype(np.float32), e)  # another dtype


@pytest.mark.parametrize(
    ("rewrites", "error", "match"),
    [
        ("sigmoid_bce", TypeError, "tuple of names"),
        (("sigmoid_bce", "fma"), ValueError, "unknown rewrite 'fma'.*'sigmoid_bce'"),
        (None, TypeError, "tuple of names"),
    ],
)
def test_bad_rewrites_argument(rewrites, error, match) -> None:
    """Protects the error: the argument and the known names."""
    with pytest.raises(error, match=match):
        jit(lambda: None, rewrites=rewrites)
