"""A learning rate that changes between calls (a scheduler's step() once an epoch, or `opt.lr = ...`
by hand in a fit loop): the program reads `opt.lr` at every call (compiled/optimizers.py), so it
replays with the new lr, bit for bit as eager steps with it, from the one program traced at call 1.
The other hyperparameters stay baked in (test_optimizers_torch.py: a change traces again)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiled._harness import World, assert_compiled, assert_eager, run_both
from tests.compiled.test_optimizers import OPTIMIZERS, planar_world
from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.compiled import interpret
from tinygrad_edu.optim import lr_scheduler

DTYPES = pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
SCHEDULERS = {
    "ExponentialLR": lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.9),
    "StepLR": lambda opt: lr_scheduler.StepLR(opt, step_size=1, gamma=0.7),
    "LambdaLR": lambda opt: lr_scheduler.LambdaLR(opt, lambda e: 1 / (1 + 0.3 * e)),
    "InverseTimeLR": lambda opt: lr_scheduler.InverseTimeLR(opt, decay_rate=0.5),
}
N_CALLS = 6


def scheduled(make_optimizer, scheduler: str, dtype) -> tuple:
    """(make, before): the planar world with a scheduler stepped between calls, as an epoch loop
    steps it after each epoch's step."""

    def make() -> World:
        world = planar_world(make_optimizer, dtype, generic=True)
        world.scheduler = SCHEDULERS[scheduler](world.optimizers[0])  # type: ignore[attr-defined]
        return world

    def before(i: int, world: World) -> None:
        if i:
            world.scheduler.step()  # type: ignore[attr-defined]

    return make, before


@DTYPES
@pytest.mark.parametrize("scheduler", ["ExponentialLR", "StepLR"])
@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_schedule_replays_with_each_new_lr(name: str, scheduler: str, dtype) -> None:
    """Protects the lr read at every call: each call's lr is a new one, and the replay equals
    eager (parameters, state, cost) bit for bit; one program, traced once and trusted."""
    make, before = scheduled(OPTIMIZERS[name], scheduler, dtype)
    run = run_both(make, n_calls=N_CALLS, before=before)
    assert_compiled(run)
    opt = run.jitted.optimizers[0]
    assert opt.lr != run.jitted.scheduler.base_lr  # type: ignore[attr-defined]
    assert all(p.dtype == dtype for p in opt.params)
    source = run.step.source()
    assert "lr[...] = opt.lr" in source, source
    assert source.count("multiply(lr, ") == len(opt.params), source


@pytest.mark.parametrize("scheduler", ["LambdaLR", "InverseTimeLR"])
def test_the_other_schedulers_replay(scheduler: str) -> None:
    """Protects the course's decay (InverseTimeLR) and LambdaLR the same way, in float32."""
    make, before = scheduled(OPTIMIZERS["SGD"], scheduler, np.float32)
    assert_compiled(run_both(make, n_calls=N_CALLS, before=before))


def test_one_read_of_the_lr_per_optimizer() -> None:
    """Protects the per-call cost: the lr is read once per optimizer, not once per parameter."""
    make, before = scheduled(OPTIMIZERS["Adam"], "ExponentialLR", np.float64)
    run = run_both(make, n_calls=3, before=before)
    (entry,) = assert_compiled(run)
    reads = [i for i in entry.program.instrs if i.kind == "read"]
    assert len(reads) == 1 and len(run.jitted.optimizers[0].params) == 4


def test_interpreted_program_reads_the_lr(monkeypatch) -> None:
    """Protects the interpreter loop (a long program): it refills the lr at every call too."""
    monkeypatch.setattr(interpret, "LONG", 1)
    make, before = scheduled(OPTIMIZERS["Momentum"], "ExponentialLR", np.float32)
    run = run_both(make, n_calls=N_CALLS, before=before)
    (entry,) = assert_compiled(run)
    assert entry.interpreted


def test_two_optimizers_two_schedules() -> None:
    """Protects one lr per optimizer: two optimizers, each with its schedule, each replays with
    its own lr, named lr and lr_2 in the source."""

    def make() -> World:
        rng = np.random.RandomState(3)
        model = nn.ShallowNet(2, 4, 1)
        X, Y = Tensor(rng.randn(2, 12)), Tensor((rng.rand(1, 12) > 0.5).astype(float))
        params = list(model.parameters())
        first, second = optim.SGD(params[:2], lr=0.5), optim.Adam(params[2:], lr=0.01)

        def step(X, Y):
            first.zero_grad()
            second.zero_grad()
            cost = nn.binary_cross_entropy(model(X), Y)
            cost.backward()
            first.step()
            second.step()
            return cost

        world = World(step, dict(model.named_parameters()), [(X, Y)], [first, second])
        world.scheduler = (  # type: ignore[attr-defined]
            lr_scheduler.ExponentialLR(first, 0.8),
            lr_scheduler.StepLR(second, step_size=2, gamma=0.5),
        )
        return world

    def before(i: int, world: World) -> None:
        if i:
            for s in world.scheduler:  # type: ignore[attr-defined]
                s.step()

    run = run_both(make, n_calls=N_CALLS, before=before)
    assert_compiled(run)
    source = run.step.source()
    assert "lr[...] = opt.lr" in source and "lr_2[...] = opt_2.lr" in source, source


def test_any_lr_set_between_calls_is_eager_s() -> None:
    """Protects eager's rule: optim checks lr in __init__ only, so a negative, a zero or an
    infinite lr set later is used as it is; the replay does the same (no check of its own)."""

    def change(i: int, world: World) -> None:
        world.optimizers[0].lr = [0.5, 0.5, -0.25, 0.0, 3.0, float("inf")][i]

    make = lambda: planar_world(OPTIMIZERS["SGD"], np.float32, generic=True)  # noqa: E731
    assert_compiled(run_both(make, n_calls=N_CALLS, before=change))


def test_lr_of_another_type_traces_again() -> None:
    """Protects the guard on the lr's type: a numpy float64 lr times float32 arrays is float64
    (NumPy's rule for a Python float casts it to float32): the program's float32 box would give
    other bits, so the step traces again, and equals eager whatever it then does."""

    def change(i: int, world: World) -> None:
        if i == 3:
            world.optimizers[0].lr = np.float64(0.1)

    make = lambda: planar_world(OPTIMIZERS["SGD"], np.float32, generic=True)  # noqa: E731
    run = run_both(make, n_calls=N_CALLS, before=change)
    assert run.fn_calls > 2


def test_lr_set_inside_the_step_is_not_trusted() -> None:
    """Protects the check at call 2: the program reads opt.lr, but the step's own Python code
    that sets it (a scheduler stepped inside) does not replay, so such a step stays eager."""

    def make() -> World:
        world = planar_world(OPTIMIZERS["SGD"], np.float64, generic=True)
        inner, opt = world.fn, world.optimizers[0]

        def step(X, Y):
            opt.lr *= 0.9
            return inner(X, Y)

        world.fn = step
        return world

    run = run_both(make, n_calls=4)
    assert_eager(run, "the step sets an optimizer's lr", n_calls=4)
