"""Mini-batches in the course's way (course 2, week 2: `random_mini_batches`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import random
from tinygrad_edu._checks import check_positive_int


def mini_batches(
    X: Any,
    Y: Any,
    size: int = 64,
    seed: int | None = 0,
    shuffle: bool = True,
    generator: Any = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Shuffle the columns of `X` (n_x, m) and `Y` (n_y, m) together, then cut them into batches.

    Every example lands in exactly one batch; all batches have `size` columns but the last, which
    gets what is left (`m % size` of them). The shuffle is `RandomState(seed).permutation(m)`, the
    numbers the course draws after `np.random.seed(seed)`; change `seed` every epoch, as the course
    does, to get a new order. `X` and `Y` may be numpy arrays or Tensors (anything `np.asarray`
    takes); the batches are numpy arrays.

    Args:
        X: the inputs, (n_x, m).
        Y: the labels, (n_y, m).
        size: the number of examples per batch (the course's `mini_batch_size`).
        seed: the RandomState seed of the shuffle (None: the library's generator, which
            `tinygrad_edu.manual_seed` seeds).
        shuffle: False keeps the columns in order (no draw).
        generator: a `numpy.random.RandomState` to draw the permutation from, instead of `seed`.

    Returns:
        A list of `(X_batch, Y_batch)` pairs of numpy arrays, (n_x, size) and (n_y, size) (the
        last one smaller when `size` does not divide m).

    Raises:
        ValueError: X or Y is not 2-D, they differ in m, or `size` is not an int >= 1.

    Examples:
        >>> X, Y = np.arange(10.0).reshape(2, 5), np.ones((1, 5))
        >>> [x.shape for x, _ in mini_batches(X, Y, size=2)]
        [(2, 2), (2, 2), (2, 1)]
    """
    X, Y = _as_array(X), _as_array(Y)
    size = check_positive_int(f"mini_batches(size={size!r})", "size", size)
    if X.ndim != 2 or Y.ndim != 2:
        raise ValueError(
            f"mini_batches: X has shape {X.shape} and Y has shape {Y.shape}, expected 2-D "
            "(n_x, m) and (n_y, m), one example per column"
        )
    m = X.shape[1]
    if Y.shape[1] != m:
        raise ValueError(
            f"mini_batches: X has shape {X.shape} ({m} examples) but Y has shape {Y.shape} "
            f"({Y.shape[1]} examples); both need one column per example"
        )
    if not shuffle:
        permutation = np.arange(m)
    else:
        rs = random.generator(None if generator is not None else seed, generator)
        permutation = rs.permutation(m)
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation]
    return [(shuffled_X[:, k : k + size], shuffled_Y[:, k : k + size]) for k in range(0, m, size)]


def _as_array(a: Any) -> np.ndarray:
    # A Tensor converts through __array__; an object with only `.data` (a numpy array) works too.
    if not hasattr(a, "__array__") and hasattr(a, "data"):
        a = a.data
    return np.asarray(a)
