"""The training loop: forward, cost, backward, update, as the course's `model()` functions do, with
the course's printing, a progress bar on a terminal, the cost history, and a clean stop on Ctrl-C.

    >>> from tinygrad_edu.data import flower
    >>> from tinygrad_edu.nn import ShallowNet
    >>> X, Y = flower()
    >>> model = ShallowNet(2, 4, 1, hidden="tanh", seed=2)
    >>> history = fit(model, X, Y, iterations=10, lr=1.2, print_every=0)
    >>> round(history.costs[0], 6)
    0.693048
"""

from __future__ import annotations

import math
import numbers
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_edu import nn, optim
from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.ops.base import sigmoid
from tinygrad_edu.tensor import Tensor

LossFn = Callable[[Any, Tensor, Tensor], Tensor]


def _logits(model: Any, X: Tensor, need: str) -> Tensor:
    """The model's logits Z[L]: `model.logits(X)`, or the output of a Sequential that ends in a
    Linear (its output is Z[L]), or that Sequential without its final Sigmoid."""
    read = _logits_reader(model)
    if read is None:
        raise ValueError(
            f"fit: loss={need!r} needs the model's logits Z[L], but {type(model).__name__} has no "
            "logits(X) method and is not a Sequential ending in Linear (or Linear then Sigmoid). "
            "Give the model a logits(X) method, pass loss='bce' if its output is the probability "
            "A = sigmoid(Z), or pass loss=a callable loss(model, X, Y)"
        )
    return read(X)


def _probabilities(model: Any, X: Tensor) -> Tensor:
    """The model's output A, refused when it is known to be logits (a Sequential ending in Linear)."""
    if isinstance(model, nn.Sequential) and len(model) and isinstance(model[-1], nn.Linear):
        raise ValueError(
            "fit: loss='bce' needs the probability A = sigmoid(Z), but this Sequential ends in "
            "Linear, so its output is the logits Z: pass loss='bce_logits' (or 'cross_entropy' "
            "for several classes), or end the Sequential with Sigmoid()"
        )
    return model(X)


# The course's costs by name. Each returns the SUM of the per-example losses; `fit` divides the cost
# by m and multiplies the gradients by 1/m, as the course's code does (`dW = 1/m * dZ @ A_prev.T`).
COURSE_LOSSES: dict[str, Callable[[Any, Tensor, Tensor], Tensor]] = {
    # weeks 2 and 3: dZ[L] = A - Y straight from the logits
    "bce_logits": lambda model, X, Y: nn.binary_cross_entropy_with_logits(
        _logits(model, X, "bce_logits"), Y, reduction="sum"
    ),
    # week 4: dAL = -(Y/AL - (1-Y)/(1-AL)), then back through the sigmoid
    "bce": lambda model, X, Y: nn.binary_cross_entropy(
        _probabilities(model, X), Y, reduction="sum"
    ),
    # several classes: softmax over the class axis 0 of the logits, dZ[L] = softmax(Z) - Y
    "cross_entropy": lambda model, X, Y: nn.cross_entropy(
        _logits(model, X, "cross_entropy"), Y, reduction="sum"
    ),
}

# The warning for a cost that climbs: the cost has stayed more than RISE_TOLERANCE (10 %) above the
# lowest cost so far for RISE_PATIENCE iterations in a row. The course's planar training at lr 1.2
# climbs for about 50 iterations near iteration 7900, but by under 2 %; at lr 100 the cost is above
# its lowest by over 10 % from iteration 4 on.
RISE_TOLERANCE = 0.10
RISE_PATIENCE = 100


class RisingCostWarning(UserWarning):
    """`fit`'s cost has gone up and stayed up: the learning rate is likely too large."""


@dataclass
class History:
    """What `fit` did: the cost of every finished iteration, and why it stopped early (if it did)."""

    costs: list[float] = field(default_factory=list)
    stopped: str | None = None  # None (ran to the end), "interrupted" (Ctrl-C) or "diverged"

    def __len__(self) -> int:
        return len(self.costs)

    def __getitem__(self, i: int) -> float:
        return self.costs[i]

    def __iter__(self):
        return iter(self.costs)


def _copy_state(state: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()} for s in state]


def fit(
    model: Any,
    X: Any,
    Y: Any,
    iterations: int,
    lr: float | None = None,
    optimizer: optim.Optimizer | None = None,
    loss: str | LossFn = "bce_logits",
    print_every: int = 100,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> History:
    """Train `model` on (X, Y) for `iterations` full-batch steps and return the `History`.

    Each iteration: the cost, backward, `optimizer.step()` (plain gradient descent with `lr` unless
    an optimizer is given). `loss` is one of the course's costs by name, or `loss(model, X, Y)`
    returning the cost J to differentiate (a PyTorch-style mean):

    - "bce_logits" (default): the cross-entropy on the model's logits, dZ[L] = A - Y (weeks 2, 3);
    - "bce": the cross-entropy on its output A, dAL = -(Y/AL - (1-Y)/(1-AL)) (week 4);
    - "cross_entropy": softmax cross-entropy on the logits for several classes, the classes along
      axis 0 (Z[L] is (n_classes, m)), Y one-hot (n_classes, m) or integer labels (1, m).

    The logits are `model.logits(X)`; a model without that method works when it is a Sequential
    ending in Linear (its output is the logits) or in Linear then Sigmoid.

    The named costs follow the course's order of arithmetic: backward from the summed loss, then
    dW = (1/m) * (...). It is the same math as differentiating the mean, but over thousands of
    iterations the last bits of rounding grow into the printed digits (at lr 1.2 the planar model
    differs in the 4th decimal by iteration 9000), and in this order the parameters equal those of
    the course's hand-written numpy run on the same machine, bit for bit, after every iteration (so
    the printed costs are the course's wherever its digits do not depend on the machine). Prints `Cost after iteration i: c` every `print_every`
    iterations and at the last one (0 prints nothing). `progress=None` shows a tqdm bar only on a
    terminal. Ctrl-C stops after the iteration in progress, so the parameters are always those of a
    finished iteration. A cost that becomes NaN or inf stops training before that update, with a
    message suggesting a smaller learning rate; the parameters and the optimizer's state are then
    those of the last iteration whose cost was finite. A cost that stays more than 10 % above its
    lowest value for 100 iterations in a row warns once (`RisingCostWarning`, naming lr).

    Args:
        model: the Module to train.
        X: the inputs, (n_x, m).
        Y: the labels, (n_y, m) (or integer labels (1, m) for "cross_entropy").
        iterations: the number of full-batch steps, an int >= 0 (a numpy integer too).
        lr: the learning rate of plain gradient descent (when no optimizer is given).
        optimizer: an optimizer over the model's parameters, instead of lr.
        loss: a course cost by name, or a callable loss(model, X, Y).
        print_every: print the cost every this many iterations (0: never).
        progress: show a progress bar (None: only on a terminal).
        log: where the printed lines go (default: print).

    Returns:
        The History: the cost of each finished iteration, and why training stopped early.

    Raises:
        ValueError: iterations is not a whole number >= 0, neither lr nor optimizer is given, the
            loss is unknown, or the model cannot give what the named loss needs."""
    iterations = _whole_iterations(iterations)
    if optimizer is None:
        if lr is None:
            raise ValueError("fit: pass lr (the learning rate) or an optimizer")
        optimizer = optim.SGD(model.parameters(), lr=lr)
    if isinstance(loss, str):
        if loss not in COURSE_LOSSES:
            raise ValueError(
                f"fit: loss must be one of {sorted(COURSE_LOSSES)} or a callable, got {loss!r}"
            )
        loss_fn, course_order = COURSE_LOSSES[loss], True
    else:
        loss_fn, course_order = loss, False
    X = X if isinstance(X, Tensor) else Tensor(X)
    Y = Y if isinstance(Y, Tensor) else Tensor(Y)
    m = X.shape[-1] if X.ndim else 1
    bar = _progress_bar(iterations, progress)
    log = log or (bar.write if bar is not None else print)
    history = History()
    rising = _RiseWatch(_lr_of(optimizer))
    params = list(optimizer.params)
    # the parameters of the last iteration whose cost was finite, to fall back on if training diverges,
    # and the optimizer's state (momentum, Adam's averages) from the same moment
    backup = [np.empty_like(p.data) for p in params]
    state_backup = _copy_state(optimizer.state)
    with _DeferredInterrupt() as interrupt:
        for i in range(iterations):
            optimizer.zero_grad()
            cost = loss_fn(model, X, Y)
            value = cost.item() / m if course_order else cost.item()
            if not math.isfinite(value):
                history.stopped = "diverged"
                if i == 0:  # nothing was updated yet: the data or the model makes the nan
                    log(
                        f"Cost after iteration 0 is {value}: training stopped before any update. "
                        "The parameters are unchanged; look for NaN or inf in X and Y, or a log "
                        "of 0 in the cost (detect_anomaly() names the op)."
                    )
                    break
                with no_grad():  # in place, so the parameters stay the optimizer's, versions move
                    for p, saved in zip(params, backup, strict=False):
                        p.copy_(saved)
                optimizer.state = state_backup
                log(
                    f"Cost after iteration {i} is {value}: training diverged and stopped. The "
                    f"parameters are kept from iteration {i - 1}, the last with a finite "
                    f"cost. Try a smaller learning rate (lr={_lr_of(optimizer)})."
                )
                break
            cost.backward()
            if course_order:
                _scale_grads(params, 1 / m)
            for p, saved in zip(params, backup, strict=False):
                np.copyto(saved, p.data)
            if any(optimizer.state):  # plain gradient descent keeps none: nothing to copy
                state_backup = _copy_state(optimizer.state)
            optimizer.step()
            history.costs.append(value)
            rising.update(i, value)
            if print_every and (i % print_every == 0 or i == iterations - 1):
                log(f"Cost after iteration {i}: {value:.6f}")
            if bar is not None:
                bar.update(1)
            if interrupt.requested:
                history.stopped = "interrupted"
                log(f"Interrupted: stopped after iteration {i}, keeping its parameters.")
                break
    if bar is not None:
        bar.close()
    return history


def predict(model: Any, X: Any) -> np.ndarray:
    """The predicted class of each example, a (1, m) array in the output's float dtype.

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
        ValueError: a single output that is neither known to be logits nor in [0, 1]."""
    X = X if isinstance(X, Tensor) else Tensor(X)
    read_logits = _logits_reader(model)
    with no_grad():
        out = model(X)
        data = out.data
        if data.ndim != 2:
            raise ValueError(
                f"predict: {type(model).__name__} gave an output of shape {data.shape}; expected "
                "(n_classes, m), one column per example"
            )
        if data.shape[0] > 1:  # classes along axis 0: the largest logit wins
            Z = data if _gives_logits(model) or read_logits is None else read_logits(X).data
            return np.argmax(Z, axis=0, keepdims=True).astype(data.dtype)
        if _gives_logits(model):
            A = sigmoid(data)  # the course's A = sigmoid(Z), then A > 0.5
        else:
            A = data
            if read_logits is None and data.size and not ((data >= 0) & (data <= 1)).all():
                raise ValueError(
                    f"predict: {type(model).__name__} gave outputs outside [0, 1] (from "
                    f"{data.min()} to {data.max()}), so they are not the probability A; give "
                    "the model a logits(X) method, or end it with Sigmoid()"
                )
    return (A > 0.5).astype(data.dtype)


def accuracy(model: Any, X: Any, Y: Any) -> float:
    """100 * mean(prediction == label), as a Python float (the course's printed accuracy).

    Args:
        model: a trained model (see `predict`).
        X: the inputs, (n_x, m).
        Y: the labels: (1, m) or (m,) of 0/1 or class indices, or one-hot (n_classes, m).

    Returns:
        The percentage of examples predicted right.

    Raises:
        ValueError: Y's shape fits neither the predictions nor one-hot classes."""
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


def _logits_reader(model: Any) -> Callable[[Tensor], Tensor] | None:
    """How to get the model's logits, or None when they cannot be told from the model."""
    if callable(getattr(model, "logits", None)):
        return model.logits
    if isinstance(model, nn.Sequential) and len(model):
        if isinstance(model[-1], nn.Linear):
            return model
        if (
            len(model) > 1
            and isinstance(model[-1], nn.Sigmoid)
            and isinstance(model[-2], nn.Linear)
        ):
            return model[:-1]
    return None


def _gives_logits(model: Any) -> bool:
    """The model's output is itself the logits (a Sequential ending in Linear)."""
    return _logits_reader(model) is model


def _whole_iterations(iterations: Any) -> int:
    """iterations as an int: any integer (numpy's too), not a bool, a float or a negative."""
    if isinstance(iterations, (bool, np.bool_)) or not isinstance(iterations, numbers.Integral):
        raise ValueError(
            f"fit: iterations must be a whole number >= 0 (an int), got {iterations!r} of type "
            f"{type(iterations).__name__}"
        )
    if iterations < 0:
        raise ValueError(f"fit: iterations must be >= 0, got {int(iterations)}")
    return int(iterations)


class _RiseWatch:
    """Warns once when the cost has stayed more than RISE_TOLERANCE above its lowest value so far
    for RISE_PATIENCE iterations in a row."""

    def __init__(self, lr: Any) -> None:
        self.lr, self.best, self.best_at, self.run, self.warned = lr, math.inf, 0, 0, False

    def update(self, i: int, cost: float) -> None:
        if cost < self.best:
            self.best, self.best_at = cost, i
        self.run = self.run + 1 if cost > self.best * (1 + RISE_TOLERANCE) else 0
        if self.run >= RISE_PATIENCE and not self.warned:
            self.warned = True
            warnings.warn(
                f"fit: the cost has been more than {RISE_TOLERANCE:.0%} above its lowest value "
                f"({self.best:.6f} at iteration {self.best_at}) for {self.run} iterations in a "
                f"row, now {cost:.6f} at iteration {i}: the learning rate lr={self.lr} is likely "
                "too large; try a smaller one",
                RisingCostWarning,
                stacklevel=3,
            )


def _scale_grads(params: list[Tensor], factor: float) -> None:
    """grad = factor * grad in place (the course's `1/m *` on dW and db)."""
    for p in params:
        if p.grad is not None:
            p.grad.data *= factor


def _lr_of(optimizer: Any) -> Any:
    return getattr(optimizer, "lr", "?")


def _progress_bar(total: int, progress: bool | None) -> Any:
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # progress bars are optional: pip install tinygrad_edu[progress]
        return None
    return tqdm(total=total, unit="it", leave=False)


class _DeferredInterrupt:
    """Turn Ctrl-C into a request that the loop honours between iterations, so an update is never
    half applied. Only the main thread can install signal handlers; elsewhere Ctrl-C is untouched."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> _DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:  # a second Ctrl-C: the user really wants out
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
