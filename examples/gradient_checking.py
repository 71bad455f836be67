"""Course 2, week 1, "Gradient Checking": backward against central differences, as the course does.

    python examples/gradient_checking.py

The course's two checks with its epsilon 1e-7 and its difference
||grad - gradapprox|| / (||grad|| + ||gradapprox||): J(theta) = theta * x (the course prints
2.919335883291695e-10), then its 3-layer network with the two planted bugs (dW2 * 2, db1 * 4; the
course prints 0.285093156781) and without them; last, `gradcheck(..., report=True)` on the same
network. Tutorial 13 (docs/13_gradient_checking.md) explains each number.
"""

import argparse

import numpy as np

from tinygrad_edu import Tensor, grad, gradcheck, nn, numerical_grad

EPSILON = 1e-7  # the course's


def difference(g: np.ndarray, g_num: np.ndarray) -> float:
    """The course's relative difference of two gradient vectors."""
    return float(np.linalg.norm(g - g_num) / (np.linalg.norm(g) + np.linalg.norm(g_num)))


def verdict(diff: float, threshold: float) -> str:
    if diff > threshold:
        return f"There is a mistake in the backward propagation! difference = {diff}"
    return f"Your backward propagation works perfectly fine! difference = {diff}"


def check_1d() -> None:
    x, theta = 2.0, Tensor(4.0, requires_grad=True)
    (dtheta,) = grad(theta * x, theta)
    (gradapprox,) = numerical_grad(lambda t: t * x, theta, eps=EPSILON)
    diff = difference(dtheta.data, gradapprox)
    print("1-D, J(theta) = theta * x:")
    print("The gradient is correct!" if diff < 1e-7 else "The gradient is wrong!", end=" ")
    print(f"difference = {diff}")


def network() -> tuple:
    """The course's gradient_check_n_test_case: X (4, 3), Y, W1 ... b3 after np.random.seed(1)."""
    rng = np.random.RandomState(1)  # its draws are np.random.seed(1)'s, without the global state
    X = rng.randn(4, 3)
    Y = np.array([[1.0, 1.0, 0.0]])
    shapes = [(5, 4), (5, 1), (3, 5), (3, 1), (1, 3), (1, 1)]
    params = [Tensor(rng.randn(*s), requires_grad=True) for s in shapes]

    def cost(W1, b1, W2, b2, W3, b3):
        A1 = (W1 @ X + b1).relu()
        A2 = (W2 @ A1 + b2).relu()
        A3 = (W3 @ A2 + b3).sigmoid()
        return nn.binary_cross_entropy(A3, Y)

    return cost, params


def check_nd() -> None:
    cost, params = network()
    grads = [g.data for g in grad(cost(*params), params)]
    gradapprox = numerical_grad(cost, *params, eps=EPSILON)

    def vector(arrays):
        return np.concatenate([a.reshape(-1) for a in arrays])

    # the course's backward_propagation_n, with its two mistakes: db1 * 4 and dW2 * 2
    buggy = [grads[0], grads[1] * 4, grads[2] * 2, *grads[3:]]
    print("\nN-D, the course's network, with its planted bugs:")
    print(verdict(difference(vector(buggy), vector(gradapprox)), 2e-7))
    print("and with the engine's gradients:")
    print(verdict(difference(vector(grads), vector(gradapprox)), 2e-7))
    print("\ngradcheck(cost, *params, report=True):")
    gradcheck(cost, *params, report=True)


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n")[0]).parse_args()
    check_1d()
    check_nd()


if __name__ == "__main__":
    main()
