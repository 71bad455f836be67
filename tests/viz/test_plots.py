"""The course's figures follow matplotlib's conventions: `ax=None` makes a pyplot figure, `ax=`
draws on the caller's, they return the Axes (the Figure for the picture grid), a file is written
only when a path is given (a PNG of the promised size), and the backend is left alone."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import cli, nn
from tinygrad_edu.train import History
from tinygrad_edu.viz import plot_costs, plot_decision_boundary, plot_mislabeled, training_figures

matplotlib = pytest.importorskip("matplotlib")
plt = pytest.importorskip("matplotlib.pyplot")

PNG = b"\x89PNG\r\n\x1a\n"
CLASSES = ["non-cat", "cat"]


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the PNG header (its IHDR chunk), checking that it is a PNG."""
    head = path.read_bytes()[:24]
    assert head[:8] == PNG and head[12:16] == b"IHDR", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def cat_pictures(m: int, seed: int = 0) -> np.ndarray:
    """m random 64x64x3 'pictures' as the course's (12288, m) columns."""
    return np.random.default_rng(seed).random((12288, m))


@pytest.fixture(autouse=True)
def _no_figures_left() -> None:
    """Each test starts and ends with no open figure, so what a function leaves open is seen."""
    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture
def flower_model():
    from tinygrad_edu.data import flower

    X, Y = flower(m=40)
    return nn.ShallowNet(2, 4, 1, hidden="tanh"), X, Y


def test_cost_curve_is_drawn_on_a_new_figure_and_no_file_is_written(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    costs = [0.69, 0.5, 0.3, 0.25]
    ax = plot_costs(costs, lr=1.2)
    assert isinstance(ax, matplotlib.axes.Axes)
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), costs)
    assert ax.get_title() == "Learning rate = 1.2"
    assert plt.get_fignums() == [ax.figure.number]  # a pyplot figure: a notebook shows it
    assert list(tmp_path.iterdir()) == []


def test_a_path_writes_the_png_and_closes_the_figure_unless_pyplot_is_interactive(
    tmp_path,
) -> None:
    ax = plot_costs([0.69, 0.5, 0.3], tmp_path / "cost.png", lr=1.2)
    assert png_size(tmp_path / "cost.png") == (600, 400)
    assert plt.get_fignums() == []  # a script that writes many figures keeps none open
    assert ax.get_title() == "Learning rate = 1.2"
    plt.ion()  # as in Jupyter: the figure written stays open, to be shown below the cell
    try:
        ax = plot_costs([0.69, 0.5], tmp_path / "again")  # no suffix: .png
    finally:
        plt.ioff()
    assert png_size(tmp_path / "again.png") == (600, 400)
    assert plt.get_fignums() == [ax.figure.number]


def test_ax_draws_on_the_callers_axes_and_keeps_their_figure(tmp_path, flower_model) -> None:
    model, X, Y = flower_model
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3), dpi=100)
    assert plot_costs([0.7, 0.4], ax=left) is left
    boundary = plot_decision_boundary(model, X, Y, tmp_path / "both.png", "mine", ax=right)
    assert boundary is right and right.get_title() == "mine"
    assert len(left.lines) == 1 and len(right.collections) >= 2  # regions, points
    assert plt.get_fignums() == [fig.number]  # nothing new; the caller's figure stays open
    assert png_size(tmp_path / "both.png") == (800, 300)  # the whole figure is written
    with pytest.raises(TypeError, match=r"plot_costs: ax must be a matplotlib Axes.*Figure"):
        plot_costs([0.7], ax=fig)


def test_the_backend_is_left_alone(monkeypatch, tmp_path, flower_model) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("matplotlib.use called by the library")

    monkeypatch.setattr(matplotlib, "use", refuse)
    monkeypatch.setattr(plt, "switch_backend", refuse)
    backend = matplotlib.get_backend()
    model, X, Y = flower_model
    plot_costs([0.5], tmp_path / "c.png")
    plot_decision_boundary(model, X, Y)
    plot_mislabeled(cat_pictures(2), np.ones((1, 2)), np.zeros((1, 2)), CLASSES)
    assert matplotlib.get_backend() == backend


def test_decision_boundary(tmp_path, flower_model) -> None:
    model, X, Y = flower_model
    ax = plot_decision_boundary(model, X, Y, tmp_path / "boundary")  # .png is added
    assert ax.get_title() == "Decision boundary"
    assert png_size(tmp_path / "boundary.png") == (600, 500)
    with pytest.raises(ValueError, match=r"\(2, m\)"):
        plot_decision_boundary(model, X.T, Y, tmp_path / "bad.png")
    assert not (tmp_path / "bad.png").exists()


def test_mislabeled_pictures_grid(tmp_path) -> None:
    X = cat_pictures(12)
    Y = np.array([[1, 0] * 6], dtype=float)
    predictions = np.zeros((1, 12))  # the 6 cats are mislabeled
    fig = plot_mislabeled(X, Y, predictions, CLASSES, tmp_path / "wrong.png")
    assert isinstance(fig, matplotlib.figure.Figure)
    assert png_size(tmp_path / "wrong.png") == (750, 340)  # 5 columns x 2 rows of 150 x 170
    shown = [ax.get_title() for ax in fig.axes if ax.images]
    assert shown == [f"#{i} predicted: non-cat\ntrue: cat" for i in range(0, 12, 2)]
    few = plot_mislabeled(X, Y, predictions, CLASSES, tmp_path / "few.png", 3)
    assert png_size(tmp_path / "few.png") == (450, 170) and len(few.axes) == 3
    images = X.T.reshape(12, 64, 64, 3)  # (m, 64, 64, 3) works too
    assert plot_mislabeled(images, Y, Y, CLASSES, tmp_path / "none.png") is None
    assert not (tmp_path / "none.png").exists()
    with pytest.raises(ValueError, match="12288"):
        plot_mislabeled(np.zeros((10, 12)), Y, Y, CLASSES, tmp_path / "bad.png")


def test_training_figures_for_a_cat_model(tmp_path) -> None:
    X, Y = cat_pictures(6), np.ones((1, 6))
    model = nn.LogisticRegression(12288)  # all zeros: predicts 0 (non-cat) for every picture
    written = training_figures(
        "logreg", model, History([0.7, 0.6]), X, Y, tmp_path / "run.png", 0.005, X, Y, ["n", "c"]
    )
    assert written == [tmp_path / "run.png", tmp_path / "run_mislabeled.png"]
    assert png_size(written[0]) == (600, 400)
    assert png_size(written[1]) == (750, 340)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    assert plt.get_fignums() == []  # files are its job: every figure it made is closed


def test_cli_train_planar_writes_cost_and_boundary(tmp_path, capsys) -> None:
    argv = ["train", "planar", "--iterations", "20", "--print-every", "0", "--quiet"]
    assert cli.main([*argv, "--plot", str(tmp_path / "planar.png")]) == 0
    assert png_size(tmp_path / "planar.png") == (600, 400)
    assert png_size(tmp_path / "planar_boundary.png") == (600, 500)
    assert plt.get_fignums() == []


def test_cli_train_logreg_writes_the_mislabeled_cats(tmp_path, capsys, cats) -> None:
    argv = ["train", "logreg", "--iterations", "10", "--print-every", "0", "--quiet"]
    assert cli.main([*argv, "--plot", str(tmp_path / "logreg.png")]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'logreg_mislabeled.png'}" in out
    assert png_size(tmp_path / "logreg.png") == (600, 400)
    assert png_size(tmp_path / "logreg_mislabeled.png") == (750, 340)
