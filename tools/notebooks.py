"""Make the Jupyter notebooks in notebooks/ from the tutorials in docs/, so the two cannot drift.

A tutorial is a doctest page: prose, and ```pycon blocks of `>>>` lines with what they print. Each
block becomes code cells (prompts stripped, expected output dropped: the notebook prints it when it
runs), split after every line that prints or raises (a cell the page shows raising is tagged
`raises-exception`), so each printed value shows under its own code as on the
page; the prose between the blocks becomes markdown cells. Two things change on the way:
- a line marked `# doctest: +SKIP` runs in the notebook (its marker removed): the page uses it for
  a value that only a notebook can show, such as `graph` (a `graphviz.Digraph`, drawn as SVG);
- an image line `![...](figures/...)` is dropped: on the site the figure is drawn at build time
  (docs/_figures.py), in the notebook the code above it draws it; links to other tutorials point
  to their notebooks.

    python tools/notebooks.py            # write notebooks/*.ipynb
    python tools/notebooks.py --check    # exit 1 if a committed notebook differs from its page

The notebooks are committed without outputs; `pytest --nbmake notebooks` runs them.
"""

from __future__ import annotations

import argparse
import doctest
import json
import re
import sys
from pathlib import Path

from tinygrad_edu._files import atomic_write

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = ROOT / "notebooks"
TUTORIAL = re.compile(r"^\d\d_\w+\.md$")  # 01_computation_graph.md ...; not api_contract.md
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n?", re.M | re.S)
SKIP = re.compile(r"\s*#\s*doctest:\s*\+SKIP\s*$", re.M)
FIGURE = re.compile(r"^!\[[^\]]*\]\(figures/[^)]*\)\n", re.M)
PAGE_LINK = re.compile(r"\]\((\d\d_\w+)\.md(#[\w-]*)?\)")
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def tutorials() -> list[Path]:
    """The tutorial pages, in order."""
    return sorted(p for p in DOCS.glob("*.md") if TUTORIAL.match(p.name))


def code_cells(block: str) -> list[tuple[str, bool]]:
    """The code cells of one `>>>` block: a cell ends after each line that prints or raises.

    Args:
        block: the text of a ```pycon block, `>>>` lines with their expected output.

    Returns:
        `(source, raises)` for each cell, prompts stripped, in order; `raises` when the page shows
        the cell's last line raising (the cell is tagged `raises-exception`, so a run expects it).
    """
    cells, lines = [], []
    for example in doctest.DocTestParser().get_examples(block):
        lines.append(SKIP.sub("", example.source.rstrip("\n")))
        if example.want or example.exc_msg is not None:
            cells.append(("\n".join(lines), example.exc_msg is not None))
            lines = []
    if lines:
        cells.append(("\n".join(lines), False))
    return cells


def markdown(text: str) -> str:
    """A page's prose as a notebook shows it: no build-time figures, links to notebooks."""
    text = FIGURE.sub("", text)
    return PAGE_LINK.sub(lambda m: f"]({m.group(1)}.ipynb{m.group(2) or ''})", text).strip("\n")


def notebook(page: Path) -> dict:
    """The notebook (nbformat 4 as a dict) of one tutorial page.

    Args:
        page: a tutorial in docs/.

    Returns:
        The notebook, without outputs; cell ids are their positions, so that the same page always
        gives the same file.
    """
    text = page.read_text(encoding="utf-8")
    cells: list[dict] = []

    def add(kind: str, source: str, raises: bool = False) -> None:
        if not source:
            return
        metadata = {"tags": ["raises-exception"]} if raises else {}
        cell = {"cell_type": kind, "id": f"c{len(cells)}", "metadata": metadata, "source": source}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)

    prose, at = [], 0
    for match in FENCE.finditer(text):
        if match.group(1) == "pycon":
            prose.append(text[at : match.start()])
            add("markdown", markdown("".join(prose)))
            prose = []
            for source, raises in code_cells(match.group(2)):
                add("code", source, raises)
        else:  # ```text, ```bash: part of the prose
            prose.append(text[at : match.end()])
        at = match.end()
    prose.append(text[at:])
    add("markdown", markdown("".join(prose)))
    return {"cells": cells, "metadata": METADATA, "nbformat": 4, "nbformat_minor": 5}


def dumps(nb: dict) -> str:
    """The notebook's file text, as Jupyter writes it (one-space indent, sorted keys)."""
    for cell in nb["cells"]:  # Jupyter stores sources as lists of lines
        if isinstance(cell["source"], str):
            cell["source"] = cell["source"].splitlines(keepends=True)
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def expected() -> dict[Path, str]:
    """Every notebook file as the pages make it: {path in notebooks/: text}."""
    return {NOTEBOOKS / f"{page.stem}.ipynb": dumps(notebook(page)) for page in tutorials()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    wanted = expected()
    changed = {p: t for p, t in wanted.items() if not p.is_file() or _read(p) != t}
    extra = [p for p in NOTEBOOKS.glob("*.ipynb") if p not in wanted]
    stale = sorted(p.name for p in [*changed, *extra])
    if args.check:
        if stale:
            print("notebooks that differ from their pages (python tools/notebooks.py):", *stale)
        return 1 if stale else 0
    NOTEBOOKS.mkdir(exist_ok=True)
    for path in extra:
        path.unlink()
    for path, text in changed.items():
        with atomic_write(path) as f:  # a reader never sees half a notebook
            f.write(text.encode("utf-8"))
    print(f"wrote {len(changed)} of {len(wanted)} notebooks in {NOTEBOOKS.relative_to(ROOT)}/")
    return 0


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
