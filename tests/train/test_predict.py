"""`predict` keeps the model's dtype, as PyTorch does: a float32 model predicts in float32."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn
from tinygrad_edu.train import predict


@pytest.mark.parametrize("n_y", [1, 3])
@pytest.mark.parametrize("x_dtype", [np.float64, np.float32])
def test_a_float32_model_predicts_in_float32_whatever_the_dtype_of_x(n_y, x_dtype) -> None:
    X = np.random.default_rng(0).standard_normal((2, 6)).astype(x_dtype)
    model = nn.ShallowNet(2, 3, n_y, dtype=np.float32)
    nn.init.he_(model, seed=1)
    prediction = predict(model, X)
    assert prediction.dtype == model(X).dtype == np.float32
    assert prediction.dtype == model.predict(X).dtype
    np.testing.assert_array_equal(prediction, model.predict(X))


def test_a_tensor_x_is_used_as_it_is() -> None:
    model = nn.ShallowNet(2, 3, 1, dtype=np.float32)
    X = Tensor(np.zeros((2, 4)))  # float64: W (float32) @ X (float64) is float64, as numpy's
    assert predict(model, X).dtype == model(X).dtype == np.float64
