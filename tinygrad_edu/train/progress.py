"""What a long run needs from the terminal: a progress bar (tqdm, when installed) and a Ctrl-C that
stops between iterations, never halfway through an update."""

from __future__ import annotations

import signal
import sys
import threading
from typing import Any

__all__ = ["DeferredInterrupt", "progress_bar"]


def progress_bar(total: int, progress: bool | None) -> Any:
    if progress is False or (progress is None and not sys.stderr.isatty()):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:  # progress bars are optional: pip install tinygrad_edu[progress]
        return None
    return tqdm(total=total, unit="it", leave=False)


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
