"""The site's figures, drawn when the site is built (a mkdocs hook: `hooks:` in mkdocs.yml).

The tutorials draw their figures with `tinygrad_edu.viz` (in a notebook they show inline); the site
needs them as files. They are made here at build time, by the same calls on the same models as the
pages, so they cannot go stale and nothing generated is committed: `figures/*.png|svg`, linked from
the pages as `![...](figures/NAME)` (the notebooks leave those lines out: their code draws them).

Built in about ten seconds. Robust in CI and in a fresh clone: without the course's cat files (see
`tinygrad_edu.data.find_data_dir`) or without Graphviz's `dot`, a figure is a picture of a sentence
saying what is missing, and the build goes on (logged, not a warning, so `--strict` holds).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.figures")
_made: dict[str, Path] = {}


def _placeholder(path: Path, message: str) -> Path:
    import matplotlib.pyplot as plt

    log.info("figure %s: %s", path.name, message)
    fig = plt.figure(figsize=(6, 1.2), dpi=100)
    fig.text(0.5, 0.5, f"{path.name} was not drawn:\n{message}", ha="center", va="center")
    fig.savefig(path)
    plt.close(fig)
    return path


def the_course_graph(folder: Path) -> list[Path]:
    """Tutorial 1's J = 3(a + b·c), after backward."""
    from tinygrad_edu.viz import course_graph, has_dot, save_graph

    if not has_dot():
        svg = folder / "course_graph.svg"
        svg.write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40"><text x="10" y="25">'
            "course_graph.svg was not drawn: Graphviz's dot is not installed</text></svg>"
        )
        log.info("figure course_graph.svg: Graphviz's dot is not installed")
        return [svg]
    # drawn before backward, so every node shows its gradient (viz.draw_graph computes them)
    J = course_graph().J
    return [p for p in save_graph(J, folder / "course_graph") if p.suffix == ".svg"]


def planar(folder: Path) -> list[Path]:
    """Tutorial 3's model: 4 tanh units, 10000 iterations at lr 1.2, seed 2."""
    from tinygrad_edu import nn
    from tinygrad_edu.data import flower
    from tinygrad_edu.train import fit
    from tinygrad_edu.viz import plot_costs, plot_decision_boundary

    X, Y = flower()
    model = nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2)
    history = fit(model, X, Y, iterations=10000, lr=1.2, print_every=0, jit=True)
    plot_costs(history.costs, folder / "planar_cost.png", lr=1.2)
    title = "Decision boundary for hidden layer size 4"
    plot_decision_boundary(model, X, Y, folder / "planar_boundary.png", title=title)
    return [folder / "planar_cost.png", folder / "planar_boundary.png"]


def cats(folder: Path) -> list[Path]:
    """Tutorial 12's first training pictures and tutorial 2's mislabeled test pictures after the
    course's 2000 iterations of logistic regression."""
    import matplotlib.pyplot as plt

    from tinygrad_edu import nn
    from tinygrad_edu.data import DataError, load_cats
    from tinygrad_edu.train import fit
    from tinygrad_edu.viz import plot_mislabeled

    names = ("cats.png", "cats_mislabeled.png")
    try:
        data = load_cats()
    except DataError as exc:
        why = f"the course's cat files are missing ({str(exc).splitlines()[0]})"
        return [_placeholder(folder / name, why) for name in names]
    fig, axes = plt.subplots(2, 5, figsize=(7.5, 3.4), dpi=100, layout="constrained")
    pictures = data.X_train.T.reshape(-1, 64, 64, 3)
    for i, ax in enumerate(axes.flat):
        ax.imshow(pictures[i], interpolation="nearest")
        ax.set_title(f"#{i}: {data.classes[int(data.Y_train[0, i])]}", fontsize=9)
        ax.axis("off")
    fig.savefig(folder / names[0])
    plt.close(fig)
    model = nn.LogisticRegression(12288)
    fit(model, data.X_train, data.Y_train, iterations=2000, lr=0.005, print_every=0)
    predictions = model.predict(data.X_test)
    plot_mislabeled(data.X_test, data.Y_test, predictions, data.classes, folder / names[1])
    return [folder / name for name in names]


def on_files(files: Any, config: Any) -> Any:
    """mkdocs hook: draw the figures (once per `mkdocs serve` session) and add them to the site."""
    import matplotlib
    from mkdocs.structure.files import File

    matplotlib.use("Agg")  # files only: a build has no display
    if not _made:
        folder = Path(tempfile.mkdtemp(prefix="tinygrad_edu_figures_"))
        for make in (the_course_graph, planar, cats):
            for path in make(folder):
                _made[path.name] = path
    for name, path in sorted(_made.items()):
        files.append(File.generated(config, f"figures/{name}", abs_src_path=str(path)))
    return files
