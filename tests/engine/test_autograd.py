"""The "Autograd" section of the API contract: backward, accumulation, retain_graph/retain_grad,
grad mode (no_grad, per thread), detach, requires_grad rules, float32 end to end, no aliasing."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from tinygrad_edu.testing import arrays_in, broadcastable_tensors, shapes, tensors
from tinygrad_edu.testing.op_table import Domain


def course_graph() -> tuple[Tensor, Tensor, Tensor, Tensor]:
    a, b, c = (Tensor(v, requires_grad=True) for v in (5.0, 3.0, 2.0))
    return 3 * (a + b * c), a, b, c


def test_course_graph_values_and_gradients() -> None:
    """The course's graph: u = bc, v = a + u, J = 3v at a=5, b=3, c=2."""
    J, a, b, c = course_graph()
    assert J.item() == 33.0
    J.backward()
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)


def test_two_backward_calls_accumulate_with_retain_graph() -> None:
    J, a, b, c = course_graph()
    J.backward(retain_graph=True)
    J.backward()
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (6.0, 12.0, 18.0)


def test_two_graphs_accumulate_into_the_same_leaves() -> None:
    a, b, c = (Tensor(v, requires_grad=True) for v in (5.0, 3.0, 2.0))
    for _ in range(3):
        (3 * (a + b * c)).backward()
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (9.0, 18.0, 27.0)
    a.grad = None  # the user zeroes it; the next backward starts again
    (3 * (a + b * c)).backward()
    assert a.grad.item() == 3.0


def test_backward_through_a_freed_graph_names_retain_graph() -> None:
    J, *_ = course_graph()
    J.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        J.backward()


def test_grad_before_and_after_backward() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.grad is None
    (x * x).sum().backward()
    g = x.grad
    assert isinstance(g, Tensor)
    assert g.shape == x.shape and g.dtype == x.dtype
    assert not g.requires_grad and g.is_leaf
    np.testing.assert_array_equal(g.numpy(), 2 * x.numpy())


def test_non_leaves_get_no_grad_unless_retained() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    kept = x * 3
    kept.retain_grad()
    ((h + kept) ** 2).sum().backward()
    assert h.grad is None
    s = h + kept  # 5x
    np.testing.assert_allclose(kept.grad.numpy(), 2 * s.numpy())
    assert not h.is_leaf and not kept.is_leaf and x.is_leaf
    assert not kept.grad.requires_grad


def test_retain_grad_on_a_leaf_is_harmless() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    x.retain_grad()
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


@pytest.mark.parametrize("as_decorator", [False, True])
def test_no_grad_records_nothing(as_decorator: bool) -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)

    def predict() -> Tensor:
        return (w * 2 + 1).sigmoid()

    if as_decorator:
        out = no_grad()(predict)()
    else:
        with no_grad():
            assert not is_grad_enabled()
            out = predict()
    assert is_grad_enabled()
    assert out.is_leaf and not out.requires_grad and out.grad_fn is None
    assert (w * 2).requires_grad


def test_no_grad_restores_the_mode_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert is_grad_enabled()

    @no_grad()
    def fails() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        fails()
    assert is_grad_enabled()


def test_nested_modes() -> None:
    x = Tensor(1.0, requires_grad=True)
    with no_grad():
        with enable_grad():
            assert (x * 2).requires_grad
        assert not (x * 2).requires_grad
        with set_grad_enabled(True):
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_the_sgd_step_under_no_grad() -> None:
    w = Tensor([1.0, -1.0], requires_grad=True)
    (w * w).sum().backward()
    with no_grad():
        w.data -= 0.1 * w.grad.data
    np.testing.assert_allclose(w.numpy(), [0.8, -0.8])
    assert w.is_leaf and w.requires_grad


def test_grad_mode_is_per_thread() -> None:
    """A thread inside no_grad() does not stop another thread from recording."""
    x = Tensor([1.0, 2.0], requires_grad=True)
    inside, checked = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def worker() -> None:
        with no_grad():
            inside.set()
            assert checked.wait(5)
            seen["worker"] = (x * 2).requires_grad
        seen["worker after"] = (x * 2).requires_grad

    thread = threading.Thread(target=worker)
    thread.start()
    assert inside.wait(5)
    seen["main"] = (x * 2).requires_grad  # while the worker is inside no_grad
    seen["main mode"] = is_grad_enabled()
    checked.set()
    thread.join(5)
    assert seen == {"main": True, "main mode": True, "worker": False, "worker after": True}


def test_one_decorated_function_in_two_threads() -> None:
    """A `@no_grad()` function entered by two threads that leave in the other order: each thread
    gets its own mode back (the mode to restore is per thread, not per decorator)."""
    entered = {1: threading.Event(), 2: threading.Event()}
    leave = {1: threading.Event(), 2: threading.Event()}
    seen: dict[str, bool] = {}

    @no_grad()
    def work(k: int) -> None:
        entered[k].set()
        assert leave[k].wait(5)

    def first() -> None:
        with set_grad_enabled(False):
            work(1)
            seen["first, inside its own no_grad"] = is_grad_enabled()
        seen["first, after"] = is_grad_enabled()

    def second() -> None:
        work(2)
        seen["second, after"] = is_grad_enabled()

    t1, t2 = threading.Thread(target=first), threading.Thread(target=second)
    t1.start()
    assert entered[1].wait(5)
    t2.start()
    assert entered[2].wait(5)
    leave[1].set()
    t1.join(5)
    leave[2].set()
    t2.join(5)
    assert seen == {
        "first, inside its own no_grad": False,
        "first, after": True,
        "second, after": True,
    }


def test_detach() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    np.testing.assert_array_equal(d.numpy(), y.numpy())
    (d * x).sum().backward()  # no gradient flows through d
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 6.0])


def test_requires_grad_() -> None:
    x = Tensor([1.0, 2.0])
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    assert not (x * 2).requires_grad
    y = Tensor([1.0], requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad_(False)
    assert y.requires_grad


@given(st.lists(st.booleans(), min_size=2, max_size=2), st.booleans())
def test_result_requires_grad_rule(flags: list[bool], mode: bool) -> None:
    """A result requires grad when grad mode is on and some input it was made from requires it."""
    a = Tensor([1.0, 2.0], requires_grad=flags[0])
    b = Tensor([3.0, 4.0], requires_grad=flags[1])
    with set_grad_enabled(mode):
        results = [(a + b, 2), (a * b, 2), (a @ b, 2), ((a - b).tanh(), 2), (a[0], 1), (a.sum(), 1)]
        results += [(2.0 * b, "b"), (np.ones(2) - b, "b")]
    for out, uses in results:
        used = flags[1] if uses == "b" else any(flags[:uses])
        assert out.requires_grad == (mode and used)
        assert out.is_leaf == (not out.requires_grad)


@given(st.integers(2, 30))
def test_node_used_by_k_consumers_gets_the_sum(k: int) -> None:
    x = Tensor([1.0, -2.0, 0.5], requires_grad=True)
    y = x * 2
    total = y
    for _ in range(k - 1):
        total = total + y
    total.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 2.0 * k))


def test_x_plus_x_and_x_times_x() -> None:
    x = Tensor([1.0, 3.0], requires_grad=True)
    ((x + x) * 1.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 6.0])


def test_a_gradient_handed_on_unchanged_is_not_shared() -> None:
    """add hands its incoming gradient to both inputs; neither may add into it in place while the
    other still holds it, and two leaves never end up with one gradient array."""
    x = Tensor(-2.0, requires_grad=True)
    ((x + (x + x)) * 1.0).backward()
    assert x.grad.item() == 3.0
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    (((a + 0.0) + (b + 0.0)) * 1.5).sum().backward()
    assert not np.shares_memory(a.grad.data, b.grad.data)
    a.grad.data += 1.0
    np.testing.assert_array_equal(b.grad.numpy(), [1.5, 1.5])
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    s = a + (b + 0.0)
    (a * 2.0 + s * 1.0).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


@pytest.mark.parametrize(
    "fn",
    [
        lambda t: t.sum(),
        lambda t: (t * 2.0).sum(axis=0).sum(),
        lambda t: (t @ np.ones((3, 2))).sum(),
        lambda t: t.reshape(-1, 3).T.sum(),
    ],
)
def test_tensors_with_no_elements(fn: object) -> None:
    x = Tensor(np.ones((0, 3)), requires_grad=True)
    fn(x).backward()  # type: ignore[operator]
    assert x.grad.shape == (0, 3)


def test_backward_with_a_gradient_for_non_scalar_outputs() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * x
    g = np.array([[1.0, 0.0], [2.0, -1.0]])
    g_before = g.copy()
    y.backward(g)
    np.testing.assert_array_equal(x.grad.numpy(), 2 * x.numpy() * g)
    np.testing.assert_array_equal(g, g_before)
    z = x * 2
    z.backward(Tensor(np.ones((2, 2))))
    with pytest.raises(ValueError, match=r"\(3,\)"):
        (x * 2).backward(np.ones(3))


def test_backward_without_gradient_on_non_scalar_raises() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar.*\(2, 3\)|\(2, 3\).*scalar"):
        (x * 2).backward()


@pytest.mark.parametrize("shape", [(), (1,), (1, 1), (1, 1, 1)])
def test_backward_on_one_element_defaults_to_ones(shape: tuple[int, ...]) -> None:
    x = Tensor(np.full(shape, 2.0), requires_grad=True)
    (x * x * 3).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full(shape, 12.0))


def test_backward_on_a_tensor_without_grad_raises() -> None:
    with pytest.raises(RuntimeError, match=r"does not require grad"):
        Tensor(1.0).backward()
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_a_leaf_is_a_valid_start() -> None:
    x = Tensor([[1.0, 2.0]], requires_grad=True)
    x.backward(np.ones((1, 2)))
    np.testing.assert_array_equal(x.grad.numpy(), [[1.0, 1.0]])
    s = Tensor(4.0, requires_grad=True)
    s.backward()
    assert s.grad.item() == 1.0


def test_inputs_without_grad_get_no_grad() -> None:
    X = Tensor(np.arange(6.0).reshape(2, 3))
    W = Tensor(np.ones((1, 2)), requires_grad=True)
    (W @ X).sum().backward()
    assert X.grad is None
    np.testing.assert_array_equal(W.grad.numpy(), [[3.0, 12.0]])


def test_no_work_for_inputs_without_grad() -> None:
    """needs_input_grad tells an op which gradients nobody needs (the data X)."""
    from tinygrad_edu import Function

    calls: list[tuple[bool, ...]] = []

    class Spy(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            calls.append(ctx.needs_input_grad)
            return (grad if ctx.needs_input_grad[0] else None), None

    w = Tensor([1.0], requires_grad=True)
    Spy.apply(w, Tensor([2.0])).sum().backward()
    assert calls == [(True, False)]


@given(tensors(dtype=np.float32, requires_grad=True, max_side=3))
def test_float32_end_to_end(x: Tensor) -> None:
    w = Tensor(np.full(x.shape, 0.5, dtype=np.float32), requires_grad=True)
    steps = [x * w, x + 1.0, 2.0 - x, x / 3.0, x**2, (x * w).tanh(), x.sigmoid(), x.relu()]
    steps += [x.exp(), (x * x + 1.0).sqrt(), (x * x + 1.0).log(), x.leaky_relu(0.1), -x, abs(x)]
    steps += [x.sum(), x.mean(), x.max(), x.reshape(-1), x.transpose(), x[...], x * np.ones(3)[0]]
    if x.ndim:
        steps += [x.softmax(), x.log_softmax(), x.flatten() @ x.flatten()]
    for k, y in enumerate(steps):
        assert y.dtype == np.float32, f"step {k} gave {y.dtype}"
    total = steps[0].sum()
    for y in steps[1:]:
        total = total + y.sum()
    assert total.dtype == np.float32
    total.backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_float32_with_numpy_operands_and_course_net() -> None:
    X = Tensor(np.ones((3, 4)), dtype=np.float32)
    W = Tensor(np.full((2, 3), 0.1), dtype=np.float32, requires_grad=True)
    b = Tensor(np.zeros((2, 1)), dtype=np.float32, requires_grad=True)
    Z = W @ X + b
    A = (np.ones((2, 4)) * Z).tanh() + np.float64(1.0)
    assert Z.dtype == A.dtype == np.float32
    A.mean().backward()
    assert W.grad.dtype == b.grad.dtype == np.float32


# ----------------------------------------------------------------------------------------------
# No aliasing between the tensor and the caller's arrays


def test_caller_array_changes_do_not_reach_the_tensor() -> None:
    arr = np.array([1.0, 2.0])
    t = Tensor(arr, requires_grad=True)
    arr[0] = 100.0
    assert t.numpy()[0] == 1.0
    arr32 = np.array([1.0], dtype=np.float32)
    t32 = Tensor(arr32)
    arr32[0] = 5.0
    assert t32.item() == 1.0


def test_the_tensor_never_writes_into_the_caller_array() -> None:
    arr = np.array([1.0, 2.0])
    t = Tensor(arr, requires_grad=True)
    (t * t).sum().backward()
    t.data -= 0.5 * t.grad.data
    t.grad.data += 1.0
    np.testing.assert_array_equal(arr, [1.0, 2.0])
    other = Tensor(t)  # from another tensor: a copy too
    other.data += 1
    assert t.numpy()[0] == 0.0


@given(broadcastable_tensors(2, requires_grad=True, max_side=3))
def test_leaf_grads_are_separate_arrays(ab: tuple[Tensor, Tensor]) -> None:
    a, b = ab
    (a + b).sum().backward()
    assert a.grad is not b.grad
    assert not np.shares_memory(a.grad.data, b.grad.data)
    assert not np.shares_memory(a.grad.data, a.data)


@given(arrays_in(Domain(-2.0, 2.0), shapes(max_side=3)))
def test_second_backward_adds_into_the_same_grad(x: np.ndarray) -> None:
    t = Tensor(x, requires_grad=True)
    (t * 2.0).sum().backward()
    first = t.grad
    (t * 3.0).sum().backward()
    assert t.grad is first  # accumulated in place, as PyTorch
    np.testing.assert_array_equal(t.grad.numpy(), np.full(x.shape, 5.0))
    np.testing.assert_array_equal(t.numpy(), x)
