"""gradcheck names the op whose backward is wrong (`locate_wrong_op`), checking every op of the
graph alone on the values it saw."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.support.custom_ops import Cube
from tinygrad_edu import Function, GradcheckError, Tensor, gradcheck
from tinygrad_edu.autograd.gradcheck import WrongOp, locate_wrong_op
from tinygrad_edu.ops import MatMul


class WrongCube(Cube):
    """y = x^3 with a wrong derivative 2x^2 (the exponent rule done halfway)."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x**2 * grad


class WrongForB(Function):
    """out = a * b; the gradient of a is right, the gradient of b is 1.5 times too large."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, 1.5 * grad * a


def twenty_ops(X: Tensor, W1: Tensor, b1: Tensor, W2: Tensor, cube: type[Function]) -> Tensor:
    """A two-layer net with extras: 20 recorded ops, `cube` the 9th."""
    Z1 = W1 @ X  # 1 matmul                       (5, 4)
    Z1 = Z1 + b1  # 2 add (broadcast)
    A1 = Z1.tanh()  # 3
    H = A1 * 0.8  # 4 mul
    H = H.exp()  # 5
    H = H.reshape(4, 5)  # 6
    H = H.T  # 7 transpose                        (5, 4)
    H = H - 1.0  # 8 sub
    C = cube.apply(H)  # 9 the op under test
    Z2 = W2 @ C  # 10 matmul                      (2, 4)
    A2 = Z2.sigmoid()  # 11
    L = A2.log()  # 12
    M = L.mean(axis=0, keepdims=True)  # 13      (1, 4)
    N = M * M  # 14 mul (one tensor twice)
    P = N + 1.0  # 15 add
    Q = P / 2.0  # 16 div
    R = Q.relu()  # 17
    S = R.max(axis=1)  # 18                        (1,)
    T = -S  # 19 neg
    return T.sum()  # 20


def net_inputs(seed: int = 0) -> tuple[Tensor, ...]:
    rng = np.random.default_rng(seed)
    X = Tensor(rng.standard_normal((3, 4)), name="X")  # data: no gradient
    W1 = Tensor(rng.standard_normal((5, 3)), requires_grad=True, name="W1")
    b1 = Tensor(rng.standard_normal((5, 1)), requires_grad=True, name="b1")
    W2 = Tensor(rng.standard_normal((2, 5)), requires_grad=True, name="W2")
    return X, W1, b1, W2


def test_gradcheck_names_the_wrong_op_in_a_20_op_graph() -> None:
    inputs = net_inputs()
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda *xs: twenty_ops(*xs, cube=WrongCube), *inputs)
    msg = str(info.value)
    end_to_end, localized = msg.split("\n")
    assert end_to_end.startswith("gradcheck: the gradient of input 1 'W1' (shape (5, 3))")
    assert localized.startswith("The op at fault: WrongCube, op 9 of 20 in forward order")
    assert "input shape (5, 4)" in localized
    assert "for its input 0" in localized
    assert "test_gradcheck_localize.py" in localized and "C = cube.apply(H)" in localized


def test_locate_wrong_op_gives_the_op_its_place_and_the_difference() -> None:
    wrong = locate_wrong_op(lambda *xs: twenty_ops(*xs, cube=WrongCube), *net_inputs())
    assert isinstance(wrong, WrongOp)
    assert wrong.op is WrongCube and wrong.label == "WrongCube"
    assert (wrong.position, wrong.n_ops, wrong.input_index) == (9, 20, 0)
    assert wrong.input_shapes == ((5, 4),)
    # backward gives 2x^2 R where the truth is 3x^2 R, at every element
    assert wrong.backward == pytest.approx(2 / 3 * wrong.numerical, rel=1e-6)
    assert wrong.max_diff == pytest.approx(abs(wrong.backward - wrong.numerical))
    assert wrong.max_diff > 1e-3


def test_a_correct_graph_passes_and_no_op_is_blamed() -> None:
    inputs = net_inputs()
    assert gradcheck(lambda *xs: twenty_ops(*xs, cube=Cube), *inputs) is True
    assert locate_wrong_op(lambda *xs: twenty_ops(*xs, cube=Cube), *inputs) is None
    assert all(t.grad is None for t in inputs)


def test_the_wrong_op_first_in_forward_order() -> None:
    W = Tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)

    def fn(W: Tensor) -> Tensor:
        return (WrongCube.apply(W).tanh() * 2.0 + 1.0).exp().sum()

    wrong = locate_wrong_op(fn, W)
    assert wrong is not None and (wrong.op, wrong.position, wrong.n_ops) == (WrongCube, 1, 6)
    with pytest.raises(GradcheckError, match="WrongCube, op 1 of 6 in forward order"):
        gradcheck(fn, W)


def test_the_wrong_op_last_in_forward_order() -> None:
    x = Tensor(np.linspace(0.1, 0.9, 5), requires_grad=True)

    def fn(x: Tensor) -> Tensor:
        return WrongCube.apply((x.sigmoid() * x).sum())  # a 0-d input

    wrong = locate_wrong_op(fn, x)
    assert wrong is not None and (wrong.position, wrong.n_ops) == (4, 4)
    assert wrong.input_shapes == ((),) and wrong.index == ()
    with pytest.raises(GradcheckError, match=r"WrongCube, op 4 of 4 .*; input shape \(\)"):
        gradcheck(fn, x)


def test_a_wrong_gradient_for_one_of_two_inputs_names_that_input() -> None:
    a = Tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    b = Tensor([[1.0, -0.5, 0.25]], requires_grad=True)

    def fn(a: Tensor, b: Tensor) -> Tensor:
        return WrongForB.apply(a.tanh(), (b * 0.5).exp()).sum()

    wrong = locate_wrong_op(fn, a, b)
    assert wrong is not None and wrong.op is WrongForB
    assert (wrong.position, wrong.n_ops, wrong.input_index) == (4, 5, 1)
    assert wrong.input_shapes == ((1, 3), (1, 3))
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, a, b)
    msg = str(info.value)
    assert "input 1 (shape (1, 3))" in msg.split("\n")[0]  # end to end: only b is wrong
    assert "for its input 1 " in msg and "input shapes (1, 3), (1, 3)" in msg


def test_a_wrong_gradient_nobody_needs_is_not_blamed() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, -4.0])  # a constant: its wrong gradient is never computed nor used
    assert locate_wrong_op(lambda a, b: WrongForB.apply(a, b).sum(), a, b) is None
    # nor when the wrong input does need a gradient, but not from any input being checked
    w = Tensor([0.5, 0.5], requires_grad=True)
    assert locate_wrong_op(lambda a: WrongForB.apply(a, w).sum(), a) is None


def test_a_failure_at_a_kink_blames_no_op() -> None:
    # relu at 5e-7: within eps of its kink, central differences give 0.75, backward 1 (end to end
    # that is a failure). relu alone is checked leniently there, between its one-sided slopes.
    x = Tensor([5e-7, 1.0, -2.0], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: (t.relu() * 3.0).sum(), x)
    msg = str(info.value)
    assert "index (0,)" in msg
    assert "No single op is at fault" in msg and "of the 3 ops" in msg
    assert locate_wrong_op(lambda t: (t.relu() * 3.0).sum(), x) is None


def test_ops_exactly_at_their_kinks_are_not_blamed() -> None:
    x = Tensor([[0.0, 1.0, 1.0], [-2.0, 0.0, 0.0]], requires_grad=True)  # zeros and ties

    def fn(x: Tensor) -> Tensor:
        return (x.relu() + x.abs() + x.max(axis=1, keepdims=True) * x).sum()

    assert locate_wrong_op(fn, x) is None


class ReLUWithSlope(Function):
    """relu, whose backward gives `slope_at_0` at exactly 0 and `slope` for x > 0."""

    slope, slope_at_0 = 1.0, 0.0

    @classmethod
    def forward(cls, ctx, x):
        ctx.save_for_backward(x)
        return np.maximum(x, 0)

    @classmethod
    def backward(cls, ctx, grad):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, cls.slope, np.where(x == 0, cls.slope_at_0, 0.0)) * grad


def test_any_slope_between_the_two_sides_of_a_kink_is_accepted() -> None:
    class HalfAtZero(ReLUWithSlope):
        slope_at_0 = 0.5  # a valid subgradient of relu at 0, as 0 and 1 are

    x = Tensor([0.0, 1.0, -1.0], requires_grad=True)
    assert locate_wrong_op(lambda t: HalfAtZero.apply(t).sum(), x) is None


def test_a_wrong_op_with_a_kink_is_still_found() -> None:
    class DoubleSlope(ReLUWithSlope):
        slope = 2.0  # wrong for x > 0, right (0) at the kink

    class BeyondTheKink(ReLUWithSlope):
        slope_at_0 = 1.5  # right for x != 0; at 0 outside [0, 1], the slopes of the two sides

    x = Tensor([0.0, 1.0, -1.0], requires_grad=True)
    wrong = locate_wrong_op(lambda t: DoubleSlope.apply(t).sum(), x)
    assert wrong is not None and wrong.index == (1,)
    wrong = locate_wrong_op(lambda t: BeyondTheKink.apply(t).sum(), x)
    assert wrong is not None and wrong.index == (0,)


def test_built_in_ops_show_name_and_class() -> None:
    class WrongMatMul(MatMul):  # keeps the built-in's `name`
        @staticmethod
        def backward(ctx, grad):
            ga, gb = MatMul.backward(ctx, grad)
            return ga, None if gb is None else -gb

    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    wrong = locate_wrong_op(lambda a, b: WrongMatMul.apply(a, b).tanh().sum(), a, b)
    assert wrong is not None and wrong.label == "WrongMatMul (matmul)" and wrong.input_index == 1


def test_locate_wrong_op_leaves_inputs_untouched() -> None:
    inputs = net_inputs()
    before = [t.numpy().copy() for t in inputs]
    locate_wrong_op(lambda *xs: twenty_ops(*xs, cube=WrongCube), *inputs)
    for t, b in zip(inputs, before, strict=True):
        assert t.grad is None and t.numpy().tobytes() == b.tobytes()


# Values on a grid of quarters: exact zeros and exact ties come up often, so relu, abs and max are
# often exactly at their kinks; never may a built-in op be blamed.
_grid = st.integers(-8, 8).map(lambda k: k / 4)


@settings(max_examples=15)
@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=3), elements=_grid),
    st.integers(1, 3),
    st.integers(0, 2**16),
)
def test_built_in_ops_are_never_blamed_in_a_correct_graph(x: np.ndarray, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    X = Tensor(x, requires_grad=True)
    W = Tensor(rng.standard_normal((k, x.shape[0])), requires_grad=True)

    def fn(X: Tensor, W: Tensor) -> Tensor:
        Z = (W @ X).relu() + (X * X).sum(axis=0, keepdims=True)
        A = (Z.sigmoid() * X.abs().max(axis=0, keepdims=True)).tanh()
        return (A.reshape(-1).exp() - X.max()).mean()

    assert locate_wrong_op(fn, X, W, seed=seed) is None
