"""The API reference is generated from the docstrings (mkdocstrings, `docstring_style: google`), so
it is complete only if they are: every public name (each public module's `__all__`, and Tensor's
public methods) has a Google-style docstring with an `Args:` section naming each parameter and a
`Returns:` (or `Yields:`) section unless it returns None (issue 15).

A class documents its constructor's parameters in its own docstring (`Args:`, or `Attributes:`
for a record such as a NamedTuple); its public methods are checked as functions, under the name
of the class that defines them. Tensor's methods and the engine's (CONCISE_MODULES) need `Args:` but no
`Returns:`: their summary line says what comes back, and the engine core must not grow
(tests/package/test_budgets.py)."""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tinygrad_edu import Tensor

# The modules whose public names the reference documents; the command line is not an API (its
# --help is its documentation).
PUBLIC_MODULES = (
    "tinygrad_edu",
    "tinygrad_edu.autograd",
    "tinygrad_edu.data",
    "tinygrad_edu.export",
    "tinygrad_edu.io",
    "tinygrad_edu.nn",
    "tinygrad_edu.nn.init",
    "tinygrad_edu.optim",
    "tinygrad_edu.optim.lr_scheduler",
    "tinygrad_edu.testing",
    "tinygrad_edu.train",
    "tinygrad_edu.viz",
)
SKIPPED_MODULES = ("tinygrad_edu.cli",)

# Tensor's methods (those made from an op's docstring too) and the engine's names
CONCISE_MODULES = ("tinygrad_edu.tensor", "tinygrad_edu.engine")

_SECTION = re.compile(r"^(\s*)([A-Z][A-Za-z ]*):\s*$")
_ENTRY = re.compile(r"^\s*\**(\w+)(?:\s*\([^)]*\))?:")
_VARIADIC = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def sections(doc: str) -> dict[str, list[str]]:
    """The Google-style sections of a docstring: title -> the names its entries start with."""
    found: dict[str, list[str]] = {}
    lines = inspect.cleandoc(doc).splitlines()
    for i, line in enumerate(lines):
        if not (match := _SECTION.match(line)):
            continue
        indent, names = len(match.group(1)), found.setdefault(match.group(2), [])
        entry_indent = None
        for body in lines[i + 1 :]:
            if body.strip() and len(body) - len(body.lstrip()) <= indent:
                break  # the section ends where the text comes back to the title's indent
            depth = len(body) - len(body.lstrip())
            if body.strip() and (entry_indent is None or depth == entry_indent):
                entry_indent = depth
                if entry := _ENTRY.match(body):
                    names.append(entry.group(1))
    return found


def _is_skipped(obj: Any) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.startswith(SKIPPED_MODULES)


def _public_names(module_name: str) -> Iterator[tuple[str, Any]]:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    if names is None:  # a module without __all__ (io.py): what it defines without an underscore
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module_name
        ]
    for name in names:
        obj = getattr(module, name)
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and not _is_skipped(obj):
            yield f"{module_name}.{name}", obj


def _methods(cls: type) -> Iterator[tuple[str, Callable]]:
    """The public methods a class of the package defines or inherits from the package."""
    for name in sorted(dir(cls)):
        if name.startswith("_"):
            continue
        owner = next((k for k in cls.__mro__ if name in vars(k)), None)
        if owner is None or not owner.__module__.startswith("tinygrad_edu"):
            continue
        attr = vars(owner)[name]
        if isinstance(attr, (staticmethod, classmethod)):
            attr = attr.__func__
        if inspect.isfunction(attr):
            yield f"{owner.__module__}.{owner.__name__}.{name}", attr


def _targets() -> list[tuple[str, Any]]:
    seen: dict[int, tuple[str, Any]] = {}
    for module_name in PUBLIC_MODULES:
        for name, obj in _public_names(module_name):
            if id(obj) in seen:
                continue
            seen[id(obj)] = (name, obj)
            if inspect.isclass(obj):
                for method_name, method in _methods(obj):
                    seen.setdefault(id(method), (method_name, method))
    for method_name, method in _methods(Tensor):
        seen.setdefault(id(method), (method_name, method))
    return sorted(seen.values(), key=lambda pair: pair[0])


TARGETS = _targets()


def _parameters(obj: Any) -> list[str]:
    fn = obj.__init__ if inspect.isclass(obj) else obj
    if inspect.isclass(obj) and fn is object.__init__:
        return []
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # a builtin's __init__ (an exception's): nothing to name
        return []
    return [
        p.name
        for p in signature.parameters.values()
        if p.name not in ("self", "cls") and p.kind not in _VARIADIC
    ]


def _returns_none(fn: Callable) -> bool:
    return inspect.signature(fn).return_annotation in (None, "None")


def _stray_example(doc: str) -> str | None:
    """The first `>>>` line that is not inside an `Examples:` section, if any."""
    section = None
    for line in inspect.cleandoc(doc).splitlines():
        if match := _SECTION.match(line):
            section = match.group(2) if not match.group(1) else section
        elif line.strip() and not line[0].isspace():
            section = None  # text back at the left margin ends a section
        if line.lstrip().startswith(">>>") and section != "Examples":
            return line.strip()
    return None


def problems(name: str, obj: Any) -> list[str]:
    """What the docstring of `obj` lacks for the reference (an empty list: nothing)."""
    doc = obj.__doc__ if inspect.isclass(obj) else inspect.getdoc(obj)
    if not doc or not doc.strip():
        return [f"{name}: no docstring"]
    found, wrong = sections(doc), []
    params = _parameters(obj)
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        params = [] if obj.__init__ is BaseException.__init__ else params
    named = found.get("Args", []) + found.get("Attributes", [])
    if params and not ({"Args", "Attributes"} & found.keys()):
        wrong.append(f"{name}: no Args: section for {params}")
    elif missing := [p for p in params if p not in named]:
        wrong.append(f"{name}: Args: does not name {missing}")
    if stray := _stray_example(doc):
        wrong.append(
            f"{name}: {stray!r} is outside an Examples: section (the reference shows it as a quote)"
        )
    concise = obj.__module__.startswith(CONCISE_MODULES) or name.split(".")[-2:-1] == ["Tensor"]
    returns = {"Returns", "Yields"} & found.keys()
    if inspect.isfunction(obj) and not _returns_none(obj) and not concise and not returns:
        wrong.append(f"{name}: no Returns: section")
    return wrong


def test_the_public_api_is_found() -> None:
    names = {name for name, _ in TARGETS}
    # one name of each public module, and Tensor's methods, made by the factories or written out
    for expected in (
        "tinygrad_edu.grad",
        "tinygrad_edu.tensor.Tensor.backward",
        "tinygrad_edu.tensor.Tensor.exp",
        "tinygrad_edu.tensor.Tensor.sum",
        "tinygrad_edu.tensor.Tensor.maximum",
        "tinygrad_edu.data.load_cats",
        "tinygrad_edu.io.save",
        "tinygrad_edu.nn.Linear",
        "tinygrad_edu.nn.module.Module.state_dict",
        "tinygrad_edu.nn.init.he_",
        "tinygrad_edu.testing.tensors",
        "tinygrad_edu.train.fit",
        "tinygrad_edu.optim.Adam",
        "tinygrad_edu.optim.lr_scheduler.StepLR",
        "tinygrad_edu.viz.draw_graph",
        "tinygrad_edu.jit",
    ):
        assert expected in names, f"{expected} is not among the checked names"
    assert not [n for n in names if n.startswith("tinygrad_edu.cli")], "skipped modules are checked"


def test_sections_reads_google_style() -> None:
    doc = """Summary.

    Args:
        x: the first, with a long
            continuation line.
        axis (int): the second.
        **kwargs: passed on.

    Returns:
        Something.
    """
    assert sections(doc) == {"Args": ["x", "axis", "kwargs"], "Returns": []}
    assert problems("f", _documented) == []
    assert problems("g", _undocumented) == [
        "g: no Args: section for ['a', 'b']",
        "g: no Returns: section",
    ]


def _documented(a: int, *rest: int) -> int:
    """Add.

    Args:
        a: a number.

    Returns:
        a.
    """
    return a


def _undocumented(a: int, b: int) -> int:
    """Add."""
    return a + b


@pytest.mark.parametrize(("name", "obj"), TARGETS, ids=[name for name, _ in TARGETS])
def test_every_public_name_documents_its_parameters(name: str, obj: Any) -> None:
    wrong = problems(name, obj)
    assert not wrong, "\n".join(wrong)
