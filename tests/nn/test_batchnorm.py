"""nn.BatchNorm: PyTorch's BatchNorm1d on the course's (n, m) layout, its gradient, dtypes, errors."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, nn
from tinygrad_edu.autograd import gradcheck, gradgradcheck

TOL = 1e-12  # measured: at most 3.6e-15 (forward, gradients, running statistics) against torch


def _torch_pair(n: int, **kwargs: object) -> tuple[nn.BatchNorm, object]:
    torch = pytest.importorskip("torch")
    ours = nn.BatchNorm(n, **kwargs)  # type: ignore[arg-type]
    theirs = torch.nn.BatchNorm1d(n, dtype=torch.float64, **kwargs)
    return ours, theirs


def _steps(ours: nn.BatchNorm, theirs: object, steps: int, m: int, seed: int) -> float:
    """Run both in their current modes on the same batches; the largest difference seen."""
    import torch

    rng = np.random.RandomState(seed)
    worst = 0.0
    for _ in range(steps):
        Z, G = rng.randn(ours.num_features, m) * 3.0 + 1.5, rng.randn(ours.num_features, m)
        z = Tensor(Z, requires_grad=True)
        out = ours(z)
        (out * Tensor(G)).sum().backward()
        zt = torch.tensor(Z.T, requires_grad=True)
        ot = theirs(zt)  # type: ignore[operator]
        ot.backward(torch.tensor(G.T))
        pairs = [(out.numpy(), ot.detach().numpy().T), (z.grad.numpy(), zt.grad.numpy().T)]
        if ours.affine:
            assert ours.gamma is not None and ours.beta is not None
            pairs += [
                (ours.gamma.grad.numpy().ravel(), theirs.weight.grad.numpy()),  # type: ignore[attr-defined]
                (ours.beta.grad.numpy().ravel(), theirs.bias.grad.numpy()),  # type: ignore[attr-defined]
            ]
            ours.zero_grad()
            theirs.zero_grad()  # type: ignore[attr-defined]
        if ours.track_running_stats:
            assert ours.running_mean is not None and ours.running_var is not None
            pairs += [
                (ours.running_mean.numpy().ravel(), theirs.running_mean.numpy()),  # type: ignore[attr-defined]
                (ours.running_var.numpy().ravel(), theirs.running_var.numpy()),  # type: ignore[attr-defined]
            ]
            assert ours.num_batches_tracked is not None
            assert int(ours.num_batches_tracked.item()) == int(theirs.num_batches_tracked)  # type: ignore[attr-defined]
        for a, b in pairs:
            assert a.shape == b.shape
            worst = max(worst, float(np.max(np.abs(a - b))))
    return worst


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_training_then_eval_match_torch(momentum: float | None) -> None:
    ours, theirs = _torch_pair(4, momentum=momentum)
    assert _steps(ours, theirs, steps=5, m=9, seed=0) < TOL  # train: batch statistics
    ours.eval()
    theirs.eval()  # type: ignore[attr-defined]
    assert _steps(ours, theirs, steps=2, m=6, seed=1) < TOL  # eval: the running ones
    assert _steps(ours, theirs, steps=1, m=1, seed=2) < TOL  # one example is fine in eval


@pytest.mark.parametrize(
    "kwargs",
    [{"affine": False}, {"track_running_stats": False}, {"affine": False, "eps": 1e-3}],
)
def test_options_match_torch(kwargs: dict) -> None:
    ours, theirs = _torch_pair(3, **kwargs)
    assert _steps(ours, theirs, steps=3, m=5, seed=3) < TOL
    ours.eval()
    theirs.eval()  # type: ignore[attr-defined]
    assert _steps(ours, theirs, steps=2, m=4, seed=4) < TOL


def test_without_running_statistics_there_are_no_buffers() -> None:
    bn = nn.BatchNorm(3, affine=False, track_running_stats=False)
    assert list(bn.named_parameters()) == [] and list(bn.named_buffers()) == []
    assert bn.running_mean is None and list(bn.state_dict()) == []


def test_the_course_formula_and_the_statistics() -> None:
    Z = np.random.RandomState(5).randn(3, 10)
    bn = nn.BatchNorm(3, momentum=0.5)
    bn.gamma.data = np.array([[2.0], [0.5], [1.0]])  # type: ignore[union-attr]
    bn.beta.data = np.array([[1.0], [0.0], [-1.0]])  # type: ignore[union-attr]
    out = bn(Z).numpy()
    mu, var = Z.mean(axis=1, keepdims=True), Z.var(axis=1, keepdims=True)
    expected = np.array([[2.0], [0.5], [1.0]]) * (Z - mu) / np.sqrt(var + 1e-5)
    np.testing.assert_allclose(out, expected + np.array([[1.0], [0.0], [-1.0]]), rtol=1e-13)
    np.testing.assert_allclose(bn.running_mean.numpy(), 0.5 * mu, rtol=1e-14)  # type: ignore[union-attr]
    np.testing.assert_allclose(bn.running_var.numpy(), 0.5 + 0.5 * var * 10 / 9, rtol=1e-14)  # type: ignore[union-attr]


def test_eval_mode_uses_the_running_statistics_and_leaves_them() -> None:
    bn = nn.BatchNorm(2)
    bn.running_mean.copy_(np.array([[1.0], [-1.0]]))  # type: ignore[union-attr]
    bn.running_var.copy_(np.array([[4.0], [0.25]]))  # type: ignore[union-attr]
    bn.eval()
    Z = np.array([[3.0, 5.0], [0.0, -1.0]])
    expected = (Z - [[1.0], [-1.0]]) / np.sqrt(np.array([[4.0], [0.25]]) + 1e-5)
    np.testing.assert_allclose(bn(Z).numpy(), expected, rtol=1e-14)
    assert int(bn.num_batches_tracked.item()) == 0  # type: ignore[union-attr]
    np.testing.assert_array_equal(bn.running_mean.numpy(), [[1.0], [-1.0]])  # type: ignore[union-attr]


def test_gradcheck_in_training_mode() -> None:
    rng = np.random.RandomState(6)
    bn = nn.BatchNorm(3)
    bn.gamma.data = rng.randn(3, 1)  # type: ignore[union-attr]
    bn.beta.data = rng.randn(3, 1)  # type: ignore[union-attr]
    Z = Tensor(rng.randn(3, 6), requires_grad=True)
    assert gradcheck(lambda z, g, b: bn(z), Z, bn.gamma, bn.beta)  # type: ignore[arg-type]
    bn.eval()
    assert gradcheck(lambda z, g, b: bn(z), Z, bn.gamma, bn.beta)  # type: ignore[arg-type]


def test_second_derivatives_in_training_mode() -> None:
    # through the batch statistics, as for any composite of ops (create_graph=True)
    rng = np.random.RandomState(9)
    bn = nn.BatchNorm(2)
    bn.gamma.data = rng.randn(2, 1)  # type: ignore[union-attr]
    Z = Tensor(rng.randn(2, 4), requires_grad=True)
    assert gradgradcheck(lambda z, g: bn(z), Z, bn.gamma)  # type: ignore[arg-type]


def test_the_running_update_is_not_recorded_and_saves_nothing_it_changes() -> None:
    bn = nn.BatchNorm(2)
    Z = Tensor(np.random.RandomState(7).randn(2, 5), requires_grad=True)
    out = bn(Z)
    before = bn.running_mean._version  # type: ignore[union-attr]
    again = bn(Z)  # a second forward writes the buffers before the first graph's backward
    assert bn.running_mean._version > before  # type: ignore[union-attr]
    out.sum().backward()  # no "modified after it was saved"
    (again * again).sum().backward()
    for buffer in bn.buffers():
        assert not buffer.requires_grad and buffer.grad is None
    assert Z.grad is not None


def test_float32_stays_float32() -> None:
    bn = nn.BatchNorm(3, dtype=np.float32)
    Z = Tensor(np.random.RandomState(8).randn(3, 4), dtype=np.float32, requires_grad=True)
    out = bn(Z)
    out.sum().backward()
    assert out.dtype == np.float32 and Z.grad.dtype == np.float32  # type: ignore[union-attr]
    assert bn.gamma.grad.dtype == np.float32  # type: ignore[union-attr]
    assert bn.running_mean.dtype == np.float32 and bn.running_var.dtype == np.float32  # type: ignore[union-attr]
    assert bn(np.ones((3, 4))).dtype == np.float32  # an array takes the layer's dtype
    assert bn.num_batches_tracked.dtype == np.int64  # type: ignore[union-attr]


@given(
    hnp.arrays(
        np.float64,
        hnp.array_shapes(min_dims=2, max_dims=2, min_side=2, max_side=7),
        elements=st.floats(-100, 100),
    )
)
def test_each_row_comes_out_with_mean_0_and_variance_below_1(Z: np.ndarray) -> None:
    bn = nn.BatchNorm(Z.shape[0])
    out = bn(Z).numpy()
    assert out.shape == Z.shape
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-9)
    var = Z.var(axis=1)
    np.testing.assert_allclose(out.var(axis=1), var / (var + 1e-5), rtol=1e-9, atol=1e-12)
    m = Z.shape[1]
    np.testing.assert_allclose(bn.running_mean.numpy().ravel(), 0.1 * Z.mean(axis=1), atol=1e-12)  # type: ignore[union-attr]
    expected_var = 0.9 + 0.1 * var * m / (m - 1)
    np.testing.assert_allclose(bn.running_var.numpy().ravel(), expected_var, rtol=1e-12)  # type: ignore[union-attr]


def test_errors() -> None:
    bn = nn.BatchNorm(3)
    with pytest.raises(ValueError, match=re.escape("Z has shape (4, 5), expected (3, m)")):
        bn(np.ones((4, 5)))
    with pytest.raises(ValueError, match=re.escape("BatchNorm(3, eps=1e-05")):
        bn(np.ones((4, 5)))
    for bad in (np.ones(3), np.ones((3, 2, 2))):
        with pytest.raises(ValueError, match="expected \\(3, m\\)"):
            bn(bad)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        bn(np.ones((3, 1)))
    with pytest.raises(TypeError, match=r"BatchNorm\(3.*Z must be an array of numbers"):
        bn([["a", "b"]] * 3)
    with pytest.raises(TypeError, match=r"BatchNorm\(3.*Z is a bool tensor of shape \(3, 2\)"):
        bn(Tensor(np.ones((3, 2))) > 0.5)
    assert int(bn.num_batches_tracked.item()) == 0  # type: ignore[union-attr]  # nothing moved
    for kwargs, what in [
        ({"num_features": 0}, "num_features"),
        ({"num_features": 2.5}, "num_features"),
        ({"num_features": 2, "eps": 0.0}, "eps"),
        ({"num_features": 2, "momentum": 1.5}, "momentum"),
        ({"num_features": 2, "momentum": "fast"}, "momentum"),
    ]:
        with pytest.raises(ValueError, match=f"BatchNorm: {what}"):
            nn.BatchNorm(**kwargs)  # type: ignore[arg-type]


def test_repr_as_torch() -> None:
    assert repr(nn.BatchNorm(3)) == (
        "BatchNorm(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    )
    assert nn.BatchNorm(2, momentum=None, affine=False).extra_repr() == (
        "2, eps=1e-05, momentum=None, affine=False, track_running_stats=True"
    )
    torch = pytest.importorskip("torch")
    # (PyTorch 2.x also prints its `bias=` option, which BatchNorm does not have: beta is affine's)
    theirs = torch.nn.BatchNorm1d(3).extra_repr().replace(", bias=True", "")
    assert theirs == nn.BatchNorm(3).extra_repr()
