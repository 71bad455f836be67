"""PyTorch's optimizer options in a jitted step (compiled/optimizers.py): SGD's momentum buffer,
dampening, nesterov, weight decay on every optimizer, Adam's betas. Each equals eager bit for bit
(parameters, gradients, state: the momentum buffer too) and is replayed from its program; a
changed option, or a replaced `opt.state`, traces a new program instead of replaying the old."""

from __future__ import annotations

import numpy as np
import pytest

from tests.compiled._harness import World, assert_compiled, run_both
from tests.compiled.test_optimizers import planar_world
from tinygrad_edu import optim

OPTIONS = {
    "SGD momentum wd": lambda ps: optim.SGD(ps, lr=0.5, momentum=0.9, weight_decay=1e-4),
    "SGD dampening": lambda ps: optim.SGD(ps, lr=0.5, momentum=0.8, dampening=0.3),
    "SGD nesterov": lambda ps: optim.SGD(
        ps, lr=0.5, momentum=0.9, nesterov=True, weight_decay=0.01
    ),
    "SGD wd": lambda ps: optim.SGD(ps, lr=0.5, weight_decay=0.05),
    "Momentum wd": lambda ps: optim.Momentum(ps, lr=0.5, beta=0.8, weight_decay=0.01),
    "RMSprop wd": lambda ps: optim.RMSprop(ps, lr=0.01, beta=0.9, weight_decay=0.01),
    "Adam betas wd": lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.99), weight_decay=1e-3),
    "Adam betas eps": lambda ps: optim.Adam(ps, lr=0.01, betas=(0.5, 0.9), eps=1e-6),
}
N_CALLS = 4


@pytest.mark.parametrize("name", sorted(OPTIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_option_equals_eager_and_is_replayed(name: str, dtype) -> None:
    """Protects each option's lowering: its arithmetic in optim's order, scalars boxed in the
    parameter's dtype, and the momentum buffer carried across calls (its first step, b = g, is
    the traced call; the program holds the later ones)."""
    run = run_both(lambda: planar_world(OPTIONS[name], dtype, True), n_calls=N_CALLS)
    assert_compiled(run)
    (opt,) = run.jitted.optimizers
    if getattr(opt, "momentum", 0):
        assert all("momentum_buffer" in s for s in opt.state)
        assert all(s["momentum_buffer"].dtype == dtype for s in opt.state)


def test_the_buffer_is_in_the_program() -> None:
    """Protects the claim that the replay runs the buffer's update (not an opaque call)."""
    run = run_both(lambda: planar_world(OPTIONS["SGD nesterov"], np.float64, True), n_calls=3)
    assert_compiled(run)
    source = run.step.source()
    for step in ("weight_decay W", "b *= momentum", "b += (1 - dampening) g", "g = g + momentum b"):
        assert f"SGD: {step}" in source, step


@pytest.mark.parametrize(
    ("make", "attribute", "value"),
    [
        (OPTIONS["SGD momentum wd"], "momentum", 0.5),
        (OPTIONS["SGD dampening"], "dampening", 0.1),
        (OPTIONS["SGD nesterov"], "nesterov", False),
        (OPTIONS["SGD momentum wd"], "weight_decay", 0.01),
        (OPTIONS["Momentum wd"], "weight_decay", 0.0),
        (OPTIONS["Adam betas wd"], "beta1", 0.5),
        (OPTIONS["Adam betas wd"], "weight_decay", 0.1),
    ],
    ids=["momentum", "dampening", "nesterov", "SGD wd", "Momentum wd", "Adam beta1", "Adam wd"],
)
def test_changed_option_traces_a_new_program(make, attribute: str, value) -> None:
    """Protects the hyperparameter guard for the new options: each is baked into the program
    (boxed once, or which instructions there are), so a change between calls must trace again."""

    def change(i: int, world: World) -> None:
        if i == 2:
            setattr(world.optimizers[0], attribute, value)

    run = run_both(lambda: planar_world(make, np.float64, True), n_calls=5, before=change)
    assert not run.jit_warnings, run.jit_warnings
    assert run.fn_calls == 4, "two calls (trace, check) for each value"


@pytest.mark.parametrize("name", ["SGD momentum wd", "Momentum wd", "Adam betas wd"])
def test_replaced_state_traces_a_new_program(name: str) -> None:
    """Protects the state guard: `opt.state` replaced by fresh dicts starts the averages (and
    PyTorch's buffer) again; a program bound to the old dicts would go on from the old ones."""

    def reset(i: int, world: World) -> None:
        if i == 2:
            opt = world.optimizers[0]
            opt.state = [{} for _ in opt.params]

    run = run_both(lambda: planar_world(OPTIONS[name], np.float64, True), n_calls=5, before=reset)
    assert not run.jit_warnings, run.jit_warnings
    assert run.fn_calls == 4
