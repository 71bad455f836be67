"""`Module`: the base of every layer and model, as PyTorch's `torch.nn.Module`.

A module finds its own parameters: a Tensor that requires grad set as an attribute
(`self.W = Tensor(..., requires_grad=True)`) is a parameter; a Module set as an attribute is a
child.
Both are remembered in the order they were set, so `parameters()` lists W[1], b[1], W[2], b[2], ...
in the course's order, and `named_parameters()` names them by their path: `"layers.0.W"`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.tensor import Tensor

# Bumped whenever any module gains or loses a parameter or a child: `named_parameters()` keeps its
# list until then, so a training loop does not walk the module tree twice per iteration.
_structure_version = 0


def _structure_changed() -> None:
    global _structure_version
    _structure_version += 1


def zero_grad_of(param: Any) -> None:  # a Tensor whose .grad is set
    """Fill `param.grad` with zeros in place (`zero_grad(set_to_none=False)`). A gradient made with
    create_graph=True has a history: it is detached first, as PyTorch does."""
    with no_grad():
        if param.grad.requires_grad:
            param.grad = param.grad.detach()
        param.grad.zero_()


class LoadResult(NamedTuple):
    """What `load_state_dict(strict=False)` skipped (both empty after a strict load).

    Attributes:
        missing_keys: the model's parameter names that the state did not have.
        unexpected_keys: the state's names that the model does not have."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class: subclasses set parameters and child modules in `__init__` and define `forward`.

    Examples:
        >>> class Affine(Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.W = Tensor([[2.0]], requires_grad=True)
        ...     def forward(self, X):
        ...         return self.W @ X
        >>> [name for name, _ in Affine().named_parameters()]
        ['W']"""

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these two lists to exist already
        object.__setattr__(self, "_param_names", [])
        object.__setattr__(self, "_module_names", [])
        self.training = True

    # ------------------------------------------------------------------------------------------
    # Registration: values live in __dict__ (plain attribute access, no lookup cost in forward);
    # the two name lists only remember which attributes are parameters and children, in order.

    def __setattr__(self, name: str, value: Any) -> None:
        if "_param_names" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() at the start of __init__, "
                f"before setting self.{name}"
            )
        self._unregister(name)
        if isinstance(value, Tensor) and value.requires_grad:
            self._param_names.append(name)  # type: ignore[attr-defined]  # set in __init__ by object.__setattr__
            _structure_changed()
        elif isinstance(value, Module):
            self._module_names.append(name)  # type: ignore[attr-defined]  # set in __init__ by object.__setattr__
            _structure_changed()
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._unregister(name)
        object.__delattr__(self, name)

    def _unregister(self, name: str) -> None:
        # reassigning an attribute to something else (None, an array) stops it being registered
        for names in (self._param_names, self._module_names):  # type: ignore[attr-defined]  # set in __init__ by object.__setattr__
            if name in names:
                names.remove(name)
                _structure_changed()

    # ------------------------------------------------------------------------------------------
    # Running

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What calling the module computes (`model(X)`); every subclass defines it.

        Returns:
            The module's output, usually a Tensor (NotImplementedError until defined)."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def train(self, mode: bool = True) -> Module:
        """Set the `training` flag of this module and every module inside it.

        Args:
            mode: the flag's new value.

        Returns:
            This module."""
        for module in self.modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """`train(False)`: the flag layers like dropout read (none of the course's layers do).

        Returns:
            This module."""
        return self.train(False)

    # ------------------------------------------------------------------------------------------
    # Walking the tree

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct child modules, in the order they were set.

        Yields:
            `(attribute name, module)` pairs."""
        for name in self._module_names:  # type: ignore[attr-defined]  # set in __init__ by object.__setattr__
            yield name, self.__dict__[name]

    def children(self) -> Iterator[Module]:
        """The direct child modules, in the order they were set.

        Yields:
            Each child Module."""
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every module below it, depth first (a module used twice, once).

        Args:
            prefix: the name this module is given; its children's names start with it.

        Yields:
            `(dotted path, module)` pairs, this module first."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            path, module = stack.pop()
            if id(module) in seen:
                continue  # a module used twice is listed once, as PyTorch does
            seen.add(id(module))
            yield path, module
            kids = [(f"{path}.{n}" if path else n, m) for n, m in module.named_children()]
            stack.extend(reversed(kids))  # reversed: pop them in the order they were set

    def modules(self) -> Iterator[Module]:
        """This module and every module below it, depth first.

        Yields:
            Each Module, this one first."""
        for _, module in self.named_modules():
            yield module

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """Every parameter with its dotted path, in registration order (a tensor shared by two
        layers is listed once, under its first name).

        Returns:
            An iterator of `(name, parameter)` pairs: `("layers.0.W", W)`, ..."""
        cached = self.__dict__.get("_named_parameters_cache")
        if cached is None or cached[0] != _structure_version:
            cached = (_structure_version, list(self._walk_parameters()))
            object.__setattr__(self, "_named_parameters_cache", cached)
        return iter(cached[1])

    def _walk_parameters(self) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        for path, module in self.named_modules():
            for name in module._param_names:  # type: ignore[attr-defined]  # set in __init__ by object.__setattr__
                param = module.__dict__[name]
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{path}.{name}" if path else name), param

    def parameters(self) -> Iterator[Tensor]:
        """The parameters, for an optimizer: `optim.SGD(model.parameters(), lr=0.0075)`.

        Returns:
            An iterator of the parameter Tensors, in the order of `named_parameters()`."""
        return (param for _, param in self.named_parameters())

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients before the next backward (backward adds into `.grad`).

        Args:
            set_to_none: True makes `.grad` None (PyTorch's default); False fills it with zeros."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                zero_grad_of(param)

    # ------------------------------------------------------------------------------------------
    # Saving and restoring values

    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """A copy of every parameter's values, by dotted name, in order (what `io.save` writes).

        Returns:
            An OrderedDict of name -> numpy array (copies: later training does not change them)."""
        return OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy the values of `state` into the parameters of the same names, in place.

        The parameters keep their dtype (values are cast into it) and identity (an optimizer that
        holds them keeps working). Every problem is reported at once, and nothing is written
        unless all is well: a shape that differs, and with `strict=True` a name missing from
        `state` or one this model does not have.

        Args:
            state: name -> values (arrays or Tensors), as `state_dict()` or `io.load` give.
            strict: refuse names missing on either side.

        Returns:
            The LoadResult: the names skipped (`missing_keys`, `unexpected_keys`).

        Raises:
            ValueError: a shape differs, a value is not numbers, or (strict) a name is missing or
                unexpected; the message lists every problem.

        Examples:
            >>> from tinygrad_edu.nn import Linear
            >>> layer, copy = Linear(2, 1, seed=0), Linear(2, 1, seed=1)
            >>> copy.load_state_dict(layer.state_dict())
            LoadResult(missing_keys=[], unexpected_keys=[])"""
        params = dict(self.named_parameters())
        missing = [name for name in params if name not in state]
        unexpected = [name for name in state if name not in params]
        problems = []
        if strict and missing:
            problems.append(f"missing parameters (in the model, not in the state): {missing}")
        if strict and unexpected:
            problems.append(f"unexpected parameters (in the state, not in the model): {unexpected}")
        values = {}
        for name, param in params.items():
            if name not in state:
                continue
            value = state[name]
            value = np.asarray(value.data if isinstance(value, Tensor) else value)
            if value.shape != param.shape:
                problems.append(
                    f"{name}: the state has shape {value.shape}, the model's parameter has shape "
                    f"{param.shape}"
                )
            elif value.dtype.kind not in "fiub":
                problems.append(f"{name}: the state holds {value.dtype}, not numbers")
            values[name] = value
        if problems:
            raise ValueError(
                f"load_state_dict into {type(self).__name__}:\n  " + "\n  ".join(problems)
            )
        with no_grad():
            for name, value in values.items():
                params[name].copy_(value)  # in place: the version moves, the identity stays
        return LoadResult(missing, unexpected)

    # ------------------------------------------------------------------------------------------
    # Printing, as PyTorch prints a model

    def extra_repr(self) -> str:
        """What goes between the parentheses of this module's line in its repr.

        Returns:
            `12288 -> 20` for a Linear; "" here."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({extra})"
        lines = extra.split("\n") if extra else []
        for name, child in children:
            lines.append(f"({name}): " + repr(child).replace("\n", "\n  "))
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"
