"""What the command line checks before it starts anything long: each option's value, and that the
files it will write can be written, so that a mistake costs one line on stderr and exit status 2
(argparse's usage error), never a traceback after ten minutes of training.

Each checker is an argparse `type`: it raises `argparse.ArgumentTypeError`, which argparse reports
as `tinygrad-edu train: error: argument --lr: expected a finite number > 0, got 'inf'`.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = [
    "DEFAULT_THREADS",
    "blas_threads",
    "count",
    "graph_out",
    "keep_prob",
    "l2_lambda",
    "learning_rate",
    "plot_path",
    "positive_int",
    "save_path",
    "seed",
    "threads",
]

# The BLAS thread count when --threads is not given. Measured on the 2-core development machine
# (`train deep --iterations 300`, 1 and 2 threads taking turns, the timing line's seconds): idle,
# 2.4 - 2.5 s at 1 thread, 1.6 - 1.9 s at 2; beside one busy process 2.5 - 3.2 s against 4.7 -
# 14.7 s, beside two 5.4 - 9.1 s against 62 - 86 s (OpenBLAS's threads wait for each other on a
# shared core); planar takes the same time either way. 1 thread never loses much; 2 can lose 10x.
# The README's "The command line" section has the table.
DEFAULT_THREADS = 1

_SEED_HIGH = 2**32 - 1  # numpy.random.RandomState takes seeds 0 .. 2**32 - 1


def _integer(text: str, what: str, lowest: int, highest: int | None = None) -> int:
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < lowest or (highest is not None and value > highest):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An int >= 1 (`--iterations`)."""
    return _integer(text, "a positive integer", 1)


def count(text: str) -> int:
    """An int >= 0 (`--print-every`, where 0 means never)."""
    return _integer(text, "an integer >= 0", 0)


def seed(text: str) -> int:
    """A seed numpy's RandomState takes: an int from 0 to 2**32 - 1."""
    return _integer(text, f"an integer from 0 to {_SEED_HIGH}", 0, _SEED_HIGH)


def threads(text: str) -> int:
    """A BLAS thread count >= 1 (set through threadpoolctl, a dependency)."""
    return _integer(text, "a positive integer", 1)


def learning_rate(text: str) -> float:
    """A finite float > 0: inf or nan would make SGD's first update fail, or train on nothing."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a finite number > 0, got {text!r}")
    return value


def l2_lambda(text: str) -> float:
    """`--l2 LAMBDA`: the L2 strength, a finite float >= 0 (the course's 0.7)."""
    value = _float(text)
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def keep_prob(text: str) -> float:
    """`--dropout KEEP_PROB`: the probability of keeping a unit, in (0, 1] (the course's 0.86);
    0 would keep no unit and divide by 0."""
    value = _float(text)
    if not 0 < value <= 1:  # False for nan too
        raise argparse.ArgumentTypeError(f"expected a probability in (0, 1], got {text!r}")
    return value


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return math.nan


def save_path(text: str) -> str:
    """`--save PATH`: a file in a folder that exists and can be written (the folder is not created,
    as numpy's and PyTorch's save do not create one)."""
    _writable(text)
    return text  # as typed: the command prints it back


def plot_path(text: str) -> str:
    """`--plot PATH`: matplotlib importable, a format it writes (from the suffix; none is PNG), and a
    writable folder (the other figures go next to PATH)."""
    path = _writable(text)
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        raise argparse.ArgumentTypeError(
            "the figures need matplotlib: pip install 'tinygrad_edu[plot]' (or pip install matplotlib)"
        ) from None
    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = path.suffix[1:].lower()
    if suffix and suffix not in formats:
        raise argparse.ArgumentTypeError(
            f"matplotlib cannot write .{suffix} files ({text!r}); use one of "
            f"{', '.join('.' + f for f in sorted(formats))}"
        )
    return text


def graph_out(text: str) -> str:
    """`graph --out PATH`: PATH.dot (and PATH.svg) go into PATH's folder, which must be writable."""
    _writable(text)
    return text


def _writable(text: str) -> Path:
    """`text` as a Path to a file that can be created or replaced, checked by creating (and
    removing) a temporary file in its folder, as `atomic_write` will: that is the only check
    that holds for root, read-only mounts and /proc alike."""
    path = Path(text)
    if text == "" or path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; give a file name")
    folder = path.parent
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise argparse.ArgumentTypeError(
            f"cannot write {text!r}: the folder {str(folder)!r} {why} (create it first)"
        )
    try:
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".check")
    except OSError as exc:
        raise argparse.ArgumentTypeError(
            f"cannot write {text!r}: the folder {str(folder)!r} is not writable ({exc.strerror})"
        ) from None
    os.close(fd)
    os.unlink(probe)
    return path


@contextlib.contextmanager
def blas_threads(n: int | None) -> Iterator[int]:
    """Run the block with BLAS limited to `n` threads (None: DEFAULT_THREADS), through
    threadpoolctl; the previous limits come back after.

    Args:
        n: the thread count, or None for DEFAULT_THREADS.

    Yields:
        The limit set."""
    from threadpoolctl import threadpool_limits  # imported when a command runs, not at start-up

    n = DEFAULT_THREADS if n is None else n
    with threadpool_limits(limits=n, user_api="blas"):
        yield n
