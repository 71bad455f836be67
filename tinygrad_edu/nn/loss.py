"""The costs: the course's binary cross-entropy (on A, or fused with the sigmoid on Z), and softmax
cross-entropy for more than two classes. Each returns the mean over the examples as a 0-d Tensor,
ready for `.backward()`. Y may be a Tensor or a numpy array, in the course's layout (n_y, m).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu._checks import one_axis
from tinygrad_edu.nn.module import Module
from tinygrad_edu.ops import BCEWithLogits, BinaryCrossEntropy
from tinygrad_edu.tensor import Tensor


def _tensor(fn: str, name: str, x: Any, dtype: Any = None) -> Tensor:
    """`x` as a Tensor; anything that is not real numbers (a str, None, ...) is refused by name."""
    if isinstance(x, Tensor):
        return x
    try:
        return Tensor(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{fn}: {name} must be real numbers ({exc})") from None


def _check_same_shape(fn: str, a_name: str, A: Tensor, Y: Tensor) -> None:
    if A.shape != Y.shape:
        raise ValueError(
            f"{fn}: {a_name} has shape {A.shape} but Y has shape {Y.shape}; they must match, "
            "both (n_y, m) with one column per example"
        )


def binary_cross_entropy(A: Tensor | np.ndarray, Y: Any, reduction: str = "mean") -> Tensor:
    """The course's cost on the output A = sigmoid(Z):

        J = -(1/m) sum( Y log(A) + (1 - Y) log(1 - A) )

    (a mean over all n_y * m entries, which for Y of shape (1, m) is exactly the course's 1/m sum).
    Its gradient dJ/dA = -(1/m) (Y/A - (1 - Y)/(1 - A)) is the course's dAL. When A rounds to
    exactly 0 or 1 the log would be -inf: each log is clamped at -100, as PyTorch's
    `binary_cross_entropy` does, and where A(1 - A) < 1e-12 the gradient is PyTorch's
    (A - Y) / 1e-12, so a saturated output gives a large, finite cost and gradient (never nan).
    `binary_cross_entropy_with_logits` on Z needs no clamp and stays exact.
    `reduction="sum"` gives the sum (no 1/m), whose gradient is the course's dAL exactly.

    Args:
        A: the probabilities sigmoid(Z), in [0, 1], shape (n_y, m).
        Y: the labels (or any targets in [0, 1]), the shape of A.
        reduction: "mean" (over all entries) or "sum".

    Returns:
        The cost, a 0-d Tensor.

    Raises:
        ValueError: A and Y differ in shape, or reduction is not "mean" or "sum".
        TypeError: A or Y is not real numbers.

    Examples:
        >>> J = binary_cross_entropy(Tensor([[0.5, 0.5]]), np.array([[1.0, 0.0]]))
        >>> round(J.item(), 6)  # log 2
        0.693147
    """
    A = _tensor("binary_cross_entropy", "A", A)
    Y = _tensor("binary_cross_entropy", "Y", Y, A.dtype)
    _check_same_shape("binary_cross_entropy", "A", A, Y)
    return BinaryCrossEntropy.apply(A, Y, reduction=reduction)


def binary_cross_entropy_with_logits(
    Z: Tensor | np.ndarray, Y: Any, reduction: str = "mean"
) -> Tensor:
    """The same cost computed from the logits Z = Z[L] (A = sigmoid(Z)) in one stable op:

        J = (1/m) sum( max(Z, 0) - Z Y + log(1 + e^-|Z|) ),    dJ/dZ = (A - Y) / m

    the course's dZ[L] = A - Y, finite for any logit (±1000 included). `reduction="sum"` gives
    the sum, with dJ/dZ = A - Y exactly.

    Args:
        Z: the logits Z[L], shape (n_y, m).
        Y: the labels (or any targets in [0, 1]), the shape of Z.
        reduction: "mean" (over all entries) or "sum".

    Returns:
        The cost, a 0-d Tensor.

    Raises:
        ValueError: Z and Y differ in shape, or reduction is not "mean" or "sum".
        TypeError: Z or Y is not real numbers.

    Examples:
        >>> Z = Tensor([[0.0, 0.0]], requires_grad=True)
        >>> J = binary_cross_entropy_with_logits(Z, np.array([[1.0, 0.0]]))
        >>> J.backward()
        >>> Z.grad  # (A - Y) / m
        Tensor([[-0.25,  0.25]])
    """
    Z = _tensor("binary_cross_entropy_with_logits", "Z", Z)
    Y = _tensor("binary_cross_entropy_with_logits", "Y", Y, Z.dtype)
    _check_same_shape("binary_cross_entropy_with_logits", "Z", Z, Y)
    return BCEWithLogits.apply(Z, Y, reduction=reduction)


def cross_entropy(Z: Tensor | np.ndarray, Y: Any, axis: int = 0, reduction: str = "mean") -> Tensor:
    """Softmax cross-entropy for C classes, with the classes along `axis` (0: Z is (C, m)):

        J = -(1/m) sum_i sum_c Y[c, i] log softmax(Z)[c, i],    dJ/dZ = (softmax(Z) - Y) / m

    Y is one-hot (the shape of Z, or any probabilities summing to 1 per example), or the integer
    labels 0..C-1 of shape (m,) or (1, m). log softmax is computed stably: Z - max - log sum e^Z.

    A class whose target is 0 adds nothing, even when its logit is -inf (a class masked out): its
    log softmax is -inf there, and 0 * -inf would be nan, so only the entries with Y != 0 are summed,
    as PyTorch does for integer labels. (When Y is a Tensor that requires grad, dJ/dY = -log softmax
    is needed everywhere, so every entry is summed and such a -inf makes nan.)

    Args:
        Z: the logits, classes along `axis`, e.g. (n_classes, m).
        Y: one-hot targets of Z's shape, or integer labels (m,) or (1, m).
        axis: the class axis of Z (0 in the course's layout).
        reduction: "mean" over the examples, or "sum" (no 1/m, as `fit`'s course order wants).

    Returns:
        The cost, a 0-d Tensor.

    Raises:
        ValueError: Z is 0-d, `axis` is out of range, Y's shape or labels do not fit Z, or
            reduction is not "mean" or "sum".
        TypeError: Z or Y is not real numbers, or `axis` is not one int.

    Examples:
        >>> Z = Tensor(np.zeros((4, 2)), requires_grad=True)  # 4 classes, 2 examples
        >>> J = cross_entropy(Z, np.array([0, 3]))
        >>> round(J.item(), 6)  # log 4
        1.386294
        >>> J.backward()
        >>> Z.grad[:, 0]  # (softmax(Z) - Y) / m
        Tensor([-0.375,  0.125,  0.125,  0.125])
    """
    if reduction not in ("mean", "sum"):
        raise ValueError(f"cross_entropy: reduction must be 'mean' or 'sum', got {reduction!r}")
    Z = _tensor("cross_entropy", "Z", Z)
    if Z.ndim == 0:
        raise ValueError("cross_entropy: Z must have a class axis, got a 0-d tensor")
    axis = one_axis("cross_entropy", axis, Z.ndim, Z.shape)
    Y = _targets(Z, Y, axis)
    log_p = Z.log_softmax(axis=axis)
    m = Z.size // Z.shape[axis] if Z.shape[axis] else 0
    if Y.requires_grad or m == 0:  # m = 0: the mean of no examples is nan, as numpy's
        per_example = -(Y * log_p).sum(axis=axis)
        return per_example.mean() if reduction == "mean" else per_example.sum()
    present = Y.data != 0  # a constant mask: which (class, example) entries the cost reads
    total = -(Y[present] * log_p[present]).sum()
    return total / m if reduction == "mean" else total


def _targets(Z: Tensor, Y: Any, axis: int) -> Tensor:
    """Y as a one-hot Tensor of Z's shape (a Tensor Y of that shape is used as it is)."""
    if isinstance(Y, Tensor) and Y.shape == Z.shape:
        return Y
    try:
        labels = np.asarray(Y.data if isinstance(Y, Tensor) else Y)
    except ValueError as exc:
        raise ValueError(f"cross_entropy: Y is not a rectangular array ({exc})") from None
    if labels.dtype.kind not in "biuf":
        raise TypeError(
            f"cross_entropy: Y must be one-hot values or integer labels, got {labels.dtype}"
        )
    if labels.shape == Z.shape:
        return Tensor(labels, dtype=Z.dtype)
    n_classes = Z.shape[axis]
    example_shape = Z.shape[:axis] + Z.shape[axis + 1 :]
    kept_shape = (*Z.shape[:axis], 1, *Z.shape[axis + 1 :])
    if labels.shape not in (example_shape, kept_shape):
        raise ValueError(
            f"cross_entropy: Z has shape {Z.shape} ({n_classes} classes along axis {axis}) but Y "
            f"has shape {labels.shape}; Y must be one-hot of shape {Z.shape} or integer labels of "
            f"shape {example_shape} or {kept_shape} (Z is (n_classes, m), one column per example)"
        )
    labels = labels.reshape(example_shape)
    whole = labels.dtype.kind in "iu" or (
        labels.dtype.kind == "f" and np.array_equal(labels, np.round(labels))
    )
    if labels.size and (not whole or labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"cross_entropy: labels must be whole numbers 0..{n_classes - 1} for {n_classes} "
            f"classes, got values from {labels.min()} to {labels.max()}"
        )
    classes = np.arange(n_classes).reshape((n_classes,) + (1,) * (Z.ndim - axis - 1))
    return Tensor(np.expand_dims(labels, axis) == classes, dtype=Z.dtype)


class BCELoss(Module):
    """`BCELoss()(A, Y)` is `binary_cross_entropy(A, Y)`.

    Examples:
        >>> round(BCELoss()(Tensor([[0.5]]), [[1.0]]).item(), 6)
        0.693147
    """

    def forward(self, A: Tensor | np.ndarray, Y: Any) -> Tensor:
        """The mean binary cross-entropy of A against Y.

        Args:
            A: the probabilities, (n_y, m).
            Y: the targets, as `binary_cross_entropy` takes them.

        Returns:
            The cost, a 0-d Tensor.
        """
        return binary_cross_entropy(A, Y)


class BCEWithLogitsLoss(Module):
    """`BCEWithLogitsLoss()(Z, Y)` is `binary_cross_entropy_with_logits(Z, Y)`.

    Examples:
        >>> round(BCEWithLogitsLoss()(Tensor([[0.0]]), [[1.0]]).item(), 6)
        0.693147
    """

    def forward(self, Z: Tensor | np.ndarray, Y: Any) -> Tensor:
        """The mean binary cross-entropy of sigmoid(Z) against Y, in one stable op.

        Args:
            Z: the logits, (n_y, m).
            Y: the targets, as `binary_cross_entropy_with_logits` takes them.

        Returns:
            The cost, a 0-d Tensor.
        """
        return binary_cross_entropy_with_logits(Z, Y)


class CrossEntropyLoss(Module):
    """`CrossEntropyLoss(axis=0)(Z, Y)` is `cross_entropy(Z, Y, axis)`.

    Args:
        axis: the class axis of Z (0 in the course's layout, Z of shape (n_classes, m)).

    Examples:
        >>> round(CrossEntropyLoss()(Tensor(np.zeros((2, 3))), [0, 1, 1]).item(), 6)  # log 2
        0.693147
    """

    def __init__(self, axis: int = 0) -> None:
        super().__init__()
        self.axis = axis

    def forward(self, Z: Tensor | np.ndarray, Y: Any) -> Tensor:
        """The mean softmax cross-entropy of Z against Y.

        Args:
            Z: the logits, classes along `axis`.
            Y: the targets, as `cross_entropy` takes them.

        Returns:
            The cost, a 0-d Tensor.
        """
        return cross_entropy(Z, Y, self.axis)

    def extra_repr(self) -> str:
        """The text inside the repr's parentheses.

        Returns:
            `axis=0` for `CrossEntropyLoss(axis=0)`.
        """
        return f"axis={self.axis}"
