"""A checkpoint resumes a training to the same numbers as an uninterrupted run: the model, Adam's
state, a StepLR schedule, the epoch, and the library generator that draws the dropout masks and
the mini-batch order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu import Tensor, data, io, nn, optim
from tinygrad_edu.optim.lr_scheduler import StepLR

X = np.random.RandomState(0).randn(3, 50)
Y = (X[:1] * X[1:2] > 0).astype(float)


def _setup() -> tuple[nn.Sequential, optim.Adam, StepLR]:
    model = nn.Sequential(
        nn.Linear(3, 6), nn.ReLU(), nn.Dropout(0.2), nn.Linear(6, 1), nn.Sigmoid()
    )
    nn.init.he_(model, seed=1)
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    return model, optimizer, StepLR(optimizer, step_size=2, gamma=0.5)


def _epochs(model: nn.Sequential, optimizer: optim.Adam, scheduler: StepLR, n: int) -> None:
    for _ in range(n):
        for X_batch, Y_batch in data.mini_batches(X, Y, size=16, seed=None):  # library generator
            optimizer.zero_grad()
            nn.binary_cross_entropy(model(X_batch), Tensor(Y_batch)).backward()
            optimizer.step()
        scheduler.step()


def test_a_resumed_training_ends_where_the_uninterrupted_one_does(tmp_path: Path) -> None:
    tinygrad_edu.manual_seed(5)
    model, optimizer, scheduler = _setup()
    _epochs(model, optimizer, scheduler, 6)
    expected = model.state_dict()

    tinygrad_edu.manual_seed(5)
    model, optimizer, scheduler = _setup()
    _epochs(model, optimizer, scheduler, 3)
    io.save_checkpoint(tmp_path / "run.npz", model, optimizer, scheduler, epoch=3, note="half")

    tinygrad_edu.manual_seed(999)  # a fresh process would start anywhere
    model, optimizer, scheduler = _setup()
    found = io.load_checkpoint(tmp_path / "run.npz", model, optimizer, scheduler)
    assert found == {"epoch": 3, "note": "half"}
    assert optimizer.lr == 0.005  # StepLR halved it after epoch 2
    _epochs(model, optimizer, scheduler, 3)
    for (name, a), b in zip(expected.items(), model.state_dict().values(), strict=True):
        assert np.array_equal(a, b), name


def test_without_the_rng_the_resumed_run_differs(tmp_path: Path) -> None:
    # the test above could pass by luck if the masks did not matter: here they do
    tinygrad_edu.manual_seed(5)
    model, optimizer, scheduler = _setup()
    _epochs(model, optimizer, scheduler, 3)
    io.save_checkpoint(tmp_path / "run.npz", model, optimizer, scheduler, epoch=3)
    _epochs(model, optimizer, scheduler, 3)
    expected = model.state_dict()
    tinygrad_edu.manual_seed(999)
    model, optimizer, scheduler = _setup()
    io.load_checkpoint(tmp_path / "run.npz", model, optimizer, scheduler, restore_rng=False)
    _epochs(model, optimizer, scheduler, 3)
    assert not np.array_equal(expected["0.W"], model.state_dict()["0.W"])


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path: Path) -> None:
    model, optimizer, _ = _setup()
    path = tmp_path / "run.npz"
    io.save_checkpoint(path, model, optimizer, epoch=1)
    before = path.read_bytes()
    with pytest.raises(TypeError, match=r"save_checkpoint: .*must be JSON"):
        io.save_checkpoint(path, model, optimizer, epoch=2, bad=object())
    assert path.read_bytes() == before
    assert io.load_checkpoint(path, model)["epoch"] == 1


def test_what_does_not_fit_is_refused(tmp_path: Path) -> None:
    model, optimizer, scheduler = _setup()
    path = tmp_path / "run.npz"
    io.save_checkpoint(path, model, optimizer, epoch=1)
    with pytest.raises(ValueError, match="holds the state of a Adam optimizer, not of a SGD"):
        io.load_checkpoint(path, model, optim.SGD(model.parameters(), lr=0.1))
    with pytest.raises(ValueError, match="holds no scheduler state"):
        io.load_checkpoint(path, model, scheduler=scheduler)
    io.save(model, tmp_path / "params.npz")
    with pytest.raises(ValueError, match=r"is a parameter file \(io.save\), not a checkpoint"):
        io.load_checkpoint(tmp_path / "params.npz", model)
    with pytest.raises(ValueError):
        io.load_checkpoint(path, nn.Sequential(nn.Linear(3, 2)))
