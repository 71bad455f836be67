"""A change of float dtype (`t.astype(np.float32)`): the values rounded to the new precision.

Not in the op table: central differences cannot check a rounding to float32 (a step of 1e-6 is
below its precision), so tests/test_trust.py checks it directly, and against PyTorch."""

from __future__ import annotations

from tinygrad_edu.ops.base import Op

__all__ = ["Cast"]


class Cast(Op):
    """out = a in `dtype` (each value rounded to the nearest one of that precision).
    d(out)/da = 1, so da = grad cast back to a's dtype (the gradient of a float64 input stays
    float64 when the computation after it runs in float32)."""

    internal = True  # no row in the op table (see above): its tests are in test_trust.py
    passes_values_through = True  # detect_anomaly: a nan in, a nan out, is not this op's doing

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.in_dtype)
