"""The compiled step and BatchNorm: a training-mode BatchNorm updates its running statistics in
place at every call, which a replayed program would not do, so the step is refused (it runs
eagerly, with a JitWarning naming the reason); an eval-mode BatchNorm compiles and reads its
running statistics live; a change of mode is guarded. Never a silently stale running mean."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from tinygrad_edu import JitWarning, Tensor, jit, nn, no_grad, optim

X = np.random.RandomState(0).randn(3, 8)
Y = (np.random.RandomState(1).rand(1, 8) > 0.5) * 1.0


def _model() -> nn.Sequential:
    return nn.Sequential(
        nn.Linear(3, 4, seed=0),
        nn.BatchNorm(4, momentum=None),
        nn.ReLU(),
        nn.Linear(4, 2, seed=1),
        nn.BatchNorm(2),
        nn.Linear(2, 1, seed=2),
    )


def _run(compiled: bool, modes: list[bool], warm_up: int = 0) -> tuple[nn.Sequential, Any]:
    """Train with SGD: `warm_up` eager training steps, then one step per entry of `modes` (True:
    train(), False: eval()), compiled or not. Returns the model and the step."""
    model = _model()
    opt = optim.SGD(model.parameters(), lr=0.1)

    def step() -> Tensor:
        opt.zero_grad()
        cost = nn.binary_cross_entropy_with_logits(model(X), Tensor(Y))
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


def _jit_warnings(compiled: bool, modes: list[bool], warm_up: int = 0) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model, fn = _run(compiled, modes, warm_up)
    return (model, fn), [str(w.message) for w in caught if issubclass(w.category, JitWarning)]


def _assert_same(a: nn.Sequential, b: nn.Sequential) -> None:
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert np.array_equal(x, y), name


def test_training_mode_is_refused_with_the_eager_running_statistics() -> None:
    eager, _ = _run(False, [True] * 5)
    (compiled, _), messages = _jit_warnings(True, [True] * 5)
    _assert_same(eager, compiled)
    assert int(compiled[1].num_batches_tracked.item()) == 5
    assert len(messages) == 1 and "BatchNorm's running statistics" in messages[0]
    assert "runs eagerly" in messages[0]


def test_eval_mode_compiles_and_equals_eager() -> None:
    eager, _ = _run(False, [False] * 5, warm_up=3)
    (compiled, fn), messages = _jit_warnings(True, [False] * 5, warm_up=3)
    _assert_same(eager, compiled)
    assert messages == []
    assert "def run" in fn.source()  # a program, not the eager step


def test_a_program_traced_in_eval_mode_is_not_replayed_in_training_mode() -> None:
    modes = [False, False, False, True, True, False, False]
    eager, _ = _run(False, modes, warm_up=1)
    (compiled, _), messages = _jit_warnings(True, modes, warm_up=1)
    _assert_same(eager, compiled)  # the running statistics moved at both training steps
    assert int(compiled[1].num_batches_tracked.item()) == 1 + 2
    assert len(messages) == 1 and "BatchNorm's running statistics" in messages[0]


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
