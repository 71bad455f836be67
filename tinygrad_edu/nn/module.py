"""`Module`: the base of every layer and model, as PyTorch's `torch.nn.Module`.

A module finds its own parameters: a Tensor that requires grad set as an attribute
(`self.W = Tensor(..., requires_grad=True)`) is a parameter; a Module set as an attribute is a
child.
Both are remembered in the order they were set, so `parameters()` lists W[1], b[1], W[2], b[2], ...
in the course's order, and `named_parameters()` names them by their path: `"layers.0.W"`.
A buffer (`register_buffer`) is state that is not learned, such as BatchNorm's running mean:
`state_dict()` holds it, `parameters()` (what an optimizer updates) does not.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.nn import state as _state
from tinygrad_edu.nn.state import LoadResult
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
        # object.__setattr__: our own __setattr__ needs these to exist already
        object.__setattr__(self, "_param_names", [])
        object.__setattr__(self, "_module_names", [])
        object.__setattr__(self, "_buffer_names", [])
        object.__setattr__(self, "_non_persistent", set())  # the buffers state_dict() leaves out
        self.training = True

    # ------------------------------------------------------------------------------------------
    # Registration: values live in __dict__ (plain attribute access, no lookup cost in forward);
    # the name lists only remember which attributes are parameters, buffers and children, in order.

    def __setattr__(self, name: str, value: Any) -> None:
        if "_param_names" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() at the start of __init__, "
                f"before setting self.{name}"
            )
        if name in self._buffer_names and not getattr(value, "requires_grad", False):  # type: ignore[attr-defined]  # set in __init__ by object.__setattr__
            return _state.set_buffer(self, name, value)  # it stays a buffer, as in PyTorch
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
        for names in (self._param_names, self._module_names, self._buffer_names):  # type: ignore[attr-defined]  # set in __init__ by object.__setattr__
            if name in names:
                names.remove(name)
                _structure_changed()

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Make `tensor` a buffer (state not learned: in `state_dict()`, not in `parameters()`).
        Setting the attribute to another Tensor keeps it a buffer (one that requires grad makes it
        a parameter); None removes it from `named_buffers()` and `state_dict()`, as in PyTorch.

        Args:
            name: the attribute name (`self.running_mean`).
            tensor: a Tensor that does not require grad, or None (a buffer set later).
            persistent: False leaves the buffer out of `state_dict()`.

        Raises:
            TypeError: `name` is not a str, or `tensor` is neither a Tensor nor None.
            KeyError: `name` is empty, has a ".", or is already another attribute.
            ValueError: `tensor` requires grad (that is a parameter: set it as an attribute).

        Examples:
            >>> layer = Module()
            >>> layer.register_buffer("count", Tensor(0.0))
            >>> [name for name, _ in layer.named_buffers()], list(layer.parameters())
            (['count'], [])"""
        _state.register_buffer(self, name, tensor, persistent)
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
        """`train(False)`: Dropout passes A through, BatchNorm uses its running statistics.

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

        Returns:
            An iterator of the child Modules."""
        return (module for _, module in self.named_children())

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

        Returns:
            An iterator of the Modules, this one first."""
        return (module for _, module in self.named_modules())

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        """Every parameter with its dotted path, in registration order (a tensor shared by two
        layers is listed once, under its first name).

        Returns:
            An iterator of `(name, parameter)` pairs: `("layers.0.W", W)`, ..."""
        cached = self.__dict__.get("_named_parameters_cache")
        if cached is None or cached[0] != _structure_version:
            cached = (_structure_version, list(_state.walk_parameters(self)))
            object.__setattr__(self, "_named_parameters_cache", cached)
        return iter(cached[1])

    def parameters(self) -> Iterator[Tensor]:
        """The parameters, for an optimizer: `optim.SGD(model.parameters(), lr=0.0075)`.

        Returns:
            An iterator of the parameter Tensors, in the order of `named_parameters()`."""
        return (param for _, param in self.named_parameters())

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        """Every buffer (not None) with its dotted path, module by module, in registration order.

        Args:
            prefix: put before every name.
            recurse: False lists this module's own buffers only.

        Returns:
            An iterator of `(name, buffer)` pairs: `("1.running_mean", running_mean)`, ..."""
        return _state.named_buffers(self, prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """The buffers, in the order of `named_buffers()`.

        Args:
            recurse: False lists this module's own buffers only.

        Returns:
            An iterator of the buffer Tensors."""
        return (buffer for _, buffer in self.named_buffers(recurse=recurse))

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
        """A copy of the parameters and buffers by dotted name, each module's parameters then
        its buffers, as PyTorch's (what `io.save` writes).

        Returns:
            An OrderedDict of name -> numpy array (copies: later training does not change them)."""
        return _state.state_dict(self)

    def load_state_dict(self, state: Mapping[str, Any], strict: bool = True) -> LoadResult:
        """Copy the values of `state` into the parameters and buffers of the same names, in place.

        They keep their dtype and identity (an optimizer that holds them keeps working). Every
        problem is reported at once, and nothing is written unless all is well.

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
        return _state.load_state_dict(self, state, strict)

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
