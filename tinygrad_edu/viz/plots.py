"""The course's figures with matplotlib: the cost curve and the decision boundary of a 2-D model.

Figures are written to files with the Agg backend when there is no display, so they work on a server
and in CI; each function returns the path it wrote.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np


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
    """The cost against the iteration, as the course plots it after training."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
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
    planar figure). X is (2, m), Y is (1, m)."""
    from tinygrad_edu.train import predict

    X = np.asarray(X)
    Y = np.asarray(Y).reshape(-1)
    if X.ndim != 2 or X.shape[0] != 2:
        raise ValueError(f"plot_decision_boundary: X must be (2, m), got shape {X.shape}")
    plt = _pyplot()
    pad, h = 1.0, 0.01 * max(np.ptp(X[0]), np.ptp(X[1]), 1.0)
    xx, yy = np.meshgrid(
        np.arange(X[0].min() - pad, X[0].max() + pad, h),
        np.arange(X[1].min() - pad, X[1].max() + pad, h),
    )
    grid = np.stack([xx.ravel(), yy.ravel()])
    zz = predict(model, grid).reshape(xx.shape)
    fig, ax = plt.subplots(figsize=(6, 5), dpi=100)
    ax.contourf(xx, yy, zz, cmap=plt.cm.Spectral, alpha=0.8)
    ax.scatter(X[0], X[1], c=Y, cmap=plt.cm.Spectral, s=12, edgecolors="k", linewidths=0.3)
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title)
    return _save(fig, path)


def training_figures(
    name: str, model: Any, history: Any, X: Any, Y: Any, path: str | os.PathLike, lr: float
) -> list[Path]:
    """What `tinygrad-edu train MODEL --plot PATH` writes: the cost curve at PATH and, for a 2-D
    model, its decision boundary next to it (PATH with `_boundary` added to the name)."""
    path = Path(path)
    written = [plot_costs(history.costs, path, lr)]
    if np.asarray(X).shape[0] == 2:
        boundary = path.with_name(path.stem + "_boundary" + (path.suffix or ".png"))
        written.append(plot_decision_boundary(model, X, Y, boundary, title=f"{name}: decision boundary"))
    return written


def _save(fig: Any, path: str | os.PathLike) -> Path:
    """Write the figure through a temporary file and a rename, so a half-written image never
    replaces a good one."""
    import matplotlib.pyplot as plt

    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if tmp.exists():
            tmp.unlink()
    return path
