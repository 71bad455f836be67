"""Learning-rate decay: the course's two formulas (course 2, week 2) and PyTorch's schedulers.

The course decays the learning rate once an epoch, from the first one, `lr0`:

    update_lr:          lr = 1 / (1 + decay_rate * epoch) * lr0
    schedule_lr_decay:  lr = 1 / (1 + decay_rate * floor(epoch / time_interval)) * lr0

A scheduler sets `optimizer.lr` each time its `step()` is called, once an epoch after the
optimizer's steps, as `torch.optim.lr_scheduler` does: `InverseTimeLR` (the course's two formulas),
`StepLR`, `ExponentialLR` and `LambdaLR`. Like PyTorch's, a scheduler counts epochs in
`last_epoch` (0 once made, +1 each `step()`) and sets the rate for the epoch it counts. The course's
loop sets the rate after epoch `i` from `i` itself, so it trains epoch `i + 1` with the rate a
scheduler gives epoch `i`: to train as the course does, call `step()` at the end of every epoch but
the first.

`state_dict()` holds plain numbers, so a checkpoint can store it (no pickling); a lambda cannot be
stored, so `LambdaLR` keeps only its count.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tinygrad_edu._checks import check_int, check_positive_int, check_positive_real, check_real


def update_lr(learning_rate0: float, epoch_num: int, decay_rate: float) -> float:
    """The course's learning-rate decay: `1 / (1 + decay_rate * epoch_num) * learning_rate0`.

    Args:
        learning_rate0: the learning rate of epoch 0.
        epoch_num: the epoch, from 0.
        decay_rate: how fast the rate falls (0 keeps it).

    Returns:
        the decayed learning rate, computed in the course's order of operations (the same bits).

    Raises:
        ValueError: `epoch_num` is negative or a rate is not a finite number of the right sign.

    Examples:
        >>> update_lr(0.5, 2, 1)
        0.16666666666666666
    """
    _check("update_lr", learning_rate0, epoch_num, decay_rate)
    return 1 / (1 + decay_rate * epoch_num) * learning_rate0


def schedule_lr_decay(
    learning_rate0: float, epoch_num: int, decay_rate: float, time_interval: int = 1000
) -> float:
    """The course's decay in steps: `1 / (1 + decay_rate * floor(epoch_num / time_interval)) * lr0`.

    The rate stays fixed for `time_interval` epochs, then falls, so a long training does not
    freeze its rate near 0.

    Args:
        learning_rate0: the learning rate of epoch 0.
        epoch_num: the epoch, from 0.
        decay_rate: how fast the rate falls (0 keeps it).
        time_interval: epochs between two decays.

    Returns:
        the decayed learning rate, in the course's order of operations.

    Raises:
        ValueError: an argument is out of range (see `update_lr`; `time_interval` >= 1).

    Examples:
        >>> schedule_lr_decay(0.5, 100, 0.3, time_interval=100)
        0.3846153846153846
    """
    _check("schedule_lr_decay", learning_rate0, epoch_num, decay_rate)
    check_positive_int("schedule_lr_decay", "time_interval", time_interval)
    return 1 / (1 + decay_rate * math.floor(epoch_num / time_interval)) * learning_rate0


class LRScheduler:
    """Sets `optimizer.lr` once an epoch; the base of the schedulers below.

    Args:
        optimizer: any of `tinygrad_edu.optim`'s optimizers (anything with an `lr` attribute).

    Raises:
        TypeError: `optimizer` has no learning rate `lr`.
    """

    def __init__(self, optimizer: Any) -> None:
        if not isinstance(getattr(optimizer, "lr", None), (int, float)):
            raise TypeError(
                f"{type(self).__name__}: expected an optimizer with a learning rate `lr`, got "
                f"{type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        self.base_lr: float = optimizer.lr
        self.last_epoch = 0
        self._last_lr = optimizer.lr

    def lr_at(self, epoch: int, lr: float) -> float:
        """The rate of `epoch` (each scheduler's own rule).

        Args:
            epoch: the epoch `step()` counts (LambdaLR also asks for epoch 0 when it is made).
            lr: the rate of the epoch before (the optimizer's `lr` now).

        Returns:
            the learning rate for `epoch`.
        """
        raise NotImplementedError(f"{type(self).__name__} must define lr_at()")

    def step(self) -> None:
        """Count one more epoch and set the optimizer's rate for it."""
        self.last_epoch += 1
        self.optimizer.lr = self._last_lr = self.lr_at(self.last_epoch, self.optimizer.lr)

    def get_last_lr(self) -> list[float]:
        """The rate the last `step()` set.

        Returns:
            a list of one rate (PyTorch's has one per parameter group).
        """
        return [self._last_lr]

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's numbers (not the optimizer), for a checkpoint.

        Returns:
            a dict of plain numbers; `load_state_dict` takes it back.
        """
        return {k: v for k, v in vars(self).items() if k != "optimizer" and not callable(v)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Take back the numbers `state_dict()` gave (the optimizer's rate is the optimizer's own).

        Args:
            state_dict: what `state_dict()` returned.

        Raises:
            KeyError: `state_dict` lacks one of this scheduler's numbers.
        """
        missing = sorted(set(self.state_dict()) - set(state_dict))
        if missing:
            raise KeyError(f"{type(self).__name__}.load_state_dict: missing {missing}")
        for key in self.state_dict():
            setattr(self, key, state_dict[key])

    def __repr__(self) -> str:
        numbers = ", ".join(f"{k}={v}" for k, v in self.state_dict().items() if k[0] != "_")
        return f"{type(self).__name__}({numbers})"


class InverseTimeLR(LRScheduler):
    """The course's decay: `schedule_lr_decay(base_lr, epoch, decay_rate, time_interval)`.

    `time_interval=1` is the course's `update_lr`.

    Args:
        optimizer: the optimizer whose `lr` is set.
        decay_rate: how fast the rate falls.
        time_interval: epochs between two decays (1: every epoch).

    Examples:
        >>> from tinygrad_edu import Tensor, optim
        >>> opt = optim.SGD([Tensor([1.0], requires_grad=True)], lr=0.5)
        >>> scheduler = InverseTimeLR(opt, decay_rate=1)
        >>> scheduler.step(); scheduler.step()
        >>> opt.lr
        0.16666666666666666
    """

    def __init__(self, optimizer: Any, decay_rate: float, time_interval: int = 1) -> None:
        super().__init__(optimizer)
        check_real(type(self).__name__, "decay_rate", decay_rate, 0.0)
        check_positive_int(type(self).__name__, "time_interval", time_interval)
        self.decay_rate, self.time_interval = decay_rate, time_interval

    def lr_at(self, epoch: int, lr: float) -> float:
        return schedule_lr_decay(self.base_lr, epoch, self.decay_rate, self.time_interval)


class StepLR(LRScheduler):
    """PyTorch's `StepLR`: the rate is multiplied by `gamma` every `step_size` epochs.

    Args:
        optimizer: the optimizer whose `lr` is set.
        step_size: epochs between two decays.
        gamma: the factor of each decay.
    """

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1) -> None:
        super().__init__(optimizer)
        check_positive_int("StepLR", "step_size", step_size)
        check_positive_real("StepLR", "gamma", gamma)
        self.step_size, self.gamma = step_size, gamma

    def lr_at(self, epoch: int, lr: float) -> float:
        # Multiplied in turn, as PyTorch does, so both give the same bits.
        return lr * self.gamma if epoch % self.step_size == 0 else lr


class ExponentialLR(LRScheduler):
    """PyTorch's `ExponentialLR`: the rate is multiplied by `gamma` every epoch.

    Args:
        optimizer: the optimizer whose `lr` is set.
        gamma: the factor of each decay.
    """

    def __init__(self, optimizer: Any, gamma: float) -> None:
        super().__init__(optimizer)
        check_positive_real("ExponentialLR", "gamma", gamma)
        self.gamma = gamma

    def lr_at(self, epoch: int, lr: float) -> float:
        return lr * self.gamma


class LambdaLR(LRScheduler):
    """PyTorch's `LambdaLR`: the rate of epoch `e` is `base_lr * lr_lambda(e)`.

    Args:
        optimizer: the optimizer whose `lr` is set.
        lr_lambda: A function of the epoch giving the factor.

    Raises:
        TypeError: `lr_lambda` is not callable.
    """

    def __init__(self, optimizer: Any, lr_lambda: Callable[[int], float]) -> None:
        if not callable(lr_lambda):
            raise TypeError(
                f"LambdaLR: lr_lambda must be a function of the epoch, got {lr_lambda!r}"
            )
        super().__init__(optimizer)
        self.lr_lambda = lr_lambda
        optimizer.lr = self._last_lr = self.lr_at(0, optimizer.lr)

    def lr_at(self, epoch: int, lr: float) -> float:
        return self.base_lr * self.lr_lambda(epoch)


def _check(function: str, learning_rate0: float, epoch_num: int, decay_rate: float) -> None:
    check_positive_real(function, "learning_rate0", learning_rate0)
    check_int(function, "epoch_num", epoch_num)
    check_real(function, "decay_rate", decay_rate, 0.0)
