"""`tinygrad-edu train MODEL`: the course's assignments as recipes (model, data, hyperparameters),
and the command that trains one, prints its costs and accuracies, and saves and plots on request.

Printed results go to stdout (`Cost after iteration i: c`, the accuracies, what was written); the
rest (a divergence, Ctrl-C, the timing line) goes to stderr, so `> costs.txt` keeps the results.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinygrad_edu.cli.options import blas_threads

__all__ = ["EXIT_INTERRUPTED", "Recipe", "train_command"]

EXIT_INTERRUPTED = 130  # the shell's 128 + SIGINT: a run stopped by Ctrl-C


@dataclass(frozen=True)
class Recipe:
    """A course assignment: the model, its data and the hyperparameters the course used."""

    help: str
    data: str  # "cats" or "flower"
    make_model: Callable[[int | None], Any]
    lr: float
    iterations: int
    print_every: int
    seed: int | None
    loss: str  # the cost as the assignment's code computes it (see train.fit)


def _recipes() -> dict[str, Recipe]:
    from tinygrad_edu import nn

    return {
        "logreg": Recipe(
            "logistic regression on the cat pictures (course 1, week 2)",
            "cats",
            lambda seed: nn.LogisticRegression(12288),
            0.005,
            2000,
            100,
            None,
            "bce_logits",
        ),
        "planar": Recipe(
            "2-4-1 tanh network on the planar flower (course 1, week 3)",
            "flower",
            lambda seed: nn.ShallowNet(2, 4, 1, hidden="tanh", seed=seed),
            1.2,
            10000,
            1000,
            2,
            "bce_logits",
        ),
        "shallow": Recipe(
            "2-layer 12288-7-1 relu network on the cat pictures (course 1, week 4)",
            "cats",
            lambda seed: nn.ShallowNet(12288, 7, 1, hidden="relu", seed=seed),
            0.0075,
            2500,
            100,
            1,
            "bce",
        ),
        "deep": Recipe(
            "4-layer [12288, 20, 7, 5, 1] relu network on the cat pictures (course 1, week 4)",
            "cats",
            lambda seed: nn.DeepNet([12288, 20, 7, 5, 1], hidden="relu", seed=seed),
            0.0075,
            2500,
            100,
            1,
            "bce",
        ),
    }


def train_command(args: argparse.Namespace) -> int:
    """`tinygrad-edu train MODEL`: train one of the course's models with the course's settings
    (each can be overridden), print its costs and accuracies, save and plot on request.

    The options were checked when they were parsed (cli/options.py), so a path that cannot be
    written or a missing matplotlib stops the run before training, not after. BLAS runs with
    `--threads` threads (default `options.DEFAULT_THREADS`) for the whole command.

    With `--jit` every iteration is one compiled step (`fit(..., jit=True)`); the printed costs
    and accuracies and the saved parameters are those of the run without it, bit for bit.

    After Ctrl-C, training stops at the end of the iteration in progress and the command still
    prints the accuracies and saves and plots that iteration's model (a second Ctrl-C stops that
    too: `main` reports it).

    Args:
        args: the parsed options of the train command.

    Returns:
        The exit status: 0; 1 if training diverged; 2 if the cat data is missing; 130 after
        Ctrl-C."""
    with blas_threads(args.threads) as n_threads:
        return _train(args, n_threads)


def _train(args: argparse.Namespace, n_threads: int) -> int:
    from tinygrad_edu import data
    from tinygrad_edu.train import fit

    recipe = _recipes()[args.model]
    X_test: Any = None  # the flower has no test set
    Y_test: Any = None
    classes: list[str] | None = None
    if args.data is not None and recipe.data != "cats":  # say so rather than ignore it
        print(
            f"tinygrad-edu train: error: argument --data: {args.model} trains on the built-in "
            f"{recipe.data} data; --data is for the cat models",
            file=sys.stderr,
        )
        return 2
    if recipe.data == "cats":
        try:
            cats = data.load_cats(args.data)
        except data.DataError as exc:
            print(f"tinygrad-edu train {args.model}: {exc}", file=sys.stderr)
            return 2
        X, Y, X_test, Y_test = cats.X_train, cats.Y_train, cats.X_test, cats.Y_test
        classes = cats.classes
    else:
        X, Y = data.flower()
    seed = recipe.seed if args.seed is None else args.seed
    model = recipe.make_model(seed)
    lr = recipe.lr if args.lr is None else args.lr
    start = time.perf_counter()
    history = fit(
        model,
        X,
        Y,
        iterations=recipe.iterations if args.iterations is None else args.iterations,
        lr=lr,
        print_every=recipe.print_every if args.print_every is None else args.print_every,
        loss=recipe.loss,
        progress=False if args.quiet else None,
        log=_log,
        jit=args.jit,
    )
    seconds = time.perf_counter() - start
    return report(args, model, history, (X, Y, X_test, Y_test), seconds, n_threads, lr, classes)


def report(
    args: argparse.Namespace,
    model: Any,
    history: Any,
    sets: tuple[Any, Any, Any, Any],
    seconds: float,
    n_threads: int,
    lr: float,
    classes: list[str] | None = None,
    unit: str = "iteration",
) -> int:
    """The end of every `tinygrad-edu train` command: the accuracies, the timing line, `--save`
    and `--plot`; the exit status (interrupted, diverged, or 0)."""
    from tinygrad_edu import io
    from tinygrad_edu.train import accuracy

    X, Y, X_test, Y_test = sets
    print(f"train accuracy: {accuracy(model, X, Y)} %")
    if X_test is not None:
        print(f"test accuracy: {accuracy(model, X_test, Y_test)} %")
    if not args.quiet:
        threads = f"{n_threads} BLAS thread{'s' * (n_threads > 1)}"
        print(f"({len(history)} {unit}s in {seconds:.1f} s, {threads})", file=sys.stderr)
    if args.save:
        io.save(model, args.save)
        print(f"saved the parameters to {args.save}")
    if args.plot:
        from tinygrad_edu.viz import plots

        written = plots.training_figures(
            args.model, model, history, X, Y, args.plot, lr, X_test, Y_test, classes
        )
        for path in written:
            print(f"wrote {path}")
    if history.stopped == "interrupted":
        return EXIT_INTERRUPTED
    return 1 if history.stopped == "diverged" else 0


_RESULT = re.compile(r"Cost after iteration \d+: ")


def _log(line: str) -> None:
    """Where fit's lines go: the costs to stdout, its notes (a divergence, Ctrl-C) to stderr;
    through tqdm when it is installed, which redraws a progress bar below the line."""
    stream = sys.stdout if _RESULT.match(line) else sys.stderr
    try:
        from tqdm.auto import tqdm
    except ImportError:
        print(line, file=stream)
        return
    tqdm.write(line, file=stream)
