"""`predict` and `accuracy`: what a trained model says about each example, and how often it is
right; `logits_reader` and `gives_logits`: how to get a model's logits Z[L] (the costs of
tinygrad_edu.train use them too). They live in nn so that `Classifier.predict` needs nothing above
nn; tinygrad_edu.train re-exports `predict` and `accuracy`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.nn.activation import Sigmoid
from tinygrad_edu.nn.container import Sequential
from tinygrad_edu.nn.linear import Linear
from tinygrad_edu.ops.base import sigmoid
from tinygrad_edu.tensor import Tensor

__all__ = ["accuracy", "gives_logits", "logits_reader", "predict"]


def logits_reader(model: Any) -> Callable[[Tensor], Tensor] | None:
    """How to get the model's logits, or None when they cannot be told from the model.

    Args:
        model: any model.

    Returns:
        `model.logits` when it has one; a Sequential ending in Linear itself (its output is Z[L]);
        a Sequential ending in Linear then Sigmoid without its Sigmoid; otherwise None."""
    if callable(getattr(model, "logits", None)):
        return model.logits
    if isinstance(model, Sequential) and len(model):
        if isinstance(model[-1], Linear):
            return model
        if len(model) > 1 and isinstance(model[-1], Sigmoid) and isinstance(model[-2], Linear):
            return model[:-1]
    return None


def gives_logits(model: Any) -> bool:
    """The model's output is itself the logits (a Sequential ending in Linear).

    Args:
        model: any model.

    Returns:
        True when `model(X)` is Z[L], not A."""
    return logits_reader(model) is model


def predict(model: Any, X: Any) -> np.ndarray:
    """The predicted class of each example, a (1, m) array in the dtype of the model's output.

    As in PyTorch, the dtype follows the model: a float32 model predicts in float32, whatever the
    dtype of a numpy X (it is converted to the model's parameter dtype, as its Linear layers would
    convert it), so `predict(model, X)` and `model(X)` agree; an output that is not floating point
    (a custom model's) gives float64 predictions.

    One output row (binary): 1.0 where A = sigmoid(Z) > 0.5, else 0.0, the course's expression.
    Several rows (classes along axis 0): the index of the largest logit, argmax over axis 0.

    The logits and A are told apart from the model: `model.logits(X)` when it has one (the
    course's models), a Sequential ending in Linear gives logits, one ending in Sigmoid gives A.
    Any other model's single output is read as A, and refused if it is not in [0, 1].

    Args:
        model: a trained model.
        X: the inputs, (n_x, m).

    Returns:
        The predictions, shape (1, m): 0/1, or class indices 0..n_classes-1.

    Raises:
        ValueError: a single output that is neither known to be logits nor in [0, 1].

    Examples:
        >>> from tinygrad_edu.nn import LogisticRegression
        >>> model = LogisticRegression(2)
        >>> model.linear.b.data += 1.0  # Z = 1 for every example: A > 0.5
        >>> predict(model, np.zeros((2, 3)))
        array([[1., 1., 1.]])
    """
    X = _as_input(model, X)
    read_logits = logits_reader(model)
    with no_grad():
        out = model(X)
        data = out.data
        dtype = data.dtype if data.dtype.kind == "f" else np.dtype(np.float64)
        if data.ndim != 2:
            raise ValueError(
                f"predict: {type(model).__name__} gave an output of shape {data.shape}; expected "
                "(n_classes, m), one column per example"
            )
        if data.shape[0] > 1:  # classes along axis 0: the largest logit wins
            Z = data if gives_logits(model) or read_logits is None else read_logits(X).data
            return np.argmax(Z, axis=0, keepdims=True).astype(dtype)
        if gives_logits(model):
            A = sigmoid(data)  # the course's A = sigmoid(Z), then A > 0.5
        else:
            A = data
            if read_logits is None and data.size and not ((data >= 0) & (data <= 1)).all():
                raise ValueError(
                    f"predict: {type(model).__name__} gave outputs outside [0, 1] (from "
                    f"{data.min()} to {data.max()}), so they are not the probability A; give "
                    "the model a logits(X) method, or end it with Sigmoid()"
                )
    return (A > 0.5).astype(dtype)


def _as_input(model: Any, X: Any) -> Tensor:
    """X as a Tensor; a numpy X in the dtype of the model's first floating-point parameter (a
    Tensor X is used as it is, as PyTorch does)."""
    if isinstance(X, Tensor):
        return X
    parameters = getattr(model, "parameters", None)
    found = (p.dtype for p in parameters() if p.dtype.kind == "f") if callable(parameters) else ()
    return Tensor(X, dtype=next(iter(found), None))


def accuracy(model: Any, X: Any, Y: Any) -> float:
    """100 * mean(prediction == label), as a Python float (the course's printed accuracy).

    Args:
        model: a trained model (see `predict`).
        X: the inputs, (n_x, m).
        Y: the labels: (1, m) or (m,) of 0/1 or class indices, or one-hot (n_classes, m).

    Returns:
        The percentage of examples predicted right.

    Raises:
        ValueError: Y's shape fits neither the predictions nor one-hot classes.

    Examples:
        >>> from tinygrad_edu.nn import LogisticRegression
        >>> model = LogisticRegression(2)  # W = 0, b = 0: A = 0.5, every prediction is 0
        >>> accuracy(model, np.zeros((2, 4)), np.array([[0, 0, 0, 1]]))
        75.0
    """
    labels = np.asarray(Y.data if isinstance(Y, Tensor) else Y)
    prediction = predict(model, X)
    m = prediction.shape[1]
    if labels.ndim == 2 and labels.shape[0] > 1 and labels.shape[1] == m:
        labels = np.argmax(labels, axis=0, keepdims=True)  # one-hot (n_classes, m)
    elif labels.shape == (m,):
        labels = labels.reshape(1, m)
    if prediction.shape != labels.shape:
        raise ValueError(
            f"accuracy: predictions have shape {prediction.shape} but Y has shape {labels.shape}; "
            f"Y must be (1, {m}) or ({m},) labels, or one-hot (n_classes, {m})"
        )
    return float(100 * np.mean(prediction == labels))
