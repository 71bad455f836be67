"""`step.source()`: the generated code a learner reads, named after their tensors (W1, b1, ...),
with the gradients named dX after the tensor X they belong to (dZ2, dW1, ...); a clear error
before there is a program."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from tests.support.custom_ops import Cube
from tinygrad_edu import JitWarning, Tensor, jit, nn, optim


def planar_step():
    rng = np.random.RandomState(0)
    X, Y = Tensor(rng.randn(2, 7)), Tensor((rng.rand(1, 7) > 0.5).astype(float))
    model = nn.ShallowNet(2, 4, 1)
    opt = optim.SGD(model.parameters(), lr=1.2)

    @jit
    def step(X, Y):
        opt.zero_grad()
        Z2 = model.logits(X)
        A2 = Z2.sigmoid()
        cost = -(Y * A2.log() + (1 - Y) * (1 - A2).log()).mean()
        cost.backward()
        opt.step()
        return cost

    return step, X, Y


def test_source_names_parameters_and_gradients() -> None:
    """Protects the readable source: the parameters of nn.ShallowNet by their course names and
    the gradients as the course writes them (dZ2 = ..., dW1, db1, ...)."""
    step, X, Y = planar_step()
    step(X, Y)
    source = step.source()
    names = set(re.findall(r"\b\w+\b", source))
    for name in ("W1", "b1", "W2", "b2", "X", "Y", "Z2", "A2", "cost"):
        assert name in names, f"{name} missing from:\n{source}"
    for name in ("dZ2", "dA2", "dW1", "db1", "dW2", "db2"):
        assert name in names, f"{name} missing from:\n{source}"
    assert re.search(r"\bdZ2\)", source), "a line that computes dZ2 (into dZ2)"
    assert source.startswith("def run(X, Y):")
    compile(source, "<source>", "exec")  # it is the code that runs: valid Python


def test_source_is_the_latest_program() -> None:
    """Protects which program source() shows: the one of the latest signature traced."""
    step, X, Y = planar_step()
    step(X, Y)
    first = step.source()
    step(Tensor(np.ones((2, 3))), Tensor(np.ones((1, 3))))
    assert step.source() != first
    assert "mean_into(" in step.source() and ", c_3_0, " in step.source()  # the mean over 3


def test_source_before_the_first_call_raises() -> None:
    """Protects the error before there is a program: a RuntimeError saying to call it first."""
    step, _, _ = planar_step()
    with pytest.raises(RuntimeError, match=r"jit\(step\)\.source\(\): .*call it once first"):
        step.source()


def test_source_of_an_eager_step_raises_with_the_reason() -> None:
    """Protects the error for a step that stays eager: it says why there is no program."""
    W = Tensor(np.ones(3), requires_grad=True)

    @jit
    def step():
        cost = (W * W).sum()
        print_me = cost.item()  # noqa: F841 (a value read into Python)
        cost.backward()
        return cost

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JitWarning)
        step()
    with pytest.raises(RuntimeError, match=r"runs eagerly \(item\(\) reads a traced value"):
        step.source()


def test_source_shows_an_opaque_call() -> None:
    """Protects the source of a user's Function: its forward and backward called by name."""
    x = Tensor(np.linspace(-1.0, 1.0, 4), requires_grad=True)

    @jit
    def step():
        x.grad = None
        y = Cube.apply(x).sum()
        y.backward()
        return y

    step()
    assert "forward(Cube" in step.source() and "Cube.backward" in step.source()
