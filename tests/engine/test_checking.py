"""Checking mode (engine/checking.py) catches a built-in op that breaks a rule of ops/base.py.

The backward sweep trusts built-in ops: it skips the comparison of a gradient's shape with its
input's, and it may add later gradients in place into an array a built-in op returned. These tests
prove that:

- the suite runs with checking mode on (tests/conftest.py);
- a deliberately broken built-in op, one per rule (a wrong shape, another dtype, a saved array
  instead of a fresh one, not a numpy array), makes backward raise under the mode, naming the op,
  the input and the rule;
- with the mode off the same ops give the silent wrong results of issue 13 (a (1,) gradient
  for a (3,) input; a saved output changed in place by backward): this is why the mode is on;
- correct built-in ops pass (Exp, `x + x` handing one array to both inputs, Sum's broadcast
  view, numpy's scalar for a 0-d input);
- users' own Functions are not checked by the hook but by the sweep itself, mode or no mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from tinygrad_edu import Function, Tensor
from tinygrad_edu.engine import checking
from tinygrad_edu.engine import function as engine
from tinygrad_edu.ops.base import Op

E1, E2 = np.exp(1.0), np.exp(2.0)


@pytest.fixture
def checking_off() -> Iterator[None]:
    """Checking mode off for one test, restored afterwards even when the test fails."""
    was_on = checking.is_enabled()
    checking.disable()
    try:
        yield
    finally:
        if was_on:
            checking.enable()


class _Exp(Op):
    """out = e^a.    d(out)/da = out."""

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out


class WrongShapeExp(_Exp):
    """out = e^a.    d(out)/da = out, but summed to shape (1,)."""

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return (grad * out).sum(keepdims=True)


class Float32Exp(_Exp):
    """out = e^a.    d(out)/da = out, but in float32."""

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return (grad * out).astype(np.float32)


class SavedOutputExp(_Exp):
    """out = e^a.    d(out)/da = out, returned as the saved array itself (right only for a
    gradient of ones, and not a fresh array)."""

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return out


class InputArrayIdentity(Op):
    """out = a * 1.    d(out)/da = 1, returned as the input's own array (right only for a = 1)."""

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        ctx.save_for_backward(a)
        return a * 1.0

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (a,) = ctx.saved_tensors
        return a


class KeptMaskRelu(Op):
    """out = max(0, a).    d(out)/da = 1 where a > 0, returned as the mask the op kept on ctx
    (right only for a gradient of ones, and not a fresh array)."""

    @staticmethod
    def forward(ctx, a):
        ctx.mask = (a > 0).astype(a.dtype)
        return a * ctx.mask

    @staticmethod
    def backward(ctx, grad):
        return ctx.mask


class ListExp(_Exp):
    """out = e^a.    d(out)/da = out, returned as a Python list."""

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> list:
        (out,) = ctx.saved_tensors
        return (grad * out).tolist()


class NumpyScalarExp(_Exp):
    """out = e^a.    d(out)/da = out, returned as numpy's scalar (np.float64) whatever the shape."""

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.float64:
        (out,) = ctx.saved_tensors
        return np.float64((grad * out).flat[0])


def _contract_error(fn: Any) -> str:
    with pytest.raises(AssertionError) as info:
        fn()
    return str(info.value)


def test_the_suite_runs_with_checking_mode_on() -> None:
    assert checking.is_enabled()
    assert engine.backward_hooks.count(checking.check_backward) == 1


def test_enable_and_disable_add_and_remove_the_hook_once() -> None:
    try:
        checking.disable()
        checking.disable()
        assert not checking.is_enabled()
        assert checking.check_backward not in engine.backward_hooks
        checking.enable()
        checking.enable()
        assert checking.is_enabled()
        assert engine.backward_hooks.count(checking.check_backward) == 1
    finally:
        checking.enable()


# --- each rule broken: an error under checking mode -------------------------------------------------


def test_a_wrong_shape_raises_naming_the_op_the_input_and_both_shapes() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    msg = _contract_error(lambda: WrongShapeExp.apply(x).sum().backward())
    assert msg.startswith("WrongShapeExp.backward, the gradient of input 0: shape (1,)")
    assert "for an input of shape (3,)" in msg
    assert x.grad is None  # nothing was written


def test_another_dtype_raises_naming_the_op_the_input_and_both_dtypes() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert x.dtype == np.float64
    msg = _contract_error(lambda: Float32Exp.apply(x).sum().backward())
    assert msg.startswith("Float32Exp.backward, the gradient of input 0:")
    assert "dtype float32, for an input of shape (3,) and dtype float64" in msg
    assert x.grad is None


@pytest.mark.parametrize(
    ("op", "what"),
    [
        (SavedOutputExp, "the saved output"),
        (InputArrayIdentity, "the input"),
        (KeptMaskRelu, "an array kept on ctx"),
    ],
)
def test_a_saved_or_input_array_instead_of_a_fresh_one_raises(op: type[Op], what: str) -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    s = x.sum()
    y = op.apply(x)
    before = y.numpy().copy(), x.numpy().copy()
    msg = _contract_error(lambda: (y.sum() + s).backward())
    assert msg.startswith(f"{op.__name__}.backward, the gradient of input 0:"), what
    assert "the array of a saved value or of an input, not a fresh one" in msg
    assert "in place" in msg
    np.testing.assert_array_equal(y.numpy(), before[0])  # raised before anything was added
    np.testing.assert_array_equal(x.numpy(), before[1])


@pytest.mark.parametrize(
    ("op", "shape", "kind"),
    [(ListExp, (3,), "a list"), (NumpyScalarExp, (3,), "a float64")],
)
def test_not_a_numpy_array_raises_naming_the_type(op: type[Op], shape: tuple, kind: str) -> None:
    x = Tensor(np.ones(shape), requires_grad=True)
    msg = _contract_error(lambda: op.apply(x).sum().backward())
    assert msg == f"{op.__name__}.backward, the gradient of input 0: {kind}, not a numpy array"


# --- the same ops with checking mode off: the silent wrong results the mode exists for --------------


def test_without_the_mode_a_wrong_shape_is_accepted_silently(checking_off: None) -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    WrongShapeExp.apply(x).sum().backward()  # no error
    assert x.grad.shape == (1,)  # for a (3,) input, as issue 13 measured
    np.testing.assert_allclose(x.grad.numpy(), [np.exp([1.0, 2.0, 3.0]).sum()])


def test_without_the_mode_backward_adds_into_the_saved_output(checking_off: None) -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    # a second consumer of x, whose gradient (ones, a fresh array: the sum's own would be a
    # broadcast view, and a gradient of another layout is summed out of place) arrives after Exp's
    s = (x * 1.0).sum()
    y = SavedOutputExp.apply(x)
    np.testing.assert_allclose(y.numpy(), [E1, E2])
    (y.sum() + s).backward()  # no error
    np.testing.assert_allclose(y.numpy(), [E1 + 1, E2 + 1])  # y changed: 2.718 -> 3.718
    assert np.shares_memory(x.grad.numpy(), y.numpy())  # x.grad is y's own array


def test_without_the_mode_backward_adds_into_the_input(checking_off: None) -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    s = (x * 1.0).sum()  # a fresh gradient of x's layout, as above
    y = InputArrayIdentity.apply(x)
    (y.sum() + s).backward()
    np.testing.assert_array_equal(x.numpy(), [2.0, 3.0])  # x itself changed by backward


@pytest.mark.parametrize("op", [Float32Exp, ListExp])
def test_without_the_mode_the_sweep_converts_another_dtype_or_a_list(
    checking_off: None, op: type[Op]
) -> None:
    """Not silent errors: the sweep converts these (the rules keep built-ins on the fast path)."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    op.apply(x).sum().backward()
    assert type(x.grad.numpy()) is np.ndarray and x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.numpy(), [E1, E2], rtol=1e-6)


# --- correct built-in ops pass ----------------------------------------------------------------------


def test_the_real_exp_passes() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    s = x.sum()
    (y.sum() + s).backward()
    np.testing.assert_allclose(x.grad.numpy(), [E1 + 1, E2 + 1])
    np.testing.assert_allclose(y.numpy(), [E1, E2])  # the saved output is untouched


def test_add_handing_one_array_to_both_inputs_passes() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x + x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


def test_sums_broadcast_view_passes() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    z = x * 2.0
    z.sum(axis=1).sum().backward()  # Sum hands back a broadcast view of its incoming gradient
    np.testing.assert_array_equal(x.grad.numpy(), np.full((2, 3), 2.0))
    np.testing.assert_array_equal(x.numpy(), np.arange(6.0).reshape(2, 3))


def test_numpys_scalar_for_a_0d_input_passes_and_becomes_an_array() -> None:
    x = Tensor(1.0, requires_grad=True)
    NumpyScalarExp.apply(x).backward()
    assert type(x.grad.numpy()) is np.ndarray and x.grad.shape == ()
    np.testing.assert_allclose(x.grad.numpy(), E1)
    x.grad = None
    x.exp().backward()  # the real Exp: grad * out of two 0-d arrays is numpy's scalar too
    np.testing.assert_allclose(x.grad.numpy(), E1)


def test_the_incoming_gradient_itself_passes_whatever_array_it_is() -> None:
    """The rule allows passing `grad` on (the sweep never adds into it): the check exempts it even
    when it is the op's saved array, and flags that same array when it is not the incoming one."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    ctx = x.exp().grad_fn
    (out,) = ctx._saved
    checking.check_backward(ctx, out, (out,))  # no error: the incoming gradient passed on
    msg = _contract_error(lambda: checking.check_backward(ctx, np.ones(2), (out,)))
    assert msg.startswith("Exp.backward, the gradient of input 0:") and "not a fresh one" in msg


# --- users' own Functions: checked by the sweep, not by the hook ------------------------------------


class UserWrongShape(Function):
    """out = e^a.    d(out)/da = out, summed to shape (1,): a user's mistake."""

    @staticmethod
    def forward(ctx: Any, a: np.ndarray) -> np.ndarray:
        out = np.exp(a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return (grad * out).sum(keepdims=True)


class UserSavedOutput(UserWrongShape):
    """out = e^a.    d(out)/da = out, returned as the saved array itself."""

    @staticmethod
    def backward(ctx: Any, grad: np.ndarray) -> np.ndarray:
        (out,) = ctx.saved_tensors
        return out


def _user_shape_error() -> str:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        UserWrongShape.apply(x).sum().backward()
    assert x.grad is None
    return str(info.value)


def test_the_hook_leaves_a_users_function_alone() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = UserWrongShape.apply(x)
    assert not y.grad_fn._builtin
    checking.check_backward(y.grad_fn, np.ones(3), (np.ones(1),))  # no error: not a built-in


def test_a_users_wrong_shape_raises_the_sweeps_error_with_the_mode_on() -> None:
    assert checking.is_enabled()
    assert _user_shape_error() == (
        "UserWrongShape.backward returned a gradient of shape (1,) for an input of shape (3,); "
        "each gradient must have its input's shape"
    )


def test_a_users_wrong_shape_raises_the_sweeps_error_with_the_mode_off(
    checking_off: None,
) -> None:
    assert not checking.is_enabled()
    assert _user_shape_error().startswith(
        "UserWrongShape.backward returned a gradient of shape (1,) for an input of shape (3,)"
    )


def test_the_sweep_never_adds_into_a_users_array_even_with_the_mode_off(
    checking_off: None,
) -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    s = x.sum()
    y = UserSavedOutput.apply(x)
    (y.sum() + s).backward()
    np.testing.assert_allclose(y.numpy(), [E1, E2])  # unchanged: a user's array is never owned
    np.testing.assert_allclose(x.grad.numpy(), [E1 + 1, E2 + 1])


class TwoGradientsExp(_Exp):
    """out = e^a.    d(out)/da = out, returned twice for one input."""

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out, grad * out


def test_a_wrong_number_of_gradients_raises_naming_the_op() -> None:
    # the sweep counts only a user's op's gradients: a built-in op's count is this mode's to check
    x = Tensor([1.0, 2.0], requires_grad=True)
    msg = _contract_error(lambda: TwoGradientsExp.apply(x).sum().backward())
    assert msg.startswith("TwoGradientsExp.backward returned 2 gradients for 1 inputs")
