"""DataLoader: the course's per-epoch seeds, the library generator, every example once per epoch."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu.data import DataLoader, mini_batches

X = np.arange(2 * 150, dtype=float).reshape(2, 150)
Y = (np.arange(150) % 2).reshape(1, 150).astype(float)


def test_each_epoch_is_the_course_order_of_its_seed() -> None:
    loader = DataLoader(X, Y, batch_size=64, seed=11)
    for epoch in range(3):
        expected = mini_batches(X, Y, size=64, seed=11 + epoch)
        got = list(loader)
        assert [x.shape for x, _ in got] == [(2, 64), (2, 64), (2, 22)]
        for (x, y), (ex, ey) in zip(got, expected, strict=True):
            assert np.array_equal(x.data, ex) and np.array_equal(y.data, ey)
    assert loader.epoch == 3


def test_every_example_once_per_epoch_and_a_new_order() -> None:
    tinygrad_edu.manual_seed(0)
    loader = DataLoader(X, Y, batch_size=40)
    first = np.concatenate([x.data[0] for x, _ in loader])
    second = np.concatenate([x.data[0] for x, _ in loader])
    assert sorted(first) == sorted(X[0]) == sorted(second)
    assert not np.array_equal(first, second)
    tinygrad_edu.manual_seed(0)
    again = np.concatenate([x.data[0] for x, _ in DataLoader(X, Y, batch_size=40)])
    assert np.array_equal(first, again)


def test_no_shuffle_drop_last_and_len() -> None:
    loader = DataLoader(X, Y, batch_size=64, shuffle=False, drop_last=True)
    batches = list(loader)
    assert len(loader) == len(batches) == 2
    assert np.array_equal(batches[0][0].data, X[:, :64])
    assert len(DataLoader(X, Y, batch_size=64)) == 3


def test_a_generator_of_its_own() -> None:
    got = next(iter(DataLoader(X, Y, batch_size=150, generator=np.random.RandomState(4))))[0]
    assert np.array_equal(got.data, X[:, np.random.RandomState(4).permutation(150)])


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="not both"):
        DataLoader(X, Y, seed=1, generator=np.random.RandomState(1))
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(X, Y, batch_size=0)
    with pytest.raises(ValueError, match="mini_batches: X has shape"):
        DataLoader(X, Y[:, :10])
