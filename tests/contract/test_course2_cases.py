"""Course 2's published test cases, reproduced with the public API: `random_mini_batches`
(`data.mini_batches`, `data.DataLoader`), `update_parameters_with_momentum` (`optim.Momentum`),
`update_parameters_with_adam` (`optim.Adam`), `forward_propagation_with_dropout` (`nn.Dropout` on
the course's seeding) and `backward_propagation_with_dropout` (autograd through it).

The inputs are the course's test cases (`testCases.py`: `np.random.seed(1)`, then the arrays
drawn in order), written again here; the expected numbers are the ones the notebooks print,
asserted to the digits printed (`assert_printed`). The L2 cases and `update_lr` /
`schedule_lr_decay` are in tests/nn/test_regularization.py and tests/optim/test_lr_scheduler.py.

Sources (public copies of the assignments learners published):
- v1b: amanchadha/coursera-deep-learning-specialization, "C2 - Improving Deep Neural Networks
  Hyperparameter tuning, Regularization and Optimization/Week 2/testCases.py" and
  ".../Week 2/Optimization_methods_v1b.ipynb"; ".../Week 1/Regularization/testCases.py" and
  ".../Week 1/Regularization/Regularization_v2a.ipynb".
- 2021: greyhatguy007/deep-learning-specialization, "C2-Improving Deep Neural Networks:
  Hyperparameter Tuning, Regularization and Optimization/week2/pogramming assignments/W2A1/
  public_tests.py" and ".../W2A1/Optimization_methods.ipynb"; ".../week1/programming
  assignments/W1A2/Regularization.ipynb".
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_edu import Tensor, data, nn, optim
from tinygrad_edu.autograd import grad

_NUMBER = re.compile(r"-?\d+\.\d*(?:e[+-]?\d+)?")


def assert_printed(actual: object, printed: str) -> None:
    """`actual` equals the numbers numpy printed in `printed`, to the digits printed: within half a
    unit of the last printed digit (1.62544598 +- 5e-9, 1.51020075e-05 +- 5e-14); a bare "0." or
    "-0." (numpy's way of printing an exact zero next to 8-decimal numbers) must be 0 exactly."""
    values = np.asarray(actual, dtype=float).ravel()
    tokens = _NUMBER.findall(printed)
    assert len(tokens) == values.size, f"{values.size} values, {len(tokens)} printed: {printed}"
    for value, token in zip(values, tokens, strict=True):
        mantissa, _, exponent = token.partition("e")
        decimals = len(mantissa.split(".")[1])
        if decimals == 0:
            assert value == 0.0, f"{value!r} printed as {token}"
            continue
        half_unit = 0.5 * 10.0 ** (int(exponent or 0) - decimals)
        assert abs(value - float(token)) <= half_unit * (1 + 1e-9), f"{value!r} printed as {token}"


def _parameters_and_grads() -> tuple[list[np.ndarray], list[np.ndarray]]:
    """testCases.py's update_parameters_with_momentum_test_case (and _adam_, and _gd_): seed 1,
    then W1 (2, 3), b1 (2, 1), W2 (3, 3), b2 (3, 1), then dW1, db1, dW2, db2 of the same shapes."""
    rs = np.random.RandomState(1)  # the numbers np.random.seed(1) gives
    shapes = [(2, 3), (2, 1), (3, 3), (3, 1)]
    parameters = [rs.randn(*shape) for shape in shapes]
    return parameters, [rs.randn(*shape) for shape in shapes]


def _tensors_with_grads() -> list[Tensor]:
    parameters, grads = _parameters_and_grads()
    tensors = [Tensor(p, requires_grad=True) for p in parameters]
    for t, g in zip(tensors, grads, strict=True):
        t.grad = Tensor(g)
    return tensors


# --- random_mini_batches ------------------------------------------------------------------------


def test_random_mini_batches_v1b_shapes_and_sanity_check() -> None:
    # v1b testCases.random_mini_batches_test_case: seed 1, X randn(12288, 148), Y randn(1, 148)
    # < 0.5, mini_batch_size 64; the notebook calls random_mini_batches(X, Y, 64) (its seed=0)
    rs = np.random.RandomState(1)
    X = rs.randn(12288, 148)
    Y = rs.randn(1, 148) < 0.5
    batches = data.mini_batches(X, Y, 64, seed=0)
    # Optimization_methods_v1b.ipynb (and the 2021 notebook) print:
    assert [x.shape for x, _ in batches] == [(12288, 64), (12288, 64), (12288, 20)]
    assert [y.shape for _, y in batches] == [(1, 64), (1, 64), (1, 20)]
    assert_printed(batches[0][0][0][0:3], "[ 0.90085595 -0.7612069   0.2344157 ]")
    # a DataLoader with seed=0 gives the same first epoch, as Tensors
    loader = data.DataLoader(X, Y.astype(float), batch_size=64, seed=0)
    first = next(iter(loader))[0]
    np.testing.assert_array_equal(first.data, batches[0][0])


def test_random_mini_batches_2021_public_test() -> None:
    # greyhatguy007 W2A1 public_tests.random_mini_batches_test: seed 1, X randn(7, 3), Y
    # randn(1, 3) < 0.5, mini_batch_size 2, the function's default seed 0
    rs = np.random.RandomState(1)
    X = rs.randn(7, 3)
    Y = rs.randn(1, 3) < 0.5
    (X1, Y1), (X2, Y2) = data.mini_batches(X, Y, 2, seed=0)
    assert_printed(
        X1,
        """[[-0.52817175, -0.61175641], [-2.3015387 ,  0.86540763], [ 0.3190391 , -0.7612069 ],
        [-2.06014071,  1.46210794], [ 1.13376944, -0.38405435], [-0.87785842, -0.17242821],
        [-1.10061918,  0.58281521]]""",
    )
    assert_printed(
        X2, "[[ 1.62434536], [-1.07296862], [ 1.74481176], [-0.24937038], [-0.3224172 ], "
        "[-1.09989127], [ 0.04221375]]",
    )  # fmt: skip
    assert Y1.tolist() == [[False, False]] and Y2.tolist() == [[False]]


# The velocity v = (1 - beta) dW from v = 0 with beta 0.9, as both the momentum and the v1b Adam
# cases print it (the same inputs, the same first average)
V_AFTER_ONE_UPDATE = (
    "[[-0.11006192  0.11447237  0.09015907] [ 0.05024943  0.09008559 -0.06837279]]",
    "[[-0.01228902] [-0.09357694]]",
    "[[-0.02678881  0.05303555 -0.06916608] [-0.03967535 -0.06871727 -0.08452056] "
    "[-0.06712461 -0.00126646 -0.11173103]]",
    "[[ 0.02344157] [ 0.16598022] [ 0.07420442]]",
)


# --- update_parameters_with_momentum ------------------------------------------------------------


def test_update_parameters_with_momentum() -> None:
    # testCases.update_parameters_with_momentum_test_case, v = 0, beta 0.9, learning_rate 0.01
    W1, b1, W2, b2 = tensors = _tensors_with_grads()
    momentum = optim.Momentum(tensors, lr=0.01, beta=0.9)
    momentum.step()
    # Optimization_methods_v1b.ipynb's expected output (the 2021 public test has the same digits)
    assert_printed(W1.data, "[[ 1.62544598 -0.61290114 -0.52907334] [-1.07347112  0.86450677 -2.30085497]]")  # fmt: skip
    assert_printed(b1.data, "[[ 1.74493465] [-0.76027113]]")
    assert_printed(
        W2.data, "[[ 0.31930698 -0.24990073  1.4627996 ] [-2.05974396 -0.32173003 -0.38320915] "
        "[ 1.13444069 -1.0998786  -0.1713109 ]]",
    )  # fmt: skip
    assert_printed(b2.data, "[[-0.87809283] [ 0.04055394] [ 0.58207317]]")
    v = [momentum.state[i]["v"] for i in range(4)]
    for got, printed in zip(v, V_AFTER_ONE_UPDATE, strict=True):
        assert_printed(got, printed)


# --- update_parameters_with_adam ----------------------------------------------------------------


def _adam_at_t2(**hyper: float) -> tuple[list[Tensor], optim.Adam]:
    """One Adam update with the course's t = 2 from v = s = 0: the optimizer counts its updates
    (t = 1 at the first), so its state is loaded as after one update, with zero averages."""
    tensors = _tensors_with_grads()
    adam = optim.Adam(tensors, **hyper)
    saved = adam.state_dict()
    saved["state"] = {
        i: {"t": 1, "v": np.zeros_like(t.data), "s": np.zeros_like(t.data)}
        for i, t in enumerate(tensors)
    }
    adam.load_state_dict(saved)
    adam.step()
    assert all(adam.state[i]["t"] == 2 for i in range(4))
    return tensors, adam


def test_update_parameters_with_adam_v1b() -> None:
    # testCases.update_parameters_with_adam_test_case, t = 2, the defaults learning_rate 0.01,
    # beta1 0.9, beta2 0.999, epsilon 1e-8
    (W1, b1, W2, b2), adam = _adam_at_t2(lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    # Optimization_methods_v1b.ipynb: the output the notebook printed. Its "Expected Output" table
    # has two misprints the inputs do not give: W2[2][1] reads -1.09245036 there, but these
    # inputs give -1.092449907385802 (-1.09244991, what the notebook's own run printed above the
    # table; the 2021 notebook dropped the table); and b2[0] reads -0.88529978 there, but the
    # inputs give -0.8852997857082213, which rounds to -0.88529979 (the run printed that too).
    # Every other entry of the table agrees with the run's.
    assert_printed(W1.data, "[[ 1.63178673 -0.61919778 -0.53561312] [-1.08040999  0.85796626 -2.29409733]]")  # fmt: skip
    assert_printed(b1.data, "[[ 1.75225313] [-0.75376553]]")
    assert_printed(
        W2.data, "[[ 0.32648046 -0.25681174  1.46954931] [-2.05269934 -0.31497584 -0.37661299] "
        "[ 1.14121081 -1.09244991 -0.16498684]]",
    )  # fmt: skip
    assert_printed(b2.data, "[[-0.88529979] [ 0.03477238] [ 0.57537385]]")
    assert W2.data[2, 1] != pytest.approx(-1.09245036, abs=5e-9)  # the table's misprint
    v = [adam.state[i]["v"] for i in range(4)]
    s = [adam.state[i]["s"] for i in range(4)]
    for got, printed in zip(v, V_AFTER_ONE_UPDATE, strict=True):
        assert_printed(got, printed)
    assert_printed(s[0], "[[ 0.00121136  0.00131039  0.00081287] [ 0.0002525   0.00081154  0.00046748]]")  # fmt: skip
    assert_printed(s[1], "[[  1.51020075e-05] [  8.75664434e-04]]")
    assert_printed(
        s[2], "[[  7.17640232e-05   2.81276921e-04   4.78394595e-04] [  1.57413361e-04   "
        "4.72206320e-04   7.14372576e-04] [  4.50571368e-04   1.60392066e-07   1.24838242e-03]]",
    )  # fmt: skip
    assert_printed(s[3], "[[  5.49507194e-05] [  2.75494327e-03] [  5.50629536e-04]]")


def test_update_parameters_with_adam_2021_public_test() -> None:
    # greyhatguy007 W2A1 public_tests.update_parameters_with_adam_test: the same inputs, t = 2,
    # learning_rate 0.02, beta1 0.8, beta2 0.888, epsilon 1e-2; it checks the first row of each
    (W1, b1, W2, b2), adam = _adam_at_t2(lr=0.02, beta1=0.8, beta2=0.888, eps=1e-2)
    v = [adam.state[i]["v"][0] for i in range(4)]
    s = [adam.state[i]["s"][0] for i in range(4)]
    assert_printed(v[0], "[-0.22012384,  0.22894474,  0.18031814]")  # dW1
    assert_printed(v[1], "[-0.02457805]")  # db1
    assert_printed(v[2], "[-0.05357762,  0.10607109, -0.13833215]")  # dW2
    assert_printed(v[3], "[0.04688314]")  # db2
    assert_printed(s[0], "[0.13567261, 0.14676395, 0.09104097]")
    assert_printed(s[1], "[0.00169142]")
    assert_printed(s[2], "[8.03757060e-03, 3.15030152e-02, 5.35801947e-02]")
    assert_printed(s[3], "[0.00615448]")
    # the parameters, all rows as the 2021 notebook (Optimization_methods.ipynb) prints them
    assert_printed(W1.data, "[[ 1.63942428 -0.6268425  -0.54320974] [-1.08782943  0.85036983 -2.2865723 ]]")  # fmt: skip
    assert_printed(
        W2.data, "[[ 0.33356139 -0.26425199  1.47707772] [-2.04538458 -0.30744933 -0.36903141] "
        "[ 1.14873036 -1.09256871 -0.15734651]]",
    )  # fmt: skip
    assert_printed(b1.data, "[[ 1.75854357] [-0.74616067]]")
    assert_printed(b2.data, "[[-0.89228024] [ 0.02707193] [ 0.56782561]]")


# --- forward_propagation_with_dropout / backward_propagation_with_dropout -----------------------


def _dropout_case() -> tuple[np.ndarray, list[np.ndarray]]:
    """Regularization testCases.forward_propagation_with_dropout_test_case (and the backward
    case's X and parameters): seed 1, X randn(3, 5), then W1 (2, 3), b1 (2, 1), W2 (3, 2),
    b2 (3, 1), W3 (1, 3), b3 (1, 1)."""
    rs = np.random.RandomState(1)
    X = rs.randn(3, 5)
    shapes = [(2, 3), (2, 1), (3, 2), (3, 1), (1, 3), (1, 1)]
    return X, [rs.randn(*shape) for shape in shapes]


def _forward_with_dropout(keep_prob: float, arrays: list | None = None) -> tuple[Tensor, ...]:
    """The course's forward_propagation_with_dropout: it calls np.random.seed(1), then draws D1
    and D2 from that stream; here both Dropout layers share one RandomState(1)."""
    X, drawn = _dropout_case()
    W1, b1, W2, b2, W3, b3 = (Tensor(a, requires_grad=True) for a in arrays or drawn)
    stream = np.random.RandomState(1)
    drop1 = nn.Dropout(keep_prob=keep_prob, generator=stream)
    drop2 = nn.Dropout(keep_prob=keep_prob, generator=stream)
    R1 = (W1 @ Tensor(X) + b1).relu()
    A1 = drop1(R1)
    R2 = (W2 @ A1 + b2).relu()
    A2 = drop2(R2)
    Z3 = W3 @ A2 + b3
    return R1, A1, R2, A2, Z3


# backward_propagation_with_dropout_test_case's cache holds the parameters printed to 8 decimals
_CACHED_PARAMETERS = [
    [[-1.09989127, -0.17242821, -0.87785842], [0.04221375, 0.58281521, -1.10061918]],
    [[1.14472371], [0.90159072]],
    [[0.50249434, 0.90085595], [-0.68372786, -0.12289023], [-0.93576943, -0.26788808]],
    [[0.53035547], [-0.69166075], [-0.39675353]],
    [[-0.6871727, -0.84520564, -0.67124613]],
    [[-0.0126646]],
]
_CACHED_A3 = [[0.32266394, 0.49683389, 0.00348883, 0.49683389, 0.32266394]]


def test_forward_propagation_with_dropout() -> None:
    *_, Z3 = _forward_with_dropout(keep_prob=0.7)
    # Regularization_v2a.ipynb's expected output (the 2021 notebook prints the same)
    assert_printed(Z3.sigmoid().data, "[[ 0.36974721  0.00305176  0.04565099  0.49683389  0.36974721]]")  # fmt: skip


def test_backward_propagation_with_dropout_as_the_published_code_computes_it() -> None:
    # testCases.backward_propagation_with_dropout_test_case hands backward a cache made by
    # forward_propagation_with_dropout at keep_prob 0.5 (its A1 = relu(Z1) * D1 / 0.5: 2.13994541
    # becomes 4.27989081), then the notebook calls backward with keep_prob 0.8. First: that
    # cache is our forward at 0.5, to its printed digits.
    R1, A1, R2, A2, Z3 = _forward_with_dropout(keep_prob=0.5)
    assert_printed(A1.data, "[[ 0. 0. 4.27989081  5.21401307  0. ] [ 0. 8.32019881  1.58102041  2.92987024  0. ]]")  # fmt: skip
    assert_printed(
        A2.data, "[[ 1.06071093  0. 8.21049603  0. 1.06071093] [ 0. 0. 0. 0. 0. ] "
        "[ 0. 0. 0. 0. 0. ]]",
    )  # fmt: skip
    assert_printed(Z3.data, "[[-0.7415562  -0.0126646  -5.65469333 -0.0126646  -0.7415562 ]]")
    # The course's dA1, dA2 are the gradients of the summed cost with respect to relu's outputs,
    # before their dropout, from dZ3 = A3 - Y (no 1/m), computed from the cache: its parameters
    # and A3 as printed to 8 decimals (their rounding moves the 8th decimal of dA1), its masks
    # (the forward's at 0.5, as above). Autograd through that forward divides by 0.5 at each
    # dropout layer; the published code multiplies by the same masks but divides by 0.8. So its
    # dA2 is autograd's times 0.5/0.8 (one dropout layer crossed, D2) and its dA1 autograd's
    # times (0.5/0.8)**2 (D2, then D1): what the published code computes, not the gradient of
    # any forward pass (the 2021 notebook keeps this case).
    R1, _, R2, _, Z3 = _forward_with_dropout(0.5, [np.array(a) for a in _CACHED_PARAMETERS])
    Y = np.array([[1.0, 1.0, 0.0, 1.0, 0.0]])
    dZ3 = Tensor(np.array(_CACHED_A3) - Y)
    dR1, dR2 = grad(Z3, [R1, R2], grad_outputs=dZ3)
    ratio = 0.5 / 0.8
    # Regularization_v2a.ipynb's expected output
    assert_printed(
        dR1.data * ratio**2, "[[ 0.36544439  0.         -0.00188233  0.         -0.17408748] "
        "[ 0.65515713  0.         -0.00337459  0.         -0.        ]]",
    )  # fmt: skip
    assert_printed(
        dR2.data * ratio, "[[ 0.58180856  0.         -0.00299679  0.         -0.27715731] "
        "[ 0.          0.53159854 -0.          0.53159854 -0.34089673] "
        "[ 0.          0.         -0.00292733  0.         -0.        ]]",
    )  # fmt: skip
    # and autograd's own, the true gradient at keep_prob 0.5, differs from the published numbers
    assert abs(dR2.data[0, 0] - 0.58180856) > 0.1


def test_assert_printed_fails_outside_the_printed_digits() -> None:
    assert_printed([1.625445984], "[ 1.62544598]")
    with pytest.raises(AssertionError):
        assert_printed([1.62544599], "[ 1.62544598]")
    with pytest.raises(AssertionError):
        assert_printed([1.5e-14], "[ 0.]")
    with pytest.raises(AssertionError):
        assert_printed([1.5102008e-05], "[  1.51020075e-05]")
