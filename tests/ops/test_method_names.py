"""The methods ops/dispatch.py and ops/axis_names.py make for Tensor carry Tensor's names, so a
traceback, `help(Tensor.exp)` and the API reference show them where the user calls them."""

from __future__ import annotations

import inspect

import pytest

from tinygrad_edu import Tensor

MADE = ["exp", "log", "sqrt", "sigmoid", "tanh", "relu", "sum", "mean", "max", "softmax",
        "squeeze", "argmax", "maximum", "__add__", "__radd__", "__neg__", "__abs__", "__iadd__",
        "__lt__"]  # fmt: skip


@pytest.mark.parametrize("name", MADE)
def test_a_made_method_is_named_as_tensors(name: str) -> None:
    method = getattr(Tensor, name)
    assert (method.__name__, method.__qualname__) == (name, f"Tensor.{name}")
    assert method.__module__ == "tinygrad_edu.tensor"
    assert inspect.getdoc(method), f"Tensor.{name} has no docstring"


def test_a_method_under_two_names_keeps_the_first() -> None:
    assert Tensor.abs is Tensor.__abs__
    assert Tensor.abs.__name__ == "__abs__"


@pytest.mark.parametrize("name", MADE)
def test_a_made_methods_docstring_has_each_section_once(name: str) -> None:
    # the op's own Args give way to the method's (ops/axis_names.py `_documented`)
    lines = inspect.getdoc(getattr(Tensor, name)).splitlines()
    for section in ("Args:", "Returns:", "Raises:", "Examples:"):
        assert lines.count(section) <= 1, f"Tensor.{name}: {section} {lines.count(section)} times"
