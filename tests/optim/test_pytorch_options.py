"""PyTorch's optimizer options (SGD's momentum, dampening, nesterov, weight_decay; Adam's betas,
eps, weight_decay; weight_decay on Momentum and RMSprop) against torch.optim in float64 over several
steps; the two spellings of Adam's betas; the defaults leave the course's updates bit for bit; the
refusals' messages. The torch comparisons skip without torch."""

from __future__ import annotations

import numpy as np
import pytest

from tests.optim.test_optim import run
from tinygrad_edu import Tensor, optim

START = np.arange(8.0).reshape(4, 2) / 7 - 0.5
GRADS = np.random.RandomState(4).randn(6, 4, 2)

# (ours, torch's): the same optimizer in both spellings
PAIRS = {
    "SGD momentum": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
        lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9),
    ),
    "SGD momentum wd": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-2),
        lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=1e-2),
    ),
    "SGD dampening": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.8, dampening=0.3),
        lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.8, dampening=0.3),
    ),
    "SGD nesterov wd": (
        lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
        lambda t, p: t.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1),
    ),
    "SGD wd": (
        lambda p: optim.SGD(p, lr=0.1, weight_decay=0.5),
        lambda t, p: t.optim.SGD(p, lr=0.1, weight_decay=0.5),
    ),
    "Adam betas": (
        lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.9), eps=1e-3),
        lambda t, p: t.optim.Adam(p, lr=0.01, betas=(0.8, 0.9), eps=1e-3),
    ),
    "Adam wd": (
        lambda p: optim.Adam(p, lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1),
        lambda t, p: t.optim.Adam(p, lr=0.01, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1),
    ),
    "RMSprop wd": (
        lambda p: optim.RMSprop(p, lr=0.01, beta=0.9, eps=1e-3, weight_decay=0.1),
        lambda t, p: t.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-3, weight_decay=0.1),
    ),
}


def _ours(make, grads=GRADS) -> list[np.ndarray]:
    return run(make, grads, start=START)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_matches_torch_optim_over_several_steps(name: str) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = PAIRS[name]
    w = torch.tensor(START.copy(), requires_grad=True)
    opt = theirs(torch, [w])
    for k, (dW, W) in enumerate(zip(GRADS, _ours(ours), strict=True)):
        w.grad = torch.tensor(dW)
        opt.step()
        np.testing.assert_allclose(W, w.detach().numpy(), rtol=1e-12, atol=1e-14, err_msg=f"{k}")


def test_course_momentum_with_weight_decay_is_momentum_of_the_l2_gradient() -> None:
    # Momentum(weight_decay=wd) on dW is plain Momentum on dW + wd W, the gradient of the cost
    # plus (wd / 2) ||W||^2, computed here by hand step by step
    wd, beta, lr = 0.1, 0.8, 0.1
    W, v = START.copy(), np.zeros_like(START)
    got = _ours(lambda p: optim.Momentum(p, lr=lr, beta=beta, weight_decay=wd))
    for dW, W_ours in zip(GRADS, got, strict=True):
        v = beta * v + (1 - beta) * (dW + wd * W)
        W = W - lr * v
        np.testing.assert_allclose(W_ours, W, rtol=1e-14, atol=1e-15)


def test_sgd_momentum_first_step_is_plain_gradient_descent() -> None:
    # PyTorch's buffer starts at g (not 0): the first step is W - lr dW, to the bit
    (first, *_) = _ours(lambda p: optim.SGD(p, lr=0.1, momentum=0.9))
    (plain,) = _ours(lambda p: optim.SGD(p, lr=0.1), GRADS[:1])
    np.testing.assert_array_equal(first, plain)


@pytest.mark.parametrize(
    ("make", "default"),
    [
        (
            lambda p: optim.SGD(p, lr=0.3, momentum=0, weight_decay=0),
            lambda p: optim.SGD(p, lr=0.3),
        ),
        (
            lambda p: optim.Adam(p, lr=0.02, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0),
            lambda p: optim.Adam(p, lr=0.02),
        ),
        (
            lambda p: optim.Adam(p, lr=0.02, betas=(0.7, 0.95)),
            lambda p: optim.Adam(p, lr=0.02, beta1=0.7, beta2=0.95),
        ),
        (
            lambda p: optim.Momentum(p, lr=0.3, beta=0.5, weight_decay=0.0),
            lambda p: optim.Momentum(p, lr=0.3, beta=0.5),
        ),
    ],
    ids=["SGD defaults", "Adam defaults", "Adam betas = beta1, beta2", "Momentum wd 0"],
)
def test_spellings_and_zero_options_are_bitwise_the_course_update(make, default) -> None:
    for a, b in zip(_ours(make), _ours(default), strict=True):
        np.testing.assert_array_equal(a, b)


def test_course_sgd_is_unchanged_bit_for_bit() -> None:
    # the course's update_parameters, W = W - lr dW, written out in numpy
    W = START.copy()
    for dW, W_ours in zip(GRADS, _ours(lambda p: optim.SGD(p, lr=0.3)), strict=True):
        W = W - 0.3 * dW
        np.testing.assert_array_equal(W_ours, W)


def test_adam_exposes_pytorchs_betas() -> None:
    opt = optim.Adam([Tensor([1.0], requires_grad=True)], betas=(0.5, 0.6))
    assert (opt.beta1, opt.beta2, opt.betas) == (0.5, 0.6, (0.5, 0.6))
    assert opt.betas == optim.Adam(opt.params, beta1=0.5, beta2=0.6).betas


def test_repr_shows_the_options_given() -> None:
    W = Tensor([1.0], requires_grad=True)
    assert repr(optim.SGD([W], lr=0.5, momentum=0.9, nesterov=True)) == (
        "SGD(lr=0.5, momentum=0.9, nesterov=True, params=1)"
    )
    assert "weight_decay=0.01" in repr(optim.Adam([W], weight_decay=0.01))
    assert repr(optim.Momentum([W], lr=0.1)) == "Momentum(lr=0.1, beta=0.9, params=1)"


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda p: optim.Adam(p, beta1=0.9, betas=(0.9, 0.99)),
            TypeError,
            r"Adam: got both betas=\(0.9, 0.99\) \(PyTorch's spelling\) and beta1=0.9",
        ),
        (lambda p: optim.Adam(p, beta2=0.9, betas=(0.9, 0.99)), TypeError, "give one of them"),
        (lambda p: optim.Adam(p, betas=(0.9,)), ValueError, r"betas must be two numbers"),
        (lambda p: optim.Adam(p, betas=0.9), ValueError, r"betas must be two numbers"),
        (lambda p: optim.Adam(p, betas=(0.9, 1.0)), ValueError, r"Adam: betas\[1\] must be a "),
        (lambda p: optim.Adam(p, betas=(1.5, 0.9)), ValueError, r"Adam: betas\[0\] must be a "),
        (lambda p: optim.Adam(p, beta1=1.5), ValueError, r"Adam: beta1 must be a number in"),
        (
            lambda p: optim.Adam(p, 0.01, (0.9, 0.99)),  # PyTorch's positional order
            ValueError,
            r"beta1 must be a number; for PyTorch's pair write betas=\(0.9, 0.99\)",
        ),
        (lambda p: optim.Adam(p, weight_decay=-1), ValueError, "weight_decay must be a number >="),
        (lambda p: optim.SGD(p, lr=0.1, momentum=-0.5), ValueError, "momentum must be a number >="),
        (lambda p: optim.SGD(p, lr=0.1, weight_decay=float("nan")), ValueError, "weight_decay"),
        (lambda p: optim.SGD(p, lr=0.1, dampening=float("inf")), ValueError, "dampening"),
        (
            lambda p: optim.SGD(p, lr=0.1, nesterov=True),
            ValueError,
            r"nesterov=True needs a momentum > 0 and dampening 0 .* got momentum=0.0",
        ),
        (
            lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            "dampening=0.1",
        ),
        (lambda p: optim.SGD(p, lr=0.1, nesterov=1), TypeError, "nesterov must be True or False"),
        (lambda p: optim.Momentum(p, lr=0.1, weight_decay=-0.1), ValueError, "Momentum: weight"),
        (lambda p: optim.RMSprop(p, lr=0.1, weight_decay=-0.1), ValueError, "RMSprop: weight"),
    ],
)
def test_refusals_name_the_argument(make, error, message: str) -> None:
    with pytest.raises(error, match=message):
        make([Tensor([1.0], requires_grad=True)])


def test_float32_stays_float32_with_the_options() -> None:
    W = Tensor(np.ones((2, 2)), requires_grad=True, dtype=np.float32)
    opt = optim.SGD([W], lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)
    for _ in range(3):
        W.grad = Tensor(np.full((2, 2), 0.5), dtype=np.float32)
        opt.step()
    assert W.data.dtype == np.float32
    assert opt.state[0]["momentum_buffer"].dtype == np.float32
