"""Sigmoid and binary cross-entropy fused into one op, stable for any logit.

The course computes A = sigmoid(Z), then J = -(1/m) sum(Y log A + (1 - Y) log(1 - A)), then walks back
dA = -(Y/A - (1-Y)/(1-A)) and dZ = dA * A (1 - A). The two steps cancel to the course's own shortcut
dZ = A - Y, which this op uses directly: no log(0) when A rounds to 0 or 1, and less work.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.ops.base import Op, log, sigmoid, values

__all__ = ["BCEWithLogits", "BinaryCrossEntropy"]


def _check_pair(op: str, name: str, a: Any, y: Any, reduction: str) -> None:
    """The arguments of a cross-entropy: the same shape for the output and Y, a known reduction."""
    if reduction not in ("mean", "sum"):
        raise ValueError(f"{op}: reduction must be 'mean' or 'sum', got {reduction!r}")
    if np.shape(a) != np.shape(y):
        raise ValueError(
            f"{op}: {name} has shape {np.shape(a)} but Y has shape {np.shape(y)}; they must match, "
            "both (n_y, m) with one column per example"
        )


def _reduce(ctx: Any, losses: Any, a: Any, reduction: str) -> Any:
    """The mean (1/N of the sum) or the sum of the per-element losses, in a's dtype; ctx.n is the
    N that backward divides by."""
    n = a.size if reduction == "mean" else 1
    loss = np.add.reduce(losses, axis=None)
    if n != 1:
        loss = loss / n  # n = 0: the mean of no elements is nan, as numpy's mean and PyTorch's
    ctx.n = max(n, 1)  # n = 0: the gradient has no elements, so any scale will do
    return np.asarray(loss, dtype=a.dtype)


class BCEWithLogits(Op):
    """J = (1/N) sum( max(Z, 0) - Z*Y + log(1 + e^-|Z|) ), the mean of
    -(Y log sigma(Z) + (1 - Y) log(1 - sigma(Z))) over the N elements (N = m for Y of shape (1, m)).

    dJ/dZ = (sigma(Z) - Y) / N = (A - Y) / N,    dJ/dY = -Z / N.

    With `reduction="sum"` there is no 1/N: J is the sum and dJ/dZ = A - Y, the course's `dZ2`."""

    @classmethod
    def check(cls, z, y, reduction="mean"):
        _check_pair("binary_cross_entropy_with_logits", "Z", z, y, reduction)

    @staticmethod
    def forward(ctx, z, y, reduction="mean"):
        ctx.save_for_backward(z, y)
        losses = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return _reduce(ctx, losses, z, reduction)

    @staticmethod
    def backward(ctx, grad):
        z, y = ctx.saved_tensors
        need_z, need_y = ctx.needs_input_grad
        scale = grad / ctx.n if ctx.n != 1 else grad
        dz = dy = None
        if need_z:
            dz = (sigmoid(z) - y) * scale
        if need_y:
            dy = -z * scale
        return dz, dy


# PyTorch clamps each log at -100 (so log 0 costs 100, not inf) and divides by at least 1e-12 in
# the backward: a saturated output gives a large but finite cost and gradient, never nan.
LOG_FLOOR = -100.0
EPS = 1e-12


def _clamped_log(x, low):
    """max(log x, -100), with the gradient 1/x where the log is above -100 and 0 where it is not.
    `low` is the constant mask of those clamped positions; x is replaced by 1 there before the log
    (log 0 = -inf would make nan of the 0 * -inf of a blend)."""
    keep = 1 - low
    return log(x * keep + low) * keep + LOG_FLOOR * low


class BinaryCrossEntropy(Op):
    """J = (1/N) sum( -(Y max(log A, -100) + (1 - Y) max(log(1 - A), -100)) ), the course's cost on
    the output A = sigmoid(Z) with PyTorch's clamps, the mean over the N elements (no 1/N for "sum").

    dJ/dA = -(Y/A - (1 - Y)/(1 - A)) / N,    dJ/dY = (max(log(1 - A), -100) - max(log A, -100)) / N.

    dJ/dA is the course's dAL, computed in the course's order of arithmetic wherever
    A(1 - A) >= 1e-12, so `fit(loss="bce")` follows the course's numpy to the last bit. Where the
    output is saturated (A(1 - A) < 1e-12: A within about 1e-12 of 0 or 1, or exactly 0 or 1) it is
    PyTorch's (A - Y) / 1e-12 / N, finite where the course's is inf or nan. dJ/dY is the derivative
    of the clamped cost this op computes (PyTorch's is of the unclamped one, inf where A is 0 or 1).
    """

    @classmethod
    def check(cls, a, y, reduction="mean"):
        _check_pair("binary_cross_entropy", "A", a, y, reduction)

    @staticmethod
    def forward(ctx, a, y, reduction="mean"):
        with np.errstate(divide="ignore", invalid="ignore"):  # log 0 = -inf, clamped just below
            log_a = np.maximum(np.log(a), LOG_FLOOR)
            log_1ma = np.maximum(np.log(1 - a), LOG_FLOOR)
        ctx.save_for_backward(a, y)
        return _reduce(ctx, -(y * log_a + (1 - y) * log_1ma), a, reduction)

    @staticmethod
    def backward(ctx, grad):
        a, y = ctx.saved_tensors
        need_a, need_y = ctx.needs_input_grad
        scale = grad / ctx.n if ctx.n != 1 else grad
        av = values(a)
        da = dy = None
        if need_a:
            # constant masks in A's dtype: 1 where saturated; the course's formula runs on a safe
            # 0.5 there (0/0 = nan would survive the blend), PyTorch's formula everywhere else
            sat = ((1 - av) * av < EPS).astype(av.dtype)
            ok = 1 - sat
            safe = a * ok + 0.5 * sat
            course = -(y / safe - (1 - y) / (1 - safe))
            da = (course * ok + (a - y) / EPS * sat) * scale
        if need_y:
            with np.errstate(divide="ignore"):
                low_a = (np.log(av) < LOG_FLOOR).astype(av.dtype)
                low_1ma = (np.log(1 - av) < LOG_FLOOR).astype(av.dtype)
            dy = (_clamped_log(1 - a, low_1ma) - _clamped_log(a, low_a)) * scale
        return da, dy
