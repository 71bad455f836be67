"""The converters behind `tinygrad_edu.export`, one layer at a time, both ways; PyTorch is passed in
(imported by the caller only when needed), never imported here at module level."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.export._convert import batchnorm_from, linear_from, to_batchnorm, to_linear
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
        layer = to_linear(torch, m)
    elif kind is BatchNorm:
        layer = to_batchnorm(torch, m)
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
        nn.Linear: lambda t: linear_from(torch, t, path),
        nn.BatchNorm1d: lambda t: batchnorm_from(torch, t, path),
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
