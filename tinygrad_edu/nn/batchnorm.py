"""Batch normalization (course 2, week 3), as `torch.nn.BatchNorm1d` on the course's layout: Z is
(n, m), one feature per row, one example per column, and the statistics are taken along axis 1.

In training mode each unit's Z is normalized with the mean and the (biased) variance of the batch,
then scaled and shifted by the learned gamma and beta:

    mu = (1/m) sum_i Z[:, i]                    sigma^2 = (1/m) sum_i (Z[:, i] - mu)^2
    Z_norm = (Z - mu) / sqrt(sigma^2 + eps)     Z~ = gamma * Z_norm + beta

and the running statistics an `eval()` model normalizes with instead are updated, outside the
graph, as PyTorch's: running_mean = (1 - momentum) running_mean + momentum mu, and running_var the
same with the unbiased variance sigma^2 m / (m - 1) (momentum=None: the cumulative average, the
factor 1 / num_batches_tracked).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu._checks import is_int, is_real
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


class BatchNorm(Module):
    """Normalize each row of Z (n, m) over the batch, then scale by gamma and shift by beta.

    Forward (training mode, or `track_running_stats=False`), with m the number of columns:

        mu = mean(Z, axis=1)    var = mean((Z - mu)^2, axis=1)    (biased, as the course's)
        Z_norm = (Z - mu) / sqrt(var + eps)                       Z~ = gamma * Z_norm + beta

    Gradient (what autograd gives through those ops; each sum over the batch, axis 1):

        dbeta = sum(dZ~)        dgamma = sum(dZ~ * Z_norm)        dZ_norm = gamma * dZ~
        dZ = (1 / (m sqrt(var + eps))) * (m dZ_norm - sum(dZ_norm) - Z_norm sum(dZ_norm * Z_norm))

    In `eval()` mode (with running statistics) mu and var are `running_mean` and `running_var`,
    constants: Z~ = gamma (Z - running_mean) / sqrt(running_var + eps) + beta and
    dZ = gamma dZ~ / sqrt(running_var + eps). Each training forward also updates the running
    statistics in place, outside the graph: with f = momentum (or 1 / num_batches_tracked when
    momentum is None), running_mean = (1 - f) running_mean + f mu and
    running_var = (1 - f) running_var + f var m / (m - 1) (the unbiased variance), as PyTorch's.

    Args:
        num_features: n, the number of rows of Z (the units of the layer before).
        eps: added to the variance before its square root.
        momentum: the weight of the new batch in the running statistics, in [0, 1]; None: the
            cumulative moving average.
        affine: learn gamma (n, 1, ones at first) and beta (n, 1, zeros); False: neither.
        track_running_stats: keep `running_mean` (n, 1, zeros), `running_var` (n, 1, ones) and
            `num_batches_tracked` (an int64 count) as buffers; False: always the batch statistics.
        dtype: the float dtype of the parameters and buffers.

    Raises:
        ValueError: `num_features` is not a whole number >= 1, `eps` is not a number > 0, or
            `momentum` is not None or a number in [0, 1].

    Examples:
        >>> bn = BatchNorm(2)
        >>> bn
        BatchNorm(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
        >>> Z = Tensor([[1.0, 3.0], [10.0, 30.0]])
        >>> bn(Z).numpy().round(4)  # each row: mean 0, variance 1 (up to eps)
        array([[-1., 1.],
               [-1., 1.]])
        >>> bn.running_mean.numpy().ravel()  # 0.9 * 0 + 0.1 * (2, 20)
        array([0.2, 2. ])
        >>> [name for name, _ in bn.named_parameters()], [name for name, _ in bn.named_buffers()]
        (['gamma', 'beta'], ['running_mean', 'running_var', 'num_batches_tracked'])
    """

    # buffers (register_buffer), declared for mypy; None when track_running_stats=False
    running_mean: Tensor | None
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        dtype: Any = np.float64,
    ) -> None:
        super().__init__()
        if not (is_int(num_features) and num_features >= 1):
            raise ValueError(
                f"BatchNorm: num_features must be a whole number >= 1, got {num_features!r}"
            )
        if not (is_real(eps) and eps > 0):
            raise ValueError(f"BatchNorm: eps must be a number > 0, got {eps!r}")
        if momentum is not None and not (is_real(momentum) and 0 <= momentum <= 1):
            raise ValueError(f"BatchNorm: momentum must be None or in [0, 1], got {momentum!r}")
        n = self.num_features = int(num_features)
        self.eps, self.momentum = float(eps), None if momentum is None else float(momentum)
        self.affine, self.track_running_stats = bool(affine), bool(track_running_stats)
        self.gamma: Tensor | None = None
        self.beta: Tensor | None = None
        if self.affine:
            self.gamma = Tensor(np.ones((n, 1)), requires_grad=True, dtype=dtype, name="gamma")
            self.beta = Tensor(np.zeros((n, 1)), requires_grad=True, dtype=dtype, name="beta")
        stats = self.track_running_stats
        mean = Tensor(np.zeros((n, 1)), dtype=dtype, name="running_mean") if stats else None
        var = Tensor(np.ones((n, 1)), dtype=dtype, name="running_var") if stats else None
        # int64, as PyTorch's count (the constructor makes float tensors only)
        count = Tensor._wrap(np.zeros((), dtype=np.int64)) if stats else None
        if count is not None:
            count.name = "num_batches_tracked"
        self.register_buffer("running_mean", mean)
        self.register_buffer("running_var", var)
        self.register_buffer("num_batches_tracked", count)

    def forward(self, Z: Tensor | np.ndarray) -> Tensor:
        """Z~ = gamma * (Z - mu) / sqrt(var + eps) + beta, with the batch's mu and var (training,
        and the running statistics updated) or the running ones (eval).

        Args:
            Z: (num_features, m), one example per column; an array is converted to the layer's
                dtype.

        Returns:
            Z~, a Tensor of Z's shape.

        Raises:
            ValueError: Z is not 2-D, its rows are not num_features, or a training batch has a
                single example (its variance says nothing).
            TypeError: Z is not numbers, or a tensor that does not hold floats.
        """
        if not isinstance(Z, Tensor):
            try:
                Z = Tensor(Z, dtype=self._dtype())
            except (TypeError, ValueError) as exc:  # name the layer, not only the conversion
                raise type(exc)(f"{self!r}: Z must be an array of numbers ({exc})") from None
        if Z.dtype.kind != "f":
            raise TypeError(
                f"{self!r}: Z is a {Z.dtype} tensor of shape {Z.shape}; it must hold floats "
                "(a comparison's bool tensor is not an activation)"
            )
        if Z.ndim != 2 or Z.shape[0] != self.num_features:
            raise ValueError(
                f"{self!r}: Z has shape {Z.shape}, expected ({self.num_features}, m): one row "
                "per feature, one column per example (the course's layout)"
            )
        if self.training and Z.shape[1] <= 1:
            raise ValueError(
                f"{self!r}: Expected more than 1 value per channel when training, got input of "
                f"shape {Z.shape} (a batch of {Z.shape[1]} example)"
            )
        running_mean, running_var = self.running_mean, self.running_var
        if self.training or running_mean is None or running_var is None:
            mu = Z.mean(axis=1, keepdims=True)
            diff = Z - mu
            var = (diff * diff).mean(axis=1, keepdims=True)
            if self.training and running_mean is not None:
                update_running_stats(self, mu, var, Z.shape[1])
            Z_norm = diff / (var + self.eps).sqrt()
        else:
            Z_norm = (Z - running_mean) / (running_var + self.eps).sqrt()
        if self.gamma is None or self.beta is None:
            return Z_norm
        return self.gamma * Z_norm + self.beta

    def _dtype(self) -> Any:
        for t in (self.gamma, self.running_mean):
            if t is not None:
                return t.dtype
        return np.float64

    def extra_repr(self) -> str:
        """The text inside the repr's parentheses, as PyTorch's.

        Returns:
            `3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True`.
        """
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


def update_running_stats(bn: BatchNorm, mu: Tensor, var: Tensor, m: int) -> None:
    """Move bn's running statistics towards the batch's (`running_update`), outside the graph.

    The buffers are written in place, and their versions bumped (`t.data = t.data`, the .data
    setter): the graph of this forward saved none of them (it saved Z's own statistics), so no
    saved tensor is changed, and one that had saved them would refuse its backward. The compiled
    step records this call as one call of `running_update` on the same arrays
    (compiled/watch.py), so a replayed step moves the buffers exactly as this one does.
    """
    mean, variance, count = bn.running_mean, bn.running_var, bn.num_batches_tracked
    assert mean is not None and variance is not None and count is not None  # tracked
    running_update(mean.data, variance.data, count.data, mu.data, var.data, m, bn.momentum)
    for buffer in (mean, variance, count):
        buffer.data = buffer.data  # the same array, written above: only the version moves


def running_update(
    mean: np.ndarray,
    variance: np.ndarray,
    count: np.ndarray,
    mu: np.ndarray,
    var: np.ndarray,
    m: int,
    momentum: float | None,
) -> None:
    """PyTorch's update of the running statistics, on arrays, in place: count += 1, then with
    f = momentum (or 1 / count for the cumulative average, momentum None)
    mean = (1 - f) mean + f mu and variance = (1 - f) variance + f var m / (m - 1)."""
    count += 1
    f = 1.0 / int(count) if momentum is None else momentum  # a Python float: keeps float32
    mean *= 1.0 - f
    mean += mu * f
    variance *= 1.0 - f
    variance += (var * (m / (m - 1))) * f
