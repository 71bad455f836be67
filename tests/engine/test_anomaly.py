"""`detect_anomaly()`: the first op whose forward or backward makes NaN or inf raises, naming the op,
its input shapes and value ranges, and the user's line (API contract, "Autograd")."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import tinygrad_edu
from tinygrad_edu import AnomalyError, Function, Tensor, detect_anomaly, nn, no_grad
from tinygrad_edu.engine import function as engine
from tinygrad_edu.engine.anomaly import is_anomaly_enabled

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's log(0) and 1/0


def _message(fn: object) -> str:
    with pytest.raises(AnomalyError) as info:
        fn()  # type: ignore[operator]
    return str(info.value)


def test_log_of_zero_in_the_cost_names_log_the_values_and_the_line() -> None:
    """The course's classic: a sigmoid that saturates to exactly 1 makes log(1 - A) = log(0)."""
    A = Tensor([[0.5, 1.0, 0.97, 0.2]], requires_grad=True)
    Y = Tensor([[1.0, 0.0, 1.0, 0.0]])

    def cost() -> None:
        with detect_anomaly():
            -(Y * A.log() + (1 - Y) * (1 - A).log()).mean()  # the cost line

    msg = _message(cost)
    assert msg.startswith("detect_anomaly: Log.forward produced -inf at 1 of 4 elements")
    assert "inputs: (1, 4) in [0, 0.8]" in msg  # 1 - A: its shape and value range
    assert "test_anomaly.py:" in msg and "-(Y * A.log() + (1 - Y) * (1 - A).log()).mean()" in msg
    assert "Hint: log(0) is -inf" in msg


def test_without_the_mode_nan_and_inf_flow_as_in_numpy() -> None:
    with np.errstate(divide="ignore"):
        y = Tensor([0.0, 1.0]).log()
    np.testing.assert_array_equal(y.numpy(), [-np.inf, 0.0])


def test_backward_names_the_op_and_the_line_that_created_it() -> None:
    x = Tensor([0.0, 4.0], requires_grad=True)
    with detect_anomaly():
        y = x.sqrt()  # finite: sqrt(0) = 0
        msg = _message(lambda: y.sum().backward())
    assert msg.startswith("detect_anomaly: Sqrt.backward produced inf at 1 of 2 elements")
    assert "gradient of input 0" in msg and "incoming gradient: (2,) in [1, 1]" in msg
    assert "inputs: (2,) in [0, 4]" in msg
    assert "created at tests/engine/test_anomaly.py:" in msg and "y = x.sqrt()" in msg
    assert x.grad is None  # nothing was written


def test_backward_of_ops_recorded_before_the_mode_says_so() -> None:
    x = Tensor([0.0, 4.0], requires_grad=True)
    y = x.sqrt().sum()
    with detect_anomaly():
        msg = _message(y.backward)
    assert "Sqrt.backward" in msg and "recorded outside detect_anomaly()" in msg


def test_nan_counts_and_non_finite_inputs_are_described() -> None:
    x = Tensor([np.nan, 1.0, np.inf])
    msg = _message(lambda: _with_mode(lambda: x * 2))
    assert "Mul.forward produced nan at 1 and inf at 1 of 3 elements" in msg
    assert "inputs: (3,) in [1, 1] with nan at 1 and inf at 1 of 3 elements, 2" in msg


def _with_mode(fn: object) -> object:
    with detect_anomaly():
        return fn()  # type: ignore[operator]


def test_an_op_called_inside_a_layer_names_the_user_line_and_the_layer() -> None:
    # a class masked out with a -inf logit: log softmax is -inf there (the cost itself stays finite)
    Z = Tensor([[0.0, 1.0], [-np.inf, 2.0]])
    msg = _message(lambda: _with_mode(lambda: nn.cross_entropy(Z, [0, 1])))
    assert "LogSoftmax.forward produced -inf" in msg
    assert "test_anomaly.py:" in msg and "nn.cross_entropy(Z" in msg
    assert "through tinygrad_edu/nn/loss.py:" in msg and "in cross_entropy" in msg


def test_your_own_function_is_checked_too() -> None:
    class Reciprocal(Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return 1 / a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return -grad / a**2

    x = Tensor([0.0, 2.0], requires_grad=True)
    msg = _message(lambda: _with_mode(lambda: Reciprocal.apply(x)))
    assert msg.startswith("detect_anomaly: Reciprocal.forward produced inf at 1 of 2 elements")


def test_a_diverging_learning_rate_is_caught_at_the_first_overflow() -> None:
    """Logistic regression with the course's cost on A written out (nn.binary_cross_entropy clamps
    its logs at -100, as PyTorch) and a huge learning rate: within a few steps the sigmoid rounds to
    exactly 0 or 1 and the cost takes log(0)."""
    X = Tensor([[1.0, -2.0, 3.0, -4.0]])
    Y = Tensor([[1.0, 0.0, 0.0, 1.0]])
    model = nn.LogisticRegression(1)
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"Log\.forward produced -inf"):
        for _ in range(100):
            model.zero_grad()
            A = model(X)
            (-(Y * A.log() + (1 - Y) * (1 - A).log()).mean()).backward()
            with no_grad():
                for p in model.parameters():
                    p.data -= 1e4 * p.grad.data
    assert all(np.isfinite(p.data).all() for p in model.parameters())


def test_as_a_decorator_and_restored_after_an_exception() -> None:
    @detect_anomaly()
    def cost(x: Tensor) -> Tensor:
        assert is_anomaly_enabled()
        return x.log().sum()

    with pytest.raises(AnomalyError):
        cost(Tensor([0.0]))
    assert not is_anomaly_enabled()
    assert not engine.forward_hooks  # the engine's one check is off again
    assert cost(Tensor([1.0])).item() == 0.0


def test_nesting_and_switching_off_inside() -> None:
    with detect_anomaly():
        with detect_anomaly(False):
            assert not is_anomaly_enabled()
            with np.errstate(divide="ignore"):
                Tensor([0.0]).log()  # no error: the mode is off here
        assert is_anomaly_enabled()
        with pytest.raises(AnomalyError):
            Tensor([0.0]).log()
    assert not is_anomaly_enabled() and not engine.forward_hooks


def test_the_mode_is_per_thread() -> None:
    """A thread inside detect_anomaly() does not make another thread's log(0) raise."""
    inside, checked = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def worker() -> None:
        with detect_anomaly():
            inside.set()
            assert checked.wait(5)
            try:
                Tensor([0.0]).log()
            except AnomalyError:
                seen["worker raised"] = True

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    with np.errstate(divide="ignore"):
        seen["main"] = Tensor([0.0]).log().item()  # while the worker has the mode on
    seen["main mode"] = is_anomaly_enabled()
    checked.set()
    thread.join(5)
    assert seen == {"main": -np.inf, "main mode": False, "worker raised": True}
    assert not engine.forward_hooks


def test_exported_and_a_runtime_error() -> None:
    assert tinygrad_edu.detect_anomaly is detect_anomaly
    assert issubclass(AnomalyError, RuntimeError)
    assert "detect_anomaly" in tinygrad_edu.__all__ and "AnomalyError" in tinygrad_edu.__all__


def test_finite_programs_are_untouched() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with detect_anomaly():
        y = (x.sigmoid() @ x).log_softmax(axis=0).sum()
        y.backward()
    plain = Tensor(x.data, requires_grad=True)
    (plain.sigmoid() @ plain).log_softmax(axis=0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), plain.grad.numpy())
