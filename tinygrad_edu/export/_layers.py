"""The converters behind `tinygrad_edu.export`, one layer at a time, both ways; PyTorch is passed in
(imported by the caller only when needed), never imported here at module level."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

import numpy as np

from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.nn import (
    BatchNorm,
    DeepNet,
    Dropout,
    LeakyReLU,
    Linear,
    LogisticRegression,
    Module,
    ReLU,
    Sequential,
    ShallowNet,
    Sigmoid,
    Tanh,
)
from tinygrad_edu.nn.models import Classifier

LAYOUTS = ("rows", "columns")
_ACTIVATIONS = {Sigmoid: "Sigmoid", Tanh: "Tanh", ReLU: "ReLU"}  # no hyperparameter to carry
_DTYPES = ("float32", "float64")
_TORCH_NAMES = {
    "gamma": "weight",
    "beta": "bias",
    "running_mean": "running_mean",
    "running_var": "running_var",
}


def import_torch(fn: str) -> Any:
    try:
        import torch
    except ImportError:  # also when sys.modules["torch"] is None
        raise ImportError(
            f'{fn} needs PyTorch, which is not installed: pip install "tinygrad_edu[torch]"'
        ) from None
    return torch


@functools.lru_cache(maxsize=1)
def course_layout(torch: Any) -> Any:
    """The wrapper class for layout="columns" (made once, so `isinstance` recognises it)."""

    class CourseLayout(torch.nn.Module):
        """X (n_x, m) in, (n_y, m) out: `module(X.T).T`, the course's layout around PyTorch's."""

        def __init__(self, module: Any) -> None:
            super().__init__()
            self.module = module

        def forward(self, X: Any) -> Any:
            return self.module(X.T).T

    return CourseLayout


def to_module(torch: Any, model: Module, path: str, made: dict[int, Any] | None = None) -> Any:
    """The torch twin of `model` (named `path` in errors), its values copied, its mode kept; a
    module met twice (used twice) becomes one torch module used twice, so it stays shared."""
    made = {} if made is None else made
    if id(model) not in made:
        made[id(model)] = _to_one(torch, model, path, made)
    return made[id(model)]


def _to_one(torch: Any, model: Module, path: str, made: dict[int, Any]) -> Any:
    kind, m = _kind(model, path), cast(Any, model)  # Any: each branch reads its own layer's fields
    if kind is Linear:
        layer = torch.nn.Linear(m.n_in, m.n_out, dtype=_torch_dtype(torch, m.W.data))
        with torch.no_grad():
            layer.weight.copy_(torch.from_numpy(m.W.data))
            layer.bias.copy_(torch.from_numpy(m.b.data[:, 0]))
    elif kind is BatchNorm:
        layer = _to_batchnorm(torch, m)
    elif kind in _ACTIVATIONS:
        layer = getattr(torch.nn, _ACTIVATIONS[kind])()
    elif kind is LeakyReLU:
        layer = torch.nn.LeakyReLU(negative_slope=m.slope)
    elif kind is Dropout:
        layer = torch.nn.Dropout(p=m.p)
    elif kind is Sequential:
        layer = torch.nn.Sequential(
            *(to_module(torch, c, f"{path}.{name}", made) for name, c in m.named_children())
        )
    else:  # a course model: its layers, then AL = sigmoid(Z[L])
        name = "linear" if kind is LogisticRegression else "layers"
        inner, path = getattr(m, name), f"{path}.{name}"
        if _kind(inner, path) is Sequential:
            layers = [(f"{path}.{n}", child) for n, child in inner.named_children()]
        else:
            layers = [(path, inner)]
        layer = torch.nn.Sequential(
            *(to_module(torch, c, p, made) for p, c in layers), torch.nn.Sigmoid()
        )
        layer[-1].training = m.training
    layer.training = m.training  # this module's flag only: its children carry their own
    return layer


def _to_batchnorm(torch: Any, bn: BatchNorm) -> Any:
    """BatchNorm1d with gamma, beta and the running statistics as vectors (n,), the count as is."""
    found = [t for t in (bn.gamma, bn.running_mean) if t is not None]
    layer = torch.nn.BatchNorm1d(
        bn.num_features,
        eps=bn.eps,
        momentum=bn.momentum,
        affine=bn.affine,
        track_running_stats=bn.track_running_stats,
        dtype=_torch_dtype(torch, found[0].data) if found else None,
    )
    with torch.no_grad():
        for name in ("gamma", "beta", "running_mean", "running_var"):
            if (ours := getattr(bn, name)) is not None:
                getattr(layer, _TORCH_NAMES[name]).copy_(torch.from_numpy(ours.data[:, 0]))
        if bn.num_batches_tracked is not None:
            layer.num_batches_tracked.fill_(int(bn.num_batches_tracked.item()))
    return layer


_CONVERTIBLE: tuple[type[Module], ...] = (
    Linear,
    BatchNorm,
    Sigmoid,
    Tanh,
    ReLU,
    LeakyReLU,
    Dropout,
    Sequential,
    LogisticRegression,
    ShallowNet,
    DeepNet,
)


def _kind(m: Module, path: str) -> type[Module]:
    """The convertible class `m` is, or is a subclass of without changing what it computes."""
    for cls in type(m).__mro__:
        if cls in _CONVERTIBLE:
            same = type(m).forward is cls.forward
            if issubclass(cls, Classifier):  # forward is sigmoid(logits): logits must be the same
                same = same and getattr(type(m), "logits", None) is getattr(cls, "logits", None)
            if same:
                return cls
            break
    supported = ", ".join(cls.__name__ for cls in _CONVERTIBLE)
    raise TypeError(
        f"to_torch: cannot convert {path}, a {type(m).__name__} (a Module with its own forward "
        f"has no PyTorch twin to build); supported: {supported}"
    )


def _torch_dtype(torch: Any, values: np.ndarray) -> Any:
    if values.dtype.name not in _DTYPES:
        raise ValueError(f"to_torch: parameters must be float32 or float64, got {values.dtype}")
    return getattr(torch, values.dtype.name)


def from_module(torch: Any, t: Any, path: str, made: dict[int, Module] | None = None) -> Module:
    """This library's twin of the torch module `t` (named `path` in errors), values copied; a
    module used twice comes back as one module used twice."""
    made = {} if made is None else made
    if id(t) not in made:
        made[id(t)] = _from_one(torch, t, path, made)
    return made[id(t)]


def _from_one(torch: Any, t: Any, path: str, made: dict[int, Module]) -> Module:
    nn = torch.nn
    makers: dict[Any, Callable[[Any], Module]] = {
        nn.Linear: lambda t: _linear(torch, t, path),
        nn.BatchNorm1d: lambda t: _batchnorm(torch, t, path),
        nn.ReLU: lambda t: ReLU(),
        nn.Sigmoid: lambda t: Sigmoid(),
        nn.Tanh: lambda t: Tanh(),
        nn.LeakyReLU: lambda t: LeakyReLU(t.negative_slope),
        nn.Dropout: lambda t: Dropout(p=t.p),
        nn.Sequential: lambda t: Sequential(  # _modules: named_children() skips a repeated one
            *(from_module(torch, c, f"{path}.{name}", made) for name, c in t._modules.items())
        ),
        course_layout(torch): lambda t: from_module(torch, t.module, f"{path}.module", made),
    }
    maker = makers.get(type(t))  # the exact type: a subclass may compute something else
    if maker is None:
        supported = ", ".join(
            "CourseLayout (to_torch's layout='columns')"
            if k is course_layout(torch)
            else k.__name__
            for k in makers
        )
        raise TypeError(
            f"from_torch: {path}, a {type(t).__name__}, is not supported (tinygrad_edu has no "
            f"such layer); supported: {supported}"
        )
    layer = maker(t)
    layer.training = t.training
    return layer


def _linear(torch: Any, t: Any, path: str) -> Linear:
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


def _batchnorm(torch: Any, t: Any, path: str) -> BatchNorm:
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


def load_into(torch: Any, module: Any, model: Module, into: Module) -> Module:
    """Copy `model`'s values (just made from `module`) into `into`, if it is built like `module`."""
    if not isinstance(into, Module):
        raise TypeError(
            f"from_torch: into must be a tinygrad_edu Module, got {type(into).__name__}"
        )
    theirs = _layers(module.module if type(module) is course_layout(torch) else module)
    ours = _layers(to_module(torch, into, "into"))
    if ours != theirs:
        i = next(
            (i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b),
            min(map(len, (ours, theirs))),
        )
        raise ValueError(
            f"from_torch: into ({type(into).__name__}) is not built like the module: its layer {i} "
            f"is {ours[i] if i < len(ours) else 'missing'}, the module's "
            f"{theirs[i] if i < len(theirs) else 'missing'}"
        )
    with no_grad():  # in place: the same tensors, so an optimizer holding them keeps working
        for ours_p, theirs_p in zip(into.parameters(), model.parameters(), strict=True):
            ours_p.copy_(theirs_p)
        for ours_b, theirs_b in zip(into.buffers(), model.buffers(), strict=True):
            ours_b.copy_(theirs_b)
    return into.train(module.training)


def _layers(t: Any) -> list[str]:
    """Each innermost torch layer as it prints (its sizes are in it), with its parameters' dtype."""
    layers = []
    for m in t.modules():
        if not list(m.children()):
            dtypes = {str(p.dtype).replace("torch.", "") for p in m.parameters(recurse=False)}
            layers.append(
                f"{type(m).__name__}({m.extra_repr()})"
                + "".join(f" in {d}" for d in sorted(dtypes))
            )
    return layers
