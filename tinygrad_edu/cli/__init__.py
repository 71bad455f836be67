"""The `tinygrad-edu` command (also `python -m tinygrad_edu`).

tinygrad-edu train planar            the course's planar network on the built-in flower data
tinygrad-edu train planar --jit      the same, each iteration a compiled step: the same output
tinygrad-edu train deep --data DIR   the 4-layer cat classifier (needs the course's .h5 files)
tinygrad-edu graph                   the course's graph J = 3(a + b*c), values and gradients

command.py: the parser, `main` and its exit statuses, `graph`; train.py: the course's recipes and
`train`; options.py: the checks of every option, made before anything long starts, and --threads.
"""

from tinygrad_edu.cli.command import build_parser, graph_command, main
from tinygrad_edu.cli.train import Recipe, train_command
from tinygrad_edu.cli.train import _recipes as _recipes  # the tests read the recipes

__all__ = ["Recipe", "build_parser", "graph_command", "main", "train_command"]
