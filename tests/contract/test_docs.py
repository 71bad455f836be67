"""The tutorials in docs/ run as pytest doctests (`--doctest-glob=*.md`, pyproject.toml). These
tests keep that promise honest: every Python block on a page is a `>>>` block that doctest runs,
and pytest is configured to collect the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
TUTORIALS = (
    "01_computation_graph.md",
    "02_logistic_regression.md",
    "03_planar_data.md",
    "04_deep_network.md",
    "05_your_own_op.md",
    "06_pytorch.md",
    "07_when_things_go_wrong.md",
    "08_derivative_of_the_derivative.md",
    "09_the_compiled_step.md",
    "10_the_course_numpy_on_tensors.md",
    "11_vectorization_and_broadcasting.md",
    "12_the_cat_pictures.md",
    "13_gradient_checking.md",
    "14_initialization.md",
    "15_regularization.md",
    "16_optimization.md",
    "17_batch_norm.md",
    "18_to_pytorch.md",
)


def test_the_tutorials_are_there() -> None:
    assert set(TUTORIALS) <= {p.name for p in PAGES}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_python_block_is_run_by_doctest(page: Path) -> None:
    for language, body in FENCE.findall(page.read_text()):
        if language in ("python", "py", "pycon", ""):
            lines = [line for line in body.splitlines() if line.strip()]
            assert lines and lines[0].startswith(">>> "), (
                f"{page.name}: a ```{language} block that doctest would not run:\n{body}"
            )
            assert body.endswith("\n\n"), (
                f"{page.name}: end each >>> block with an empty line before its closing ```, or "
                f"doctest reads the ``` as expected output:\n{body}"
            )
        else:
            assert language in ("text", "bash", "console"), f"{page.name}: ```{language} block"


def test_pytest_collects_the_pages(pytestconfig: pytest.Config) -> None:
    assert "*.md" in pytestconfig.getoption("doctestglob")
    assert "docs" in pytestconfig.getini("testpaths")
