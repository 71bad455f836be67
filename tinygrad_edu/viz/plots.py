"""The course's figures with matplotlib: the cost curve, the decision boundary of a 2-D model, and
the cat pictures the model got wrong.

Figures are written to files with the Agg backend when there is no display, so they work on a server
and in CI; each function returns the path it wrote. Every figure has a fixed size in pixels (its
`figsize` times 100 dpi), so a script or a test knows what it gets.
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
        import matplotlib
    except ImportError as exc:
        raise ImportError(
            "plots need matplotlib: pip install 'tinygrad_edu[plot]' (or pip install matplotlib)"
        ) from exc
    if not os.environ.get("DISPLAY") and not os.environ.get("MPLBACKEND"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_costs(costs: Any, path: str | os.PathLike, lr: float | None = None) -> Path:
    """The cost against the iteration, as the course plots it after training (600 x 400 pixels)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=DPI, layout="constrained")
    ax.plot(np.arange(len(costs)), np.asarray(list(costs), dtype=float))
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost")
    ax.set_title("Learning rate = " + (f"{lr:g}" if lr is not None else "?"))
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_decision_boundary(
    model: Any, X: Any, Y: Any, path: str | os.PathLike, title: str = "Decision boundary"
) -> Path:
    """The regions a 2-D classifier assigns to each class, with the data on top (the course's
    planar figure, 600 x 500 pixels). X is (2, m); Y is (1, m) or (m,) labels (0/1, or classes
    0..C-1), or one-hot (C, m). The regions are `train.predict`'s: A > 0.5 for one output, the
    largest logit (argmax over the class axis 0) for several."""
    from tinygrad_edu.train import predict

    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"plot_decision_boundary: X must be (2, m), got shape {X.shape}")
    if Y.ndim == 2 and Y.shape[0] > 1:  # one-hot (C, m): the class of each column
        Y = np.argmax(Y, axis=0)
    Y = Y.reshape(-1)
    plt = _pyplot()
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
    fig, ax = plt.subplots(figsize=(6, 5), dpi=DPI, layout="constrained")
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
    ax.set_title(title)
    return _save(fig, path)


def plot_mislabeled(
    X: Any,
    Y: Any,
    predictions: Any,
    classes: list[str],
    path: str | os.PathLike,
    max_images: int = 10,
    columns: int = 5,
) -> Path | None:
    """The pictures the model got wrong, each titled with its predicted and its true class (the
    course's `print_mislabeled_images`), `columns` to a row, 150 x 170 pixels each.

    X holds the pictures as the model sees them, (12288, m) one per column (or (m, 64, 64, 3)),
    values in [0, 1]; Y and `predictions` are (1, m) of 0/1. Shows the first `max_images` mistakes;
    returns None, writing nothing, when there is none."""
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
    return _save(fig, path)


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
    (`_mislabeled`)."""
    path = Path(path)
    suffix = path.suffix or ".png"
    written = [plot_costs(history.costs, path, lr)]
    if np.asarray(X).shape[0] == 2:
        boundary = path.with_name(f"{path.stem}_boundary{suffix}")
        title = f"{name}: decision boundary"
        written.append(plot_decision_boundary(model, X, Y, boundary, title=title))
    if X_test is not None and classes is not None and np.asarray(X_test).shape[0] == 12288:
        from tinygrad_edu.train import predict

        mislabeled = path.with_name(f"{path.stem}_mislabeled{suffix}")
        wrong = plot_mislabeled(X_test, Y_test, predict(model, X_test), classes, mislabeled)
        if wrong is not None:
            written.append(wrong)
    return written


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


def _save(fig: Any, path: str | os.PathLike) -> Path:
    """Write the figure with `atomic_write`, so a half-written image never replaces a good one."""
    import matplotlib.pyplot as plt

    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with atomic_write(path) as f:
            fig.savefig(f, format=path.suffix.lstrip(".") or "png", dpi=DPI)
    finally:
        plt.close(fig)
    return path
