"""Initializers: the course's exact ones, and He and Xavier.

Each walks the model's layers in order (every module holding a weight `W` of shape (n[l], n[l-1])
and a bias `b` of shape (n[l], 1): each `Linear`, or a layer of your own in the course's notation)
and draws from one `numpy.random.RandomState(seed)`, layer by layer, exactly as the course does:

    rs = np.random.RandomState(seed)
    for l in 1..L:
        W[l] = rs.randn(n[l], n[l-1]) * scale      (or / sqrt(n[l-1]))
        b[l] = zeros((n[l], 1))

so the same seed gives the course's numbers, digit for digit:

    course_(model, scale=0.01, seed=2)        the planar network (week 3)
    course_(model, scale=0.01, seed=1)        the 2-layer cat network (week 4)
    course_(model, scale="sqrt", seed=1)      the L-layer cat network (week 4): W / sqrt(n[l-1])
    he_(model, seed=3)                        He, as course 2 writes it: W * sqrt(2 / n[l-1])

`seed=None` draws from the library's generator (`tinygrad_edu.manual_seed` seeds it). Values are written into `W.data` and `b.data` in place (the
tensors stay the same objects, so an optimizer holding them keeps working) and keep their dtype.
`initialize(model, "he", seed=0)` picks an initializer by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from tinygrad_edu import random
from tinygrad_edu._checks import is_int, is_real
from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor


def layers(model: Module) -> list[Any]:
    """The modules of `model` that hold a 2-D weight `W` and a bias `b`, in the course's order.

    Args:
        model: the Module to search (itself included).

    Returns:
        The list of those modules: each Linear, or a layer of your own in the course's notation.

    Examples:
        >>> from tinygrad_edu.nn import DeepNet
        >>> layers(DeepNet([4, 3, 1]))
        [Linear(4 -> 3), Linear(3 -> 1)]
    """
    return [
        m
        for m in model.modules()
        if isinstance(getattr(m, "W", None), Tensor)
        and m.W.ndim == 2  # type: ignore[attr-defined]  # W: checked on the line above
        and isinstance(getattr(m, "b", None), Tensor)
    ]


def _draw(model: Module, seed: int | None, weight: Callable[[Any, int, int], np.ndarray]) -> None:
    """W[l] = weight(rs, n[l], n[l-1]) and b[l] = 0 for l = 1..L, from one RandomState."""
    if seed is not None and not is_int(seed):
        raise TypeError(f"seed must be an int or None, got {seed!r}")
    found = layers(model)
    if not found:
        raise ValueError(
            f"{type(model).__name__} has no layer with a weight W and a bias b to initialize"
        )
    rs = random.generator(seed)
    with no_grad():
        for layer in found:
            n, n_prev = layer.W.shape
            layer.W.copy_(weight(rs, n, n_prev))
            layer.b.zero_()


def zeros_(model: Module) -> Module:
    """W = 0 and b = 0 everywhere: right for logistic regression (week 2); a network with hidden
    layers initialized so never breaks symmetry (every hidden unit learns the same thing).

    Args:
        model: a Module; every module in it with a 2-D `W` and a `b` is initialized.

    Returns:
        The model, its parameters written in place.
    """
    for layer in layers(model):
        with no_grad():
            layer.W.zero_()
            layer.b.zero_()
    return model


def course_(model: Module, scale: float | str = 0.01, seed: int | None = 1) -> Module:
    """The course's initialization: W[l] = randn(n[l], n[l-1]) * scale, or with `scale="sqrt"`
    W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]); b[l] = 0.

    Args:
        model: a Module; every module in it with a 2-D `W` and a `b` is initialized.
        scale: the factor of randn, a number > 0, or "sqrt" for / sqrt(n[l-1]).
        seed: the RandomState seed (None: the library's generator).

    Returns:
        The model, its parameters written in place.

    Raises:
        ValueError: `scale` is neither a number > 0 nor "sqrt", or the model has no layer.
        TypeError: `seed` is not an int or None.

    Examples:
        >>> from tinygrad_edu.nn import Linear
        >>> layer = course_(Linear(2, 1), scale=0.01, seed=1)
        >>> np.array_equal(layer.W.data, np.random.RandomState(1).randn(1, 2) * 0.01)
        True
    """
    if scale == "sqrt":
        # division, not * (1 / sqrt): the course divides, and the last bit of every weight counts
        _draw(model, seed, lambda rs, n, n_prev: rs.randn(n, n_prev) / np.sqrt(n_prev))
    elif is_real(scale) and scale > 0:  # type: ignore[operator]  # is_real: a number, not a str
        _draw(model, seed, lambda rs, n, n_prev: rs.randn(n, n_prev) * scale)
    else:
        raise ValueError(f"course_: scale must be a number > 0 or 'sqrt', got {scale!r}")
    return model


def he_(model: Module, seed: int | None = None) -> Module:
    """He initialization, for ReLU layers: W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]); b[l] = 0.

    It keeps the variance of Z[l] about the same from layer to layer when half the units are 0.

    Args:
        model: a Module; every module in it with a 2-D `W` and a `b` is initialized.
        seed: the RandomState seed (None: the library's generator).

    Returns:
        The model, its parameters written in place.

    Raises:
        ValueError: the model has no layer with a `W` and a `b`.
        TypeError: `seed` is not an int or None.
    """
    _draw(model, seed, lambda rs, n, n_prev: rs.randn(n, n_prev) * np.sqrt(2.0 / n_prev))
    return model


def xavier_(model: Module, seed: int | None = None, glorot: bool = False) -> Module:
    """Xavier initialization, for tanh layers: W[l] = randn(n[l], n[l-1]) * sqrt(1 / n[l-1]), as
    the course states it; with `glorot=True` the original paper's sqrt(2 / (n[l-1] + n[l])).

    Args:
        model: a Module; every module in it with a 2-D `W` and a `b` is initialized.
        seed: the RandomState seed (None: the library's generator).
        glorot: use sqrt(2 / (n[l-1] + n[l])) instead.

    Returns:
        The model, its parameters written in place.

    Raises:
        ValueError: the model has no layer with a `W` and a `b`.
        TypeError: `seed` is not an int or None.
    """
    if glorot:
        _draw(model, seed, lambda rs, n, n_prev: rs.randn(n, n_prev) * np.sqrt(2.0 / (n_prev + n)))
    else:
        _draw(model, seed, lambda rs, n, n_prev: rs.randn(n, n_prev) * np.sqrt(1.0 / n_prev))
    return model


METHODS: dict[str, Callable[..., Module]] = {
    "zeros": zeros_,
    "course": course_,
    "he": he_,
    "xavier": xavier_,
}


def initialize(model: Module, method: str, seed: int | None = None, **options: Any) -> Module:
    """Initialize by name: `initialize(model, "course", seed=1, scale="sqrt")`, `"he"`, `"xavier"`
    (options: `glorot=True`) or `"zeros"`.

    Args:
        model: a Module; every module in it with a 2-D `W` and a `b` is initialized.
        method: "zeros", "course", "he" or "xavier".
        seed: the RandomState seed (None: the library's generator; "zeros" ignores it).
        **options: passed to the initializer (`scale=` for "course", `glorot=` for "xavier").

    Returns:
        The model, its parameters written in place.

    Raises:
        ValueError: `method` is unknown (or as the initializer raises).
    """
    if method not in METHODS:
        raise ValueError(f"initialize: unknown method {method!r}; choose one of {list(METHODS)}")
    if method == "zeros":
        return zeros_(model, **options)
    return METHODS[method](model, seed=seed, **options)
