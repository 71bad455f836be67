"""The notebooks in notebooks/ are made from the tutorials by tools/notebooks.py: the committed
files must be exactly what the pages make now, so a page and its notebook cannot drift apart.
(`pytest --nbmake notebooks` runs them; .ci/run does.)"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("notebooks_tool", ROOT / "tools" / "notebooks.py")
notebooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebooks)


def test_every_tutorial_has_its_notebook_as_the_page_makes_it() -> None:
    wanted = notebooks.expected()
    assert len(wanted) == len(notebooks.tutorials()) >= 12
    committed = {p: p.read_text(encoding="utf-8") for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert set(committed) == set(wanted), "run: python tools/notebooks.py"
    stale = [p.name for p, text in wanted.items() if committed[p] != text]
    assert not stale, f"notebooks that differ from their pages (python tools/notebooks.py): {stale}"
    assert notebooks.main(["--check"]) == 0


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_a_notebook_is_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name


def test_a_block_becomes_cells_that_end_where_the_page_prints_or_raises() -> None:
    block = (
        ">>> x = 1\n>>> x + 1\n2\n>>> for i in range(2):\n...     print(i)\n0\n1\n"
        ">>> 1 / 0\nTraceback (most recent call last):\nZeroDivisionError: division by zero\n"
        ">>> graph = x  # doctest: +SKIP\n>>> graph\n"
    )
    assert notebooks.code_cells(block) == [
        ("x = 1\nx + 1", False),
        ("for i in range(2):\n    print(i)", False),
        ("1 / 0", True),
        ("graph = x\ngraph", False),
    ]


def test_prose_drops_the_build_time_figures_and_links_to_the_notebooks() -> None:
    text = "See [2](02_logistic_regression.md#the-data).\n![cost](figures/planar_cost.png)\nEnd."
    assert notebooks.markdown(text) == "See [2](02_logistic_regression.ipynb#the-data).\nEnd."


def test_a_page_shown_raising_gets_the_raises_exception_tag() -> None:
    nb = notebooks.notebook(ROOT / "docs" / "07_when_things_go_wrong.md")
    tagged = [c for c in nb["cells"] if "raises-exception" in c["metadata"].get("tags", [])]
    assert tagged and all(c["cell_type"] == "code" for c in tagged)
