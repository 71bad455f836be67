"""The course's figures with matplotlib: the cost curve, the decision boundary of a 2-D model, and
the cat pictures the model got wrong.

They follow matplotlib's conventions, so they work the same in Jupyter, in a script and on a server:

- `ax=None` draws on a new figure made with `matplotlib.pyplot` (Jupyter's inline backend shows it
  below the cell); `ax=` draws on the caller's Axes (a subplot of their own figure) instead.
- They return what they drew on: the Axes (`plot_mislabeled`, a grid of pictures: the Figure).
- A file is written only when `path` is given (atomically: a half-written image never replaces a
  good one; no suffix means .png), and then the whole figure is saved. A figure the function made
  itself and wrote to a file is then closed, unless pyplot is interactive (Jupyter, IPython's
  `%matplotlib`, `plt.ion()`) where it stays open to be shown: a script that writes many figures
  does not pile up open ones. Without `path` nothing is closed: show it (`plt.show()`), or close it.
- The backend is the user's: nothing here calls `matplotlib.use` (matplotlib itself picks Agg when
  there is no display; set MPLBACKEND to choose).

A new figure has a fixed size in pixels (its `figsize` times 100 dpi), so a file is the size its
function says.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_edu._files import atomic_write

DPI = 100
CAT_IMAGE = (64, 64, 3)  # the course's pictures; a column of X (12288 values) is one of them


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            "plots need matplotlib: pip install 'tinygrad_edu[plot]' (or pip install matplotlib)"
        ) from exc
    return plt


def _axes(what: str, ax: Any, figsize: tuple[float, float]) -> tuple[Any, bool]:
    """The caller's Axes, or new ones on a new pyplot figure; and whether they are new."""
    plt = _pyplot()
    if ax is None:
        return plt.subplots(figsize=figsize, dpi=DPI, layout="constrained")[1], True
    from matplotlib.axes import Axes

    if not isinstance(ax, Axes):
        raise TypeError(f"{what}: ax must be a matplotlib Axes (or None), got {type(ax).__name__}")
    return ax, False


def plot_costs(
    costs: Any, path: str | os.PathLike | None = None, *, lr: float | None = None, ax: Any = None
) -> Any:
    """The cost against the iteration, as the course plots it after training.

    Args:
        costs: the cost of each iteration (`history.costs`).
        path: also write the figure to this file (600 x 400 pixels for a new figure).
        lr: the learning rate, for the title.
        ax: the matplotlib Axes to draw on; None makes a new figure.

    Returns:
        The matplotlib Axes drawn on.

    Raises:
        TypeError: ax is not a matplotlib Axes.
        ImportError: matplotlib is not installed."""
    ax, made = _axes("plot_costs", ax, (6, 4))
    ax.plot(np.arange(len(costs)), np.asarray(list(costs), dtype=float))
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost")
    ax.set_title("Learning rate = " + (f"{lr:g}" if lr is not None else "?"))
    ax.grid(alpha=0.3)
    _finish(ax.figure, path, made)
    return ax


def plot_decision_boundary(
    model: Any,
    X: Any,
    Y: Any,
    path: str | os.PathLike | None = None,
    title: str | None = None,
    *,
    ax: Any = None,
) -> Any:
    """The regions a 2-D classifier assigns to each class, with the data on top (the course's
    planar figure). The regions are `train.predict`'s: A > 0.5 for one output, the largest logit
    (argmax over the class axis 0) for several.

    Args:
        model: the trained model (a Module, or anything `train.predict` takes).
        X: the points, (2, m).
        Y: their labels, (1, m) or (m,) (0/1, or classes 0..C-1), or one-hot (C, m).
        path: also write the figure to this file (600 x 500 pixels for a new figure).
        title: the title (default "Decision boundary").
        ax: the matplotlib Axes to draw on; None makes a new figure.

    Returns:
        The matplotlib Axes drawn on.

    Raises:
        ValueError: X is not (2, m).
        TypeError: ax is not a matplotlib Axes."""
    from tinygrad_edu.train import predict

    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"plot_decision_boundary: X must be (2, m), got shape {X.shape}")
    if Y.ndim == 2 and Y.shape[0] > 1:  # one-hot (C, m): the class of each column
        Y = np.argmax(Y, axis=0)
    Y = Y.reshape(-1)
    plt = _pyplot()
    ax, made = _axes("plot_decision_boundary", ax, (6, 5))
    pad, h = 1.0, 0.01 * max(np.ptp(X[0]), np.ptp(X[1]), 1.0)
    xx, yy = np.meshgrid(
        np.arange(X[0].min() - pad, X[0].max() + pad, h),
        np.arange(X[1].min() - pad, X[1].max() + pad, h),
    )
    grid = np.stack([xx.ravel(), yy.ravel()])
    zz = predict(model, grid).reshape(xx.shape)
    # one colour per class, the same for the regions and the points: levels between the classes
    n_classes = int(max(zz.max(), Y.max() if Y.size else 0, 1)) + 1
    levels = np.arange(n_classes + 1) - 0.5
    colours = {"cmap": plt.cm.Spectral, "vmin": 0, "vmax": n_classes - 1}  # class k: k / (C-1)
    ax.contourf(xx, yy, zz, levels=levels, alpha=0.8, **colours)
    ax.scatter(
        X[0],
        X[1],
        c=Y,
        **colours,
        s=12,
        edgecolors="k",
        linewidths=0.3,
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("Decision boundary" if title is None else title)
    _finish(ax.figure, path, made)
    return ax


def plot_mislabeled(
    X: Any,
    Y: Any,
    predictions: Any,
    classes: list[str],
    path: str | os.PathLike | None = None,
    max_images: int = 10,
    columns: int = 5,
) -> Any:
    """The pictures the model got wrong, each titled with its predicted and its true class (the
    course's `print_mislabeled_images`), on a new figure of `columns` pictures to a row, 150 x 170
    pixels each.

    Args:
        X: the pictures as the model sees them, (12288, m) one per column (or (m, 64, 64, 3)),
            values in [0, 1].
        Y: the true labels, (1, m) of 0/1.
        predictions: the model's, (1, m) of 0/1.
        classes: the class names (`cats.classes`: non-cat, cat).
        path: also write the figure to this file.
        max_images: show at most this many mistakes (the first ones).
        columns: pictures per row.

    Returns:
        The matplotlib Figure (one Axes per picture), or None when the model got every picture
        right (then nothing is drawn or written).

    Raises:
        ValueError: X is not pictures, or X, Y and predictions do not hold one entry per example."""
    images = _pictures(X)
    truth = np.asarray(Y).reshape(-1).astype(int)
    guess = np.asarray(predictions).reshape(-1).astype(int)
    if not len(images) == len(truth) == len(guess):
        raise ValueError(
            f"plot_mislabeled: {len(images)} pictures, {len(truth)} labels and {len(guess)} "
            "predictions; they must match (one per example)"
        )
    wrong = np.flatnonzero(truth != guess)[:max_images]
    if len(wrong) == 0:
        return None
    plt = _pyplot()
    cols = min(columns, len(wrong))
    rows = -(-len(wrong) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(1.5 * cols, 1.7 * rows), dpi=DPI, squeeze=False, layout="constrained"
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, wrong, strict=False):  # a grid may have empty cells
        ax.imshow(np.clip(images[i], 0, 1), interpolation="nearest")
        ax.set_title(f"#{i} predicted: {classes[guess[i]]}\ntrue: {classes[truth[i]]}", fontsize=8)
    _finish(fig, path, True)
    return fig


def training_figures(
    name: str,
    model: Any,
    history: Any,
    X: Any,
    Y: Any,
    path: str | os.PathLike,
    lr: float,
    X_test: Any = None,
    Y_test: Any = None,
    classes: list[str] | None = None,
) -> list[Path]:
    """What `tinygrad-edu train MODEL --plot PATH` writes: the cost curve at PATH and, next to it
    (PATH with a suffix added to the name), the decision boundary of a 2-D model (`_boundary`)
    and, for the cat models given the test set and `classes`, the test pictures they got wrong
    (`_mislabeled`). The figures are closed (files are its job).

    Args:
        name: The model's name, for the titles.
        model: The trained model.
        history: What `fit` returned (its `costs` are drawn).
        X: The training inputs (n_x, m); a boundary is drawn when n_x is 2.
        Y: The training labels (1, m).
        path: The cost curve's file; the others are named after it.
        lr: The learning rate, for the cost curve's title.
        X_test: The test inputs, for the mislabeled pictures (cat models).
        Y_test: The test labels.
        classes: The class names (`['non-cat', 'cat']`).

    Returns:
        The paths written.
    """
    plt = _pyplot()
    path = _file(path)
    figures: list[tuple[Any, Path]] = []
    try:
        figures.append((plot_costs(history.costs, lr=lr).figure, path))
        if np.asarray(X).shape[0] == 2:
            ax = plot_decision_boundary(model, X, Y, title=f"{name}: decision boundary")
            figures.append((ax.figure, path.with_name(f"{path.stem}_boundary{path.suffix}")))
        if X_test is not None and classes is not None and np.asarray(X_test).shape[0] == 12288:
            from tinygrad_edu.train import predict

            wrong = plot_mislabeled(X_test, Y_test, predict(model, X_test), classes)
            if wrong is not None:
                figures.append((wrong, path.with_name(f"{path.stem}_mislabeled{path.suffix}")))
        return [_write(fig, where) for fig, where in figures]
    finally:
        for fig, _ in figures:
            plt.close(fig)


def _pictures(X: Any) -> np.ndarray:
    """(m, 64, 64, 3) pictures from the course's (12288, m) columns, as the course's
    `test_x[:, i].reshape(64, 64, 3)` does, or from pictures already shaped so."""
    X = np.asarray(X)
    if X.ndim == 4:
        return X
    if X.ndim == 2 and X.shape[0] == int(np.prod(CAT_IMAGE)):
        return X.T.reshape((X.shape[1], *CAT_IMAGE))
    raise ValueError(
        f"plot_mislabeled: X has shape {X.shape}; expected (12288, m), one 64x64x3 picture per "
        "column, or (m, 64, 64, 3)"
    )


def _file(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path if path.suffix else path.with_suffix(".png")


def _finish(fig: Any, path: str | os.PathLike | None, made: bool) -> None:
    """Write the figure when given a path; then close it if it is ours and pyplot is not
    interactive (see the module docstring)."""
    if path is None:
        return
    plt = _pyplot()
    try:
        _write(fig, _file(path))
    finally:
        if made and not plt.isinteractive():
            plt.close(fig)


def _write(fig: Any, path: Path) -> Path:
    """Write the figure with `atomic_write`, so a half-written image never replaces a good one."""
    with atomic_write(path, parents=True) as f:
        fig.savefig(f, format=path.suffix.lstrip(".") or "png", dpi=DPI)
    return path
