"""Training: `fit` (the loop: forward, cost, backward, update, as the course's `model()` functions
do, with the course's printing, a progress bar on a terminal, the cost history, and a clean stop on
Ctrl-C), then `predict` and `accuracy`.

    loop.py          fit, by iterations
    epochs.py        fit by epochs of mini-batches: validation, a scheduler, resuming
    iterations.py    its steps, eager or one compiled step each (jit=True), and the
                     copies of the parameters a divergence falls back on
    losses.py        the course's costs by name; a model's logits or probabilities
    history.py       History, EpochStats, the warning for a rising cost
    progress.py      the progress bar, the deferred Ctrl-C, and what both loops do after a step
    course2.py       course 2's week-1 trainings: initialization, regularization (L2, dropout)
    course2_loop.py  what they share: the course's network, its printed cost, its loop
    optimization.py  course 2's week-2 training: mini-batches, momentum, Adam, lr decay

`predict` and `accuracy` (and how to read a model's logits) live in tinygrad_edu.nn.predictions,
below train, so a model's predict() needs nothing from train; they are re-exported here.

    >>> from tinygrad_edu.data import flower
    >>> from tinygrad_edu.nn import ShallowNet
    >>> X, Y = flower()
    >>> model = ShallowNet(2, 4, 1, hidden="tanh", seed=2)
    >>> history = fit(model, X, Y, iterations=10, lr=1.2, print_every=0)
    >>> round(history.costs[0], 6)
    0.693048
"""

from tinygrad_edu.nn.predictions import accuracy, predict
from tinygrad_edu.train.course2 import INITIALIZATIONS, train_initialization, train_regularization
from tinygrad_edu.train.course2_loop import course_cost, network
from tinygrad_edu.train.history import (
    RISE_PATIENCE,
    RISE_TOLERANCE,
    EpochStats,
    History,
    RisingCostWarning,
)
from tinygrad_edu.train.loop import fit
from tinygrad_edu.train.losses import COURSE_LOSSES, LossFn
from tinygrad_edu.train.optimization import (
    LR_DECAYS,
    OPTIMIZERS,
    optimization_lr,
    train_optimization,
)

__all__ = [
    "COURSE_LOSSES",
    "INITIALIZATIONS",
    "LR_DECAYS",
    "OPTIMIZERS",
    "RISE_PATIENCE",
    "RISE_TOLERANCE",
    "EpochStats",
    "History",
    "LossFn",
    "RisingCostWarning",
    "accuracy",
    "course_cost",
    "fit",
    "network",
    "optimization_lr",
    "predict",
    "train_initialization",
    "train_optimization",
    "train_regularization",
]
