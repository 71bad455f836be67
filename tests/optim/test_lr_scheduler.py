"""Learning-rate decay: the course's published test cases (course 2, week 2, "Optimization
methods"), the schedulers against PyTorch's, and the state dict's round trip."""

from __future__ import annotations

import math

import pytest

from tinygrad_edu import Tensor, optim
from tinygrad_edu.optim.lr_scheduler import (
    ExponentialLR,
    InverseTimeLR,
    LambdaLR,
    StepLR,
    schedule_lr_decay,
    update_lr,
)


def _sgd(lr: float = 0.5) -> optim.SGD:
    return optim.SGD([Tensor([1.0], requires_grad=True)], lr=lr)


def test_update_lr_prints_the_courses_number() -> None:
    # the notebook: update_lr(0.5, 2, 1) -> "Updated learning rate:  0.16666666666666666"
    assert repr(update_lr(0.5, 2, 1)) == "0.16666666666666666"


def test_schedule_lr_decay_prints_the_courses_numbers() -> None:
    # the notebook: epochs 10 and 100, decay_rate 0.3, time_interval 100 -> 0.5 and 0.38461...
    assert repr(schedule_lr_decay(0.5, 10, 0.3, 100)) == "0.5"
    assert repr(schedule_lr_decay(0.5, 100, 0.3, 100)) == "0.3846153846153846"


def test_the_formulas_keep_the_courses_order_of_operations() -> None:
    # 1 / (1 + r e) * lr0, not lr0 / (1 + r e): the two differ in the last bit for some rates
    for e in range(50):
        assert update_lr(0.0007, e, 0.3) == 1 / (1 + 0.3 * e) * 0.0007
        assert schedule_lr_decay(0.0007, e, 1.0, 7) == 1 / (1 + 1.0 * math.floor(e / 7)) * 0.0007


def test_inverse_time_lr_trains_with_the_courses_rates() -> None:
    # the course sets the rate after epoch i from i; stepping at the end of every epoch but the
    # first gives the same rate for every epoch
    lr0, rate, interval = 0.0007, 1.0, 10
    opt = _sgd(lr0)
    scheduler = InverseTimeLR(opt, rate, time_interval=interval)
    course_lr = lr0
    for epoch in range(40):
        assert opt.lr == course_lr, epoch
        course_lr = schedule_lr_decay(lr0, epoch, rate, interval)
        if epoch > 0:
            scheduler.step()
    assert scheduler.get_last_lr() == [opt.lr]


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda o: StepLR(o, step_size=3, gamma=0.3), lambda t: _torch_sched().StepLR(t, 3, 0.3)),
        (lambda o: ExponentialLR(o, gamma=0.9), lambda t: _torch_sched().ExponentialLR(t, 0.9)),
        (
            lambda o: LambdaLR(o, lambda e: 1 / (1 + 0.5 * e)),
            lambda t: _torch_sched().LambdaLR(t, lambda e: 1 / (1 + 0.5 * e)),
        ),
    ],
    ids=["StepLR", "ExponentialLR", "LambdaLR"],
)
def test_the_schedulers_give_pytorchs_rates_bit_for_bit(ours, theirs) -> None:
    torch = pytest.importorskip("torch")
    opt = _sgd(0.1)
    t_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    mine, reference = ours(opt), theirs(t_opt)
    for _ in range(25):
        assert opt.lr == t_opt.param_groups[0]["lr"]
        assert mine.get_last_lr() == reference.get_last_lr()
        t_opt.step()
        mine.step()
        reference.step()


def _torch_sched():
    import torch

    return torch.optim.lr_scheduler


def test_a_scheduler_resumes_from_its_state_dict() -> None:
    opt = _sgd(0.1)
    scheduler = StepLR(opt, step_size=2, gamma=0.5)
    for _ in range(5):
        scheduler.step()
    saved, saved_lr = scheduler.state_dict(), opt.lr
    assert saved["last_epoch"] == 5
    assert all(isinstance(v, (int, float)) for v in saved.values())
    for _ in range(4):
        scheduler.step()
    expected = opt.lr

    resumed_opt = _sgd(0.1)
    resumed = StepLR(resumed_opt, step_size=2, gamma=0.5)
    resumed.load_state_dict(saved)
    resumed_opt.lr = saved_lr  # the optimizer's own state holds its rate
    for _ in range(4):
        resumed.step()
    assert resumed_opt.lr == expected


def test_load_state_dict_names_what_is_missing() -> None:
    scheduler = ExponentialLR(_sgd(), gamma=0.9)
    with pytest.raises(KeyError, match="gamma"):
        scheduler.load_state_dict({"last_epoch": 3})


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: update_lr(0.5, -1, 1), "update_lr: epoch_num must be an int >= 0, got -1"),
        (lambda: update_lr(math.inf, 1, 1), "update_lr: learning_rate0 must be a number > 0"),
        (lambda: schedule_lr_decay(0.5, 1, 1, 0), "schedule_lr_decay: time_interval"),
        (lambda: update_lr(0.5, 1.5, 1), "epoch_num must be an int"),
        (lambda: StepLR(_sgd(), step_size=0), "StepLR: step_size"),
        (lambda: ExponentialLR(_sgd(), gamma=-1.0), "ExponentialLR: gamma"),
        (lambda: InverseTimeLR(_sgd(), decay_rate=math.nan), "InverseTimeLR: decay_rate"),
    ],
)
def test_bad_arguments_are_named(call, match) -> None:
    with pytest.raises(ValueError, match=match):
        call()


def test_a_scheduler_needs_an_optimizer() -> None:
    with pytest.raises(TypeError, match="StepLR: expected an optimizer with a learning rate"):
        StepLR(object(), step_size=1)
    with pytest.raises(TypeError, match="LambdaLR: lr_lambda must be a function"):
        LambdaLR(_sgd(), 0.5)
