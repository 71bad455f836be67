"""PyTorch's `dim=`/`keepdim=` on the methods that take an axis (ops/axis_names.py): the same op as
numpy's `axis=`/`keepdims=` (same values, same gradient), the torch call's result where torch is
installed, and clear refusals for both spellings at once and for calls whose meaning differs."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor

X = np.random.RandomState(0).randn(2, 3, 4)

# (method, numpy's keywords, PyTorch's keywords): each pair must be the same call
SPELLINGS = [
    ("sum", {"axis": 1}, {"dim": 1}),
    ("sum", {"axis": (0, 2), "keepdims": True}, {"dim": (0, 2), "keepdim": True}),
    ("sum", {"axis": -1, "keepdims": False}, {"dim": -1, "keepdim": False}),
    ("sum", {"keepdims": True}, {"keepdim": True}),
    ("mean", {"axis": 0}, {"dim": 0}),
    ("mean", {"axis": (1, 2), "keepdims": True}, {"dim": [1, 2], "keepdim": True}),
    ("max", {"axis": 2, "keepdims": True}, {"axis": 2, "keepdim": True}),
    ("softmax", {"axis": 1}, {"dim": 1}),
    ("softmax", {}, {"dim": -1}),
    ("log_softmax", {"axis": 0}, {"dim": 0}),
]


def _values_and_grad(method: str, kwargs: dict) -> tuple[np.ndarray, np.ndarray]:
    t = Tensor(X, requires_grad=True)
    out = getattr(t, method)(**kwargs)
    weights = np.arange(out.size, dtype=float).reshape(out.shape) + 1  # a non-uniform dL/dout
    (out * weights).sum().backward()
    return out.data, t.grad.data


@pytest.mark.parametrize(("method", "numpy_kw", "torch_kw"), SPELLINGS)
def test_pytorch_spelling_is_the_same_op(method: str, numpy_kw: dict, torch_kw: dict) -> None:
    out_n, grad_n = _values_and_grad(method, numpy_kw)
    out_t, grad_t = _values_and_grad(method, torch_kw)
    assert out_n.shape == out_t.shape
    np.testing.assert_array_equal(out_t, out_n)
    np.testing.assert_array_equal(grad_t, grad_n)


@pytest.mark.parametrize(("method", "numpy_kw", "torch_kw"), SPELLINGS)
def test_pytorch_spelling_gives_pytorchs_result(
    method: str, numpy_kw: dict, torch_kw: dict
) -> None:
    torch = pytest.importorskip("torch")
    kw = {("dim" if k == "axis" else k): v for k, v in torch_kw.items()}  # max's axis= is ours
    kw.setdefault("dim", tuple(range(X.ndim)))  # torch takes keepdim= only with a dim
    fn = {"max": "amax"}.get(method, method)
    x = torch.tensor(X, requires_grad=True)
    expected = getattr(x, fn)(**kw)
    out, _ = _values_and_grad(method, torch_kw)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out, expected.detach().numpy(), rtol=1e-12, atol=1e-15)


def test_argmax_and_squeeze_take_dim() -> None:
    t = Tensor(X)
    np.testing.assert_array_equal(t.argmax(dim=1).data, X.argmax(axis=1))
    np.testing.assert_array_equal(t.argmax(dim=-1, keepdim=True).data, X.argmax(-1, keepdims=True))
    s = Tensor(np.ones((1, 3, 1)))
    assert s.squeeze(dim=0).shape == (3, 1)
    assert s.squeeze(dim=(0, 2)).shape == (3,)
    assert s.squeeze(dim=()).shape == (1, 3, 1)  # none, in PyTorch as in numpy


def test_numpy_spelling_still_works_positionally() -> None:
    t = Tensor(X)
    np.testing.assert_array_equal(t.sum(1, True).data, X.sum(1, keepdims=True))
    np.testing.assert_array_equal(t.argmax(0).data, X.argmax(0))
    assert t.softmax(0).shape == X.shape


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t: t.sum(axis=1, dim=1), r"sum: got both axis=1 and dim=1 \(PyTorch's name"),
        (lambda t: t.sum(1, dim=0), "sum: got both axis=1 and dim=0"),
        (lambda t: t.mean(dim=0, keepdims=True, keepdim=True), "mean: got both keepdims=True and"),
        # an explicit keepdims=False is a spelling too, not the default
        (lambda t: t.sum(keepdims=False, keepdim=True), "got both keepdims=False and keepdim=True"),
        (lambda t: t.argmax(axis=0, dim=0), "argmax: got both axis=0 and dim=0"),
        (lambda t: t.softmax(-1, dim=0), "softmax: got both axis=-1 and dim=0"),
        (lambda t: t.log_softmax(axis=1, dim=1), "log_softmax: got both axis=1 and dim=1"),
        (lambda t: t.squeeze(0, dim=0), "squeeze: got both axis=0 and dim=0"),
        (lambda t: t.max(dim=1), r"max: dim=1 is refused: PyTorch's max\(dim=...\) returns"),
    ],
)
def test_both_spellings_or_a_different_meaning_are_refused(call, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call(Tensor(X))


def test_max_refusal_names_what_to_use() -> None:
    with pytest.raises(TypeError, match=r"t\.max\(axis=...\) gives the values .* t\.argmax"):
        Tensor(X).max(dim=0)


@pytest.mark.parametrize("method", ["sum", "mean"])
def test_empty_dim_is_refused(method: str) -> None:
    # PyTorch's sum(dim=()) reduces every axis, numpy's sum(axis=()) none: no silent choice
    with pytest.raises(ValueError, match=rf"{method}: dim=\(\) reduces every axis in PyTorch"):
        getattr(Tensor(X), method)(dim=())
    np.testing.assert_array_equal(getattr(Tensor(X), method)(axis=()).data, X)


def test_bad_dim_gets_the_axis_message() -> None:
    with pytest.raises(ValueError, match="axis 5 is out of range"):
        Tensor(X).sum(dim=5)


def test_docstrings_state_the_math_and_the_arguments() -> None:
    for method in (Tensor.sum, Tensor.mean, Tensor.max, Tensor.argmax):
        doc = method.__doc__
        assert "Args:" in doc and "dim: PyTorch's name for `axis`" in doc, method.__name__
        assert doc.count("Raises:") == 1, method.__name__
    assert "d(out)/da" in Tensor.sum.__doc__
    assert "ds_i/dx_j" in Tensor.softmax.__doc__ and "dim:" in Tensor.softmax.__doc__


def test_softmax_axis_none_is_refused_not_read_as_the_default() -> None:
    # softmax normalizes along one axis: None is an error, never the last axis silently
    x = Tensor([[0.0, 1.0], [2.0, 3.0]])
    with pytest.raises(TypeError, match="softmax: axis must be one int, got None"):
        x.softmax(axis=None)
    with pytest.raises(TypeError, match="softmax: got both axis=None and dim=0"):
        x.softmax(axis=None, dim=0)
