"""The compiled step and BatchNorm: a training-mode BatchNorm updates its running statistics in
place at every call; the program makes that call again (batchnorm.running_update on the buffers),
so a replayed step moves them exactly as the eager one, bit for bit; an eval-mode BatchNorm reads
them live; a change of mode, momentum or eps is guarded. Never a silently stale running mean."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from tests.support.steps import bce_step
from tinygrad_edu import JitWarning, Tensor, jit, nn, no_grad, optim
from tinygrad_edu.compiled import interpret

X = np.random.RandomState(0).randn(3, 8)
Y = (np.random.RandomState(1).rand(1, 8) > 0.5) * 1.0


def _model(dtype: Any = np.float64) -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(3, 4, seed=0, dtype=dtype),
        nn.BatchNorm(4, momentum=None, dtype=dtype),
        nn.ReLU(),
        nn.Linear(4, 2, seed=1, dtype=dtype),
        nn.BatchNorm(2, dtype=dtype),
        nn.Linear(2, 1, seed=2, dtype=dtype),
    )


def _run(
    compiled: bool, modes: list[bool], warm_up: int = 0, dtype: Any = np.float64
) -> tuple[nn.Sequential, Any]:
    """Train with SGD: `warm_up` eager training steps, then one step per entry of `modes` (True:
    train(), False: eval()), compiled or not. Returns the model and the step."""
    model = _model(dtype)
    opt = optim.SGD(model.parameters(), lr=0.1)
    X_t, Y_t = Tensor(X, dtype=dtype), Tensor(Y, dtype=dtype)

    def step() -> Tensor:
        opt.zero_grad()
        cost = nn.binary_cross_entropy_with_logits(model(X_t), Y_t)
        cost.backward()
        opt.step()
        return cost

    for _ in range(warm_up):
        step()
    fn = jit(step) if compiled else step
    for training in modes:
        model.train(training)
        fn()
    return model, fn


def _jit_warnings(
    compiled: bool, modes: list[bool], warm_up: int = 0, dtype: Any = np.float64
) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, fn = _run(compiled, modes, warm_up, dtype)
    return (model, fn), [str(w.message) for w in caught if issubclass(w.category, JitWarning)]


def _assert_same(a: nn.Sequential, b: nn.Sequential) -> None:
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert np.array_equal(x, y), name


@pytest.mark.parametrize("interpreted", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_training_mode_replays_with_the_eager_running_statistics(
    dtype: Any, interpreted: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if interpreted:  # the loop over prebound calls that very long programs get
        monkeypatch.setattr(interpret, "LONG", 1)
    eager, _ = _run(False, [True] * 6, dtype=dtype)
    (compiled, fn), messages = _jit_warnings(True, [True] * 6, dtype=dtype)
    assert messages == []
    assert "BatchNorm.update, in place" in fn.source()  # a program, with the update in it
    _assert_same(eager, compiled)
    assert int(compiled[1].num_batches_tracked.item()) == 6
    assert compiled[1].running_mean.dtype == dtype


def test_eval_mode_compiles_and_equals_eager() -> None:
    eager, _ = _run(False, [False] * 5, warm_up=3)
    (compiled, fn), messages = _jit_warnings(True, [False] * 5, warm_up=3)
    _assert_same(eager, compiled)
    assert messages == []
    assert "BatchNorm.update" not in fn.source()  # eval: no update
    assert int(compiled[1].num_batches_tracked.item()) == 3


def test_a_change_of_mode_is_guarded() -> None:
    modes = [False, False, False, True, True, True, False, False, True]
    eager, _ = _run(False, modes, warm_up=1)
    (compiled, _), messages = _jit_warnings(True, modes, warm_up=1)
    _assert_same(eager, compiled)  # the running statistics moved at each training step
    assert int(compiled[1].num_batches_tracked.item()) == 1 + 4
    assert messages == []


def test_a_change_of_momentum_is_guarded() -> None:
    def run(compiled: bool) -> nn.Sequential:
        model = _model()
        opt = optim.SGD(model.parameters(), lr=0.1)

        step = bce_step(model, opt, X, Y)
        fn = jit(step) if compiled else step
        for i in range(8):
            model[4].momentum = 0.1 if i < 4 else 0.7
            fn()
        return model

    _assert_same(run(False), run(True))


def test_eval_program_reads_the_running_statistics_live() -> None:
    bn = nn.BatchNorm(3).eval()
    step = jit(lambda Z: bn(Z) * 2.0)
    Z = Tensor(X)
    for _ in range(3):  # trace, verify, replay
        step(Z)
    bn.load_state_dict(
        {**bn.state_dict(), "running_mean": np.ones((3, 1)), "running_var": 4.0 * np.ones((3, 1))}
    )
    assert np.array_equal(step(Z).numpy(), (bn(Z) * 2.0).numpy())
    with no_grad():
        bn.running_mean += 1.0
    assert np.array_equal(step(Z).numpy(), (bn(Z) * 2.0).numpy())
