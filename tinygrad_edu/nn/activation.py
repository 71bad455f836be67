"""The course's activations as modules, A = g(Z), to put in a `Sequential` between `Linear` layers.

Each calls the Tensor op of the same name, whose docstring states its gradient:
sigmoid' = A (1 - A), tanh' = 1 - A^2, relu' = 1 where Z > 0 else 0, leaky_relu' = 1 or slope.
"""

from __future__ import annotations

import numpy as np

from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


def _tensor(Z: Tensor | np.ndarray) -> Tensor:
    return Z if isinstance(Z, Tensor) else Tensor(Z)


class Sigmoid(Module):
    """A = 1 / (1 + e^-Z): the course's output activation (a probability in (0, 1)).

    Examples:
        >>> Sigmoid()(Tensor([0.0]))
        Tensor([0.5])
    """

    def forward(self, Z: Tensor | np.ndarray) -> Tensor:
        """Apply the activation element by element.

        Args:
            Z: the pre-activation, a Tensor or an array (converted to a float64 Tensor).

        Returns:
            A, a Tensor of Z's shape.
        """
        return _tensor(Z).sigmoid()


class Tanh(Module):
    """A = tanh(Z): the week 3 hidden activation (zero-centred, in (-1, 1)).

    Examples:
        >>> Tanh()(Tensor([0.0]))
        Tensor([0.])
    """

    def forward(self, Z: Tensor | np.ndarray) -> Tensor:
        """Apply the activation element by element.

        Args:
            Z: the pre-activation, a Tensor or an array (converted to a float64 Tensor).

        Returns:
            A, a Tensor of Z's shape.
        """
        return _tensor(Z).tanh()


class ReLU(Module):
    """A = max(0, Z): the week 4 hidden activation.

    Examples:
        >>> ReLU()(Tensor([-2.0, 3.0]))
        Tensor([0., 3.])
    """

    def forward(self, Z: Tensor | np.ndarray) -> Tensor:
        """Apply the activation element by element.

        Args:
            Z: the pre-activation, a Tensor or an array (converted to a float64 Tensor).

        Returns:
            A, a Tensor of Z's shape.
        """
        return _tensor(Z).relu()


class LeakyReLU(Module):
    """A = Z where Z > 0, else slope * Z (a small gradient where ReLU has none).

    Args:
        slope: the factor for Z <= 0.

    Examples:
        >>> LeakyReLU(0.5)(Tensor([-2.0, 3.0]))
        Tensor([-1.,  3.])
    """

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        self.slope = slope

    def forward(self, Z: Tensor | np.ndarray) -> Tensor:
        """Apply the activation element by element.

        Args:
            Z: the pre-activation, a Tensor or an array (converted to a float64 Tensor).

        Returns:
            A, a Tensor of Z's shape.
        """
        return _tensor(Z).leaky_relu(self.slope)

    def extra_repr(self) -> str:
        """The text inside the repr's parentheses.

        Returns:
            `slope=0.01` for `LeakyReLU(slope=0.01)`.
        """
        return f"slope={self.slope}"
