"""`Linear`: one layer's linear part in the course's notation, Z[l] = W[l] A[l-1] + b[l]."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu._checks import is_int
from tinygrad_edu.nn.init import initialize
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class Linear(Module):
    """Z = W @ A_prev + b, with W of shape (n_out, n_in) and b of shape (n_out, 1).

    `A_prev` is (n_in, m), one example per column (for the first layer it is X, (n_x, m)); b is
    broadcast across the m columns. The gradients backward computes are the course's
    dW = (1/m) dZ A_prev^T, db = (1/m) sum(dZ, axis=1), dA_prev = W^T dZ (the 1/m comes from the
    mean in the cost).

    W is drawn by `init` ("he" by default: randn * sqrt(2 / n_in), from RandomState(seed); "xavier",
    "course" (randn * 0.01) or "zeros"); b starts at 0. The models re-initialize their layers with
    the course's own scheme, and `nn.init` does so for any model.

    Args:
        n_in: n[l-1], the number of rows of A_prev (n_x for the first layer).
        n_out: n[l], the number of units.
        dtype: the parameters' float dtype.
        init: how W is drawn: "he", "xavier", "course" or "zeros".
        seed: the seed of the RandomState W is drawn from (None: a fresh one).

    Raises:
        ValueError: `n_in` or `n_out` is not a whole number >= 1, or `init` is unknown.

    Examples:
        >>> layer = Linear(3, 2, seed=1)
        >>> layer.W.shape, layer.b.shape
        ((2, 3), (2, 1))
        >>> layer(np.ones((3, 5))).shape
        (2, 5)
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        dtype: Any = np.float64,
        init: str = "he",
        seed: int | None = None,
    ) -> None:
        super().__init__()
        for what, n in (("n_in", n_in), ("n_out", n_out)):
            if not (is_int(n) and n >= 1):
                raise ValueError(f"Linear: {what} must be a whole number >= 1, got {n!r}")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.W = Tensor(np.zeros((n_out, n_in)), requires_grad=True, dtype=dtype, name="W")
        self.b = Tensor(np.zeros((n_out, 1)), requires_grad=True, dtype=dtype, name="b")
        if init != "zeros":
            initialize(self, init, seed=seed)

    def forward(self, A_prev: Tensor | np.ndarray) -> Tensor:
        """Z = W @ A_prev + b.

        Args:
            A_prev: the previous layer's activations, (n_in, m); an array is converted to W's
                dtype.

        Returns:
            Z, a Tensor of shape (n_out, m).

        Raises:
            ValueError: A_prev is not 2-D with n_in rows (the message names the layer).
            TypeError: A_prev is not numbers.
        """
        if not isinstance(A_prev, Tensor):
            try:
                A_prev = Tensor(A_prev, dtype=self.W.dtype)
            except (TypeError, ValueError) as exc:  # name the layer, not only the conversion
                raise type(exc)(f"{self!r}: A_prev must be an array of numbers ({exc})") from None
        if A_prev.ndim != 2 or A_prev.shape[0] != self.n_in:
            raise ValueError(
                f"{self!r}: A_prev has shape {A_prev.shape}, expected ({self.n_in}, m); "
                "X is (n_x, m), one column per example"
            )
        return self.W @ A_prev + self.b

    def extra_repr(self) -> str:
        """The text inside the repr's parentheses.

        Returns:
            `12288 -> 20` (and the dtype when it is not float64).
        """
        dtype = "" if self.W.dtype == np.float64 else f", dtype={self.W.dtype}"
        return f"{self.n_in} -> {self.n_out}{dtype}"
