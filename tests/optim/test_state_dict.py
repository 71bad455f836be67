"""`Optimizer.state_dict()` / `load_state_dict()`: a restored optimizer steps to the same numbers
as the one saved, bit for bit, eagerly and through a compiled step."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from tests.support.steps import bce_step
from tinygrad_edu import Tensor, jit, nn, optim

MAKERS: dict[str, Callable[[list[Tensor]], optim.Optimizer]] = {
    "sgd": lambda p: optim.SGD(p, lr=0.05),
    "sgd-nesterov": lambda p: optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "momentum": lambda p: optim.Momentum(p, lr=0.05, beta=0.9),
    "rmsprop": lambda p: optim.RMSprop(p, lr=0.01, beta=0.9),
    "adam": lambda p: optim.Adam(p, lr=0.01, beta1=0.8, beta2=0.99, weight_decay=0.001),
}
X = np.random.RandomState(0).randn(3, 10)
Y = (np.random.RandomState(1).rand(1, 10) > 0.5).astype(float)


def _model() -> nn.Sequential:
    return nn.init.he_(nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1)), seed=0)


def _steps(model: nn.Sequential, optimizer: optim.Optimizer, n: int, compiled: bool) -> None:
    step = bce_step(model, optimizer, X, Y)
    fn = jit(step) if compiled else step
    for _ in range(n):
        fn()


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "jit"])
@pytest.mark.parametrize("kind", list(MAKERS))
def test_a_restored_optimizer_steps_to_the_same_numbers(kind: str, compiled: bool) -> None:
    model = _model()
    optimizer = MAKERS[kind](model.parameters())
    _steps(model, optimizer, 3, compiled)
    saved_model, saved_optimizer = model.state_dict(), optimizer.state_dict()
    _steps(model, optimizer, 4, compiled)  # the uninterrupted run

    resumed = _model()
    resumed.load_state_dict(saved_model)
    optimizer2 = MAKERS[kind](resumed.parameters())
    optimizer2.load_state_dict(saved_optimizer)
    _steps(resumed, optimizer2, 4, compiled)
    for (name, a), b in zip(model.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert np.array_equal(a, b), name


def test_the_state_is_copied_out_and_in() -> None:
    model = _model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    _steps(model, optimizer, 2, False)
    saved = optimizer.state_dict()
    assert saved["state"][0]["t"] == 2
    assert saved["param_groups"][0]["params"] == [0, 1, 2, 3]
    v = saved["state"][0]["v"]
    before = v.copy()
    _steps(model, optimizer, 1, False)
    assert np.array_equal(v, before)  # later steps do not change what was saved
    held = optimizer.state[0]["v"]
    optimizer.load_state_dict(saved)
    assert optimizer.state[0]["v"] is held  # written in place, not replaced
    assert np.array_equal(held, before) and optimizer.state[0]["t"] == 2
    v[...] = 0
    assert not np.array_equal(held, v)  # not aliased either


def test_loading_puts_back_the_hyperparameters() -> None:
    model = _model()
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    saved = optimizer.state_dict()
    optimizer.lr, optimizer.momentum = 0.5, 0.0
    optimizer.load_state_dict(saved)
    assert (optimizer.lr, optimizer.momentum) == (0.1, 0.9)


def test_a_state_dict_that_does_not_fit_is_refused() -> None:
    model = _model()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    _steps(model, optimizer, 1, False)
    saved = optimizer.state_dict()
    other = optim.Adam(list(model.parameters())[:2], lr=0.01)
    with pytest.raises(ValueError, match="had 4 parameters, this one has 2"):
        other.load_state_dict(saved)
    momentum = optim.Momentum(model.parameters(), lr=0.01)
    with pytest.raises(ValueError, match=r"has a state 't'; Momentum keeps \['v'\]"):
        momentum.load_state_dict(
            saved
            | {
                "param_groups": [
                    {"lr": 0.1, "beta": 0.9, "weight_decay": 0.0, "params": [0, 1, 2, 3]}
                ]
            }
        )
    saved["state"][1]["v"] = np.zeros((2, 2))
    with pytest.raises(
        ValueError,
        match=r"state 'v' of parameter 1 is float64 \(2, 2\), the parameter is float64 \(4, 1\)",
    ):
        optimizer.load_state_dict(saved)
    with pytest.raises(ValueError, match=r"expected a dict from state_dict\(\)"):
        optimizer.load_state_dict({"state": {}})
