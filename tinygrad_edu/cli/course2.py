"""`tinygrad-edu train init|regularization|optimization`: course 2's three assignments, run as
their notebooks run them (`tinygrad_edu.train.train_initialization`, `train_regularization`,
`train_optimization`), printing the notebooks' lines.

    tinygrad-edu train init --init zeros|random|he
    tinygrad-edu train regularization [--l2 LAMBDA | --dropout KEEP_PROB]   (needs football.npz)
    tinygrad-edu train optimization --optimizer gd|momentum|adam [--lr LR]
                                    [--lr-decay inverse-time|staircase]

The costs (`Cost after iteration i: c`, `Cost after epoch i: c`, the full float as the notebooks
print it) and the accuracies go to stdout; a note (Ctrl-C, the timing line) to stderr. An option of
another model is refused before training (exit status 2), as argparse refuses a bad value.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from tinygrad_edu.cli import options
from tinygrad_edu.cli.train import report, train_command

__all__ = ["MODELS", "add_options", "dispatch"]

# The three models, with the help the parser shows.
MODELS = {
    "init": "[2, 10, 5, 1] relu network on the circles, initialized by --init (course 2, week 1)",
    "regularization": "[2, 20, 3, 1] relu network on the football kicks, with --l2 or "
    "--dropout (course 2, week 1; needs football.npz)",
    "optimization": "[2, 5, 2, 1] relu network on the moons, mini-batches of 64, --optimizer "
    "and --lr-decay (course 2, week 2)",
}
# Each model's own options (argparse dests); any other model refuses them.
_OWN = {
    "init": {"init"},
    "regularization": {"l2", "dropout", "data"},
    "optimization": {"optimizer", "lr_decay", "epochs"},
}
_COURSE2_OPTIONS = {"init", "l2", "dropout", "optimizer", "lr_decay", "epochs"}
# tinygrad_edu.train's INITIALIZATIONS, OPTIMIZERS and LR_DECAYS (the tests check they agree),
# written out so that building the parser imports nothing heavy
_INITIALIZATIONS = ("zeros", "random", "he")
_OPTIMIZERS = ("gd", "momentum", "adam")
_LR_DECAYS = ("inverse-time", "staircase")
_FLAGS = {"lr_decay": "--lr-decay"}
_OWNERS = {"data": "regularization and the cat models"}


def add_options(train: argparse.ArgumentParser) -> None:
    """Add course 2's options to the `train` parser, each checked as it is parsed.

    Args:
        train: the `tinygrad-edu train` parser."""
    group = train.add_argument_group("course 2 (init, regularization, optimization)")
    group.add_argument(
        "--init",
        choices=_INITIALIZATIONS,
        help="init: zeros, random (randn * 10) or he (randn * sqrt(2 / n[l-1])); default he",
    )
    exclusive = group.add_mutually_exclusive_group()
    exclusive.add_argument(
        "--l2",
        type=options.l2_lambda,
        metavar="LAMBDA",
        help="regularization: L2 regularization of strength LAMBDA (the course's 0.7)",
    )
    exclusive.add_argument(
        "--dropout",
        type=options.keep_prob,
        metavar="KEEP_PROB",
        help="regularization: dropout keeping each hidden unit with probability KEEP_PROB "
        "(the course's 0.86), with the course's masks",
    )
    group.add_argument(
        "--optimizer",
        choices=_OPTIMIZERS,
        help="optimization: gradient descent, momentum (beta 0.9) or Adam (0.9, 0.999, 1e-8); "
        "default adam",
    )
    group.add_argument(
        "--lr-decay",
        choices=_LR_DECAYS,
        help="optimization: the notebook's update_lr (inverse-time, every epoch) or "
        "schedule_lr_decay (staircase, every 1000 epochs), decay_rate 1; the default --lr "
        "becomes the notebook's 0.1 (gd, momentum) or 0.01 (adam)",
    )
    group.add_argument(
        "--epochs", type=options.positive_int, metavar="N", help="optimization: default 5000"
    )


def dispatch(args: argparse.Namespace) -> int:
    """`tinygrad-edu train MODEL`: course 2's models here, course 1's to `train_command`, each
    refusing the options of the others.

    Args:
        args: the parsed options of the train command.

    Returns:
        The exit status: 0; 1 if a course-1 training diverged; 2 for an option of another
        model or missing data; 130 after Ctrl-C."""
    wrong = _misplaced(args)
    if wrong is not None:
        print(f"tinygrad-edu train: error: {wrong}", file=sys.stderr)
        return 2
    if args.model not in MODELS:
        return train_command(args)
    with options.blas_threads(args.threads) as n_threads:
        return _train(args, n_threads)


def _misplaced(args: argparse.Namespace) -> str | None:
    """The usage error of an option given to a model it is not for, or None."""
    model = args.model
    if model not in MODELS:
        given = sorted(k for k in _COURSE2_OPTIONS if getattr(args, k, None) is not None)
        if given:
            return f"argument {_flag(given[0])}: is for the course-2 models ({', '.join(MODELS)})"
        return None
    for name in sorted(_COURSE2_OPTIONS | {"data"}):
        if getattr(args, name, None) is not None and name not in _OWN[model]:
            owner = _OWNERS.get(name) or next(m for m, own in _OWN.items() if name in own)
            return f"argument {_flag(name)}: {model} does not take it (it is for {owner})"
    if model == "optimization" and args.iterations is not None:
        return "argument --iterations: optimization counts epochs; use --epochs N"
    if getattr(args, "jit", False):
        return f"argument --jit: {model} runs eagerly (--jit is for the course-1 models)"
    return None


def _flag(dest: str) -> str:
    return _FLAGS.get(dest, f"--{dest}")


def _train(args: argparse.Namespace, n_threads: int) -> int:
    from tinygrad_edu import data

    X_test: Any = None
    Y_test: Any = None
    if args.model == "regularization":
        try:
            X, Y, X_test, Y_test = data.load_football(args.data)
        except data.DataError as exc:
            print(f"tinygrad-edu train regularization: {exc}", file=sys.stderr)
            return 2
    elif args.model == "init":
        X, Y, X_test, Y_test = data.circles()
    else:
        X, Y = data.moons()
    start = time.perf_counter()
    model, history, lr, unit = _run(args, X, Y)
    seconds = time.perf_counter() - start
    return report(args, model, history, (X, Y, X_test, Y_test), seconds, n_threads, lr, unit=unit)


def _run(args: argparse.Namespace, X: Any, Y: Any) -> tuple[Any, Any, float, str]:
    """Train args.model: (the model, its History, the learning rate it started with, the unit)."""
    from tinygrad_edu import train

    common: dict[str, Any] = {"progress": False if args.quiet else None, "log": _log}
    if args.print_every is not None:
        common["print_every"] = args.print_every
    if args.seed is not None:
        common["seed"] = args.seed
    if args.model == "optimization":
        optimizer = args.optimizer or "adam"
        model, history = train.train_optimization(
            X,
            Y,
            optimizer,
            lr=args.lr,
            lr_decay=args.lr_decay,
            epochs=5000 if args.epochs is None else args.epochs,
            **common,
        )
        lr = args.lr if args.lr is not None else train.optimization_lr(optimizer, args.lr_decay)
        return model, history, lr, "epoch"
    if args.iterations is not None:
        common["iterations"] = args.iterations
    if args.model == "init":
        lr = 0.01 if args.lr is None else args.lr
        model, history = train.train_initialization(X, Y, args.init or "he", lr=lr, **common)
    else:
        lr = 0.3 if args.lr is None else args.lr
        model, history = train.train_regularization(
            X, Y, lambd=args.l2 or 0.0, keep_prob=args.dropout or 1.0, lr=lr, **common
        )
    return model, history, lr, "iteration"


def _log(line: str) -> None:
    """The trainings' lines: the costs (and the learning rates) to stdout, a note (Ctrl-C) to
    stderr; through tqdm when it is installed, which redraws a progress bar below the line."""
    stream = sys.stderr if line.startswith("Interrupted") else sys.stdout
    try:
        from tqdm.auto import tqdm
    except ImportError:
        print(line, file=stream)
        return
    tqdm.write(line, file=stream)
