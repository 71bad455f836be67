"""The course's three models, in its notation. Each `forward(X)` returns the course's output
AL = sigmoid(Z[L]), of shape (n_y, m); `logits(X)` returns Z[L] for the fused, stable cost
`binary_cross_entropy_with_logits`; `predict(X)` returns the 0/1 predictions (AL > 0.5), or the
class of largest logit when n_y > 1.

Each starts from the course's initialization, so a training run reproduces the course's costs:

    LogisticRegression(12288)                          zeros (week 2)
    ShallowNet(2, 4, 1, hidden="tanh")                 randn * 0.01, seed 2 (week 3, planar)
    ShallowNet(12288, 7, 1, hidden="relu")             randn * 0.01, seed 1 (week 4, cats)
    DeepNet([12288, 20, 7, 5, 1])                      randn / sqrt(n[l-1]), seed 1 (week 4, cats)
"""

from __future__ import annotations

from collections.abc import Sequence as SequenceABC

import numpy as np

from tinygrad_edu.nn import init
from tinygrad_edu.nn.activation import LeakyReLU, ReLU, Sigmoid, Tanh
from tinygrad_edu.nn.container import Sequential
from tinygrad_edu.nn.linear import Linear
from tinygrad_edu.nn.module import Module
from tinygrad_edu.nn.predictions import predict
from tinygrad_edu.tensor import Tensor

HIDDEN = {"relu": ReLU, "tanh": Tanh, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid}


def _hidden(model: str, hidden: str) -> type[Module]:
    if hidden not in HIDDEN:
        raise ValueError(f"{model}: hidden must be one of {list(HIDDEN)}, got {hidden!r}")
    return HIDDEN[hidden]


class Classifier(Module):
    """What the three models share: the output A = sigmoid(logits) and the predictions."""

    def logits(self, X: Tensor | np.ndarray) -> Tensor:
        """Z[L], the last layer's linear output; each model defines it.

        Args:
            X: the examples, (n_x, m), one per column (a Tensor or an array).

        Returns:
            Z[L], a Tensor of shape (n_y, m).
        """
        raise NotImplementedError(f"{type(self).__name__} must define logits()")

    def forward(self, X: Tensor | np.ndarray) -> Tensor:
        """AL = sigmoid(Z[L]): the probability of class 1 for each example.

        Args:
            X: the examples, (n_x, m), one per column (a Tensor or an array).

        Returns:
            AL, a Tensor of shape (n_y, m).
        """
        return self.logits(X).sigmoid()

    def predict(self, X: Tensor | np.ndarray) -> np.ndarray:
        """`predict(self, X)` (tinygrad_edu.nn.predictions, re-exported by tinygrad_edu.train): for
        one output, 1.0 where AL > 0.5 else 0.0; for several (classes along axis 0), the index of
        the largest logit. Computed with no graph.

        Args:
            X: the examples, (n_x, m), one per column (a Tensor or an array).

        Returns:
            A (1, m) numpy array in the model's float dtype.
        """
        return predict(self, X)


class LogisticRegression(Classifier):
    """Week 2: A = sigmoid(W X + b) with W (1, n_x) (the course's w^T) and b (1, 1), from zeros.

    Args:
        n_x: the number of features (12288 for the 64x64x3 cat pictures).
        dtype: the parameters' float dtype.

    Examples:
        >>> model = LogisticRegression(3)
        >>> model(np.ones((3, 2)))  # W = 0, b = 0: A = sigmoid(0)
        Tensor([[0.5, 0.5]], requires_grad=True, grad_fn=<Sigmoid>)
        >>> model.predict(np.ones((3, 2)))
        array([[0., 0.]])
    """

    def __init__(self, n_x: int, dtype: type = np.float64) -> None:
        super().__init__()
        self.linear = Linear(n_x, 1, dtype=dtype, init="zeros")

    def logits(self, X: Tensor | np.ndarray) -> Tensor:
        """Z[L] = W[L] A[L-1] + b[L].

        Args:
            X: the examples, (n_x, m), one per column (a Tensor or an array).

        Returns:
            Z[L], a Tensor of shape (n_y, m).
        """
        return self.linear(X)


class ShallowNet(Classifier):
    """Weeks 3 and 4: n_x -> n_h (tanh or relu) -> n_y (sigmoid).

        A1 = g(W1 X + b1),    A2 = sigmoid(W2 A1 + b2)

    Initialized as the course does: W = randn * 0.01 drawn W1 then W2 from RandomState(seed);
    `seed=None` takes the course's seed for the activation, 2 for tanh (the planar network) and
    1 for relu (the 2-layer cat network).

    Args:
        n_x: the input size.
        n_h: the hidden layer's size.
        n_y: the output size (1 for a binary classifier).
        hidden: the hidden activation: "tanh", "relu", "leaky_relu" or "sigmoid".
        seed: the RandomState seed (None: the course's, 2 for tanh and 1 otherwise).
        dtype: the parameters' float dtype.

    Raises:
        ValueError: `hidden` is not one of the names above, or a size is not >= 1.

    Examples:
        >>> model = ShallowNet(2, 4, 1)
        >>> [name for name, _ in model.named_parameters()]
        ['layers.0.W', 'layers.0.b', 'layers.2.W', 'layers.2.b']
        >>> [p.shape for p in model.parameters()]
        [(4, 2), (4, 1), (1, 4), (1, 1)]
    """

    def __init__(
        self,
        n_x: int,
        n_h: int,
        n_y: int,
        hidden: str = "tanh",
        seed: int | None = None,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        activation = _hidden("ShallowNet", hidden)
        self.hidden = hidden
        self.layers = Sequential(
            Linear(n_x, n_h, dtype=dtype, init="zeros"),
            activation(),
            Linear(n_h, n_y, dtype=dtype, init="zeros"),
        )
        if seed is None:
            seed = 2 if hidden == "tanh" else 1
        init.course_(self, scale=0.01, seed=seed)  # Sequential named the layers W1, b1, W2, b2

    def logits(self, X: Tensor | np.ndarray) -> Tensor:
        """Z[L] = W[L] A[L-1] + b[L].

        Args:
            X: the examples, (n_x, m), one per column (a Tensor or an array).

        Returns:
            Z[L], a Tensor of shape (n_y, m).
        """
        return self.layers(X)


class DeepNet(Classifier):
    """Week 4's L-layer network: `layer_dims = [n_x, n[1], ..., n[L]]`, hidden layers relu (or
    `hidden`), the output layer sigmoid.

        A[l] = g(W[l] A[l-1] + b[l]) for l = 1..L-1,    AL = sigmoid(W[L] A[L-1] + b[L])

    Initialized as the course does: W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]), layer by layer from
    RandomState(seed), seed 1 by default. The layers are `layers[0], layers[2], ...` (the
    activations sit between them), so W[l] is named "layers.{2(l-1)}.W".

    Args:
        layer_dims: [n_x, n[1], ..., n[L]], the sizes of the input and of each layer.
        hidden: the hidden activation: "relu", "tanh", "leaky_relu" or "sigmoid".
        seed: the RandomState seed (None: the library's generator).
        dtype: the parameters' float dtype.

    Raises:
        ValueError: `layer_dims` has fewer than 2 sizes, a size is not >= 1, or `hidden` is
            unknown.

    Examples:
        >>> model = DeepNet([4, 3, 1])
        >>> model.layers
        Sequential(
          (0): Linear(4 -> 3)
          (1): ReLU()
          (2): Linear(3 -> 1)
        )
    """

    def __init__(
        self,
        layer_dims: SequenceABC[int],
        hidden: str = "relu",
        seed: int | None = 1,
        dtype: type = np.float64,
    ) -> None:
        super().__init__()
        activation = _hidden("DeepNet", hidden)
        dims = list(layer_dims)
        if len(dims) < 2:
            raise ValueError(
                f"DeepNet: layer_dims must list n_x and at least one layer, got {dims!r}"
            )
        self.hidden = hidden
        self.layers = Sequential()
        for layer in range(1, len(dims)):  # l = 1..L, as the course counts
            if layer > 1:
                self.layers.append(activation())
            self.layers.append(Linear(dims[layer - 1], dims[layer], dtype=dtype, init="zeros"))
        init.course_(self, scale="sqrt", seed=seed)

    def logits(self, X: Tensor | np.ndarray) -> Tensor:
        """Z[L] = W[L] A[L-1] + b[L].

        Args:
            X: the examples, (n_x, m), one per column (a Tensor or an array).

        Returns:
            Z[L], a Tensor of shape (n_y, m).
        """
        return self.layers(X)
