"""The documentation site (mkdocs.yml): the API reference pages document every public name, and
the site builds with `mkdocs build --strict` (the build test is slow: it draws the figures).

A name is public when it is in its module's `__all__` (or, for a module without one, defined in it
without a leading underscore). It is documented when a `::: path` directive of docs/reference/
renders it: the path names it, or names the same object under another public path
(`tinygrad_edu.grad` documents `tinygrad_edu.autograd.grad`), or names its module with its members.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "docs" / "reference"
DIRECTIVE = re.compile(r"^::: ([\w.]+)\n((?:    .*\n)*)", re.M)
PUBLIC_MODULES = (
    "tinygrad_edu",
    "tinygrad_edu.autograd",
    "tinygrad_edu.ops",
    "tinygrad_edu.nn",
    "tinygrad_edu.nn.init",
    "tinygrad_edu.optim",
    "tinygrad_edu.data",
    "tinygrad_edu.train",
    "tinygrad_edu.io",
    "tinygrad_edu.viz",
    "tinygrad_edu.testing",
    "tinygrad_edu.compiled",
    "tinygrad_edu.export",
)


def public_names(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module_name
    ]


def resolve(path: str) -> object:
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part)
        return obj
    raise ImportError(path)


def directives() -> dict[str, str]:
    """{path: its options block} of every `:::` directive in the reference pages."""
    found = {}
    for page in sorted(REFERENCE.glob("*.md")):
        for path, options in DIRECTIVE.findall(page.read_text()):
            found[path] = options
    return found


def test_every_directive_names_something_that_exists() -> None:
    for path in directives():
        resolve(path)  # raises, naming the path, when a page documents a name that is gone


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_has_its_entry_in_the_reference(module_name: str) -> None:
    documented = directives()
    objects = {id(resolve(p)) for p, opts in documented.items()}
    whole_modules = {p for p, opts in documented.items() if "members: false" not in opts}
    missing = []
    for name in public_names(module_name):
        path = f"{module_name}.{name}"
        obj = getattr(importlib.import_module(module_name), name)
        by_identity = (inspect.isclass(obj) or callable(obj)) and id(obj) in objects
        if not (path in documented or by_identity or module_name in whole_modules):
            missing.append(path)
    assert not missing, f"public names with no `::: path` in docs/reference/*.md: {missing}"


def test_the_reference_options_show_signatures_in_google_style() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    for option in ("docstring_style: google", "show_signature: true", "strict: true"):
        assert option in config


def _inventory(site: Path) -> set[str]:
    """The object names in the built site's objects.inv (Sphinx's inventory, version 2)."""
    data = (site / "objects.inv").read_bytes()
    body = zlib.decompress(data.split(b"\n", 4)[4]).decode()
    return {line.split(" ", 1)[0] for line in body.splitlines() if line}


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="needs .[docs]")
def test_the_site_builds_strict_and_its_inventory_has_every_public_name(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or "mkdocs"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"}
    run = subprocess.run(
        [mkdocs, "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    inventory = _inventory(tmp_path / "site")
    for path in directives():
        assert path in inventory, f"{path} is not in the built site's objects.inv"
    # Tensor's methods made by ops/dispatch.py's factories too (docs/_tensor_methods.py)
    from tinygrad_edu import Tensor

    methods = [n for n in dir(Tensor) if not n.startswith("_") and callable(getattr(Tensor, n))]
    missing = [n for n in methods if f"tinygrad_edu.Tensor.{n}" not in inventory]
    assert not missing, f"Tensor methods not in the reference: {missing}"
    for figure in ("course_graph.svg", "planar_boundary.png", "planar_cost.png", "cats.png"):
        assert (tmp_path / "site" / "figures" / figure).stat().st_size > 0
    assert (tmp_path / "site" / "api_contract" / "index.html").is_file()
