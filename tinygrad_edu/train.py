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
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tinygrad_edu import nn, optim
from tinygrad_edu.autograd import no_grad
from tinygrad_edu.tensor import Tensor

LossFn = Callable[[Any, Tensor, Tensor], Tensor]

# The course's costs by name. Each returns the SUM of the per-example losses; `fit` divides the cost
# by m and multiplies the gradients by 1/m, as the course's code does (`dW = 1/m * dZ @ A_prev.T`).
COURSE_LOSSES: dict[str, Callable[[Any, Tensor, Tensor], Tensor]] = {
    # weeks 2 and 3: dZ[L] = A - Y straight from the logits
    "bce_logits": lambda model, X, Y: nn.binary_cross_entropy_with_logits(
        model.logits(X), Y, reduction="sum"
    ),
    # week 4: dAL = -(Y/AL - (1-Y)/(1-AL)), then back through the sigmoid
    "bce": lambda model, X, Y: nn.binary_cross_entropy(model(X), Y, reduction="sum"),
}


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
    - "bce": the cross-entropy on its output A, dAL = -(Y/AL - (1-Y)/(1-AL)) (week 4).

    The named costs follow the course's order of arithmetic: backward from the summed loss, then
    dW = (1/m) * (...). It is the same math as differentiating the mean, but over thousands of
    iterations the last bits of rounding grow into the printed digits (at lr 1.2 the planar model
    differs in the 4th decimal by iteration 9000), and this order prints the course's numbers
    exactly. Prints `Cost after iteration i: c` every `print_every`
    iterations and at the last one (0 prints nothing). `progress=None` shows a tqdm bar only on a
    terminal. Ctrl-C stops after the iteration in progress, so the parameters are always those of a
    finished iteration. A cost that becomes NaN or inf stops training before that update, with a
    message suggesting a smaller learning rate; the parameters and the optimizer's state are then
    those of the last iteration whose cost was finite."""
    if isinstance(iterations, bool) or not isinstance(iterations, int) or iterations < 0:
        raise ValueError(f"fit: iterations must be a whole number >= 0, got {iterations!r}")
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
                for p, saved in zip(params, backup, strict=False):
                    p.data[...] = saved
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
    """0/1 predictions (A > 0.5) as a float array of shape (1, m)."""
    with no_grad():
        A = model(X if isinstance(X, Tensor) else Tensor(X))
    return (A.data > 0.5).astype(np.float64)


def accuracy(model: Any, X: Any, Y: Any) -> float:
    """100 * mean(prediction == label), as a Python float (the course's printed accuracy)."""
    labels = np.asarray(Y.data if isinstance(Y, Tensor) else Y)
    prediction = predict(model, X)
    if prediction.shape != labels.shape:
        raise ValueError(
            f"accuracy: predictions have shape {prediction.shape} but Y has shape {labels.shape}"
        )
    return float(100 * np.mean(prediction == labels))


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
