"""The import graph of a package, read from its source with `ast` (nothing is imported).

`build(root)` parses every module under the package directory `root` and returns, for each module
(`pkg.sub.mod`; a package is its `__init__`), the modules of the same package that running it may
execute or depend on, each with the file and line of the first import that does it. Every import
statement counts, wherever it sits: module level, inside functions and methods, under `try`, under
`if TYPE_CHECKING:` (the layering says what a module may name, not only what runs).

What an import statement in module M adds, following what Python does when M runs:
- `import a.b.c` (with or without `as`): a.b.c, and the packages a.b and a, whose `__init__` Python
  runs first;
- `from X import n` (absolute, or relative: `from . import n`, `from ..x import n`): X and its parent
  packages, and X.n when X.n is a module of the package (`from pkg import sub` imports `pkg.sub`);
- except that the packages M itself sits in are already being initialized when M runs (Python
  imports the parents first), so reaching a submodule through them adds no edge to their
  `__init__`: `pkg/__init__.py` importing `pkg.a`, and `pkg/a.py` importing `pkg.b`, is not a
  cycle. Naming the package itself (`import pkg`, `from pkg import a_name_of_its_init`,
  `from . import a_name_of_its_init`) does depend on its `__init__`, and is an edge.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path


@dataclass(repr=False)
class Graph:
    package: str
    files: dict[str, Path]  # module -> its file
    edges: dict[str, dict[str, str]] = field(
        default_factory=dict
    )  # module -> {module: "file:line"}

    def imports(self, module: str) -> list[str]:
        return sorted(self.edges[module])

    def closure(self, start: str) -> set[str]:
        """`start` and every module it reaches."""
        seen, todo = {start}, [start]
        while todo:
            for target in self.edges[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen


def module_files(root: Path) -> dict[str, Path]:
    """Module name -> file, for the package directory `root` (its name is the package's)."""
    files = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if all(part.isidentifier() for part in parts):
            files[".".join(parts)] = path
    return files


def _parents(module: str) -> list[str]:
    """The packages a module sits in, innermost first: a.b.c -> [a.b, a]."""
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def _is_package(graph: Graph, module: str) -> bool:
    return graph.files[module].name == "__init__.py"


def _resolve_from(graph: Graph, module: str, node: ast.ImportFrom) -> str:
    """The module X of `from X import ...` written in `module`, absolute."""
    if not node.level:
        return node.module or ""
    # the package a relative import starts from: the module's own package (itself for an __init__)
    base = module if _is_package(graph, module) else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    return f"{base}.{node.module}" if node.module else base


def _known(graph: Graph, name: str) -> str | None:
    """`name` if it is a module of the package, else its longest prefix that is one (an attribute
    imported as `import pkg.mod.attr` would be an error at run time, but the module still runs)."""
    while name and name not in graph.files:
        name = name.rpartition(".")[0]
    return name or None


def build(root: Path) -> Graph:
    graph = Graph(root.name, module_files(root))
    for module in graph.files:
        graph.edges[module] = _edges_of(graph, module, root.parent)
    return graph


def _edges_of(graph: Graph, module: str, top: Path) -> dict[str, str]:
    path = graph.files[module]
    where = path.relative_to(top).as_posix()
    edges: dict[str, str] = {}
    # M's own package and the packages above it are initializing while M runs
    running = {module, *_parents(module)}

    def add(target: str | None, lineno: int, *, named: bool) -> None:
        """An edge to `target`, and to the parent packages Python initializes on the way.
        `named`: the statement needs `target` itself (its body or one of its names)."""
        if target is None:
            return
        if target != module and (named or target not in running):
            edges.setdefault(target, f"{where}:{lineno}")
        for parent in _parents(target):
            if parent not in running:
                edges.setdefault(parent, f"{where}:{lineno}")

    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                add(_known(graph, alias.name), node.lineno, named=True)
        elif isinstance(node, ast.ImportFrom):
            source = _resolve_from(graph, module, node)
            if source.split(".")[0] != graph.package:
                continue
            submodules = [f"{source}.{alias.name}" for alias in node.names]
            found = [name for name in submodules if name in graph.files]
            for name in found:
                add(name, node.lineno, named=True)
            # a name that is not a submodule is read from X's body (so is `*`)
            add(_known(graph, source), node.lineno, named=len(found) < len(submodules))
    return edges


def components(graph: Graph) -> list[set[str]]:
    """The strongly connected components of more than one module: the sets of modules that all
    import each other, directly or not (largest first)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def strongconnect(start: str) -> None:  # Tarjan's algorithm, iterative
        work = [(start, iter(sorted(graph.edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.edges[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in graph.edges[node]:
                        components.append(component)

    for module in sorted(graph.edges):
        if module not in index:
            strongconnect(module)
    return sorted(components, key=lambda c: (-len(c), min(c)))


def cycles(graph: Graph, component: set[str]) -> list[list[str]]:
    """Shortest cycles that together name every module of a component: for each module (by name)
    not on a cycle found so far, a shortest cycle through it, as the modules in import order, the
    first repeated at the end."""
    found: list[list[str]] = []
    for start in sorted(component):
        if not any(start in cycle for cycle in found):
            found.append(_shortest_cycle(graph, component, start))
    return found


def _shortest_cycle(graph: Graph, component: set[str], start: str) -> list[str]:
    came_from: dict[str, str] = {}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        for target in sorted(graph.edges[node]):
            if target == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if target in component and target not in came_from:
                came_from[target] = node
                todo.append(target)
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover


def path_to(graph: Graph, start: str, allowed: set[str]) -> dict[str, list[str]]:
    """For each module outside `allowed` that `start` reaches through modules of `allowed`: the
    chain of imports from `start` to it (the first step out of the allowed layer)."""
    came_from: dict[str, str] = {}
    found: dict[str, list[str]] = {}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        for target in sorted(graph.edges[node]):
            if target in came_from or target == start:
                continue
            came_from[target] = node
            if target in allowed:
                todo.append(target)
                continue
            path = [target]
            while path[-1] != start:
                path.append(came_from[path[-1]])
            found[target] = path[::-1]
    return found


def describe(graph: Graph, chain: list[str]) -> str:
    """a -> b (file:line) -> c (file:line): each hop with the import that makes it."""
    hops = [chain[0]]
    for a, b in pairwise(chain):
        hops.append(f"{b} ({graph.edges[a][b]})")
    return " -> ".join(hops)
