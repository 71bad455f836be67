"""`tinygrad-edu`'s user errors: a bad value, a path that cannot be written, a missing optional
package. Each is one line on stderr naming the argument, exit status 2, before training starts;
diagnostics (a divergence, the `dot` note) go to stderr, the results to stdout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_edu import cli
from tinygrad_edu import train as train_module

PLANAR = ["train", "planar", "--iterations", "5", "--quiet"]


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> list:
    """Replace fit with one that records its calls: a usage error must come before any."""
    calls: list = []
    monkeypatch.setattr(train_module, "fit", lambda *a, **k: calls.append(a))
    return calls


def usage_error(capsys: pytest.CaptureFixture, argv: list[str]) -> str:
    """Run the command, expect argparse's exit status 2 and exactly one line on stderr; return it."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--iterations", "abc", "expected a positive integer, got 'abc'"),
        ("--iterations", "0", "expected a positive integer, got '0'"),
        ("--iterations", "2.5", "expected a positive integer, got '2.5'"),
        ("--lr", "inf", "expected a finite number > 0, got 'inf'"),
        ("--lr", "nan", "expected a finite number > 0, got 'nan'"),
        ("--lr", "-1", "expected a finite number > 0, got '-1'"),
        ("--lr", "fast", "expected a finite number > 0, got 'fast'"),
        ("--print-every", "-5", "expected an integer >= 0, got '-5'"),
        ("--seed", "-1", "expected an integer from 0 to 4294967295, got '-1'"),
        ("--seed", "4294967296", "expected an integer from 0 to 4294967295, got '4294967296'"),
        ("--threads", "0", "expected a positive integer, got '0'"),
        ("--threads", "two", "expected a positive integer, got 'two'"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_argument(
    option, value, message, capsys, no_training
) -> None:
    err = usage_error(capsys, [*PLANAR, option, value])
    assert err == f"tinygrad-edu train: error: argument {option}: {message}\n"
    assert no_training == []


def test_an_unknown_model_lists_the_models(capsys) -> None:
    err = usage_error(capsys, ["train", "resnet"])
    assert err.startswith("tinygrad-edu train: error: argument model: invalid choice: 'resnet'")
    for name in cli._recipes():
        assert repr(name) in err


def test_save_into_a_missing_folder_fails_before_training(tmp_path, capsys, no_training) -> None:
    target = tmp_path / "out" / "m.npz"
    err = usage_error(capsys, [*PLANAR, "--save", str(target)])
    assert err == (
        f"tinygrad-edu train: error: argument --save: cannot write {str(target)!r}: the folder "
        f"{str(target.parent)!r} does not exist (create it first)\n"
    )
    assert no_training == [] and list(tmp_path.iterdir()) == []


def test_save_onto_a_folder_or_under_a_file_fails(tmp_path, capsys, no_training) -> None:
    err = usage_error(capsys, [*PLANAR, "--save", str(tmp_path)])
    assert f"argument --save: {str(tmp_path)!r} is a folder" in err
    (tmp_path / "file").write_text("x")
    err = usage_error(capsys, [*PLANAR, "--save", str(tmp_path / "file" / "m.npz")])
    assert "argument --save:" in err and "is not a folder" in err
    assert no_training == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # the probe file is gone


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs Linux's /proc")
def test_plot_into_an_unwritable_folder_fails_before_training(capsys, no_training) -> None:
    # /proc refuses new files for every user, root included (a chmod-ed folder does not)
    err = usage_error(capsys, [*PLANAR, "--plot", "/proc/x.png"])
    assert err.startswith("tinygrad-edu train: error: argument --plot: cannot write '/proc/x.png'")
    assert no_training == []


def test_plot_in_a_format_matplotlib_cannot_write(tmp_path, capsys, no_training) -> None:
    err = usage_error(capsys, [*PLANAR, "--plot", str(tmp_path / "cost.xyz")])
    assert "argument --plot: matplotlib cannot write .xyz files" in err and ".png" in err
    assert no_training == [] and list(tmp_path.iterdir()) == []


def test_plot_without_matplotlib(tmp_path, capsys, monkeypatch, no_training) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.backend_bases", None)  # import fails
    err = usage_error(capsys, [*PLANAR, "--plot", str(tmp_path / "cost.png")])
    assert "argument --plot: the figures need matplotlib: pip install" in err
    assert no_training == []


def test_graph_out_into_a_missing_folder(tmp_path, capsys) -> None:
    err = usage_error(capsys, ["graph", "--out", str(tmp_path / "no" / "g")])
    assert err.startswith("tinygrad-edu graph: error: argument --out: cannot write")
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_gives_the_same_line_and_status(tmp_path) -> None:
    # the case as a new user typed it: a relative path, from a folder without out/
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "train", "planar", "--save", "out/m.npz"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(Path(cli.__file__).parents[2])),
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        "tinygrad-edu train: error: argument --save: cannot write 'out/m.npz': the folder 'out' "
        "does not exist (create it first)\n"
    )


def test_a_divergence_is_reported_on_stderr(capsys) -> None:
    # lr 1e308: the first update overflows the weights, the cost of iteration 2 is nan
    argv = ["train", "planar", "--lr", "1e308", "--iterations", "20", "--print-every", "1"]
    with pytest.warns(RuntimeWarning):  # numpy's overflow warnings, on the way to the nan
        assert cli.main([*argv, "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert "training diverged and stopped" in err and "lr=1e+308" in err
    assert "diverged" not in out
    assert out.startswith("Cost after iteration 0: ") and "train accuracy:" in out


def test_data_for_a_model_with_built_in_data_is_refused(tmp_path, capsys, no_training) -> None:
    assert cli.main([*PLANAR, "--data", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == (
        "tinygrad-edu train: error: argument --data: planar trains on the built-in flower data; "
        "--data is for the cat models\n"
    )
    assert no_training == []
