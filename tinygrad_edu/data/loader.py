"""`DataLoader`: mini-batches over (X, Y) in the course's layout, a new order every epoch.

    loader = DataLoader(X, Y, batch_size=64, seed=10)
    for epoch in range(num_epochs):
        for X_batch, Y_batch in loader:      # a new permutation at each `for`
            ...

With `seed=s` epoch k (from 0) is the course's `random_mini_batches(X, Y, batch_size, s + k)`: the
course adds 1 to its seed before every epoch, so `seed=11` gives the order of the course's
optimization notebook (its seed starts at 10). Without a seed the orders come from the library's
generator, which `tinygrad_edu.manual_seed` seeds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from tinygrad_edu import random
from tinygrad_edu._checks import check_positive_int
from tinygrad_edu.data.batching import mini_batches
from tinygrad_edu.tensor import Tensor


class DataLoader:
    """Iterate over mini-batches of the columns of X (n_x, m) and Y (n_y, m), as Tensors.

    Args:
        X: the inputs, (n_x, m), a numpy array or a Tensor.
        Y: the labels, (n_y, m).
        batch_size: the examples per batch; the last batch has what is left.
        shuffle: a new order every epoch (False: the columns in order).
        seed: the course's seed of the first epoch (then seed + 1, ...), or None.
        generator: a `numpy.random.RandomState` to draw the orders from, instead of `seed`.
        drop_last: leave out a last batch smaller than `batch_size`.

    Raises:
        ValueError: X and Y are not 2-D with the same m, `batch_size` is not an int >= 1, or both
            `seed` and `generator` are given.

    Examples:
        >>> X, Y = np.arange(10.0).reshape(2, 5), np.ones((1, 5))
        >>> loader = DataLoader(X, Y, batch_size=2, seed=0)
        >>> len(loader), [x.shape for x, _ in loader]
        (3, [(2, 2), (2, 2), (2, 1)])
    """

    def __init__(
        self,
        X: Any,
        Y: Any,
        batch_size: int = 64,
        shuffle: bool = True,
        seed: int | None = None,
        generator: Any = None,
        drop_last: bool = False,
    ) -> None:
        if seed is not None and generator is not None:
            raise ValueError("DataLoader: pass seed or generator, not both")
        self.batch_size = check_positive_int("DataLoader", "batch_size", batch_size)
        self.X, self.Y = X, Y
        mini_batches(X, Y, size=self.batch_size, seed=0)  # its shape checks, now
        self.m = np.shape(Y)[1]
        self.shuffle, self.seed, self.generator, self.drop_last = (
            shuffle,
            seed,
            generator,
            drop_last,
        )
        self.epoch = 0  # how many epochs have been iterated

    def __len__(self) -> int:
        full, rest = divmod(self.m, self.batch_size)
        return full + (1 if rest and not self.drop_last else 0)

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        if not self.shuffle:
            batches = mini_batches(self.X, self.Y, self.batch_size, seed=None, shuffle=False)
        elif self.seed is not None:
            batches = mini_batches(self.X, self.Y, self.batch_size, seed=self.seed + self.epoch)
        else:
            order = random.generator(generator=self.generator)
            batches = mini_batches(self.X, self.Y, self.batch_size, generator=order)
        self.epoch += 1
        for X_batch, Y_batch in batches:
            if self.drop_last and X_batch.shape[1] < self.batch_size:
                return
            yield Tensor(X_batch), Tensor(Y_batch)
