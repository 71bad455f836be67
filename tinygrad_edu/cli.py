"""The `tinygrad-edu` command (also `python -m tinygrad_edu`).

tinygrad-edu train planar            the course's planar network on the built-in flower data
tinygrad-edu train planar --jit      the same, each iteration a compiled step: the same output
tinygrad-edu train deep --data DIR   the 4-layer cat classifier (needs the course's .h5 files)
tinygrad-edu graph                   the course's graph J = 3(a + b*c), values and gradients
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tinygrad_edu._checks import check_int, check_positive_int, check_positive_real


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

    With `--jit` every iteration is one compiled step (`fit(..., jit=True)`); the printed costs
    and accuracies and the saved parameters are those of the run without it, bit for bit.

    Args:
        args: the parsed options of the train command.

    Returns:
        The exit status: 0, 1 if training diverged, 2 if the cat data is missing."""
    from tinygrad_edu import data, io
    from tinygrad_edu.train import accuracy, fit

    recipe = _recipes()[args.model]
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
        X_test = Y_test = classes = None  # type: ignore[assignment]  # the flower has no test set
    seed = recipe.seed if args.seed is None else args.seed
    model = recipe.make_model(seed)
    start = time.perf_counter()
    history = fit(
        model,
        X,
        Y,
        iterations=recipe.iterations if args.iterations is None else args.iterations,
        lr=recipe.lr if args.lr is None else args.lr,
        print_every=recipe.print_every if args.print_every is None else args.print_every,
        loss=recipe.loss,
        progress=False if args.quiet else None,
        jit=args.jit,
    )
    seconds = time.perf_counter() - start
    print(f"train accuracy: {accuracy(model, X, Y)} %")
    if X_test is not None:
        print(f"test accuracy: {accuracy(model, X_test, Y_test)} %")
    if not args.quiet:
        print(f"({len(history)} iterations in {seconds:.1f} s)", file=sys.stderr)
    if args.save:
        io.save(model, args.save)
        print(f"saved the parameters to {args.save}")
    if args.plot:
        from tinygrad_edu.viz import plots

        written = plots.training_figures(
            args.model, model, history, X, Y, args.plot, recipe.lr, X_test, Y_test, classes
        )
        for path in written:
            print(f"wrote {path}")
    return 0 if history.stopped != "diverged" else 1


def graph_command(args: argparse.Namespace) -> int:
    """The course's first computation graph: u = b*c, v = a + u, J = 3v at a=5, b=3, c=2.

    The backward lines come from `viz.explain_backward`, which prints the engine's own sweep."""
    from tinygrad_edu import viz

    a, b, c, u, v, J = viz.course_graph()
    for t in (u, v, J):
        t.retain_grad()  # so the drawing shows their gradients too
    print("The course's computation graph J = 3(a + b*c) at a = 5, b = 3, c = 2")
    print("Forward (left to right):")
    print(f"  u = b * c = {b.item():g} * {c.item():g} = {u.item():g}")
    print(f"  v = a + u = {a.item():g} + {u.item():g} = {v.item():g}")
    print(f"  J = 3 * v = 3 * {v.item():g} = {J.item():g}")
    print("Backward (right to left, the chain rule):")
    for line in viz.backward_steps(J):
        print(f"  {line}")
    out = getattr(args, "out", None)
    if out is None:
        print(
            "Draw it: tinygrad-edu graph --out course_graph (course_graph.dot, and .svg with dot)"
        )
        return 0
    for path in viz.save_graph(J, out):
        print(f"wrote {path}")
    if not viz.has_dot():
        print(
            "Graphviz's `dot` program is not installed, so no SVG was drawn: install it "
            "(apt-get install graphviz, brew install graphviz) or open the .dot in a viewer"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    from tinygrad_edu import __version__

    parser = argparse.ArgumentParser(
        prog="tinygrad-edu",
        description="tinygrad_edu: the deeplearning.ai course's networks on a small autograd "
        "engine",
    )
    parser.add_argument("--version", action="version", version=f"tinygrad_edu {__version__}")
    sub = parser.add_subparsers(dest="command")

    train = sub.add_parser("train", help="train one of the course's models and print its costs")
    recipes = _recipes()
    train.add_argument(
        "model",
        choices=sorted(recipes),
        help="; ".join(f"{name}: {r.help}" for name, r in recipes.items()),
    )
    train.add_argument(
        "--data",
        metavar="DIR",
        help="folder with train_catvnoncat.h5 and test_catvnoncat.h5 "
        "(default: $TINYGRAD_EDU_DATA, then ./datasets)",
    )
    train.add_argument("--iterations", type=_iterations, help="default: the course's")
    train.add_argument("--lr", type=_lr, help="learning rate (default: the course's)")
    train.add_argument("--seed", type=int, help="initialization seed (default: the course's)")
    train.add_argument(
        "--print-every", type=_print_every, help="print the cost every N iterations (0: never)"
    )
    train.add_argument("--save", metavar="PATH", help="save the trained parameters (.npz)")
    train.add_argument("--plot", metavar="PATH", help="write the training figures (.png)")
    train.add_argument("--quiet", action="store_true", help="no progress bar, no timing line")
    train.add_argument(
        "--jit",
        action="store_true",
        help="run each iteration as a compiled step (tinygrad_edu.jit): traced at iteration 0, "
        "checked against eager mode at 1, replayed as plain numpy after; the same costs, "
        "accuracies and saved parameters, bit for bit",
    )
    train.set_defaults(func=train_command)

    graph = sub.add_parser("graph", help="the course's computation graph with its gradients")
    graph.add_argument(
        "--out",
        metavar="PATH",
        help="write the graph to PATH.dot, and to PATH.svg when Graphviz's dot is installed",
    )
    graph.set_defaults(func=graph_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            graph_command(args)
            print("\nMore: tinygrad-edu --help  (train logreg|planar|shallow|deep, graph)")
            return 0
        return args.func(args)
    except BrokenPipeError:
        # `tinygrad-edu train deep | head` closed the pipe: the reader has what it wanted. Point
        # stdout at devnull so Python's exit flush does not fail again, and stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _option(parse: Callable[[str], Any], check: Callable[..., Any], name: str) -> Callable:
    """An argparse `type`: parse the text, then check the value as the library checks arguments.
    argparse turns the ArgumentTypeError into `argument --lr: train: lr must be a number > 0, got
    -1.0` and the usage line, with exit status 2."""

    def convert(text: str) -> Any:
        value = parse(text)  # a ValueError here: argparse says "invalid <name> value: 'x'"
        try:
            return check("train", name, value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    convert.__name__ = name
    return convert


_iterations = _option(int, check_positive_int, "iterations")
_print_every = _option(int, check_int, "print_every")
_lr = _option(float, check_positive_real, "lr")
