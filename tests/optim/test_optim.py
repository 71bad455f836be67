"""tinygrad_edu.optim: each update against its formula worked by hand, state across steps, and the
rules every optimizer follows (in place, skip a missing grad, clear errors)."""

from __future__ import annotations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, nn, optim

# One parameter W = [1, -2] and two gradients dW1, dW2, the same for every optimizer below.
W0 = [1.0, -2.0]
GRAD1 = np.array([0.5, -1.0])
GRAD2 = np.array([0.25, 2.0])


def run(optimizer_class, steps: list[np.ndarray], start=W0, **options) -> list[np.ndarray]:
    """W after each step, each step given its gradient by hand (no backward needed);
    `optimizer_class` is a class or any function of the parameter list."""
    W = Tensor(np.array(start, dtype=float), requires_grad=True)
    optimizer = optimizer_class([W], **options)
    after = []
    for dW in steps:
        W.grad = Tensor(dW)
        optimizer.step()
        after.append(W.data.copy())
    return after


def test_sgd_by_hand() -> None:
    # W = W - lr dW = [1 - 0.1 * 0.5, -2 - 0.1 * -1]
    (W1,) = run(optim.SGD, [GRAD1], lr=0.1)
    np.testing.assert_allclose(W1, [0.95, -1.9], rtol=1e-15)


def test_momentum_by_hand() -> None:
    # step 1: v = 0.1 dW1 = [0.05, -0.1];                 W = W - 0.1 v = [0.995, -1.99]
    # step 2: v = 0.9 v + 0.1 dW2 = [0.07, 0.11];         W = [0.995 - 0.007, -1.99 - 0.011]
    W1, W2 = run(optim.Momentum, [GRAD1, GRAD2], lr=0.1, beta=0.9)
    np.testing.assert_allclose(W1, [0.995, -1.99], rtol=1e-14)
    np.testing.assert_allclose(W2, [0.988, -2.001], rtol=1e-14)


def test_rmsprop_by_hand() -> None:
    # step 1: s = 0.1 dW1^2 = [0.025, 0.1]; W - 0.1 dW1 / sqrt(s) = W -+ 0.1 / sqrt(0.1)
    #         = [1 - 0.31622777, -2 + 0.31622777]
    # step 2: s = 0.9 s + 0.1 dW2^2 = [0.02875, 0.49];
    #         W = [0.68377223 - 0.025 / sqrt(0.02875), -1.68377223 - 0.2 / 0.7]
    W1, W2 = run(optim.RMSprop, [GRAD1, GRAD2], lr=0.1, beta=0.9, eps=0.0)
    np.testing.assert_allclose(W1, [0.683772234, -1.683772234], rtol=1e-9)
    np.testing.assert_allclose(W2, [0.536330278, -1.969486520], rtol=1e-9)


def test_adam_by_hand() -> None:
    # step 1 (t = 1): v_c = 0.1 dW1 / 0.1 = dW1, s_c = 0.001 dW1^2 / 0.001 = dW1^2,
    #         so W = W - 0.1 sign(dW1) = [0.9, -1.9]
    # step 2 (t = 2): v = 0.9 [0.05, -0.1] + 0.1 dW2 = [0.07, 0.11],  v_c = v / (1 - 0.81)
    #         s = 0.999 [0.00025, 0.001] + 0.001 dW2^2 = [0.00031225, 0.004999],
    #         s_c = s / (1 - 0.999^2) = [0.15620310, 2.50075038]
    #         W = [0.9 - 0.1 * 0.36842105 / 0.39522538, -1.9 - 0.1 * 0.57894737 / 1.58137610]
    W1, W2 = run(optim.Adam, [GRAD1, GRAD2], lr=0.1, eps=0.0)
    np.testing.assert_allclose(W1, [0.9, -1.9], rtol=1e-14)
    np.testing.assert_allclose(W2, [0.80678204, -1.93661035], rtol=1e-8)


def test_default_eps_changes_the_hand_numbers_only_slightly() -> None:
    exact = run(optim.Adam, [GRAD1, GRAD2], lr=0.1, eps=0.0)
    default = run(optim.Adam, [GRAD1, GRAD2], lr=0.1)
    np.testing.assert_allclose(default, exact, rtol=1e-7)


# The same formulas in PyTorch: RMSprop(alpha=beta) and Adam are the course's forms exactly.
@given(
    hnp.arrays(np.float64, (3, 4, 2), elements=st.floats(-2, 2, allow_nan=False)),
    st.sampled_from(["RMSprop", "Adam"]),
)
def test_rmsprop_and_adam_match_pytorch(grads: np.ndarray, name: str) -> None:
    torch = pytest.importorskip("torch")
    start = np.arange(8.0).reshape(4, 2) / 7
    W = Tensor(start, requires_grad=True)
    w = torch.tensor(start, requires_grad=True)
    if name == "RMSprop":
        ours = optim.RMSprop([W], lr=0.01, beta=0.9, eps=1e-3)
        theirs = torch.optim.RMSprop([w], lr=0.01, alpha=0.9, eps=1e-3)
    else:
        ours = optim.Adam([W], lr=0.01, beta1=0.8, beta2=0.9, eps=1e-3)
        theirs = torch.optim.Adam([w], lr=0.01, betas=(0.8, 0.9), eps=1e-3)
    for dW in grads:
        W.grad = Tensor(dW)
        w.grad = torch.tensor(dW)
        ours.step()
        theirs.step()
    np.testing.assert_allclose(W.data, w.detach().numpy(), rtol=1e-10, atol=1e-12)


@given(hnp.arrays(np.float64, (3, 2), elements=st.floats(-5, 5, allow_nan=False)))
def test_momentum_with_beta_0_is_sgd(grads: np.ndarray) -> None:
    np.testing.assert_array_equal(
        run(optim.Momentum, list(grads), lr=0.3, beta=0.0), run(optim.SGD, list(grads), lr=0.3)
    )


# ------------------------------------------------------------------------ shared rules


OPTIMIZERS = [
    lambda p: optim.SGD(p, lr=0.1),
    lambda p: optim.Momentum(p, lr=0.1),
    lambda p: optim.RMSprop(p, lr=0.1),
    lambda p: optim.Adam(p),
]
IDS = ["SGD", "Momentum", "RMSprop", "Adam"]


@pytest.mark.parametrize("make", OPTIMIZERS, ids=IDS)
def test_updates_in_place_and_skips_missing_grads(make) -> None:
    model = nn.ShallowNet(3, 2, 1)
    optimizer = make(model.parameters())  # a generator is fine
    W1, W2 = model.layers[0].W, model.layers[2].W
    data1, before1, before2 = W1.data, W1.data.copy(), W2.data.copy()
    (model.layers[0](np.ones((3, 4)))).sum().backward()  # only layer 1 gets gradients
    assert W2.grad is None
    optimizer.step()
    assert W1.data is data1  # the same array, updated in place
    assert not np.array_equal(W1.data, before1)
    np.testing.assert_array_equal(W2.data, before2)
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("make", OPTIMIZERS, ids=IDS)
def test_float32_stays_float32(make) -> None:
    W = Tensor(np.ones((2, 2)), requires_grad=True, dtype=np.float32)
    optimizer = make([W])
    for _ in range(2):
        W.grad = Tensor(np.full((2, 2), 0.5), dtype=np.float32)
        optimizer.step()
    assert W.dtype == np.float32 and W.data.dtype == np.float32


def test_zero_grad_to_zeros() -> None:
    W = Tensor([1.0, 2.0], requires_grad=True)
    (W * W).sum().backward()
    optimizer = optim.SGD([W, W], lr=0.1)  # listed twice, kept once
    assert len(optimizer.params) == 1
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(W.grad.data, [0.0, 0.0])


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: optim.SGD(p, lr=0), r"lr \(the learning rate\) must be a number > 0, got 0"),
        (lambda p: optim.SGD(p, lr=-0.1), "must be a number > 0, got -0.1"),
        (lambda p: optim.SGD(p, lr=float("nan")), "must be a number > 0, got nan"),
        (lambda p: optim.SGD(p, lr=True), "must be a number > 0, got True"),
        (lambda p: optim.Momentum(p, lr=0.1, beta=1.0), r"beta must be a number in \[0.0, 1.0\)"),
        (lambda p: optim.RMSprop(p, lr=0.1, eps=-1), "eps must be a number >= 0.0, got -1"),
        (lambda p: optim.Adam(p, beta1=-0.1), "beta1 must be a number in"),
        (lambda p: optim.Adam(p, beta2=1.5), "beta2 must be a number in"),
    ],
)
def test_bad_hyperparameters(make, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make([Tensor([1.0], requires_grad=True)])


def test_bad_parameter_lists() -> None:
    W = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="got a single Tensor; wrap it in a list"):
        optim.SGD(W, lr=0.1)
    with pytest.raises(TypeError, match="parameter 1 is ndarray, not a Tensor"):
        optim.SGD([W, np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="empty list of parameters"):
        optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match=r"parameter 0 .* is the result of an op, not a leaf"):
        optim.SGD([W * 2], lr=0.1)


def test_repr() -> None:
    W = Tensor([1.0], requires_grad=True)
    assert repr(optim.SGD([W], lr=0.5)) == "SGD(lr=0.5, params=1)"
    assert repr(optim.Adam([W])) == "Adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08, params=1)"


@pytest.mark.parametrize("make", OPTIMIZERS, ids=IDS)
def test_training_lowers_the_cost(make) -> None:
    rs = np.random.RandomState(0)
    X = rs.randn(2, 40)
    Y = (X[0:1] + X[1:2] > 0).astype(float)
    model = nn.ShallowNet(2, 3, 1, hidden="tanh")
    optimizer = make(model.parameters())
    costs = []
    for _ in range(30):
        optimizer.zero_grad()
        cost = nn.binary_cross_entropy_with_logits(model.logits(X), Y)
        cost.backward()
        optimizer.step()
        costs.append(cost.item())
    assert costs[-1] < costs[0]


def test_adam_counts_steps_per_parameter() -> None:
    # a parameter without a gradient in step 1 takes Adam's first step (t = 1) in step 2:
    # v_c = dW, s_c = dW^2, so W moves by exactly lr * sign(dW)
    A, B = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    optimizer = optim.Adam([A, B], lr=0.1, eps=0.0)
    A.grad = Tensor([0.3])
    optimizer.step()
    B.grad = Tensor([-0.7])
    optimizer.step()
    np.testing.assert_allclose(B.data, [1.1], rtol=1e-14)
