"""A module's state, as PyTorch's `state_dict()` and `load_state_dict()`: its parameters and its
buffers (values that are not learned but are part of the model, such as BatchNorm's running
statistics) by dotted name, module by module, each module's parameters then its buffers.

`Module.state_dict` and `Module.load_state_dict` call these; they are written here to keep
module.py within its line budget.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.tensor import Tensor


class LoadResult(NamedTuple):
    """What `load_state_dict(strict=False)` skipped (both empty after a strict load).

    Attributes:
        missing_keys: the model's parameter and buffer names that the state did not have.
        unexpected_keys: the state's names that the model does not have."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def register_buffer(module: Any, name: Any, tensor: Any, persistent: bool) -> None:
    """`Module.register_buffer`'s checks and bookkeeping (the caller marks the structure changed)."""
    where = f"{type(module).__name__}.register_buffer"
    if not isinstance(name, str):
        raise TypeError(f"{where}: the name must be a str, got {type(name).__name__}")
    if not name or "." in name or (hasattr(module, name) and name not in module._buffer_names):
        raise KeyError(
            f"{where}: {name!r} cannot be a buffer name (empty, with a '.', or already an "
            "attribute)"
        )
    if tensor is not None and not isinstance(tensor, Tensor):
        raise TypeError(f"{where}: {name!r} must be a Tensor or None, got {type(tensor).__name__}")
    if tensor is not None and tensor.requires_grad:
        raise ValueError(
            f"{where}: {name!r} requires grad; a buffer is not learned (a parameter is set as an "
            "attribute: self.W = Tensor(..., requires_grad=True))"
        )
    module._unregister(name)
    module._buffer_names.append(name)
    module._non_persistent.discard(name)
    if not persistent:
        module._non_persistent.add(name)
    object.__setattr__(module, name, tensor)


def set_buffer(module: Any, name: str, value: Any) -> None:
    """`module.name = value` for a buffer: a Tensor keeps it a buffer, None empties it."""
    if value is not None and not isinstance(value, Tensor):
        raise TypeError(
            f"{type(module).__name__}: cannot set the buffer {name!r} to a "
            f"{type(value).__name__} (a Tensor or None expected)"
        )
    object.__setattr__(module, name, value)


def walk_parameters(module: Any) -> Iterator[tuple[str, Tensor]]:
    """`Module.named_parameters` before it is cached: each parameter once, under its first name."""
    seen: set[int] = set()
    for path, sub in module.named_modules():
        for name in sub._param_names:
            param = sub.__dict__[name]
            if id(param) not in seen:
                seen.add(id(param))
                yield (f"{path}.{name}" if path else name), param


def named_buffers(module: Any, prefix: str, recurse: bool) -> Iterator[tuple[str, Tensor]]:
    """`Module.named_buffers`: the buffers that hold a Tensor, each once."""
    modules = module.named_modules(prefix) if recurse else iter([(prefix, module)])
    seen: set[int] = set()
    for path, sub in modules:
        for name in sub._buffer_names:
            buffer = sub.__dict__[name]
            if buffer is not None and id(buffer) not in seen:
                seen.add(id(buffer))
                yield (f"{path}.{name}" if path else name), buffer


def named_state(module: Any) -> Iterator[tuple[str, Tensor]]:
    """`(dotted name, tensor)` of what `state_dict()` holds: for each module (depth first, as
    `named_modules()`), its parameters then its persistent buffers; a tensor shared by two
    modules is listed once, under its first name."""
    seen: set[int] = set()
    for path, sub in module.named_modules():
        persistent = [
            (n, b) for n, b in sub.named_buffers(recurse=False) if n not in sub._non_persistent
        ]
        for name, t in [*((n, sub.__dict__[n]) for n in sub._param_names), *persistent]:
            if id(t) not in seen:
                seen.add(id(t))
                yield (f"{path}.{name}" if path else name), t


def state_dict(module: Any) -> OrderedDict[str, np.ndarray]:
    """A copy of every parameter's and persistent buffer's values, by dotted name."""
    return OrderedDict((name, t.data.copy()) for name, t in named_state(module))


def load_state_dict(module: Any, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
    """Copy `state` into the module's parameters and buffers in place, all or nothing (see
    `Module.load_state_dict`)."""
    own = dict(named_state(module))
    missing = [name for name in own if name not in state]
    unexpected = [name for name in state if name not in own]
    problems = []
    if strict and missing:
        problems.append(
            f"missing parameters or buffers (in the model, not in the state): {missing}"
        )
    if strict and unexpected:
        problems.append(
            f"unexpected parameters or buffers (in the state, not in the model): {unexpected}"
        )
    values = {}
    for name, t in own.items():
        if name not in state:
            continue
        value = state[name]
        value = np.asarray(value.data if isinstance(value, Tensor) else value)
        what = "parameter" if t.requires_grad else "buffer"
        if value.shape != t.shape:
            problems.append(
                f"{name}: the state has shape {value.shape}, the model's {what} has shape {t.shape}"
            )
        elif value.dtype.kind not in "fiub":
            problems.append(f"{name}: the state holds {value.dtype}, not numbers")
        values[name] = value
    if problems:
        raise ValueError(
            f"load_state_dict into {type(module).__name__}:\n  " + "\n  ".join(problems)
        )
    with no_grad():
        for name, value in values.items():
            own[name].copy_(value)  # in place: the version moves, the identity stays
    return LoadResult(missing, unexpected)
