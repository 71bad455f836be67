"""No silent wrong answer: version counters, in-place updates as in PyTorch, and the small cases
where a learner's natural code used to get a wrong gradient or stop training without a word.

Each test states the PyTorch behaviour it reproduces: the same numbers, or the same kind of error.
"""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import (
    Tensor,
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    optim,
    set_grad_enabled,
)
from tinygrad_edu.engine.versions import increment_version

MODIFIED = "modified in place"


def two_layer() -> tuple[Tensor, Tensor, Tensor]:
    rng = np.random.RandomState(0)
    X = Tensor(rng.randn(3, 5))
    W1 = Tensor(rng.randn(4, 3), requires_grad=True, name="W1")
    W2 = Tensor(rng.randn(1, 4), requires_grad=True, name="W2")
    return X, W1, W2


# ---------------------------------------------------------------------- version counters


def _by_data(params: list[Tensor]) -> None:
    for p in params:
        p.data -= 0.5 * p.grad.data  # a learner's SGD step


UPDATES = {
    "SGD": lambda ps: optim.SGD(ps, lr=0.5).step(),
    "Momentum": lambda ps: optim.Momentum(ps, lr=0.5).step(),
    "RMSprop": lambda ps: optim.RMSprop(ps, lr=0.5).step(),
    "Adam": lambda ps: optim.Adam(ps, lr=0.5).step(),
    "data": _by_data,
}


@pytest.mark.parametrize("update", UPDATES.values(), ids=UPDATES.keys())
def test_backward_after_an_update_of_a_saved_parameter_raises(update) -> None:
    X, W1, W2 = two_layer()
    Z = W2 @ (W1 @ X).tanh()
    Z.sum().backward(retain_graph=True)
    update([W1, W2])  # W1.grad would have been computed with the new W2
    with pytest.raises(RuntimeError, match=MODIFIED) as info:
        Z.sum().backward()
    message = str(info.value)
    assert "MatMul" in message and "W2" in message and "(1, 4)" in message
    assert "version 1" in message and "version 0" in message
    assert "retain_graph does not protect" in message


def test_data_augmented_after_use_raises_instead_of_a_wrong_gradient() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    x.data += 10  # backward would have used the new x: [22, 24, 26] instead of [2, 4, 6]
    with pytest.raises(RuntimeError, match=r"Mul.backward: its input 0.*version 1.*version 0"):
        y.backward()


def test_data_assigned_bumps_the_version() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    assert x._version == 0
    x.data = np.zeros(2)
    assert x._version == 1
    y.sum().backward()  # exp saved its output, not x: still right
    np.testing.assert_allclose(x.grad.data, np.exp([1.0, 2.0]))
    z = (x * x).sum()  # saves x
    x.data = np.ones(2)
    with pytest.raises(RuntimeError, match=MODIFIED):
        z.backward()


def test_a_changed_saved_output_is_named() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.exp()
    with no_grad():
        y += 1
    with pytest.raises(RuntimeError, match=r"Exp.backward: its output, of shape \(2,\)"):
        y.sum().backward()


def test_an_unsaved_input_may_change_as_in_pytorch() -> None:
    # add saves nothing: its gradient does not depend on the values, so PyTorch runs it
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    with no_grad():
        x -= 5
    y.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_every_library_write_bumps_the_version() -> None:
    t = Tensor([1.0, 2.0], requires_grad=True)
    t.grad = Tensor([1.0, 1.0])
    versions = [t._version]
    optim.SGD([t], lr=0.1).step()
    versions.append(t._version)
    optim.Adam([t]).step()
    versions.append(t._version)
    with no_grad():
        t -= 1.0
        versions.append(t._version)
        t.zero_()
        versions.append(t._version)
        t.copy_(np.array([3.0, 4.0]))
        versions.append(t._version)
    assert versions == [0, 1, 2, 3, 4, 5]
    g = t.grad
    optim.SGD([t], lr=0.1).zero_grad(set_to_none=False)
    assert g._version == 1 and np.all(g.data == 0)


def test_load_state_dict_and_initializers_bump_the_version() -> None:
    from tinygrad_edu import nn

    layer = nn.Linear(3, 2, seed=0)
    A = Tensor(np.ones((3, 4)))
    Z = layer(A)
    layer.load_state_dict({"W": np.zeros((2, 3)), "b": np.zeros((2, 1))})
    with pytest.raises(RuntimeError, match=MODIFIED):
        Z.sum().backward()
    before = layer.W._version
    nn.init.he_(layer, seed=1)
    assert layer.W._version == before + 1


def test_views_and_detach_share_the_version_of_their_base() -> None:
    x = Tensor(np.arange(6.0), requires_grad=True)
    y = (x * x).sum()  # saves x
    v = x.reshape(2, 3)
    with no_grad():
        v += 1  # writes x's memory
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()
    d = x.detach()
    assert d._version == x._version
    d.data += 1
    assert x._version == d._version


def test_increment_version_is_the_escape_hatch_for_raw_writes() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    x.data[0] = 5.0  # a raw write: not seen, as in PyTorch
    increment_version(x)  # ...unless the writer says so
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


# ---------------------------------------------------------------------- in-place operators


def test_no_grad_update_loop_trains_exactly_like_sgd() -> None:
    from tinygrad_edu import nn
    from tinygrad_edu.data import flower

    X, Y = flower()
    X, Y = Tensor(X), Tensor(Y)
    a = nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2)
    b = nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2)
    sgd = optim.SGD(b.parameters(), lr=1.2)
    params_a = list(a.parameters())
    for _ in range(30):
        nn.binary_cross_entropy_with_logits(a.logits(X), Y).backward()
        with no_grad():
            for w in params_a:
                w -= 1.2 * w.grad
                w.grad = None
        sgd.zero_grad()
        nn.binary_cross_entropy_with_logits(b.logits(X), Y).backward()
        sgd.step()
    assert [name for name, _ in a.named_parameters()] == [n for n, _ in b.named_parameters()]
    for (name, w), (_, v) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        assert w.requires_grad and w.is_leaf, name
        np.testing.assert_array_equal(w.data, v.data)
    assert len(a.state_dict()) == 4


def test_in_place_on_a_leaf_that_requires_grad_raises_as_in_pytorch() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    for update in ("__iadd__", "__isub__", "__imul__", "__itruediv__"):
        with pytest.raises(RuntimeError, match=r"'w' is a leaf that requires grad.*no_grad"):
            getattr(w, update)(2.0)
    assert w.is_leaf and w._version == 0
    np.testing.assert_array_equal(w.data, [1.0, 2.0])
    for method in ("zero_", "copy_"):
        with pytest.raises(RuntimeError, match="requires grad"):
            getattr(w, method)(*([] if method == "zero_" else [[0.0, 0.0]]))


def test_in_place_keeps_the_tensor_and_its_dtype() -> None:
    t = Tensor([1.0, 2.0], dtype=np.float32)
    same = t
    t *= Tensor([2.0, 2.0])  # float64 into float32, in place: stays float32 (PyTorch too)
    assert t is same and t.dtype == np.float32
    np.testing.assert_array_equal(t.data, [2.0, 4.0])
    t /= 4
    t -= np.array([0.5, 0.0])
    np.testing.assert_array_equal(t.data, [0.0, 1.0])
    assert t._version == 3


def test_in_place_cannot_change_the_shape() -> None:
    t = Tensor([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"\+=: the result has shape \(2, 3\).*\(3,\)"):
        t += np.ones((2, 3))
    h = Tensor([1.0, 2.0, 3.0], requires_grad=True) * 1.0
    with pytest.raises(ValueError, match=r"add \(\+=\).*shape \(2, 3\)"):
        h += np.ones((2, 3))
    with pytest.raises(TypeError, match="add"):
        t += "a"


def test_recorded_in_place_gives_pytorch_gradients() -> None:
    torch = pytest.importorskip("torch")
    a0, b0 = np.array([0.5, -1.5, 2.0]), np.array([1.0, 2.0, -0.5])

    def ours():
        a, b = Tensor(a0, requires_grad=True), Tensor(b0, requires_grad=True)
        h = a * 2.0
        early = (h * h).sum()  # saves h: would raise if h changed; h is squared before the change
        h2 = h * 3.0  # (a tanh would save h2 itself: changing it in place then raises)
        s = h.sum()  # uses the old h, saves nothing
        h2 += b
        h2 *= a
        h2 -= 1.0
        h2 /= b
        (early + s + h2.sum()).backward()
        return a.grad.data, b.grad.data

    def theirs():
        a = torch.tensor(a0, requires_grad=True)
        b = torch.tensor(b0, requires_grad=True)
        h = a * 2.0
        early = (h * h).sum()
        h2 = h * 3.0
        s = h.sum()
        h2 += b
        h2 *= a
        h2 -= 1.0
        h2 /= b
        (early + s + h2.sum()).backward()
        return a.grad.numpy(), b.grad.numpy()

    for mine, ref in zip(ours(), theirs(), strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-12)


def test_ops_recorded_before_an_in_place_change_send_their_gradient_to_the_old_value() -> None:
    torch = pytest.importorskip("torch")

    def run(lib, a, b):
        h = a * 2.0
        s = h.sum() + (h + 1.0).sum()  # recorded before the change; neither saves h
        h *= b  # h = 2a * b from here on; s still means 2a
        h += a
        (s + h.sum()).backward()

    a, b = Tensor([1.0, -2.0], requires_grad=True), Tensor([3.0, 0.5], requires_grad=True)
    run(None, a, b)
    ta = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    tb = torch.tensor([3.0, 0.5], dtype=torch.float64, requires_grad=True)
    run(torch, ta, tb)
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy())  # 4 + 2b + 1
    np.testing.assert_allclose(b.grad.data, tb.grad.numpy())  # 2a, not 2a + 2


def test_in_place_on_a_data_tensor_with_a_parameter_records_it() -> None:
    x = Tensor([1.0, 2.0])  # data: no grad
    w = Tensor([3.0, 4.0], requires_grad=True)
    before = (x * 2).sum()  # used before the change, as a constant
    x += w  # now x = x + w, recorded (PyTorch: x becomes a non-leaf that requires grad)
    assert not x.is_leaf and x.requires_grad
    (before + (x * x).sum()).backward()
    np.testing.assert_array_equal(w.grad.data, 2 * np.array([4.0, 6.0]))


def test_in_place_on_a_view_while_recording_is_refused() -> None:
    a = Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    h = a * 2.0
    v = h.reshape(2, 2)  # a view of h's memory
    with pytest.raises(RuntimeError, match="shares its memory with a view"):
        v += a.reshape(2, 2)
    with pytest.raises(RuntimeError, match="shares its memory with a view"):
        h += a


# A program of in-place updates interleaved with forward and backward: either backward raises (a
# saved tensor changed), or every gradient equals that of the same computation written out of
# place (each `t op= x` as `t = t op x`, each no_grad update `t -= c` as `t = t - c`).
STEP = st.one_of(
    st.tuples(
        st.just("op"), st.sampled_from(["add", "mul", "sub", "tanh", "sigmoid", "scale", "shift"])
    ),
    st.tuples(st.just("update"), st.floats(-1.0, 1.0)),
    st.tuples(st.just("inplace"), st.sampled_from(["+=", "-=", "*=", "/="])),
    st.tuples(st.just("backward"), st.booleans()),  # of one tensor, or of all of them
)
BINARY = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "sub": lambda a, b: a - b}
UNARY = {
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "scale": lambda a: a * 1.5,
    "shift": lambda a: a + 0.25,  # saves nothing: its input may change in place
}
OUT_OF_PLACE = {"+=": BINARY["add"], "-=": BINARY["sub"], "*=": BINARY["mul"], "/=": None}


@given(
    leaves=hnp.arrays(np.float64, (2, 3), elements=st.floats(0.5, 1.5)),
    steps=st.lists(st.tuples(STEP, st.integers(0, 99), st.integers(0, 99)), max_size=14),
)
def test_in_place_programs_raise_or_match_the_out_of_place_computation(leaves, steps) -> None:
    ours = [Tensor(v, requires_grad=True) for v in leaves]
    refs = [Tensor(v, requires_grad=True) for v in leaves]
    pool, ref_pool = list(ours), list(refs)
    for (kind, *what), i, j in steps:
        i, j = i % len(pool), j % len(pool)
        if kind == "op":
            name = what[0]
            if name in BINARY:
                pool.append(BINARY[name](pool[i], pool[j]))
                ref_pool.append(BINARY[name](ref_pool[i], ref_pool[j]))
            else:
                pool.append(UNARY[name](pool[i]))
                ref_pool.append(UNARY[name](ref_pool[i]))
        elif kind == "update":
            with no_grad():
                pool[i] -= what[0]
            ref_pool[i] = ref_pool[i] - what[0]  # the same values, the gradient passes through
        elif kind == "inplace":
            symbol = what[0]
            if pool[i].is_leaf and pool[i].requires_grad:
                with pytest.raises(RuntimeError, match="leaf that requires grad"):
                    pool[i].__iadd__(pool[j])
                continue
            if pool[i] is pool[j]:
                continue  # `t += t`: numpy writes while reading; keep the program simple
            if symbol == "/=":
                other, ref_other = pool[j].sigmoid() + 1.0, ref_pool[j].sigmoid() + 1.0
                pool[i] /= other
                ref_pool[i] = ref_pool[i] / ref_other
            else:
                method = {"+=": "__iadd__", "-=": "__isub__", "*=": "__imul__"}[symbol]
                pool[i] = getattr(pool[i], method)(pool[j])
                ref_pool[i] = OUT_OF_PLACE[symbol](ref_pool[i], ref_pool[j])
        else:
            np.testing.assert_allclose(pool[i].data, ref_pool[i].data, rtol=1e-12)
            chosen = range(len(pool)) if what[0] else [i]
            try:
                sum(pool[k].sum() for k in chosen).backward(retain_graph=True)
            except RuntimeError as exc:
                assert MODIFIED in str(exc)
                return
            sum(ref_pool[k].sum() for k in chosen).backward(retain_graph=True)
            for t, r in zip(ours, refs, strict=True):
                if r.grad is None:
                    assert t.grad is None
                else:
                    np.testing.assert_allclose(t.grad.data, r.grad.data, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------- .numpy() and np.asarray


def test_numpy_of_a_tensor_that_requires_grad_is_read_only() -> None:
    x = Tensor([0.0, 1.0], requires_grad=True)
    y = x.exp()
    img = y.numpy()
    with pytest.raises(ValueError, match="read-only"):
        img *= 255  # would have made x.grad 255 * exp(x)
    with pytest.raises(ValueError, match="read-only"):
        np.asarray(y)[0] = 1.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.exp([0.0, 1.0]))
    free = y.detach().numpy()
    assert free.flags.writeable and np.shares_memory(free, y.data)
    copied = np.array(y)
    assert copied.flags.writeable and not np.shares_memory(copied, y.data)


def test_numpy_of_a_tensor_without_grad_shares_memory_as_in_pytorch() -> None:
    t = Tensor([1.0, 2.0])
    t.numpy()[0] = 5.0
    assert t.data[0] == 5.0


# ---------------------------------------------------------------------- the small silent ones


def test_requires_grad_off_after_the_forward_gives_no_gradient() -> None:
    p = Tensor([1.0, 2.0], requires_grad=True)
    q = Tensor([3.0, 4.0], requires_grad=True)
    loss = (p * q).sum()
    p.requires_grad_(False)
    loss.backward()
    assert p.grad is None
    np.testing.assert_array_equal(q.grad.data, [1.0, 2.0])
    optim.SGD([p, q], lr=1.0).step()
    np.testing.assert_array_equal(p.data, [1.0, 2.0])  # frozen: SGD did not move it


@pytest.mark.parametrize(
    ("mode", "inside", "read"),
    [
        (no_grad, False, is_grad_enabled),
        (lambda: set_grad_enabled(False), False, is_grad_enabled),
        (detect_anomaly, True, is_anomaly_enabled),
    ],
)
def test_mode_decorators_work_on_generator_functions(mode, inside, read) -> None:
    @mode()
    def steps():
        seen = yield read()
        yield (read(), seen)

    gen = steps()
    assert next(gen) is inside
    assert read() is not inside  # the caller's code between two next() runs in its own mode
    assert gen.send("x") == (inside, "x")
    assert read() is not inside


def test_enable_grad_on_a_generator_inside_no_grad() -> None:
    @enable_grad()
    def record(x):
        yield (x * 2).requires_grad

    x = Tensor([1.0], requires_grad=True)
    with no_grad():
        assert next(record(x)) is True


def test_a_generator_throw_and_close_run_in_the_mode() -> None:
    seen = []

    @no_grad()
    def gen():
        try:
            yield 1
        except KeyError:
            seen.append(is_grad_enabled())
            yield 2
        finally:
            seen.append(is_grad_enabled())

    g = gen()
    next(g)
    assert g.throw(KeyError()) == 2
    g.close()
    assert seen == [False, False] and is_grad_enabled()


def test_grad_assignment_is_checked() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2, 3\).*shape \(3,\)"):
        x.grad = Tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="expected a Tensor"):
        x.grad = np.zeros(3)
    f = Tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float32)
    with pytest.raises(RuntimeError, match="float64 gradient cannot be assigned to a float32"):
        f.grad = Tensor(np.zeros(3))
    x.grad = Tensor(np.ones(3))
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 5.0, 7.0])
    x.grad = None
    assert x.grad is None


def test_zero_d_tensor_does_not_promote_as_in_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a = Tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    half = Tensor(0.5, requires_grad=True)
    out = a * half
    assert out.dtype == np.float32
    out.sum().backward()
    ta = torch.tensor([1.0, 2.0], dtype=torch.float32, requires_grad=True)
    th = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    tout = ta * th
    assert tout.dtype == torch.float32
    tout.sum().backward()
    assert a.grad.dtype == np.float32 and half.grad.dtype == np.float64
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy())
    np.testing.assert_allclose(half.grad.data, th.grad.numpy())
    for left, right in ((half, a), (a, Tensor(np.float64(2.0)))):
        assert (left + right).dtype == np.float32
        assert (left - right).dtype == np.float32
    assert (a * Tensor([2.0, 2.0])).dtype == np.float64  # 1-d float64: promotes
    assert (Tensor(1.0, dtype=np.float32) * Tensor(2.0)).dtype == np.float64  # both 0-d


def test_astype_is_recorded_and_its_gradient_cast_back() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = x.astype(np.float32)
    assert y.dtype == np.float32 and type(y.grad_fn).__name__ == "Cast"
    (y * y).sum().backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0])
    assert x.astype(np.float64) is x
    with pytest.raises(TypeError, match="astype: dtype must be a floating point type"):
        x.astype(np.int32)


def test_big_endian_input_becomes_native() -> None:
    for dtype, expected in ((">f8", np.float64), (">f4", np.float32), (">i4", np.float64)):
        t = Tensor(np.array([1.0, 2.5 if dtype != ">i4" else 2], dtype=dtype))
        assert t.dtype == expected and t.dtype.isnative
        (t * 2).sum()
    t = Tensor([1.0, 2.0], dtype=">f4")
    assert t.dtype == np.float32 and t.dtype.isnative
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * np.array([3.0, 4.0], dtype=">f8")).sum().backward()
    assert w.grad.dtype.isnative
    np.testing.assert_array_equal(w.grad.data, [3.0, 4.0])


def test_backward_in_threads_leaves_the_collector_as_it_was() -> None:
    was = gc.isenabled()
    try:
        gc.enable()
        barrier = threading.Barrier(4)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                barrier.wait()
                for _ in range(200):
                    x = Tensor(np.ones(3), requires_grad=True)
                    y = x
                    for _ in range(5):
                        y = y * 1.5 + 1.0
                    y.sum().backward()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert gc.isenabled()
        gc.disable()
        x = Tensor([1.0], requires_grad=True)
        (x * 2).sum().backward()
        assert not gc.isenabled()  # the user's choice stays
    finally:
        (gc.enable if was else gc.disable)()


def test_argmax() -> None:
    t = Tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 7.0]], requires_grad=True)
    assert t.argmax().item() == 3
    np.testing.assert_array_equal(t.argmax(axis=0).data, [1, 0, 1])
    np.testing.assert_array_equal(t.argmax(axis=-1, keepdims=True).data, [[1], [0]])
    assert t.argmax(axis=1).dtype == np.int64 and not t.argmax(axis=1).requires_grad
    with pytest.raises(ValueError, match="argmax: axis 2 is out of range"):
        t.argmax(axis=2)
    with pytest.raises(TypeError, match="argmax: axis must be None or one int"):
        t.argmax(axis=(0, 1))
    with pytest.raises(ValueError, match="argmax: the tensor of shape \\(0,\\) is empty"):
        Tensor(np.zeros(0)).argmax()


# ---------------------------------------------------------------------- found by review


def test_in_place_with_itself_and_the_rest_of_the_operators() -> None:
    torch = pytest.importorskip("torch")
    for symbol in ("+=", "-=", "**="):
        x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
        tx = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
        h, th = x * 2.0, tx * 2.0
        if symbol == "+=":
            h += h
            th += th
        elif symbol == "-=":
            h -= h
            th -= th
        else:
            h **= 2
            th **= 2
        (h * h).sum().backward()
        (th * th).sum().backward()
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), err_msg=symbol)
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf that requires grad"):
        w **= 2
    with no_grad():
        w **= 2
    assert w.is_leaf and w.requires_grad and w._version == 1
    with pytest.raises(TypeError, match="@=: a matrix product cannot be written in place"):
        w @= w


def test_recorded_in_place_refuses_what_is_not_numbers() -> None:
    h = Tensor([1.0, 2.0], requires_grad=True) * 1.0
    for junk in (None, "a", {}):
        with pytest.raises(TypeError, match=r"add \(\+=\)"):
            h += junk


def test_views_that_are_the_same_memory_share_the_version() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = x.exp()
    v = h.squeeze()  # nothing to squeeze: still a view, counted with h
    with no_grad():
        v += 1
    with pytest.raises(RuntimeError, match=r"Exp\.backward: its output"):
        h.sum().backward()
    w = Tensor([1.0, 2.0], requires_grad=True)
    r = w[0]  # an int per axis: a 0-d view, as PyTorch's
    with no_grad():
        r += 1
    np.testing.assert_array_equal(w.data, [2.0, 2.0])
    y = (w * w).sum()
    with no_grad():
        w[1] *= 2  # item assignment through a view: counted
    np.testing.assert_array_equal(w.data, [2.0, 4.0])
    with pytest.raises(RuntimeError, match=MODIFIED):
        y.backward()


def test_ops_keep_only_what_their_backward_needs_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    h, th = x * 2.0, tx * 2.0
    y, ty = h * 3.0, th * 3.0  # needs 3.0 for dh, not h: changing h is harmless
    z, tz = h / 4.0, th / 4.0
    h += 1.0
    th += 1.0
    (y.sum() + z.sum() + h.sum()).backward()
    (ty.sum() + tz.sum() + th.sum()).backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy())


def test_copy_and_item_assignment_refuse_a_source_that_requires_grad() -> None:
    buf = Tensor(np.zeros(2))
    src = Tensor([3.0, 4.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="copy_: the source requires grad"):
        buf.copy_(src)
    with pytest.raises(RuntimeError, match="x requires grad"):
        buf[0] = src[0]
    buf.copy_(src.detach())
    buf[1] = 7.0
    np.testing.assert_array_equal(buf.data, [3.0, 7.0])
    buf[0] = buf[1]  # another position's view: copied
    np.testing.assert_array_equal(buf.data, [7.0, 7.0])
    assert buf._version == 3


def test_zero_grad_keeping_zeros_after_create_graph() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    (w * w).sum().backward(create_graph=True)
    assert w.grad.requires_grad
    opt.zero_grad(set_to_none=False)
    assert not w.grad.requires_grad
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])


def test_a_changed_output_is_named_with_its_own_shape() -> None:
    a = Tensor([[1.0, 2.0]], requires_grad=True)
    y = a ** Tensor([[2.0], [3.0]])  # pow keeps a (1, 2), b (2, 1) and its output (2, 2)
    with no_grad():
        y += 1
    with pytest.raises(RuntimeError, match=r"Pow\.backward: its output, of shape \(2, 2\)"):
        y.sum().backward()
    from tinygrad_edu import grad

    x = Tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    with no_grad():
        h += 1
    with pytest.raises(RuntimeError, match=r"Exp\.backward: its output"):
        grad(h.sum(), x, create_graph=True)
