"""The lowered sigmoid (compiled/lower.py `sigmoid_into`) equals the op bit for bit with numpy's
private error-state API and with np.errstate, its fallback, and warns of no overflow either way."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from tinygrad_edu.compiled import lower
from tinygrad_edu.ops.base import sigmoid


@pytest.mark.parametrize("private", [True, False], ids=["private API", "np.errstate"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_into_is_the_ops_sigmoid(private: bool, dtype, monkeypatch) -> None:
    if not private:
        monkeypatch.setattr(lower, "_make_extobj", None)
    elif lower._make_extobj is None:
        pytest.skip("this numpy has no private error-state API")
    z = np.array([-800.0, -710.0, -1.5, 0.0, 2.5, 40.0, 800.0], dtype=dtype)
    out = np.empty_like(z)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e^800 overflows: the op silences it, so must this
        lower.sigmoid_into(z, np.ones((), dtype), out)
    expected = sigmoid(z)
    assert out.dtype == expected.dtype and out.tobytes() == expected.tobytes()
    assert np.geterr()["over"] == "warn"  # the error state is back as it was
