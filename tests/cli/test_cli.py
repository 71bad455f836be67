"""The `tinygrad-edu` command: graph, train (with --save and --plot), and its errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tinygrad_edu import cli, io, nn


def test_no_arguments_prints_the_course_graph(capsys) -> None:
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    for line in ("u = b * c = 3 * 2 = 6", "v = a + u = 5 + 6 = 11", "J = 3 * v = 3 * 11 = 33"):
        assert line in out
    for line in ("dJ/dv = 3", "dJ/da = dJ/dv * dv/da = 3 * 1 = 3", "= 6", "= 9"):
        assert line in out


def test_python_dash_m_runs_the_same_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu", "graph"], capture_output=True, text=True, check=True
    )
    assert "dJ/dc = dJ/du * du/dc = 3 * b = 9" in done.stdout


def test_train_planar_saves_and_plots(tmp_path, capsys) -> None:
    save, plot = tmp_path / "planar.npz", tmp_path / "cost.png"
    argv = ["train", "planar", "--iterations", "50", "--print-every", "10", "--quiet"]
    assert cli.main([*argv, "--save", str(save), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "Cost after iteration 0: 0.693048" in out
    assert "Cost after iteration 49:" in out
    assert out.count("Cost after iteration") == 6
    assert "train accuracy:" in out and "test accuracy" not in out
    model = nn.ShallowNet(2, 4, 1, hidden="tanh")
    model.load_state_dict(io.load(save))
    assert all(np.any(p.data != 0) for name, p in model.named_parameters() if ".W" in name)
    for path in (plot, tmp_path / "cost_boundary.png"):
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_figures_show_the_learning_rate_trained_with(tmp_path, capsys, monkeypatch) -> None:
    from tinygrad_edu.viz import plots

    seen = []
    monkeypatch.setattr(plots, "training_figures", lambda *a, **k: seen.append(a[6]) or [])
    argv = ["train", "planar", "--iterations", "3", "--lr", "0.5", "--plot", str(tmp_path / "c")]
    assert cli.main(argv) == 0
    assert seen == [0.5]  # the --lr given, not the recipe's 1.2


def test_train_options_change_the_run(capsys) -> None:
    assert (
        cli.main(["train", "planar", "--iterations", "3", "--lr", "0.5", "--seed", "3", "--quiet"])
        == 0
    )
    out = capsys.readouterr().out
    assert "Cost after iteration 2:" in out
    assert "Cost after iteration 0: 0.693048" not in out  # another seed, another start


def test_missing_cat_data_says_where_to_put_the_files(tmp_path, capsys) -> None:
    assert cli.main(["train", "deep", "--data", str(tmp_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "train_catvnoncat.h5" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "resnet"],
        ["train", "planar", "--iterations", "0"],
        ["train", "planar", "--lr", "-1"],
        ["train", "planar", "--print-every", "-5"],
    ],
)
def test_bad_arguments_exit_with_one_line(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("tinygrad-edu train: error: argument ") and err.count("\n") == 1


def test_a_closed_pipe_ends_the_run_quietly() -> None:
    # `tinygrad-edu train planar | head -1`: the reader leaves after one line
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinygrad_edu", "train", "planar", "--iterations", "100000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    first = proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert first.startswith(b"Cost after iteration 0")
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
