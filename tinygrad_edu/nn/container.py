"""`Sequential`: modules applied one after the other, A = f_k(... f_2(f_1(X)))."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from tinygrad_edu.nn.linear import Linear
from tinygrad_edu.nn.module import Module


class Sequential(Module):
    """`Sequential(Linear(2, 4), Tanh(), Linear(4, 1))`: forward passes each output to the next.

    The modules are its children "0", "1", ... (so the parameters are named "0.W", "2.b", ...);
    it can be indexed (`seq[0]`, `seq[-1]`, `seq[1:]` gives a Sequential of the same modules),
    measured with `len` and iterated.

    The k-th Linear layer's parameters are named "Wk" and "bk" (`W1`, `b1`, `W2`, ... as the course
    writes them), so graph drawings and printouts tell the layers apart; a layer whose W or b was
    given another name keeps it.

    Args:
        *modules: the modules, in the order forward applies them.

    Raises:
        TypeError: an item is not a Module.

    Examples:
        >>> from tinygrad_edu.nn import Linear, Tanh
        >>> seq = Sequential(Linear(2, 4), Tanh(), Linear(4, 1))
        >>> len(seq), list(seq.state_dict())
        (3, ['0.W', '0.b', '2.W', '2.b'])
    """

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        for module in modules:
            self.append(module)

    def append(self, module: Module) -> Sequential:
        """Add `module` at the end.

        Args:
            module: the Module to apply after the others.

        Returns:
            This Sequential, so appends can be chained.

        Raises:
            TypeError: `module` is not a Module.
        """
        if not isinstance(module, Module):
            raise TypeError(
                f"Sequential: item {len(self)} is {type(module).__name__}, not a Module"
            )
        if isinstance(module, Linear) and (module.W.name, module.b.name) == ("W", "b"):
            layer = 1 + sum(isinstance(m, Linear) for m in self)
            module.W.name, module.b.name = f"W{layer}", f"b{layer}"
        setattr(self, str(len(self)), module)
        return self

    def forward(self, X: Any) -> Any:
        """Pass `X` through every module in turn.

        Args:
            X: the first module's input.

        Returns:
            The last module's output (X itself when the Sequential is empty).
        """
        for module in self:
            X = module(X)
        return X

    def __len__(self) -> int:
        return len(self._module_names)  # type: ignore[attr-defined]  # set in __init__ by object.__setattr__

    def __iter__(self) -> Iterator[Module]:
        return self.children()

    def __getitem__(self, index: int | slice) -> Any:
        modules = list(self.children())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        try:
            return modules[index]
        except IndexError:
            raise IndexError(
                f"Sequential: index {index} is out of range for {len(modules)} modules"
            ) from None
