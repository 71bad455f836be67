"""The import graph of tinygrad_edu (DESIGN.md, "The shape of the code"): no cycle, and imports go
one way: `engine/` below `ops/`, `ops/` below `tensor.py`, everything else above.

The graph is read from the source (tests/package/_import_graph.py says exactly what an import
adds); its builder is tested first, on small packages written to a temporary directory.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import tinygrad_edu
from tests.package._import_graph import Graph, build, components, cycles, describe, path_to

PACKAGE = Path(tinygrad_edu.__file__).parent


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build(PACKAGE)


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root / "pkg"


def _cycles(graph: Graph) -> list[list[str]]:
    return [cycle for component in components(graph) for cycle in cycles(graph, component)]


# ---------------------------------------------------------------------- the graph builder itself


def test_a_package_init_importing_its_submodules_is_no_cycle(tmp_path: Path) -> None:
    g = build(
        _write(
            tmp_path,
            {
                "pkg/__init__.py": "from pkg.a import f\nfrom pkg import b\nfrom . import c\n",
                "pkg/a.py": "import numpy\nfrom pkg.b import g\nimport pkg.c\n\ndef f(): return g()\n",
                "pkg/b.py": "from pkg import c\nfrom .c import h\n\ndef g(): return h()\n",
                "pkg/c.py": "def h(): return 1\n",
            },
        )
    )
    assert g.imports("pkg") == ["pkg.a", "pkg.b", "pkg.c"]
    assert g.imports("pkg.a") == ["pkg.b", "pkg.c"]  # not pkg: it is initializing while a runs
    assert g.imports("pkg.b") == ["pkg.c"]
    assert components(g) == []


def test_a_cycle_inside_a_function_is_found_in_order(tmp_path: Path) -> None:
    g = build(
        _write(
            tmp_path,
            {
                "pkg/__init__.py": "",
                "pkg/a.py": "from pkg.b import g\n",
                "pkg/b.py": "def g():\n    from pkg import c\n    return c\n",
                "pkg/c.py": "class C:\n    def m(self):\n        import pkg.a\n",
                "pkg/d.py": "import pkg.a\n",
            },
        )
    )
    assert _cycles(g) == [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]]
    assert describe(g, _cycles(g)[0]) == (
        "pkg.a -> pkg.b (pkg/a.py:1) -> pkg.c (pkg/b.py:2) -> pkg.a (pkg/c.py:3)"
    )


def test_a_submodule_reading_a_name_of_its_package_init_that_imports_it_is_a_cycle(
    tmp_path: Path,
) -> None:
    for i, line in enumerate(["from pkg import VERSION", "from . import VERSION", "import pkg"]):
        root = tmp_path / str(i)
        g = build(
            _write(
                root,
                {
                    "pkg/__init__.py": "VERSION = 1\nfrom pkg.a import f\n",
                    "pkg/a.py": f"{line}\n\ndef f(): return 1\n",
                },
            )
        )
        assert _cycles(g) == [["pkg", "pkg.a", "pkg"]], line


def test_import_a_b_c_runs_the_init_of_a_b(tmp_path: Path) -> None:
    g = build(
        _write(
            tmp_path,
            {
                "pkg/__init__.py": "",
                "pkg/a.py": "import pkg.sub.c as c\n",
                "pkg/sub/__init__.py": "from pkg.a import c\n",
                "pkg/sub/c.py": "from .. import a\n",  # relative, two levels: pkg.a
            },
        )
    )
    assert g.imports("pkg.a") == ["pkg.sub", "pkg.sub.c"]
    assert g.imports("pkg.sub.c") == ["pkg.a"]
    assert sorted(map(sorted, components(g))) == [["pkg.a", "pkg.sub", "pkg.sub.c"]]
    assert _cycles(g) == [["pkg.a", "pkg.sub", "pkg.a"], ["pkg.sub.c", "pkg.a", "pkg.sub.c"]]


def test_from_a_package_import_a_submodule_and_relative_imports_resolve(tmp_path: Path) -> None:
    g = build(
        _write(
            tmp_path,
            {
                "pkg/__init__.py": "",
                "pkg/low/__init__.py": "from . import x\nfrom .x import X\n",
                "pkg/low/x.py": "X = 1\n",
                "pkg/low/y.py": "from . import x\nfrom ..low import x as x2\n",
                "pkg/high.py": "from pkg.low import x, X\nfrom .low import y\n",
                "pkg/top.py": "try:\n    from pkg.low.x import X\nexcept ImportError:\n    pass\n",
            },
        )
    )
    assert g.imports("pkg.low") == ["pkg.low.x"]
    assert g.imports("pkg.low.y") == ["pkg.low.x"]
    # `from pkg.low import x, X`: the submodule x, and low's __init__ for X (and to reach x)
    assert g.imports("pkg.high") == ["pkg.low", "pkg.low.x", "pkg.low.y"]
    assert g.imports("pkg.top") == ["pkg.low", "pkg.low.x"]
    assert path_to(g, "pkg.high", allowed={"pkg.high", "pkg.low"}) == {
        "pkg.low.x": ["pkg.high", "pkg.low.x"],
        "pkg.low.y": ["pkg.high", "pkg.low.y"],
    }


# ---------------------------------------------------------------------- tinygrad_edu


def test_the_package_has_no_import_cycle(graph: Graph) -> None:
    found = components(graph)
    lines = []
    for component in found:
        lines.append(f"{len(component)} modules import each other: {', '.join(sorted(component))}")
        lines += [f"    {describe(graph, cycle)}" for cycle in cycles(graph, component)]
    assert not found, "import cycles in tinygrad_edu:\n" + "\n".join(lines)


def _layer(graph: Graph, *prefixes: str) -> set[str]:
    return {m for m in graph.files if any(m == p or m.startswith(p + ".") for p in prefixes)}


def _helpers(graph: Graph) -> set[str]:
    """The shared helpers below the engine: broadcast.py, random.py (the library's generator) and
    the package's `_name.py` modules."""
    top = [m.split(".")[1] for m in graph.files if m.count(".") == 1]
    private = {f"tinygrad_edu.{name}" for name in top if name.startswith("_") and "__" not in name}
    return private | {"tinygrad_edu.broadcast", "tinygrad_edu.random"}


def _reaching_above(graph: Graph, layer: set[str], allowed: set[str]) -> list[str]:
    """Each import chain from a module of `layer` to a module outside `allowed`, through modules of
    `allowed` outside `layer` (a chain through another module of the layer is that one's own)."""
    out = []
    for module in sorted(layer):
        for chain in path_to(graph, module, allowed).values():
            if not layer.intersection(chain[1:-1]):
                out.append(describe(graph, chain))
    return out


def test_the_engine_imports_nothing_above_it(graph: Graph) -> None:
    """engine/ imports numpy and itself (and the shared helpers), never tensor.py, ops/ or anything
    that imports them; an import through a helper counts."""
    engine = _layer(graph, "tinygrad_edu.engine")
    wrong = _reaching_above(graph, engine, engine | _helpers(graph))
    assert not wrong, "engine/ imports what is above it:\n" + "\n".join(wrong)


def test_ops_import_nothing_above_them(graph: Graph) -> None:
    """ops/ imports engine/ and the shared helpers, never tensor.py or anything above it."""
    ops = _layer(graph, "tinygrad_edu.ops")
    allowed = ops | _layer(graph, "tinygrad_edu.engine") | _helpers(graph)
    wrong = _reaching_above(graph, ops, allowed)
    assert not wrong, "ops/ imports what is above it:\n" + "\n".join(wrong)


def test_tensor_imports_only_the_engine_ops_and_the_helpers(graph: Graph) -> None:
    """tensor.py sits on engine/ and ops/; nn, autograd, testing, ... are above it."""
    below = _layer(graph, "tinygrad_edu.engine", "tinygrad_edu.ops") | _helpers(graph)
    tensor = {"tinygrad_edu.tensor"}
    wrong = _reaching_above(graph, tensor, tensor | below)
    assert not wrong, "tensor.py imports what is above it:\n" + "\n".join(wrong)
