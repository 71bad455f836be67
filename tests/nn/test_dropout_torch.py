"""nn.Dropout against PyTorch float64, forward and backward, in both modes.

PyTorch's masks come from its own generator, so the two layers cannot draw the same mask. What can
be compared is everything else: given the mask this layer drew (the units it kept), PyTorch's own
dropout kernels (`native_dropout_backward(x, mask, 1/(1-p))` is the very product `x * mask * scale`
that its forward computes) give the forward output and the gradient, and those must equal ours.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, nn

torch = pytest.importorskip("torch")

# nonzero inputs: a kept unit then has a nonzero output, so the output shows the mask
_NONZERO = st.floats(0.1, 10.0) | st.floats(-10.0, -0.1)


def _torch_dropout(x: np.ndarray, kept: np.ndarray, p: float) -> np.ndarray:
    mask = torch.from_numpy(kept)
    return torch.ops.aten.native_dropout_backward(
        torch.from_numpy(x), mask, 1.0 / (1.0 - p)
    ).numpy()


@settings(deadline=None)
@given(
    x=hnp.arrays(
        np.float64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=8), elements=_NONZERO
    ),
    p=st.sampled_from([0.1, 0.2, 0.5, 0.8]),
    seed=st.integers(0, 2**31 - 1),
)
def test_train_mode_forward_and_backward_equal_torch_for_the_same_mask(x, p, seed):
    layer = nn.Dropout(p, generator=np.random.RandomState(seed))
    A = Tensor(x, requires_grad=True)
    out = layer(A)
    G = np.random.RandomState(seed + 1).standard_normal(x.shape)
    out.backward(Tensor(G))
    kept = out.data != 0
    np.testing.assert_allclose(out.data, _torch_dropout(x, kept, p), rtol=1e-15, atol=0)
    np.testing.assert_allclose(A.grad.data, _torch_dropout(G, kept, p), rtol=1e-15, atol=0)


def test_the_kept_fraction_is_keep_prob():
    # PyTorch keeps each unit with probability 1 - p; 200,000 draws put the fraction within 0.005
    out = nn.Dropout(0.3, generator=np.random.RandomState(0))(Tensor(np.ones((400, 500))))
    torch_out = torch.nn.functional.dropout(torch.ones(400, 500, dtype=torch.float64), 0.3, True)
    ours, theirs = (out.data != 0).mean(), (torch_out.numpy() != 0).mean()
    assert abs(ours - 0.7) < 0.005 and abs(theirs - 0.7) < 0.005


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0])
def test_eval_mode_is_the_identity_as_in_torch(p):
    x = np.random.RandomState(3).standard_normal((4, 6))
    layer, torch_layer = nn.Dropout(p).eval(), torch.nn.Dropout(p).eval()
    A, T = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    layer(A).sum().backward()
    torch_layer(T).sum().backward()
    np.testing.assert_array_equal(layer(Tensor(x)).data, torch_layer(torch.from_numpy(x)).numpy())
    np.testing.assert_array_equal(A.grad.data, T.grad.numpy())


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_the_edges_in_train_mode_equal_torch(p):
    # p = 0 keeps everything unscaled; p = 1 drops everything, and its gradient is zero
    x = np.random.RandomState(4).standard_normal((3, 5))
    A, T = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, torch_out = nn.Dropout(p)(A), torch.nn.Dropout(p).train()(T)
    out.sum().backward()
    torch_out.sum().backward()
    np.testing.assert_array_equal(out.data, torch_out.detach().numpy())
    np.testing.assert_array_equal(A.grad.data, T.grad.numpy())


def test_gradcheck_with_a_fixed_mask() -> None:
    # a fresh generator with the same seed at each call: the same mask, so central differences
    # see one function (with a new mask at each call they would not: tutorial 13's last section)
    from tinygrad_edu import gradcheck

    def dropped(A):
        return nn.Dropout(0.4, generator=np.random.RandomState(7))(A) * 1.5

    x = np.random.RandomState(8).standard_normal((5, 7))
    assert gradcheck(dropped, Tensor(x, requires_grad=True))
