"""The `>>>` examples in the docstrings of the public modules run, and print what they say (issue
15: the API reference shows them, so they must be right). Their outputs are small exact values, the
same on every machine and BLAS."""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
from types import ModuleType

import numpy as np
import pytest

import tinygrad_edu
from tests.package.test_docstrings import SKIPPED_MODULES


def _modules() -> list[str]:
    """Every module of the package but the skipped ones (their examples are others' work)."""
    names = ["tinygrad_edu"]
    for info in pkgutil.walk_packages(tinygrad_edu.__path__, "tinygrad_edu."):
        if not info.name.startswith(SKIPPED_MODULES) and info.name != "tinygrad_edu.__main__":
            names.append(info.name)
    return sorted(names)


MODULES = _modules()
# the bridge to PyTorch: its examples call torch, an optional dependency
NEEDS_TORCH = ("tinygrad_edu.export",)
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS


def _examples(module: ModuleType) -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    return [test for test in finder.find(module, module.__name__) if test.examples]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_run(name: str) -> None:
    if name.startswith(NEEDS_TORCH) and importlib.util.find_spec("torch") is None:
        pytest.skip(f'{name}\'s examples need PyTorch (pip install "tinygrad_edu[torch]")')
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in _examples(module):
        test.globs.setdefault("np", np)
        runner.run(test, clear_globs=True)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{name}: {results.failed} of {results.attempted} examples failed"


def test_the_public_modules_have_examples() -> None:
    # the reference shows an example for the main entry points; finding none means the finder broke
    with_examples = {name for name in MODULES if _examples(importlib.import_module(name))}
    for name in ("tinygrad_edu", "tinygrad_edu.tensor", "tinygrad_edu.nn.models"):
        assert name in with_examples
