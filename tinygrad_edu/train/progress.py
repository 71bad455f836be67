"""What a long run needs: a progress bar, on a terminal and in a Jupyter notebook, and a Ctrl-C that
stops between iterations, never halfway through an update; `LoopTail`, what both of fit's loops
(by iterations, by epochs) do after each step with them.

The bar: tqdm's on a terminal; in Jupyter, tqdm's notebook widget when ipywidgets is installed,
else a text bar (tqdm's widget without ipywidgets would only warn "IProgress not found"), which
is also the notebook's bar without tqdm. A terminal without tqdm gets none: lines printed there
(the CLI's) would land on the bar's line (pip install tinygrad_edu[progress] for tqdm).
"""

from __future__ import annotations

import math
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

from tinygrad_edu.train.history import History

__all__ = [
    "DeferredInterrupt",
    "LoopTail",
    "TextBar",
    "divergence_message",
    "in_notebook",
    "lr_of",
    "progress_bar",
]


def progress_bar(total: int, progress: bool | None) -> Any:
    """The bar for `total` iterations, with tqdm's `update(n)`, `write(line)` and `close()`; None
    when `progress` is False, or None outside a terminal and a notebook (a log file, a pipe)."""
    notebook = in_notebook()
    if progress is False or (progress is None and not (notebook or _on_terminal())):
        return None
    try:
        if notebook:
            import ipywidgets  # noqa: F401  (tqdm's widget is built from it)
            from tqdm.notebook import tqdm
        else:
            from tqdm import tqdm
    except ImportError:
        return TextBar(total) if notebook else None
    # in a notebook the finished bar stays, as the cell's record; on a terminal it makes way
    return tqdm(total=total, unit="it", leave=notebook)


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, the classic notebook, VS Code), as tqdm.auto
    tells: IPython runs with an `IPKernelApp` configured. False in a terminal IPython."""
    ipython = sys.modules.get("IPython")
    shell = getattr(ipython, "get_ipython", lambda: None)()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _on_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    return bool(isatty and isatty())


class TextBar:
    """A progress bar of text, `[#######.............]  35% 3500/10000`, redrawn in place (a carriage
    return) on `file` each time the percentage moves; `write(line)` prints a line above it."""

    WIDTH = 30

    def __init__(self, total: int, leave: bool = True, file: TextIO | None = None) -> None:
        self.total, self.n, self.leave = total, 0, leave
        self.file = file if file is not None else sys.stderr
        self._shown = -1  # the percentage on screen
        self._draw()

    def update(self, n: int = 1) -> None:
        self.n += n
        if self._percent() != self._shown:
            self._draw()

    def write(self, line: str) -> None:
        self.file.write("\r" + " " * len(self._text()) + "\r")
        self.file.flush()
        print(line)
        self._draw()

    def close(self) -> None:
        if not self.leave:
            self.file.write("\r" + " " * len(self._text()) + "\r")
        else:
            self._draw()
            self.file.write("\n")
        self.file.flush()

    def _percent(self) -> int:
        return 100 * self.n // self.total if self.total else 100

    def _text(self) -> str:
        done = self.WIDTH * self._percent() // 100
        bar = "#" * done + "." * (self.WIDTH - done)
        return f"[{bar}] {self._percent():3d}% {self.n}/{self.total}"

    def _draw(self) -> None:
        self._shown = self._percent()
        self.file.write("\r" + self._text())
        self.file.flush()


class DeferredInterrupt:
    """Turn Ctrl-C into a request that the loop honours between iterations, so an update is never
    half applied. Only the main thread can install signal handlers; elsewhere Ctrl-C is untouched."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def __enter__(self) -> DeferredInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:  # a second Ctrl-C: the user really wants out
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)


class LoopTail:
    """What fit's loops do after each step: keep its cost or stop on a NaN or inf, move the bar,
    stop cleanly on Ctrl-C; and where the printed lines go. A context manager: Ctrl-C is deferred
    inside it, and the bar is closed on the way out.

    Args:
        total: the number of steps, for the bar.
        progress: show a bar (None: on a terminal or in a notebook).
        log: where the lines go (default: the bar's write, else print).
    """

    def __init__(
        self, total: int, progress: bool | None, log: Callable[[str], None] | None
    ) -> None:
        self.bar = progress_bar(total, progress)
        self.log = log or (self.bar.write if self.bar is not None else print)
        self.history = History()
        self._interrupt = DeferredInterrupt()

    def __enter__(self) -> LoopTail:
        self._interrupt.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._interrupt.__exit__(*exc)
        if self.bar is not None:
            self.bar.close()

    def keep(self, i: int, value: float, optimizer: Any, where: str = "") -> bool:
        """Keep the cost of iteration i; a non-finite one is not kept: it stops the run, saying
        so (`divergence_message`).

        Args:
            i: the iteration.
            value: its cost.
            optimizer: the optimizer (its lr is named in the message).
            where: said after the iteration, e.g. " (mini-batch 3 of epoch 2)".

        Returns:
            False when the run must stop."""
        if not math.isfinite(value):
            self.history.stopped = "diverged"
            self.log(divergence_message(i, value, optimizer, where))
            return False
        self.history.costs.append(value)
        return True

    def advance(self) -> bool:
        """Move the bar by one step.

        Returns:
            True when Ctrl-C was pressed (the caller stops with `interrupted`)."""
        if self.bar is not None:
            self.bar.update(1)
        return self._interrupt.requested

    def interrupted(self, where: str) -> None:
        """Stop after a Ctrl-C, saying after which step (`where`: "iteration 3", ...).

        Args:
            where: the last finished step."""
        self.history.stopped = "interrupted"
        self.log(f"Interrupted: stopped after {where}, keeping its parameters.")


def divergence_message(i: int, value: float, optimizer: Any, where: str = "") -> str:
    """What fit prints when the cost of iteration i is NaN or inf (`where`: its epoch, if any).

    Args:
        i: the iteration.
        value: its cost.
        optimizer: the optimizer (its lr is named).
        where: said after the iteration, e.g. " (mini-batch 3 of epoch 2)".

    Returns:
        The line."""
    if i == 0:  # nothing was updated yet: the data or the model makes the nan
        return (
            f"Cost after iteration 0{where} is {value}: training stopped before any update. "
            "The parameters are unchanged; look for NaN or inf in X and Y, or a log "
            "of 0 in the cost (detect_anomaly() names the op)."
        )
    return (
        f"Cost after iteration {i}{where} is {value}: training diverged and stopped. The "
        f"parameters are kept from iteration {i - 1}, the last with a finite "
        f"cost. Try a smaller learning rate (lr={lr_of(optimizer)})."
    )


def lr_of(optimizer: Any) -> Any:
    """The optimizer's learning rate, or "?" (for a message).

    Args:
        optimizer: any optimizer.

    Returns:
        Its `lr`, or "?"."""
    return getattr(optimizer, "lr", "?")
