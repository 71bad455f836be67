"""`manual_seed` governs every draw the library makes without its own seed; a step that draws
from it is not compiled (its program would replay one mask forever)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu
from tests.support.steps import bce_step
from tinygrad_edu import JitWarning, Tensor, data, jit, nn, optim
from tinygrad_edu import random as library_random


def _draws() -> list[np.ndarray]:
    model = nn.DeepNet([3, 4, 1], seed=None)
    X = np.ones((3, 6))
    (x_batch, _), *_ = data.mini_batches(X, np.ones((1, 6)), size=4, seed=None)
    return [
        model.layers[0].W.data.copy(),
        Tensor.randn(2, 3).data,
        nn.Dropout(0.5)(Tensor(X)).data,
        x_batch,
    ]


def test_the_same_seed_gives_the_same_draws_everywhere() -> None:
    tinygrad_edu.manual_seed(7)
    first = _draws()
    tinygrad_edu.manual_seed(7)
    again = _draws()
    tinygrad_edu.manual_seed(8)
    other = _draws()
    for a, b, c in zip(first, again, other, strict=True):
        assert np.array_equal(a, b)
        assert not np.array_equal(a, c) or a.std() == 0  # a mask of ones may repeat; weights do not
    assert not np.array_equal(first[0], other[0])


def test_the_generator_is_the_course_randomstate() -> None:
    tinygrad_edu.manual_seed(1)
    layer = nn.Dropout(keep_prob=0.7)
    out = layer(Tensor(np.ones((3, 5))))
    np.random.seed(1)
    D = np.random.rand(3, 5) < 0.7
    assert np.array_equal(out.data, (np.ones((3, 5)) * D) / 0.7)


def test_manual_seed_leaves_numpy_global_generator_alone() -> None:
    np.random.seed(5)
    expected = np.random.RandomState(5).rand()
    tinygrad_edu.manual_seed(0)
    Tensor.randn(3)
    assert np.random.rand() == expected


def test_a_call_given_its_own_seed_ignores_the_library_generator() -> None:
    tinygrad_edu.manual_seed(0)
    state = tinygrad_edu.get_rng_state()
    W = nn.DeepNet([3, 2, 1], seed=4).layers[0].W.data
    assert np.array_equal(W, np.random.RandomState(4).randn(2, 3) / np.sqrt(3))
    assert np.array_equal(tinygrad_edu.get_rng_state()["state"]["key"], state["state"]["key"])


def test_rng_state_round_trip() -> None:
    tinygrad_edu.manual_seed(3)
    state = tinygrad_edu.get_rng_state()
    a = Tensor.randn(4).data
    tinygrad_edu.set_rng_state(state)
    assert np.array_equal(Tensor.randn(4).data, a)


@pytest.mark.parametrize("seed", [-1, 2**32, 1.5, True, "1"])
def test_a_bad_seed_is_refused(seed: object) -> None:
    with pytest.raises(ValueError, match="manual_seed: seed must be an int"):
        tinygrad_edu.manual_seed(seed)  # type: ignore[arg-type]


def test_a_bad_state_is_refused() -> None:
    with pytest.raises(ValueError, match="set_rng_state"):
        tinygrad_edu.set_rng_state({"bit_generator": "nonsense"})


def test_seed_and_generator_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        library_random.generator(seed=1, generator=np.random.RandomState(1))
    with pytest.raises(TypeError, match="RandomState"):
        nn.Dropout(0.5, generator=3)


def test_a_compiled_step_with_dropout_runs_eagerly_with_the_eager_numbers() -> None:
    def make() -> tuple[nn.Sequential, optim.SGD]:
        model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Dropout(0.3), nn.Linear(4, 1))
        nn.init.he_(model, seed=0)
        return model, optim.SGD(model.parameters(), lr=0.1)

    X, Y = np.random.RandomState(0).randn(3, 8), np.ones((1, 8))

    def run(compiled: bool) -> np.ndarray:
        tinygrad_edu.manual_seed(11)
        model, opt = make()

        step = bce_step(model, opt, X, Y)
        fn = jit(step) if compiled else step
        for _ in range(4):
            fn()
        return model[0].W.data.copy()

    eager = run(False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compiled = run(True)
    assert np.array_equal(eager, compiled)
    messages = [str(w.message) for w in caught if issubclass(w.category, JitWarning)]
    assert len(messages) == 1 and "draws random numbers" in messages[0]


def test_dropout_arguments() -> None:
    assert nn.Dropout(keep_prob=0.86).keep_prob == 0.86
    assert nn.Dropout(0.25).keep_prob == 0.75
    assert repr(nn.Dropout(0.25)) == "Dropout(p=0.25)"
    with pytest.raises(ValueError, match="not both"):
        nn.Dropout(0.1, keep_prob=0.9)
    with pytest.raises(ValueError, match=r"Dropout: p must be a probability in \[0, 1\], got 1.5"):
        nn.Dropout(1.5)
    X = Tensor(np.ones((2, 3)), requires_grad=True)
    assert np.array_equal(nn.Dropout(1.0)(X).data, np.zeros((2, 3)))
    assert nn.Dropout(0.0)(X) is X
