"""`fit`, the training loop: forward, cost, backward, update, as the course's `model()` functions do, with
the course's printing, a progress bar (terminal or notebook), the cost history, and a clean stop on Ctrl-C.

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
from collections.abc import Callable
from typing import Any

from tinygrad_edu import optim
from tinygrad_edu._checks import is_int
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.train.history import History, RiseWatch
from tinygrad_edu.train.iterations import compiled_iterations, eager_iterations
from tinygrad_edu.train.losses import COURSE_LOSSES, LossFn
from tinygrad_edu.train.progress import DeferredInterrupt, progress_bar

__all__ = ["fit"]


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
    jit: bool = False,
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
    the printed costs are the course's wherever its digits do not depend on the machine).

    Prints `Cost after iteration i: c` every `print_every` iterations and at the last one (0 prints
    nothing). `progress=None` shows a bar on a terminal and in a Jupyter notebook (tqdm's widget with
    ipywidgets, else a text bar), and none in a log file or a pipe. Ctrl-C stops after the iteration
    in progress, so the parameters are always those of a finished iteration. A cost that becomes
    NaN or inf stops training before that update, with a message suggesting a smaller learning
    rate; the parameters and the optimizer's state are then those of the last iteration whose cost
    was finite (and the model's buffers, such as BatchNorm's running statistics, those it left).
    A cost that stays more than 10 % above its lowest value for 100 iterations in a row warns once
    (`RisingCostWarning`, naming lr).

    `jit=True` runs each iteration as one compiled step (`tinygrad_edu.jit`): zero_grad, the cost,
    backward, the course's 1/m and `optimizer.step()` are traced at iteration 0, checked against
    eager mode bit for bit at iteration 1, and replayed as straight-line numpy from iteration 2 on.
    The costs, the printed lines, the History, the final parameters and the optimizer's state are
    those of `jit=False`, bit for bit, after a divergence or a Ctrl-C too (the step returns the cost
    and fit reads it after the update: a non-finite cost puts back the parameters and state copied
    before the last finite iteration). The loss runs as Python only at iterations 0 and 1, so its
    side effects (printing, counting calls) are not repeated after that. A step that cannot be
    replayed faithfully (a loss that calls `item()` or reads `.data`, or draws random numbers) runs
    eagerly with one `JitWarning` saying why, and gives the same results.

    Args:
        model: the Module to train.
        X: the inputs, (n_x, m).
        Y: the labels, (n_y, m) (or integer labels (1, m) for "cross_entropy").
        iterations: the number of full-batch steps, an int >= 0 (a numpy integer too).
        lr: the learning rate of plain gradient descent (when no optimizer is given).
        optimizer: an optimizer over the model's parameters, instead of lr.
        loss: a course cost by name, or a callable loss(model, X, Y).
        print_every: print the cost every this many iterations (0: never).
        progress: show a progress bar (None: on a terminal or in a notebook).
        log: where the printed lines go (default: print), called with each line.
        jit: run each iteration as a compiled step (`tinygrad_edu.jit`), with the same results.

    Returns:
        The History: the cost of each finished iteration, and why training stopped early.

    Raises:
        ValueError: iterations is not a whole number >= 0, neither lr nor optimizer is given, the
            loss is unknown, or the model cannot give what the named loss needs.

    Examples:
        >>> from tinygrad_edu.data import flower
        >>> from tinygrad_edu.nn import ShallowNet
        >>> X, Y = flower()
        >>> history = fit(ShallowNet(2, 4, 1), X, Y, iterations=3, lr=1.2, print_every=5)
        Cost after iteration 0: 0.693048
        Cost after iteration 2: ...
        >>> len(history), history.stopped
        (3, None)
    """
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
    bar = progress_bar(iterations, progress)
    log = log or (bar.write if bar is not None else print)
    history = History()
    rising = RiseWatch(_lr_of(optimizer))
    run = compiled_iterations if jit else eager_iterations
    with DeferredInterrupt() as interrupt:
        # the cost of each iteration, as a float; a non-finite one ends the run, with the
        # parameters and the optimizer's state already put back to those of the last finite cost
        for i, value in run(
            model, X, Y, optimizer, loss_fn, m if course_order else None, iterations
        ):
            if not math.isfinite(value):
                history.stopped = "diverged"
                log(_divergence_message(i, value, optimizer))
                break
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


def _divergence_message(i: int, value: float, optimizer: Any) -> str:
    if i == 0:  # nothing was updated yet: the data or the model makes the nan
        return (
            f"Cost after iteration 0 is {value}: training stopped before any update. "
            "The parameters are unchanged; look for NaN or inf in X and Y, or a log "
            "of 0 in the cost (detect_anomaly() names the op)."
        )
    return (
        f"Cost after iteration {i} is {value}: training diverged and stopped. The "
        f"parameters are kept from iteration {i - 1}, the last with a finite "
        f"cost. Try a smaller learning rate (lr={_lr_of(optimizer)})."
    )


def _whole_iterations(iterations: Any) -> int:
    """iterations as an int: any integer (numpy's too), not a bool, a float or a negative."""
    if not is_int(iterations):
        raise ValueError(
            f"fit: iterations must be a whole number >= 0 (an int), got {iterations!r} of type "
            f"{type(iterations).__name__}"
        )
    if iterations < 0:
        raise ValueError(f"fit: iterations must be >= 0, got {int(iterations)}")
    return int(iterations)


def _lr_of(optimizer: Any) -> Any:
    return getattr(optimizer, "lr", "?")
