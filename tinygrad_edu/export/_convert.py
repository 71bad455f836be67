"""The layers with values, converted one at a time: Linear and BatchNorm to torch (their values
copied into torch's tensors) and back (copied into new numpy arrays), with the dtype checks."""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.nn import BatchNorm, Linear

_DTYPES = ("float32", "float64")
_TORCH_NAMES = {
    "gamma": "weight",
    "beta": "bias",
    "running_mean": "running_mean",
    "running_var": "running_var",
}


def to_linear(torch: Any, layer: Linear) -> Any:
    """torch.nn.Linear with weight = W (the same (n_out, n_in) matrix) and bias = b[:, 0]."""
    twin = torch.nn.Linear(layer.n_in, layer.n_out, dtype=torch_dtype(torch, layer.W.data))
    with torch.no_grad():
        twin.weight.copy_(torch.from_numpy(layer.W.data))
        twin.bias.copy_(torch.from_numpy(layer.b.data[:, 0]))
    return twin


def to_batchnorm(torch: Any, bn: BatchNorm) -> Any:
    """BatchNorm1d with gamma, beta and the running statistics as vectors (n,), the count as is."""
    found = [t for t in (bn.gamma, bn.running_mean) if t is not None]
    layer = torch.nn.BatchNorm1d(
        bn.num_features,
        eps=bn.eps,
        momentum=bn.momentum,
        affine=bn.affine,
        track_running_stats=bn.track_running_stats,
        dtype=torch_dtype(torch, found[0].data) if found else None,
    )
    with torch.no_grad():
        for name in ("gamma", "beta", "running_mean", "running_var"):
            if (ours := getattr(bn, name)) is not None:
                getattr(layer, _TORCH_NAMES[name]).copy_(torch.from_numpy(ours.data[:, 0]))
        if bn.num_batches_tracked is not None:
            layer.num_batches_tracked.fill_(int(bn.num_batches_tracked.item()))
    return layer


def torch_dtype(torch: Any, values: np.ndarray) -> Any:
    if values.dtype.name not in _DTYPES:
        raise ValueError(f"to_torch: parameters must be float32 or float64, got {values.dtype}")
    return getattr(torch, values.dtype.name)


def linear_from(torch: Any, t: Any, path: str) -> Linear:
    if t.bias is None:
        raise ValueError(
            f"from_torch: {path}, {t}, has no bias, and tinygrad_edu's Linear always has b "
            "(n_out, 1); build it with bias=True (a zero bias trained here would not stay zero)"
        )
    _check_dtypes(torch, t, path, [t.weight, t.bias])
    W = t.weight.detach().cpu().numpy().copy()  # a copy: nothing is shared with torch
    b = t.bias.detach().cpu().numpy().reshape(-1, 1).copy()
    layer = Linear(t.in_features, t.out_features, dtype=W.dtype.type, init="zeros")
    with no_grad():
        layer.W.copy_(W)
        layer.b.copy_(b)
    return layer


def _check_dtypes(torch: Any, t: Any, path: str, tensors: list[Any]) -> None:
    dtypes = {x.dtype for x in tensors}
    if dtypes - {torch.float32, torch.float64} or len(dtypes) > 1:
        held = " and ".join(sorted(str(d) for d in dtypes))
        raise ValueError(
            f"from_torch: {path}, {t}, holds {held}; its parameters must be float32 or float64, "
            "all the same"
        )


def batchnorm_from(torch: Any, t: Any, path: str) -> BatchNorm:
    if t.affine and getattr(t, "bias", None) is None:
        raise ValueError(
            f"from_torch: {path}, {t}, has no bias, and tinygrad_edu's BatchNorm learns gamma and "
            "beta together (affine=True) or neither (affine=False)"
        )
    found = [x for x in (t.weight, t.bias, t.running_mean, t.running_var) if x is not None]
    _check_dtypes(torch, t, path, found)
    dtype = np.float32 if found and found[0].dtype == torch.float32 else np.float64
    bn = BatchNorm(
        t.num_features,
        eps=t.eps,
        momentum=t.momentum,
        affine=t.affine,
        track_running_stats=t.track_running_stats,
        dtype=dtype,
    )
    with no_grad():
        for name, theirs in _TORCH_NAMES.items():
            if (ours := getattr(bn, name)) is not None:
                ours.copy_(getattr(t, theirs).detach().cpu().numpy().reshape(-1, 1))
        if bn.num_batches_tracked is not None:
            bn.num_batches_tracked.copy_(np.asarray(int(t.num_batches_tracked), dtype=np.int64))
    return bn
