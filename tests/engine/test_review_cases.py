"""Cases an adversarial read of the new engine found (all were wrong in the old one too): a second
derivative through a recorded in-place op, `grad()` running ops no input depends on, numpy arrays
given as keywords, int results of a user's Function, Tensor subclasses' dtype promotion, and
comparisons cast to the tensor's dtype."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Function, Tensor, grad, no_grad

A, X = np.array([1.5, 2.0]), np.array([0.7, 1.3])


def _second_order(op: str) -> list[np.ndarray]:
    """d/da and d/dx of (dJ/da + dJ/dx) for J = sum(h^2), h = a * 1 then `h op= x` in place."""
    a, x = Tensor(A, requires_grad=True), Tensor(X, requires_grad=True)
    h = a * 1.0
    if op == "*=":
        h *= x
    elif op == "/=":
        h /= x
    elif op == "**=":
        h **= x
    else:
        h += x
    ga, gx = grad((h * h).sum(), [a, x], create_graph=True)
    return [g.data for g in grad((ga + gx).sum(), [a, x])]


def _second_order_out_of_place(op: str) -> list[np.ndarray]:
    """The same with `h = h op x`: the reference, computed in the same run."""
    a, x = Tensor(A, requires_grad=True), Tensor(X, requires_grad=True)
    h = a * 1.0
    h = {"*=": h * x, "/=": h / x, "**=": h**x, "+=": h + x}[op]
    ga, gx = grad((h * h).sum(), [a, x], create_graph=True)
    return [g.data for g in grad((ga + gx).sum(), [a, x])]


@pytest.mark.parametrize("op", ["+=", "*=", "/=", "**="])
def test_a_second_derivative_through_a_recorded_in_place_op(op: str) -> None:
    # the op's saved input (a copy of the old values) and saved output stand for `old` and `h`, so
    # the gradient's graph runs through them: before, they were constants and d/da was wrong
    for ours, reference in zip(_second_order(op), _second_order_out_of_place(op), strict=True):
        np.testing.assert_allclose(ours, reference, rtol=1e-12)


def test_grad_of_a_non_leaf_runs_no_op_below_it() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    (g,) = grad((h * h).sum(), h)
    np.testing.assert_allclose(g.data, 2 * np.exp([1.0, 2.0]))
    h.sum().backward()  # Exp was not run by grad(), so its saved values are still there
    np.testing.assert_allclose(x.grad.data, np.exp([1.0, 2.0]))


def test_grad_ignores_a_change_below_its_inputs() -> None:
    x, w = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    h = x * w
    J = (h * 3).sum()
    with no_grad():
        w += 1  # Mul (below h) saved w: it would refuse to run, and it need not
    np.testing.assert_array_equal(grad(J, h, retain_graph=True)[0].data, [3.0, 3.0])
    with pytest.raises(RuntimeError, match="modified in place"):
        J.backward()  # the full backward does need Mul, and refuses


class _Scale(Function):
    """out = a * w for a numpy array w given as a keyword.    d(out)/da = w."""

    @staticmethod
    def forward(ctx, a, w=None):
        ctx.save_for_backward(w)
        return a * w

    @staticmethod
    def backward(ctx, grad):
        (w,) = ctx.saved_tensors
        return grad * w


def test_a_numpy_array_given_as_a_keyword_is_kept_as_it_was() -> None:
    x, w = Tensor([1.0, 2.0], requires_grad=True), np.array([3.0, 4.0])
    y = _Scale.apply(x, w=w)
    w[:] = 100.0  # the caller's array changes before backward
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


class _Mask(Function):
    """out = 1 where a > 1 else 0, as ints.    No gradient (an int result)."""

    @staticmethod
    def forward(ctx, a):
        return (a > 1).astype(int)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


def test_an_int_result_records_no_history() -> None:
    r = _Mask.apply(Tensor([1.0, 2.0], requires_grad=True))
    assert r.dtype == np.int64 and not r.requires_grad and r.grad_fn is None


class _Sub(Tensor):
    pass


def test_a_tensor_subclass_follows_the_dtype_promotion() -> None:
    a = _Sub(np.ones(3, np.float32), requires_grad=True)
    b = Tensor(2.0)  # 0-d float64: does not change a float32 tensor's dtype (PyTorch's rule)
    assert (
        (a * b).dtype == np.float32 and (b * a).dtype == np.float32 and (a + b).dtype == np.float32
    )


def test_comparisons_use_numpys_promotion() -> None:
    t = Tensor(np.array([0.1], np.float32))
    assert not (t == np.array([0.1])).numpy().any()  # float32 0.1 is not float64 0.1
    np.testing.assert_array_equal((t == np.float32(0.1)).numpy(), [True])
    assert (Tensor([16777217.0]) == np.array([16777217])).numpy().all()


def test_an_int_too_large_for_an_in_place_op_names_the_op() -> None:
    t = Tensor([1.0, 2.0])
    with pytest.raises(ValueError, match=r"\+=: .* is too large for a float64 tensor"):
        t += 10**400


def test_an_in_place_op_after_an_op_that_saved_its_output_keeps_the_old_values() -> None:
    # exp saved its output, and `y += 1` writes over it: exp's backward gets the old values
    # (PyTorch raises here instead; either way no wrong number comes out)
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    y += 1.0
    (y * y).sum().backward()
    np.testing.assert_allclose(x.grad.data, 2 * (np.exp([1.0, 2.0]) + 1) * np.exp([1.0, 2.0]))
