"""Course 2's week-2 training, the "Optimization methods" notebook (its 2021 version,
`opt_utils_v1a`): a [n_x, 5, 2, 1] network trained on mini-batches of 64 by gradient descent,
momentum or Adam, optionally with the notebook's learning-rate decay, as its `model()` runs it.

Per epoch the notebook reshuffles with `random_mini_batches(X, Y, 64, seed)` (the seed starts at
10 and is incremented before each epoch), scales each batch's dZ[L] by 1/(the batch's size) before
the products (opt_utils' backward), sums each batch's summed cost into `cost_total`, and prints
`cost_total / m`. With decay it sets the rate after epoch i to `decay(learning_rate0, i,
decay_rate)`, so epoch i + 1 trains with it. The same steps here, through `data.mini_batches`,
`optim.SGD` / `optim.Momentum` / `optim.Adam` (the course's t counter: one per update) and
`optim.lr_scheduler.InverseTimeLR`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu import data, nn, optim
from tinygrad_edu.optim.lr_scheduler import InverseTimeLR
from tinygrad_edu.tensor import Tensor
from tinygrad_edu.train.course2_loop import (
    count,
    course_cost,
    course_loop,
    logits_of,
    network,
    sigmoid_of,
)
from tinygrad_edu.train.history import History

__all__ = ["LR_DECAYS", "OPTIMIZERS", "optimization_lr", "train_optimization"]

OPTIMIZERS = ("gd", "momentum", "adam")
# The notebook's two decays: update_lr (every epoch) and schedule_lr_decay (every time_interval
# epochs), both lr0 / (1 + decay_rate * epochs), by the names PyTorch users know them by.
LR_DECAYS = ("inverse-time", "staircase")
# The rates the notebook uses: 0.0007 without decay; with decay, 0.1 for gd and momentum and 0.01
# for Adam ("7.3 - Using Learning Rate Decay for each Optimization Method").
_LR: dict[str | None, dict[str, float]] = {None: {"gd": 0.0007, "momentum": 0.0007, "adam": 0.0007}}
_LR["inverse-time"] = _LR["staircase"] = {"gd": 0.1, "momentum": 0.1, "adam": 0.01}


def optimization_lr(optimizer: str, lr_decay: str | None = None) -> float:
    """The learning rate the "Optimization methods" notebook trains `optimizer` with: 0.0007, or
    with a decay 0.1 for gd and momentum and 0.01 for Adam (its section 7.3).

    Args:
        optimizer: "gd", "momentum" or "adam".
        lr_decay: None, "inverse-time" or "staircase".

    Returns:
        The learning rate lr0.

    Raises:
        ValueError: an unknown optimizer or decay.

    Examples:
        >>> optimization_lr("adam"), optimization_lr("gd", "staircase")
        (0.0007, 0.1)
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"optimization_lr: optimizer must be one of {OPTIMIZERS}, got {optimizer!r}"
        )
    if lr_decay is not None and lr_decay not in LR_DECAYS:
        raise ValueError(
            f"optimization_lr: lr_decay must be None or one of {LR_DECAYS}, got {lr_decay!r}"
        )
    return _LR[lr_decay][optimizer]


def train_optimization(
    X: Any,
    Y: Any,
    optimizer: str = "adam",
    lr: float | None = None,
    lr_decay: str | None = None,
    epochs: int = 5000,
    mini_batch_size: int = 64,
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
    decay_rate: float = 1.0,
    time_interval: int = 1000,
    print_every: int = 1000,
    seed: int = 3,
    progress: bool | None = None,
    log: Callable[[str], None] | None = None,
) -> tuple[nn.Sequential, History]:
    """The "Optimization methods" notebook's `model(X, Y, layers_dims, optimizer, ...)`.

    Layers [n_x, 5, 2, 1], opt_utils' `initialize_parameters` (He: `randn(n[l], n[l-1]) *
    np.sqrt(2 / n[l-1])` after `np.random.seed(3)`), `epochs` passes over mini-batches of
    `mini_batch_size`, each an update of:

    - "gd": W = W - lr dW (`optim.SGD`);
    - "momentum": v = beta v + (1 - beta) dW, W = W - lr v (`optim.Momentum`);
    - "adam": the course's Adam with bias correction, t counting the updates (`optim.Adam`).

    `lr_decay` is the notebook's section 7: "inverse-time" is `update_lr` (lr0 / (1 + decay_rate
    epoch), every epoch), "staircase" is `schedule_lr_decay` (the same with floor(epoch /
    time_interval)). `lr=None` takes the notebook's rate: 0.0007, or with decay 0.1 (gd, momentum)
    and 0.01 (Adam). Prints `Cost after epoch i: c` (the epoch's averaged cost) every 1000 epochs
    and, with decay, `learning rate after epoch i: lr`. Ctrl-C stops after the epoch in progress.

    Args:
        X: the inputs, (n_x, m) (`data.moons()`'s X).
        Y: the labels, (1, m).
        optimizer: "gd", "momentum" or "adam".
        lr: the learning rate (None: the notebook's, see above).
        lr_decay: None, "inverse-time" or "staircase".
        epochs: the number of epochs, >= 0 (the notebook's num_epochs).
        mini_batch_size: the examples per mini-batch.
        beta: momentum's factor.
        beta1: Adam's factor of the gradients' average.
        beta2: Adam's factor of the squares' average.
        epsilon: Adam's epsilon.
        decay_rate: the decay's rate (the notebook's 1).
        time_interval: the staircase's epochs per step (the notebook's 1000).
        print_every: print the cost every this many epochs (0: never).
        seed: the initializer's `np.random.seed` (the course's 3).
        progress: show a progress bar over the epochs (None: on a terminal or in a notebook).
        log: where the printed lines go (default: print).

    Returns:
        (the trained model, its History: the averaged cost of every epoch, and `stopped`).

    Raises:
        ValueError: an unknown optimizer or decay, or a value out of range.

    Examples:
        >>> from tinygrad_edu.data import moons
        >>> X, Y = moons()
        >>> model, history = train_optimization(X, Y, "adam", epochs=1, progress=False)
        Cost after epoch 0: 0.702165522260...
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"train_optimization: optimizer must be one of {OPTIMIZERS}, got {optimizer!r}"
        )
    if lr_decay is not None and lr_decay not in LR_DECAYS:
        raise ValueError(
            f"train_optimization: lr_decay must be None or one of {LR_DECAYS}, got {lr_decay!r}"
        )
    lr = _LR[lr_decay][optimizer] if lr is None else lr
    X_all, Y_all = Tensor(X), Tensor(Y)  # checked and converted as the other trainings do
    model = network([X_all.shape[0], 5, 2, 1])
    nn.init.he_(model, seed=seed)
    params = model.parameters()
    updates: optim.Optimizer
    if optimizer == "gd":
        updates = optim.SGD(params, lr=lr)
    elif optimizer == "momentum":
        updates = optim.Momentum(params, lr=lr, beta=beta)
    else:
        updates = optim.Adam(params, lr=lr, beta1=beta1, beta2=beta2, eps=epsilon)
    interval = 1 if lr_decay == "inverse-time" else time_interval
    scheduler = None if lr_decay is None else InverseTimeLR(updates, decay_rate, interval)
    logits, m = logits_of(model), X_all.shape[1]

    def epoch(i: int) -> tuple[float, str | None]:
        cost_total = 0.0
        # the notebook's `seed = seed + 1` before each epoch, from 10
        for X_batch, Y_batch in data.mini_batches(X_all, Y_all, mini_batch_size, seed=11 + i):
            Xb, Yb = Tensor(X_batch), Tensor(Y_batch)
            updates.zero_grad()
            Z = logits(Xb)
            cost_total += course_cost(sigmoid_of(Z), Yb, reduction="sum")
            # dz3 = 1./m * (a3 - Y) with m the batch's size, before the products (opt_utils)
            scale = 1.0 / Xb.shape[1]
            (nn.binary_cross_entropy_with_logits(Z, Yb, reduction="sum") * scale).backward()
            updates.step()
        if scheduler is None:
            return cost_total / m, None
        if i > 0:  # the rate after epoch i is decay(lr0, i): decay(lr0, 0) is lr0 itself
            scheduler.step()
        return cost_total / m, f"learning rate after epoch {i}: {updates.lr}"

    return model, course_loop(count(epochs, "epochs"), epoch, print_every, "epoch", progress, log)
