"""`Optimizer`, the base of every optimizer: the parameter list, `step()`, `zero_grad()`, PyTorch's
weight decay, and the repr."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tinygrad_edu._checks import check_positive_real, check_real
from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.engine.versions import increment_version
from tinygrad_edu.nn.module import zero_grad_of as _zero_grad_of
from tinygrad_edu.tensor import Tensor

# the options repr shows only when they are not their default
_DEFAULTS = {"momentum": 0.0, "dampening": 0.0, "weight_decay": 0.0, "nesterov": False}


class Optimizer:
    """Holds the parameters; `step()` updates them from their `.grad`, `zero_grad()` clears it.
    A subclass defines `update` (one parameter's arrays, in place).

    Args:
        params: any iterable of leaf Tensors (a list, or `model.parameters()`); a tensor listed
            twice is kept once.
        lr: the learning rate, a number > 0.

    Raises:
        TypeError: `params` is a single Tensor, or holds something that is not a Tensor.
        ValueError: `params` is empty or holds a tensor made by an op, or `lr` is not > 0.

    Examples:
        >>> W = Tensor([1.0, -2.0], requires_grad=True)
        >>> from tinygrad_edu import optim
        >>> optimizer = optim.SGD([W], lr=0.1)
        >>> (W * W).sum().backward()  # dW = 2 W
        >>> optimizer.step()
        >>> W.data
        array([ 0.8, -1.6])
    """

    weight_decay: float = 0.0  # the built-in optimizers take it as an argument
    # what state_dict() saves besides lr, and the names of the per-parameter state it may hold
    hyperparameters: tuple[str, ...] = ("weight_decay",)
    state_keys: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Tensor], lr: float) -> None:
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(
                f"{name}: params must be an iterable of Tensors (e.g. model.parameters() or "
                "[W, b]), got a single Tensor; wrap it in a list"
            )
        self.params: list[Tensor] = []
        seen: set[int] = set()
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: parameter {i} is {type(p).__name__}, not a Tensor")
            if not p.is_leaf:
                raise ValueError(
                    f"{name}: parameter {i} (shape {p.shape}) is the result of an op, not a leaf; "
                    "optimize the tensors you created (with requires_grad=True)"
                )
            if id(p) not in seen:
                seen.add(id(p))
                self.params.append(p)
        if not self.params:
            raise ValueError(f"{name}: got an empty list of parameters")
        check_positive_real(name, "lr (the learning rate)", lr)
        self.lr = lr
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients before the next backward.

        Args:
            set_to_none: `.grad = None` (PyTorch's default); False fills `.grad` with zeros."""
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                _zero_grad_of(p)

    def step(self) -> None:
        """One update of every parameter that has a gradient.

        The update writes into the parameter's array in place, so its version is bumped: a
        graph recorded before the step that saved the parameter refuses to backpropagate."""
        with no_grad():
            for p, state in zip(self.params, self.state, strict=True):
                if p.grad is not None:
                    self.update(p.data, p.grad.data, state)
                    increment_version(p)

    def update(self, W: np.ndarray, dW: np.ndarray, state: dict[str, Any]) -> None:
        """Update the array `W` in place from its gradient `dW`.

        Args:
            W: the parameter's array, written in place.
            dW: its gradient (read only: it is `.grad`'s array).
            state: this parameter's state, a dict the subclass fills (v, s, t ...).

        Raises:
            NotImplementedError: the subclass does not define it."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    def decayed(self, W: np.ndarray, dW: np.ndarray) -> np.ndarray:
        """The gradient with PyTorch's weight decay: dW + weight_decay W (dW itself when 0).

        Args:
            W: the parameter's array.
            dW: its gradient.

        Returns:
            The gradient to use, a new array when weight_decay is not 0."""
        return dW + self.weight_decay * W if self.weight_decay else dW

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's form, to save and restore (`io.save_checkpoint`).

        Returns:
            `{"state": {i: {"v": array, ...}}, "param_groups": [{"lr": ..., ..., "params": [0,
            1, ...]}]}`: parameters by position, each state array a copy (later steps do not
            change it); parameters with no state yet (never stepped) are left out.

        Examples:
            >>> from tinygrad_edu import optim
            >>> W = Tensor([1.0], requires_grad=True)
            >>> optimizer = optim.Momentum([W], lr=0.1)
            >>> (W * W).sum().backward()
            >>> optimizer.step()
            >>> optimizer.state_dict()["state"]
            {0: {'v': array([0.2])}}
        """
        group = {"lr": self.lr, **{k: getattr(self, k) for k in self.hyperparameters}}
        group["params"] = list(range(len(self.params)))
        state = {
            i: {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in s.items()}
            for i, s in enumerate(self.state)
            if s
        }
        return {"state": state, "param_groups": [group]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a `state_dict()`: the hyperparameters, and each parameter's state, copied in.

        An array already held is written into in place, so a compiled step bound to it keeps
        reading the restored values; the optimizer then steps to the same numbers as the one saved.

        Args:
            state_dict: a dict from `state_dict()` of an optimizer of the same kind over
                parameters of the same shapes.

        Raises:
            ValueError: the dict is not in that form, is for another number of parameters, or
                holds a state of another name, shape or dtype than the parameter's.
        """
        name = type(self).__name__
        try:
            (group,) = state_dict["param_groups"]
            n, states = len(group["params"]), state_dict["state"]
        except (KeyError, TypeError, ValueError):
            raise ValueError(
                f"{name}.load_state_dict: expected a dict from state_dict(), with 'state' and one "
                "'param_groups' entry"
            ) from None
        if n != len(self.params):
            raise ValueError(
                f"{name}.load_state_dict: the saved optimizer had {n} parameters, this one has "
                f"{len(self.params)}"
            )
        missing = [k for k in ("lr", *self.hyperparameters) if k not in group]
        if missing:
            raise ValueError(f"{name}.load_state_dict: the saved group lacks {missing}")
        for i, saved in states.items():
            self._check_state(int(i), saved)
        self.lr = check_positive_real(name, "lr (the learning rate)", group["lr"])
        for k in self.hyperparameters:
            setattr(self, k, group[k])
        for i, state in enumerate(self.state):
            saved = states.get(i, states.get(str(i), {}))
            for key in [k for k in state if k not in saved]:
                del state[key]  # the saved optimizer had not made it yet
            for key, value in saved.items():
                held = state.get(key)
                if isinstance(held, np.ndarray) and held.shape == np.shape(value):
                    held[...] = value
                else:
                    state[key] = np.array(value) if isinstance(value, np.ndarray) else int(value)

    def _check_state(self, i: int, saved: Any) -> None:
        name = type(self).__name__
        if not 0 <= i < len(self.params) or not isinstance(saved, dict):
            raise ValueError(f"{name}.load_state_dict: no parameter {i} for the state {saved!r}")
        p = self.params[i]
        for key, value in saved.items():
            if key not in self.state_keys:
                raise ValueError(
                    f"{name}.load_state_dict: parameter {i} has a state {key!r}; {name} keeps "
                    f"{list(self.state_keys)}"
                )
            if isinstance(value, np.ndarray) and (value.shape != p.shape or value.dtype != p.dtype):
                raise ValueError(
                    f"{name}.load_state_dict: state {key!r} of parameter {i} is {value.dtype} "
                    f"{value.shape}, the parameter is {p.dtype} {p.shape}"
                )

    @property
    def _state_ids(self) -> tuple[int, ...]:
        # which state dicts it holds: the compiled step guards them (compiled/optimizers.py), so
        # that a program bound to the old dicts never replays after `state` is replaced
        return tuple(map(id, self.state))

    def _hyper(self, *names: str) -> str:
        shown = [f"{k}={getattr(self, k)}" for k in ("lr", *names)]
        shown += [
            f"{k}={getattr(self, k)}" for k, d in _DEFAULTS.items() if getattr(self, k, d) != d
        ]
        return ", ".join(shown)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._hyper()}, params={len(self.params)})"


def check_decay(where: str, weight_decay: Any) -> float:
    """`weight_decay` when it is a number >= 0 (see `check_real`)."""
    return check_real(where, "weight_decay", weight_decay, 0.0)
