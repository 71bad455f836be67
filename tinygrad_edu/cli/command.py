"""The parser, `main` (its exit statuses, Ctrl-C, a closed pipe) and the `graph` command.

Exit statuses: 0 done; 1 training diverged; 2 a usage error (argparse's: a bad value, a path that
cannot be written, a missing optional package, the cat data not found), always one line on
stderr; 130 after Ctrl-C (the shell's 128 + SIGINT), with no traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from tinygrad_edu.cli import course2, options
from tinygrad_edu.cli.train import EXIT_INTERRUPTED, _recipes


class Parser(argparse.ArgumentParser):
    """argparse with its usage error on one line, without the usage (`--help` shows it):
    `tinygrad-edu train: error: argument --lr: expected a finite number > 0, got 'inf'`, exit
    status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def graph_command(args: argparse.Namespace) -> int:
    """The course's first computation graph: u = b*c, v = a + u, J = 3v at a=5, b=3, c=2.

    The backward lines come from `viz.explain_backward`, which prints the engine's own sweep."""
    from tinygrad_edu import viz
    from tinygrad_edu.viz.graph import INSTALL_DOT
    from tinygrad_edu.viz.graph_files import graph_file

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
    out, fmt = getattr(args, "out", None), getattr(args, "format", None)
    if out is None:
        print(
            "Draw it: tinygrad-edu graph --out course_graph (course_graph.dot, and .svg with dot)"
        )
        return 0
    written = viz.save_graph(J, out, format=fmt)
    for path in written:
        print(f"wrote {path}")
    if len(written) == 1 and graph_file(out, fmt)[1] != "dot":  # the .dot alone: no `dot`
        print(INSTALL_DOT.replace("this is", "the .dot file is"), file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The `tinygrad-edu` parser: `train` and `graph`, every option checked as it is parsed.

    Returns:
        The parser; its usage errors are one line on stderr and SystemExit(2)."""
    from tinygrad_edu import __version__

    parser = Parser(
        prog="tinygrad-edu",
        description="tinygrad_edu: the deeplearning.ai course's networks on a small autograd "
        "engine",
    )
    parser.add_argument("--version", action="version", version=f"tinygrad_edu {__version__}")
    sub = parser.add_subparsers(dest="command")

    train = sub.add_parser(
        "train",
        help="train one of the course's models and print its costs",
        description="Train one of the course's models with the course's settings; the costs and "
        "accuracies go to stdout, notes (divergence, Ctrl-C, timing) to stderr.",
        epilog="Exit status: 0; 1 if training diverged; 2 for a usage error, checked before "
        "training (one line on stderr); 130 after Ctrl-C, which stops at the end of the "
        "iteration in progress and still prints, saves and plots that model (a second Ctrl-C "
        "stops that too).",
    )
    models = {name: r.help for name, r in _recipes().items()} | course2.MODELS
    train.add_argument(
        "model",
        choices=sorted(models),
        help="; ".join(f"{name}: {text}" for name, text in models.items()),
    )
    train.add_argument(
        "--data",
        metavar="DIR",
        help="folder with train_catvnoncat.h5 and test_catvnoncat.h5 (the cat models), or "
        "football.npz (regularization) (default: $TINYGRAD_EDU_DATA, then ./datasets)",
    )
    train.add_argument(
        "--iterations", type=options.positive_int, metavar="N", help="default: the course's"
    )
    train.add_argument(
        "--lr", type=options.learning_rate, help="learning rate, > 0 (default: the course's)"
    )
    train.add_argument(
        "--seed", type=options.seed, help="initialization seed (default: the course's)"
    )
    train.add_argument(
        "--print-every",
        type=options.count,
        metavar="N",
        help="print the cost every N iterations (0: never)",
    )
    train.add_argument(
        "--save",
        metavar="PATH",
        type=options.save_path,
        help="save the trained parameters (.npz); PATH's folder must exist",
    )
    train.add_argument(
        "--plot",
        metavar="PATH",
        type=options.plot_path,
        help="write the training figures (.png; needs matplotlib)",
    )
    train.add_argument(
        "--threads",
        metavar="N",
        type=options.threads,
        help=f"BLAS threads, set through threadpoolctl (default {options.DEFAULT_THREADS}: on "
        "the 2-core development machine 2 threads trained the deep model 1.5x faster when it "
        "was idle and 1.5-11x slower beside other work; the README has the measurements)",
    )
    train.add_argument("--quiet", action="store_true", help="no progress bar, no timing line")
    train.add_argument(
        "--jit",
        action="store_true",
        help="run each iteration as a compiled step (tinygrad_edu.jit): traced at iteration 0, "
        "checked against eager mode at 1, replayed as plain numpy after; the same costs, "
        "accuracies and saved parameters, bit for bit",
    )
    course2.add_options(train)
    train.set_defaults(func=course2.dispatch)

    graph = sub.add_parser("graph", help="the course's computation graph with its gradients")
    graph.add_argument(
        "--out",
        metavar="PATH",
        type=options.graph_out,
        help="write the graph's DOT text to PATH.dot, and its drawing to PATH.svg or PATH.png "
        "(see --format) when Graphviz's dot is installed",
    )
    graph.add_argument(
        "--format",
        choices=["svg", "png", "dot"],
        help="the drawing's format (dot: the DOT text alone); default: the suffix of --out "
        "(.svg, .png, .dot), else svg",
    )
    graph.set_defaults(func=graph_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    """The `tinygrad-edu` command: parse `argv` (default: the command line's) and run it.

    Args:
        argv: the arguments after the program's name.

    Returns:
        The exit status (see the module's docstring); a usage error raises SystemExit(2), as
        argparse does."""
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            graph_command(args)
            print(
                "\nMore: tinygrad-edu --help  (train logreg|planar|shallow|deep|init|regularization|optimization, graph)"
            )
            return 0
        return args.func(args)
    except BrokenPipeError:
        # `tinygrad-edu train deep | head` closed the pipe: the reader has what it wanted. Point
        # stdout at devnull so Python's exit flush does not fail again, and stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        # Ctrl-C outside the training loop's own handling (loading, a second Ctrl-C while the
        # accuracies are computed or the files written: atomic_write leaves no half file)
        print("tinygrad-edu: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
