"""`tinygrad-edu train init|regularization|optimization`: what each prints, the options that
change the run, and the usage errors (one line on stderr, exit status 2, before training)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_edu import cli, data, io, train
from tinygrad_edu.cli import course2


@pytest.fixture
def no_training(monkeypatch: pytest.MonkeyPatch) -> list:
    """Replace the three trainings with one that records its calls: an error comes before any."""
    calls: list = []
    for name in ("train_initialization", "train_regularization", "train_optimization"):
        monkeypatch.setattr(train, name, lambda *a, **k: calls.append(a))
    return calls


def run(capsys, *argv: str, status: int = 0) -> tuple[str, str]:
    capsys.readouterr()
    assert cli.main(["train", *argv]) == status
    return capsys.readouterr()


def test_init_prints_the_courses_first_cost_and_both_accuracies(capsys) -> None:
    out, err = run(capsys, "init", "--iterations", "2", "--print-every", "1")
    lines = out.splitlines()
    assert lines[0] == "Cost after iteration 0: 0.8830537463419761"  # the course's, in full
    assert re.fullmatch(r"Cost after iteration 1: 0\.\d{10,}", lines[1])
    assert re.fullmatch(r"train accuracy: [\d.]+ %", lines[2])
    assert re.fullmatch(r"test accuracy: [\d.]+ %", lines[3])
    assert len(lines) == 4
    assert re.search(r"\(2 iterations in [\d.]+ s, 1 BLAS thread\)", err)


def test_random_init_prints_inf_and_trains_on(capsys) -> None:
    out, _ = run(
        capsys, "init", "--init", "random", "--iterations", "3", "--print-every", "1", "--quiet"
    )
    costs = re.findall(r"Cost after iteration \d+: (\S+)", out)
    assert costs[0] == "inf" and len(costs) == 3  # the course's cost of a saturated start
    assert "diverged" not in out


def test_zeros_init_stays_at_log_2(capsys) -> None:
    out, _ = run(
        capsys, "init", "--init", "zeros", "--iterations", "3", "--print-every", "1", "--quiet"
    )
    assert out.count("Cost after iteration") == 3
    assert all(c == "0.6931471805599453" for c in re.findall(r"iteration \d+: (\S+)", out))
    assert "train accuracy: 50.0 %" in out and "test accuracy: 50.0 %" in out


def test_optimization_prints_epochs_and_the_decayed_rate(capsys) -> None:
    argv = ["optimization", "--optimizer", "gd", "--lr-decay", "inverse-time", "--epochs", "3"]
    out, _ = run(capsys, *argv, "--print-every", "1", "--quiet")
    lines = out.splitlines()
    assert lines[0] == "Cost after epoch 0: 0.7010914685043044"  # the notebook's 0.701091 at lr 0.1
    assert lines[1] == "learning rate after epoch 0: 0.1"
    assert lines[3] == "learning rate after epoch 1: 0.05"  # update_lr(0.1, 1, 1)
    assert lines[-1].startswith("train accuracy: ") and "test accuracy" not in out


def test_optimization_defaults_to_adam_at_the_notebooks_rate(capsys, monkeypatch) -> None:
    seen: dict = {}
    real = train.train_optimization

    def spy(X, Y, optimizer, **kwargs):
        seen.update(optimizer=optimizer, **kwargs)
        return real(X, Y, optimizer, **kwargs)

    monkeypatch.setattr(train, "train_optimization", spy)
    out, _ = run(capsys, "optimization", "--epochs", "1", "--quiet")
    assert seen["optimizer"] == "adam" and seen["lr"] is None and seen["lr_decay"] is None
    assert out.startswith("Cost after epoch 0: 0.70216552226045")  # the notebook's 0.702166


def test_lr_seed_and_print_every_change_the_run(capsys) -> None:
    base, _ = run(capsys, "init", "--iterations", "2", "--print-every", "1", "--quiet")
    faster, _ = run(
        capsys, "init", "--iterations", "2", "--print-every", "1", "--lr", "0.5", "--quiet"
    )
    seeded, _ = run(capsys, "init", "--iterations", "1", "--seed", "4", "--quiet")
    assert base.splitlines()[0] == faster.splitlines()[0] and base != faster
    assert "0.8830537463419761" not in seeded


def test_save_writes_the_trained_parameters(tmp_path, capsys) -> None:
    path = tmp_path / "moons.npz"
    out, _ = run(capsys, "optimization", "--epochs", "2", "--quiet", "--save", str(path))
    assert f"saved the parameters to {path}" in out
    model = train.network([2, 5, 2, 1])
    model.load_state_dict(io.load(path))
    assert all(np.any(p.data != 0) for name, p in model.named_parameters() if name.endswith("W"))


def test_regularization_reads_football_from_data(tmp_path, capsys) -> None:
    rs = np.random.RandomState(0)
    X, y = rs.randn(8, 2), (rs.rand(8, 1) > 0.5).astype(np.uint8)
    np.savez(tmp_path / "football.npz", X=X, y=y, Xval=X[:4], yval=y[:4])
    argv = ["regularization", "--data", str(tmp_path), "--l2", "0.7", "--iterations", "2"]
    out, _ = run(capsys, *argv, "--quiet")
    assert out.count("Cost after iteration") == 1  # iteration 0, then every 10000
    assert "train accuracy:" in out and "test accuracy:" in out


def test_regularization_without_the_file_says_where_to_put_it(
    tmp_path, capsys, no_training
) -> None:
    out, err = run(capsys, "regularization", "--data", str(tmp_path), status=2)
    assert out == "" and err.startswith(f"tinygrad-edu train regularization: {tmp_path}")
    assert "football.npz" in err and "TINYGRAD_EDU_DATA" in err
    assert no_training == []


def test_the_dropout_run_predicts_without_dropout(capsys) -> None:
    if not (data.find_data_dir() / "football.npz").is_file():
        pytest.skip("football.npz not found: set TINYGRAD_EDU_DATA to the folder that holds it")
    out, _ = run(capsys, "regularization", "--dropout", "0.86", "--iterations", "1", "--quiet")
    assert out.startswith("Cost after iteration 0: 0.6543912405149825\n")  # the course's


def usage_error(capsys, argv: list[str]) -> str:
    """argparse's exit status 2, or the command's 2, with exactly one line on stderr."""
    capsys.readouterr()
    try:
        status = cli.main(argv)
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    return err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["init", "--init", "xavier"], "argument --init: invalid choice: 'xavier'"),
        (
            ["regularization", "--l2", "-1"],
            "argument --l2: expected a finite number >= 0, got '-1'",
        ),
        (
            ["regularization", "--l2", "inf"],
            "argument --l2: expected a finite number >= 0, got 'inf'",
        ),
        (
            ["regularization", "--dropout", "0"],
            "argument --dropout: expected a probability in (0, 1], got '0'",
        ),
        (
            ["regularization", "--dropout", "1.5"],
            "argument --dropout: expected a probability in (0, 1], got '1.5'",
        ),
        (
            ["regularization", "--dropout", "nan"],
            "argument --dropout: expected a probability in (0, 1], got 'nan'",
        ),
        (
            ["regularization", "--l2", "0.7", "--dropout", "0.86"],
            "argument --dropout: not allowed with argument --l2",
        ),
        (["optimization", "--optimizer", "sgd"], "argument --optimizer: invalid choice: 'sgd'"),
        (["optimization", "--lr-decay", "cosine"], "argument --lr-decay: invalid choice: 'cosine'"),
        (
            ["optimization", "--epochs", "0"],
            "argument --epochs: expected a positive integer, got '0'",
        ),
        (
            ["optimization", "--iterations", "5"],
            "argument --iterations: optimization counts epochs; use --epochs N",
        ),
        (
            ["init", "--l2", "0.7"],
            "argument --l2: init does not take it (it is for regularization)",
        ),
        (
            ["init", "--optimizer", "adam"],
            "argument --optimizer: init does not take it (it is for optimization)",
        ),
        (
            ["regularization", "--init", "he"],
            "argument --init: regularization does not take it (it is for init)",
        ),
        (
            ["optimization", "--dropout", "0.5"],
            "argument --dropout: optimization does not take it (it is for regularization)",
        ),
        (
            ["regularization", "--epochs", "3"],
            "argument --epochs: regularization does not take it (it is for optimization)",
        ),
        (
            ["init", "--lr-decay", "staircase"],
            "argument --lr-decay: init does not take it (it is for optimization)",
        ),
        (
            ["init", "--data", "."],
            "argument --data: init does not take it (it is for regularization and the cat models)",
        ),
        (["init", "--jit"], "argument --jit: init runs eagerly (--jit is for the course-1 models)"),
        (
            ["planar", "--init", "he"],
            "argument --init: is for the course-2 models (init, regularization, optimization)",
        ),
        (["deep", "--optimizer", "adam"], "argument --optimizer: is for the course-2 models"),
    ],
)
def test_a_wrong_option_is_one_line_before_training(argv, message, capsys, no_training) -> None:
    err = usage_error(capsys, ["train", *argv, "--quiet"])
    assert err.startswith(f"tinygrad-edu train: error: {message}"), err
    assert no_training == []


def test_the_choices_are_the_libraries() -> None:
    assert course2._INITIALIZATIONS == train.INITIALIZATIONS
    assert course2._OPTIMIZERS == train.OPTIMIZERS
    assert course2._LR_DECAYS == train.LR_DECAYS


def test_the_help_lists_the_course_2_models(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    out = capsys.readouterr().out
    for words in (
        "init:",
        "regularization:",
        "optimization:",
        "--init",
        "--l2 LAMBDA",
        "--dropout KEEP_PROB",
        "--lr-decay",
    ):
        assert words in out
