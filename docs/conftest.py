"""The tutorials are tested as they are written: pytest's doctest runs every `>>>` line of every
page (`--doctest-glob=*.md` in pyproject.toml) and compares what it prints with the page.

A page that needs something optional skips, saying what, when it is missing: the course's cat
files (tutorials 2 and 12), the football data (tutorial 15) or PyTorch (tutorials 6 and 18).
"""

from __future__ import annotations

import importlib.util

import pytest

from tinygrad_edu.data import find_data_dir

CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")
NEEDS = {
    "02_logistic_regression.md": "cats",
    "06_pytorch.md": "torch",
    "12_the_cat_pictures.md": "cats",
    "15_regularization.md": "football",
    "18_to_pytorch.md": "torch",
}


@pytest.fixture(autouse=True)
def _page_requirements(request: pytest.FixtureRequest) -> None:
    need = NEEDS.get(request.node.path.name)
    if need == "torch" and importlib.util.find_spec("torch") is None:
        pytest.skip("PyTorch is not installed (pip install torch)")
    if need == "football" and not (find_data_dir() / "football.npz").is_file():
        pytest.skip(
            f"football.npz not found in {find_data_dir()}: convert the course's data.mat (see "
            "the page) and put it there, or set TINYGRAD_EDU_DATA to the directory that holds it"
        )
    if need == "cats":
        directory = find_data_dir()
        if not all((directory / name).is_file() for name in CAT_FILES):
            pytest.skip(
                f"cat files not found in {directory}: put {' and '.join(CAT_FILES)} there, or set "
                "TINYGRAD_EDU_DATA to the directory that holds them"
            )
