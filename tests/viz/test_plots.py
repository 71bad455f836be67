"""The training figures: written to files, valid PNGs of the size each function promises."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import cli, nn
from tinygrad_edu.train import History
from tinygrad_edu.viz import plot_costs, plot_decision_boundary, plot_mislabeled, training_figures

pytest.importorskip("matplotlib")

PNG = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the PNG header (its IHDR chunk), checking that it is a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def cat_pictures(m: int, seed: int = 0) -> np.ndarray:
    """m random 64x64x3 'pictures' as the course's (12288, m) columns."""
    return np.random.default_rng(seed).random((12288, m))


def test_cost_curve(tmp_path) -> None:
    path = plot_costs([0.69, 0.5, 0.3, 0.25], tmp_path / "cost.png", lr=1.2)
    assert path == tmp_path / "cost.png"
    assert png_size(path) == (600, 400)


def test_decision_boundary(tmp_path) -> None:
    from tinygrad_edu.data import flower

    X, Y = flower(m=40)
    model = nn.ShallowNet(2, 4, 1, hidden="tanh")
    path = plot_decision_boundary(model, X, Y, tmp_path / "boundary")  # .png is added
    assert path == tmp_path / "boundary.png"
    assert png_size(path) == (600, 500)
    with pytest.raises(ValueError, match=r"\(2, m\)"):
        plot_decision_boundary(model, X.T, Y, tmp_path / "bad.png")


def test_mislabeled_pictures_grid(tmp_path) -> None:
    X = cat_pictures(12)
    Y = np.array([[1, 0] * 6], dtype=float)
    predictions = np.zeros((1, 12))  # the 6 cats are mislabeled
    path = plot_mislabeled(X, Y, predictions, ["non-cat", "cat"], tmp_path / "wrong.png")
    assert png_size(path) == (750, 340)  # 5 columns x 2 rows of 150 x 170
    few = plot_mislabeled(X, Y, predictions, ["non-cat", "cat"], tmp_path / "few.png", 3)
    assert png_size(few) == (450, 170)
    images = X.T.reshape(12, 64, 64, 3)  # (m, 64, 64, 3) works too
    assert plot_mislabeled(images, Y, Y, ["non-cat", "cat"], tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()
    with pytest.raises(ValueError, match="12288"):
        plot_mislabeled(np.zeros((10, 12)), Y, Y, ["non-cat", "cat"], tmp_path / "bad.png")


def test_training_figures_for_a_cat_model(tmp_path) -> None:
    X, Y = cat_pictures(6), np.ones((1, 6))
    model = nn.LogisticRegression(12288)  # all zeros: predicts 0 (non-cat) for every picture
    written = training_figures(
        "logreg", model, History([0.7, 0.6]), X, Y, tmp_path / "run.png", 0.005, X, Y, ["n", "c"]
    )
    assert written == [tmp_path / "run.png", tmp_path / "run_mislabeled.png"]
    assert png_size(written[1]) == (750, 340)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_cli_train_planar_writes_cost_and_boundary(tmp_path, capsys) -> None:
    argv = ["train", "planar", "--iterations", "20", "--print-every", "0", "--quiet"]
    assert cli.main([*argv, "--plot", str(tmp_path / "planar.png")]) == 0
    assert png_size(tmp_path / "planar.png") == (600, 400)
    assert png_size(tmp_path / "planar_boundary.png") == (600, 500)


def test_cli_train_logreg_writes_the_mislabeled_cats(tmp_path, capsys, cats) -> None:
    argv = ["train", "logreg", "--iterations", "10", "--print-every", "0", "--quiet"]
    assert cli.main([*argv, "--plot", str(tmp_path / "logreg.png")]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'logreg_mislabeled.png'}" in out
    assert png_size(tmp_path / "logreg.png") == (600, 400)
    assert png_size(tmp_path / "logreg_mislabeled.png") == (750, 340)
