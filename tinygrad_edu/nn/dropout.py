"""Inverted dropout (course 2, week 1), as `torch.nn.Dropout(p)`.

In training mode each unit is kept with probability keep_prob = 1 - p and the kept ones are scaled
up by 1 / keep_prob, so the expected value of each unit is unchanged and nothing needs rescaling at
test time:

    D = (rand(shape of A) < keep_prob)          the mask, drawn anew at every call
    A = (A * D) / keep_prob                     forward
    dA_prev = (dA * D) / keep_prob              backward: the same mask and scale

In `eval()` mode the layer returns its input. The mask is drawn exactly as the course draws it
(`np.random.rand(...) < keep_prob`), from the module's generator if it has one, else from the
library's (the one `tinygrad_edu.manual_seed` seeds). The course re-seeds before every forward
pass (`np.random.seed(1)`, then D1 and D2 from the same stream): give both layers one
`RandomState(1)` and call its `seed(1)` before each forward to reproduce its numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import random
from tinygrad_edu._checks import check_real
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class Dropout(Module):
    """Zero each unit with probability `p` in training mode, and scale the rest by 1 / (1 - p).

    Args:
        p: the probability of dropping a unit, in [0, 1] (the course's 1 - keep_prob).
        keep_prob: the course's name, instead of `p`: the probability of keeping a unit. It is
            kept as given, so `(A * D) / keep_prob` divides by the course's very number (1 - (1 -
            k) is not k for every k: 0.1, 0.2, 0.3 differ in the last bit).
        generator: a `numpy.random.RandomState` (or `numpy.random.Generator`) the masks come
            from; None: the library's generator.

    Raises:
        ValueError: `p` or `keep_prob` is not a number in [0, 1], or both are given.

    Examples:
        >>> layer = Dropout(0.5, generator=np.random.RandomState(1))
        >>> layer(Tensor([[1.0, 2.0, 3.0, 4.0]]))  # rand: 0.417, 0.720, 0.0001, 0.302
        Tensor([[2., 0., 6., 8.]])
        >>> layer.eval()(Tensor([[1.0, 2.0]]))
        Tensor([[1., 2.]])
    """

    def __init__(
        self, p: float | None = None, keep_prob: float | None = None, generator: Any = None
    ) -> None:
        super().__init__()
        if p is not None and keep_prob is not None:
            raise ValueError(
                f"Dropout: pass p or keep_prob, not both (got p={p}, keep_prob={keep_prob})"
            )
        if keep_prob is None:
            p = 0.5 if p is None else _probability("p", p)
            keep_prob = 1.0 - p
        else:
            keep_prob = _probability("keep_prob", keep_prob)
            p = 1.0 - keep_prob
        if generator is not None:
            random.generator(generator=generator)  # its TypeError, now rather than at forward
        self.p, self.keep_prob = p, keep_prob
        self.generator = generator

    def forward(self, A: Tensor | np.ndarray) -> Tensor:
        """Drop units (training mode) or pass A through (eval mode).

        Args:
            A: the activations, a Tensor or an array.

        Returns:
            (A * D) / keep_prob with a fresh mask D in training mode, else A.
        """
        A = A if isinstance(A, Tensor) else Tensor(A)
        if not self.training or self.keep_prob == 1.0:
            return A
        if self.keep_prob == 0.0:  # every unit dropped (and no division by 0)
            return A * 0.0
        keep_prob = self.keep_prob
        rand = random.generator(generator=self.generator).random_sample(A.shape)
        D = (rand < keep_prob).astype(A.dtype)
        return (A * D) / keep_prob

    def extra_repr(self) -> str:
        """The text inside the repr's parentheses.

        Returns:
            `p=0.5` for `Dropout(p=0.5)`.
        """
        return f"p={self.p}"


def _probability(name: str, value: Any) -> float:
    value = check_real("Dropout", name, value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"Dropout: {name} must be a probability in [0, 1], got {value}")
    return value
