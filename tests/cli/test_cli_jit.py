"""`tinygrad-edu train MODEL --jit`: the same printed lines, exit status and saved parameters as
the run without it, made in the same test; the jitted run replays its program (no JitWarning,
the cost computed by Python only at the trace and the check)."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tinygrad_edu import JitWarning, cli
from tinygrad_edu.train import COURSE_LOSSES


def train(capsys: pytest.CaptureFixture, argv: list[str], save: Path) -> dict[str, Any]:
    """Run `tinygrad-edu train ...` and say what it printed and saved, and how often the loss ran."""
    calls = [0]
    name = cli._recipes()[argv[0]].loss
    inner = COURSE_LOSSES[name]

    def counted(model: Any, X: Any, Y: Any) -> Any:
        calls[0] += 1
        return inner(model, X, Y)

    capsys.readouterr()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mock.patch.dict(COURSE_LOSSES, {name: counted}):
            status = cli.main(["train", *argv, "--quiet", "--save", str(save)])
    out = capsys.readouterr().out
    with zipfile.ZipFile(save) as z:  # each array's .npy bytes (the zip's dates differ)
        saved = {member: z.read(member) for member in z.namelist()}
    save.unlink()
    return {
        "status": status,
        "out": out,
        "saved": saved,
        "calls": calls[0],
        "jit_warnings": [str(w.message) for w in caught if issubclass(w.category, JitWarning)],
    }


def assert_jit_prints_the_same(capsys, tmp_path: Path, argv: list[str], iterations: int) -> str:
    save = tmp_path / "model.npz"  # one path for both runs: it is in the printed lines
    eager = train(capsys, argv, save)
    jitted = train(capsys, [*argv, "--jit"], save)
    assert eager["status"] == 0
    assert eager["calls"] == iterations
    assert jitted["jit_warnings"] == []
    assert jitted["calls"] <= 2, "the compiled step did not replay its program"
    for key in ("status", "out", "saved"):
        assert jitted[key] == eager[key], key
    assert eager["out"].count("Cost after iteration") >= 2 and "train accuracy:" in eager["out"]
    return eager["out"]


def test_planar_with_jit_prints_and_saves_the_same(capsys, tmp_path) -> None:
    argv = ["planar", "--iterations", "300", "--print-every", "50"]
    out = assert_jit_prints_the_same(capsys, tmp_path, argv, 300)
    assert "Cost after iteration 0: 0.693048" in out


def test_deep_with_jit_prints_and_saves_the_same(capsys, tmp_path, cats) -> None:
    argv = ["deep", "--iterations", "30", "--print-every", "10"]
    out = assert_jit_prints_the_same(capsys, tmp_path, argv, 30)
    assert "test accuracy:" in out


def test_help_shows_the_jit_option(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    assert "--jit" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("name", ["planar", "logreg"])
def test_the_course_runs_with_jit_print_and_save_the_same(name, capsys, tmp_path, request) -> None:
    recipe = cli._recipes()[name]
    if recipe.data == "cats":
        request.getfixturevalue("cats")  # skips, saying where to put the files, without them
    assert_jit_prints_the_same(capsys, tmp_path, [name], recipe.iterations)
