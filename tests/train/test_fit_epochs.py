"""`fit(..., epochs=)`: the course's order of mini-batches (checked against a hand loop over the
course's `random_mini_batches` in the same run, bit for bit), the per-epoch records, a scheduler
stepped per epoch, the argument errors, Ctrl-C and divergence in the middle of an epoch, jit ==
eager, a checkpointed run resumed with `initial_epoch`, and float32."""

from __future__ import annotations

import os
import signal
import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu import JitWarning, Tensor, data, io, nn, optim
from tinygrad_edu.compiled import step as compiled_step
from tinygrad_edu.data import flower, moons
from tinygrad_edu.optim.lr_scheduler import ExponentialLR, StepLR
from tinygrad_edu.train import EpochStats, accuracy, fit, network


def random_mini_batches(X: np.ndarray, Y: np.ndarray, mini_batch_size: int, seed: int) -> list:
    """The course's `random_mini_batches` (opt_utils_v1a), on numpy's global generator."""
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation].reshape((1, m))
    return [
        (shuffled_X[:, k : k + mini_batch_size], shuffled_Y[:, k : k + mini_batch_size])
        for k in range(0, m, mini_batch_size)
    ]


def course_net(keep_prob: float | None = None, dtype: Any = np.float64) -> nn.Sequential:
    """The "Optimization methods" network [2, 5, 2, 1], He-initialized as the course does."""
    model = network([2, 5, 2, 1], keep_prob=keep_prob)
    nn.init.he_(model, seed=3)
    if dtype != np.float64:
        for p in model.parameters():
            p.data = p.data.astype(dtype)
    return model


def hand_steps(model: Any, optimizer: Any, batches: list) -> tuple[list[float], list[float]]:
    """fit's step by hand, the course's order: the summed loss, backward, grads * 1/m, update.
    Returns the costs of the batches and their summed losses."""
    costs, sums = [], []
    for X_batch, Y_batch in batches:
        Xb, Yb = Tensor(X_batch), Tensor(Y_batch)
        optimizer.zero_grad()
        cost = nn.binary_cross_entropy_with_logits(model[:-1](Xb), Yb, reduction="sum")
        sums.append(cost.item())
        costs.append(cost.item() / Xb.shape[1])
        cost.backward()
        for p in model.parameters():
            p.grad.data *= 1 / Xb.shape[1]
        optimizer.step()
    return costs, sums


def params(model: Any) -> dict[str, np.ndarray]:
    return {k: v.data.copy() for k, v in model.named_parameters()}


def assert_same_params(a: Any, b: Any) -> None:
    pa, pb = params(a), params(b)
    assert pa.keys() == pb.keys()
    for k in pa:
        np.testing.assert_array_equal(pa[k], pb[k], err_msg=k)
        assert pa[k].dtype == pb[k].dtype


def assert_same_state(a: Any, b: Any) -> None:
    for sa, sb in zip(a.state, b.state, strict=True):
        assert sa.keys() == sb.keys()
        for k in sa:
            np.testing.assert_array_equal(sa[k], sb[k], err_msg=k)


def quiet(**options: Any) -> dict[str, Any]:
    return {"print_every": 0, "progress": False, **options}


def test_epoch_k_is_the_courses_random_mini_batches_seed_plus_k() -> None:
    X, Y = moons()
    model = course_net()
    opt = optim.Adam(model.parameters(), lr=0.0007)
    history = fit(model, X, Y, epochs=4, batch_size=64, seed=11, optimizer=opt, **quiet())
    hand = course_net()
    hand_opt = optim.Adam(hand.parameters(), lr=0.0007)
    costs: list[float] = []
    for k in range(4):  # the notebook: seed = 10, then seed = seed + 1 before each epoch
        batch_costs, sums = hand_steps(hand, hand_opt, random_mini_batches(X, Y, 64, 11 + k))
        costs += batch_costs
        assert history.epochs[k].cost == sum(sums) / X.shape[1]  # the course's cost_total / m
    assert history.costs == costs and len(costs) == 4 * 5
    assert [s.epoch for s in history.epochs] == [0, 1, 2, 3]
    assert_same_params(model, hand)
    assert_same_state(opt, hand_opt)
    assert history.stopped is None


def test_seed_none_draws_the_orders_from_the_library_generator() -> None:
    X, Y = moons()
    tinygrad_edu.manual_seed(7)
    model = course_net()
    opt = optim.SGD(model.parameters(), lr=0.1)
    history = fit(model, X, Y, epochs=3, batch_size=100, optimizer=opt, **quiet())
    hand, rs = course_net(), np.random.RandomState(7)  # what manual_seed(7) made
    hand_opt = optim.SGD(hand.parameters(), lr=0.1)
    costs: list[float] = []
    for _ in range(3):
        costs += hand_steps(hand, hand_opt, data.mini_batches(X, Y, 100, generator=rs))[0]
    assert history.costs == costs
    assert_same_params(model, hand)


def test_the_full_batch_in_order_is_the_iteration_loop() -> None:
    X, Y = flower()
    by_epochs, by_iterations = nn.ShallowNet(2, 4, 1, seed=2), nn.ShallowNet(2, 4, 1, seed=2)
    a = fit(by_epochs, X, Y, epochs=5, batch_size=None, shuffle=False, lr=1.2, **quiet())
    b = fit(by_iterations, X, Y, iterations=5, lr=1.2, **quiet())
    assert a.costs == b.costs and len(a.epochs) == 5
    assert_same_params(by_epochs, by_iterations)


def test_the_epoch_records_measure_in_eval_mode_and_restore_the_mode() -> None:
    X, Y = moons()
    X_val, Y_val = X[:, :100], Y[:, :100]
    tinygrad_edu.manual_seed(0)
    model = course_net(keep_prob=0.8)
    lines: list[str] = []
    history = fit(model, X, Y, epochs=5, batch_size=64, seed=11, lr=0.3, print_every=2,
                  validation=(X_val, Y_val), log=lines.append, progress=False)  # fmt: skip
    assert model.training  # put back after each epoch's measurements
    last = history.epochs[-1]
    assert isinstance(last, EpochStats) and last.lr is None
    model.eval()  # the model the last epoch left, without dropout: the recorded numbers
    logits = model[:-1]
    for (Xs, Ys), cost, acc in [
        ((X, Y), last.train_cost, last.train_accuracy),
        ((X_val, Y_val), last.val_cost, last.val_accuracy),
    ]:
        summed = nn.binary_cross_entropy_with_logits(
            logits(Tensor(Xs)), Tensor(Ys), reduction="sum"
        )
        assert cost == summed.item() / Xs.shape[1]
        assert acc == accuracy(model, Xs, Ys)
    # the averaged cost is measured in training mode (dropout on) before each update: not the same
    assert last.cost != last.train_cost
    assert [line.split(":")[0] for line in lines] == [
        "Cost after epoch 0",
        "Cost after epoch 2",
        "Cost after epoch 4",
    ]
    assert lines[-1] == (
        f"Cost after epoch 4: {last.cost!r}; validation cost: {last.val_cost!r}, "
        f"validation accuracy: {last.val_accuracy!r} %"
    )
    plain = fit(course_net(), X, Y, epochs=1, batch_size=64, lr=0.3, **quiet()).epochs[0]
    assert plain.val_cost is None and plain.val_accuracy is None and plain.lr is None


def test_a_scheduler_steps_once_per_epoch_and_the_lr_is_recorded() -> None:
    X, Y = moons()
    model = course_net()
    opt = optim.SGD(model.parameters(), lr=0.4)
    scheduler = StepLR(opt, step_size=2, gamma=0.5)
    history = fit(model, X, Y, epochs=5, batch_size=64, seed=1, optimizer=opt,
                  scheduler=scheduler, **quiet())  # fmt: skip
    assert [s.lr for s in history.epochs] == [0.4, 0.4, 0.2, 0.2, 0.1]
    assert scheduler.last_epoch == 5 and opt.lr == 0.1
    # the same, epoch by epoch: by hand, stepping the scheduler after each
    hand = course_net()
    hand_opt = optim.SGD(hand.parameters(), lr=0.4)
    hand_scheduler = StepLR(hand_opt, step_size=2, gamma=0.5)
    costs: list[float] = []
    for k in range(5):
        costs += hand_steps(hand, hand_opt, data.mini_batches(X, Y, 64, seed=1 + k))[0]
        hand_scheduler.step()
    assert history.costs == costs
    assert_same_params(model, hand)
    other = optim.SGD(course_net().parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"scheduler.*another optimizer"):
        fit(model, X, Y, epochs=1, optimizer=other, scheduler=scheduler, **quiet())


def test_the_argument_errors() -> None:
    X, Y = moons()
    model = course_net()
    with pytest.raises(TypeError, match=r"exactly one of iterations=.*epochs=.*both"):
        fit(model, X, Y, iterations=3, epochs=3, lr=0.1)
    with pytest.raises(TypeError, match=r"exactly one of iterations=.*epochs=.*neither"):
        fit(model, X, Y, lr=0.1)
    with pytest.raises(TypeError, match=r"batch_size=, validation=.*go with epochs="):
        fit(model, X, Y, iterations=3, lr=0.1, batch_size=64, validation=(X, Y))
    with pytest.raises(TypeError, match=r"initial_epoch=.*go with epochs="):
        fit(model, X, Y, 3, 0.1, initial_epoch=2)
    with pytest.raises(ValueError, match="epochs must be a whole number"):
        fit(model, X, Y, epochs=2.0, lr=0.1)
    with pytest.raises(ValueError, match="epochs must be >= 0"):
        fit(model, X, Y, epochs=-1, lr=0.1)
    with pytest.raises(ValueError, match="initial_epoch must be >= 0"):
        fit(model, X, Y, epochs=2, lr=0.1, initial_epoch=-1)
    for size in (0, 2.5, True):
        with pytest.raises(ValueError, match=f"fit: batch_size must be an int >= 1, got {size}"):
            fit(model, X, Y, epochs=2, lr=0.1, batch_size=size)
    with pytest.raises(ValueError, match=r"validation.*\(3, 100\).*\(2, 300\)"):
        fit(model, X, Y, epochs=2, lr=0.1, validation=(np.zeros((3, 100)), Y[:, :100]))
    with pytest.raises(ValueError, match="validation must be a pair"):
        fit(model, X, Y, epochs=2, lr=0.1, validation=X)
    before = params(model)  # no error trained anything
    for k, v in params(model).items():
        np.testing.assert_array_equal(v, before[k])
    assert fit(model, X, Y, epochs=0, lr=0.1, **quiet()).epochs == []


def counting_loss(stop_at: int, action: str) -> Any:
    """The mean BCE, that sends Ctrl-C or turns nan at its call number `stop_at` on a mini-batch
    (the measurements after each epoch, on all 300 examples, are not counted)."""
    calls = [0]

    def loss(model: Any, X: Tensor, Y: Tensor) -> Tensor:
        counted = X.shape[1] < 300
        calls[0] += counted
        cost = nn.binary_cross_entropy_with_logits(model[:-1](X), Y)
        if counted and calls[0] == stop_at:
            if action == "sigint":
                os.kill(os.getpid(), signal.SIGINT)
            else:
                cost = cost * float("nan")
        return cost

    return loss


def mean_hand_steps(model: Any, optimizer: Any, batches: list) -> list[float]:
    costs = []
    for X_batch, Y_batch in batches:
        optimizer.zero_grad()
        cost = nn.binary_cross_entropy_with_logits(model[:-1](Tensor(X_batch)), Tensor(Y_batch))
        costs.append(cost.item())
        cost.backward()
        optimizer.step()
    return costs


def hand_mean_run(n_steps: int, batch_size: int = 64) -> tuple[Any, Any, list[float]]:
    X, Y = moons()
    model = course_net()
    opt = optim.Adam(model.parameters(), lr=0.01)
    batches = [b for k in range(5) for b in data.mini_batches(X, Y, batch_size, seed=11 + k)]
    return model, opt, mean_hand_steps(model, opt, batches[:n_steps])


@pytest.mark.parametrize("at_end", [False, True], ids=["mid-epoch", "end-of-epoch"])
def test_ctrl_c_mid_epoch_stops_after_the_mini_batch_in_progress(at_end: bool) -> None:
    X, Y = moons()
    stop_at = 5 if at_end else 8  # 5 mini-batches an epoch: the last of epoch 0, or epoch 1's 3rd
    model = course_net()
    opt = optim.Adam(model.parameters(), lr=0.01)
    lines: list[str] = []
    history = fit(model, X, Y, epochs=5, batch_size=64, seed=11, optimizer=opt,
                  loss=counting_loss(stop_at, "sigint"), log=lines.append, progress=False)  # fmt: skip
    assert history.stopped == "interrupted" and len(history) == stop_at
    hand, hand_opt, costs = hand_mean_run(stop_at)
    assert history.costs == costs
    assert_same_params(model, hand)
    assert_same_state(opt, hand_opt)
    if at_end:  # the epoch it finished is recorded
        assert len(history.epochs) == 1
        assert lines[-1] == "Interrupted: stopped after epoch 0, keeping its parameters."
    else:
        assert len(history.epochs) == 1
        assert "after iteration 7 (mini-batch 2 of epoch 1)" in lines[-1]
    with pytest.raises(KeyboardInterrupt):  # the handler is removed afterwards
        os.kill(os.getpid(), signal.SIGINT)


@pytest.mark.filterwarnings("ignore:invalid:RuntimeWarning")
def test_divergence_mid_epoch_keeps_the_last_finite_step() -> None:
    X, Y = moons()
    model = course_net()
    opt = optim.Adam(model.parameters(), lr=0.01)
    lines: list[str] = []
    history = fit(model, X, Y, epochs=5, batch_size=64, seed=11, optimizer=opt,
                  loss=counting_loss(9, "nan"), log=lines.append, progress=False)  # fmt: skip
    assert history.stopped == "diverged" and len(history) == 8
    assert len(history.epochs) == 1
    assert "Cost after iteration 8 (mini-batch 3 of epoch 1) is nan" in lines[-1]
    assert "kept from iteration 7" in lines[-1]
    assert history.costs == hand_mean_run(8)[2]
    # the parameters and Adam's state that gave the last finite cost: those before its update
    hand, hand_opt, _ = hand_mean_run(7)
    assert_same_params(model, hand)
    assert_same_state(opt, hand_opt)


def run(jit: bool, make: Any = course_net, loss: Any = "bce_logits", **options: Any) -> tuple:
    X, Y = moons()
    dtype = next(iter(make().parameters())).dtype
    X, Y = X.astype(dtype), Y.astype(dtype)
    model = make()
    opt = optim.Adam(model.parameters(), lr=0.01)
    lines: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(model, X, Y, epochs=6, batch_size=64, seed=11, optimizer=opt, loss=loss,
                      validation=(X[:, :50], Y[:, :50]), print_every=1, log=lines.append,
                      progress=False, jit=jit, **options)  # fmt: skip
    jit_warnings = [str(w.message) for w in caught if issubclass(w.category, JitWarning)]
    return model, opt, history, lines, jit_warnings


def assert_same_runs(a: tuple, b: tuple) -> None:
    assert_same_params(a[0], b[0])
    assert_same_state(a[1], b[1])
    assert a[2] == b[2]  # History: costs, stopped, EpochStats, all compared exactly
    assert a[3] == b[3]  # the printed lines


def test_jit_equals_eager_bit_for_bit_with_two_programs(monkeypatch) -> None:
    built = []
    real = compiled_step.fast_step
    monkeypatch.setattr(
        compiled_step, "fast_step", lambda *a, **k: built.append(1) or real(*a, **k)
    )
    eager, jitted = run(jit=False), run(jit=True)
    assert jitted[4] == []  # no JitWarning: every step after the checks replayed a program
    assert_same_runs(eager, jitted)
    # 300 examples, batches of 64: four of 64 and one of 44 each epoch, two programs whose
    # guarded fast paths are made once each, not at every switch between them
    assert len(built) == 2


def test_jit_replays_a_callable_loss_only_after_two_calls_per_program() -> None:
    calls = [0]

    def loss(model: Any, X: Tensor, Y: Tensor) -> Tensor:
        calls[0] += 1
        return nn.binary_cross_entropy_with_logits(model[:-1](X), Y)

    eager = run(jit=False, loss=loss)
    calls[0] = 0
    jitted = run(jit=True, loss=loss)
    assert calls[0] == 4 + 2 * 6  # trace and check of each program; the epochs' measurements
    assert_same_runs(eager, jitted)


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_jit_equals_eager_when_training_diverges_mid_epoch() -> None:
    X = np.array([[1e3, -1e3, 2e3, -2e3, 3e3, -3e3, 1.5e3]])
    Y = np.array([[1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0]])

    def go(jit: bool) -> tuple:
        model = nn.DeepNet([1, 3, 1], seed=1)
        opt = optim.Momentum(model.parameters(), lr=10.0)
        lines: list[str] = []
        history = fit(model, X, Y, epochs=100, batch_size=3, seed=0, optimizer=opt, jit=jit,
                      loss=lambda m, X, Y: ((m.logits(X) - Y) ** 2).mean(),
                      log=lines.append, progress=False)  # fmt: skip
        return model, opt, history, lines

    eager, jitted = go(False), go(True)
    assert eager[2].stopped == "diverged" and "of epoch" in eager[3][-1]
    assert_same_runs(eager, jitted)


@pytest.mark.parametrize("seed", [11, None], ids=["course-seed", "library-generator"])
def test_a_checkpointed_run_resumes_bit_for_bit_with_dropout_and_adam(tmp_path, seed) -> None:
    X, Y = moons()

    def start() -> tuple:
        model = course_net(keep_prob=0.86)  # the masks come from the library's generator
        opt = optim.Adam(model.parameters(), lr=0.01)
        return model, opt, ExponentialLR(opt, gamma=0.9)

    def train(parts: tuple, epochs: int, initial_epoch: int = 0) -> Any:
        model, opt, scheduler = parts
        return fit(model, X, Y, epochs=epochs, batch_size=64, seed=seed, optimizer=opt,
                   scheduler=scheduler, initial_epoch=initial_epoch, validation=(X, Y),
                   **quiet())  # fmt: skip

    tinygrad_edu.manual_seed(1)
    whole = start()
    uninterrupted = train(whole, 6)
    tinygrad_edu.manual_seed(1)
    first = start()
    before = train(first, 3)
    path = tmp_path / "run.npz"
    io.save_checkpoint(path, first[0], first[1], first[2], epoch=3)
    tinygrad_edu.manual_seed(12345)  # another state: the checkpoint must bring the saved one back
    resumed = start()
    assert io.load_checkpoint(path, *resumed)["epoch"] == 3
    after = train(resumed, 6, initial_epoch=3)
    assert [s.epoch for s in after.epochs] == [3, 4, 5]
    assert before.costs + after.costs == uninterrupted.costs
    assert before.epochs + after.epochs == uninterrupted.epochs
    assert_same_params(resumed[0], whole[0])
    assert_same_state(resumed[1], whole[1])
    assert resumed[1].lr == whole[1].lr


def test_float32_stays_float32_and_jit_equals_eager() -> None:
    def make() -> nn.Sequential:
        return course_net(dtype=np.float32)

    eager, jitted = run(jit=False, make=make), run(jit=True, make=make)
    assert all(p.dtype == np.float32 for p in eager[0].parameters())
    assert all(type(c) is float for c in eager[2].costs)
    assert jitted[4] == []
    assert_same_runs(eager, jitted)
    # float32 rounding: the costs agree with a float64 run to float32's precision only
    wide = run(jit=False)
    np.testing.assert_allclose(eager[2].costs, wide[2].costs, rtol=1e-4)


class FakeBar:
    """tqdm's three calls, recorded."""

    def __init__(self, total: int) -> None:
        self.total, self.n, self.lines, self.closed = total, 0, [], False

    def update(self, n: int = 1) -> None:
        self.n += n

    def write(self, line: str) -> None:
        self.lines.append(line)

    def close(self) -> None:
        self.closed = True


def test_the_bar_counts_mini_batches_and_the_lines_go_above_it(monkeypatch) -> None:
    from tinygrad_edu.train import progress

    bars: list[FakeBar] = []
    monkeypatch.setattr(progress, "progress_bar", lambda total, _: bars.append(FakeBar(total)) or bars[-1])  # fmt: skip
    X, Y = moons()
    fit(course_net(), X, Y, epochs=7, batch_size=64, lr=0.1, print_every=3, initial_epoch=2)
    (bar,) = bars
    assert bar.total == bar.n == 5 * 5 and bar.closed  # epochs 2 to 6, five mini-batches each
    assert [line.split(":")[0] for line in bar.lines] == [
        "Cost after epoch 3",
        "Cost after epoch 6",
    ]  # every print_every epochs counted from 0, and the last


def test_print_every_zero_prints_nothing(capsys) -> None:
    X, Y = moons()
    fit(course_net(), X, Y, epochs=3, batch_size=64, lr=0.1, print_every=0, progress=False)
    assert capsys.readouterr().out == ""


def test_a_rising_cost_warns_once_counting_epochs() -> None:
    X, Y = moons()
    calls = [0]

    def loss(model: Any, X: Tensor, Y: Tensor) -> Tensor:
        # epoch 0 costs 1.0 (its step and its measurement), every later epoch 2.0
        calls[0] += 1
        return nn.binary_cross_entropy_with_logits(model[:-1](X), Y) * 0.0 + (
            1.0 if calls[0] <= 2 else 2.0
        )

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit(course_net(), X, Y, epochs=101, lr=0.1, loss=loss, **quiet())
    rising = [w for w in caught if issubclass(w.category, tinygrad_edu.train.RisingCostWarning)]
    assert len(rising) == 1 and rising[0].filename == __file__  # it points at fit's caller
    assert "(1.000000 at epoch 0) for 100 epochs in a row, now 2.000000 at epoch 100" in str(
        rising[0].message
    )


def test_jit_with_dropout_runs_eagerly_with_one_warning_and_the_same_results() -> None:
    def make() -> nn.Sequential:
        return course_net(keep_prob=0.8)

    tinygrad_edu.manual_seed(3)
    eager = run(jit=False, make=make)
    tinygrad_edu.manual_seed(3)
    jitted = run(jit=True, make=make)
    # one warning per batch size (one text: Python's default filter shows it once)
    assert len(set(jitted[4])) == 1 and "draws random numbers" in jitted[4][0]
    assert_same_runs(eager, jitted)
