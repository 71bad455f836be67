"""A change of float dtype (`t.astype(np.float32)`): the values rounded to the new precision.

Not in the op table: central differences cannot check a rounding to float32 (a step of 1e-6 is
below its precision), so tests/contract/test_trust.py checks it directly, and against PyTorch. Beside it, how
any value becomes a Tensor's float array (`to_array`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.engine.function import is_tensor
from tinygrad_edu.ops.base import Op

__all__ = ["Cast"]


class Cast(Op):
    """out = a in `dtype` (each value rounded to the nearest one of that precision).
    d(out)/da = 1, so da = grad cast back to a's dtype (the gradient of a float64 input stays
    float64 when the computation after it runs in float32)."""

    internal = True  # no row in the op table (see above): tests/contract/test_trust.py tests it
    passes_values_through = True  # detect_anomaly: a nan in, a nan out, is not this op's doing

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.in_dtype = a.dtype
        return a.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.in_dtype)


def float_dtype(where: str, dtype: Any) -> np.dtype:
    """`dtype` as a native-order float dtype, or a TypeError naming `where`."""
    try:
        dtype = np.dtype(dtype)
    except TypeError as exc:
        raise TypeError(f"{where}: {dtype!r} is not a dtype; use np.float64 or np.float32") from exc
    if dtype.kind != "f":
        raise TypeError(
            f"{where}: dtype must be a floating point type (float64, float32), got {dtype}"
        )
    return dtype.newbyteorder("=")


def to_array(data: Any, dtype: Any) -> np.ndarray:
    """A fresh float array from `data`, in the machine's byte order, or an error that says what
    was given."""
    if dtype is not None:
        dtype = float_dtype("Tensor", dtype)
    if is_tensor(data):
        data = data._data
    try:
        arr = np.array(data)
    except ValueError as exc:
        raise ValueError(f"Tensor: data is not a rectangular array of numbers ({exc})") from None
    kind = arr.dtype.kind
    if kind == "f":
        if dtype is None:  # big-endian data (from a file, another machine) made native
            dtype = arr.dtype.newbyteorder("=")
        return arr if arr.dtype == dtype else arr.astype(dtype)
    if kind in "biu":
        return arr.astype(dtype or np.float64)  # astype makes big-endian ints native floats
    if kind == "O" and arr.size and all(type(v) in (int, float, bool) for v in arr.flat):
        # numpy keeps ints beyond int64 (2**70) as Python objects; like every int they become floats
        try:
            return arr.astype(dtype or np.float64)
        except OverflowError:
            raise ValueError(
                f"Tensor: data holds an int too large for a float (above about 1.8e308): "
                f"{data!r:.60}"
            ) from None
    what = {"c": "complex numbers", "U": "strings", "S": "bytes", "O": "Python objects"}
    raise TypeError(
        f"Tensor: data must be real numbers, got {what.get(kind, arr.dtype)} "
        f"(numpy dtype {arr.dtype}) from {type(data).__name__}"
    )
