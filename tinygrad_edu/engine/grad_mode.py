"""Grad mode: whether ops record the graph. `no_grad()` for the parameter update and for prediction.

The mode is per thread, as in PyTorch. Anomaly mode (anomaly.py) is built from the same two pieces: a
per-thread flag with a stack of modes to restore, and a context manager that is also a decorator.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["enable_grad", "is_grad_enabled", "no_grad", "set_grad_enabled"]


class ThreadFlag(threading.local):
    """One on/off flag per thread, with the modes to restore (innermost last)."""

    def __init__(self, default: bool) -> None:  # runs once in every thread that touches it
        self.enabled = default
        self.saved: list[bool] = []


class ModeContext:
    """A mode as a `with` block and a decorator (of functions and generator functions). The mode to
    restore is kept per thread, on the flag, not on this object: one `@no_grad()` function may run
    in several threads at once, each entering and leaving at its own time."""

    flag: ThreadFlag
    mode: bool

    def set(self, enabled: bool) -> None:
        """Switch the mode in this thread (entering and leaving the block call it).

        Args:
            enabled: the new mode."""
        self.flag.enabled = enabled

    def __enter__(self) -> None:
        self.flag.saved.append(self.flag.enabled)
        self.set(self.mode)

    def __exit__(self, *exc: object) -> None:
        self.set(self.flag.saved.pop())

    def __call__(self, func: Callable) -> Callable:
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, func: Callable) -> Callable:
        # A generator's body runs only when it is iterated, after the decorated call returned: the
        # mode is entered around every resumption instead (as PyTorch's decorators do), and left
        # while it is suspended, so the caller's code between two `next()` calls keeps its own mode.
        @functools.wraps(func)
        def generator(*args: Any, **kwargs: Any) -> Any:
            gen = func(*args, **kwargs)
            try:
                with self:
                    response = gen.send(None)
                while True:
                    try:
                        request = yield response
                    except GeneratorExit:
                        with self:
                            gen.close()
                        raise
                    except BaseException as exc:  # thrown into the generator by its caller
                        with self:
                            response = gen.throw(exc)
                    else:
                        with self:
                            response = gen.send(request)
            except StopIteration as stop:
                return stop.value

        return generator


# Read by `Function.apply` once per op: record only when this is on and an input requires grad.
recording = ThreadFlag(True)


def is_grad_enabled() -> bool:
    """True when ops record the graph (the default)."""
    return recording.enabled


class set_grad_enabled(ModeContext):
    """Turn recording on (`mode=True`) or off inside a `with` block or a decorated function; the
    previous mode comes back on exit, also after an exception.

    Args:
        mode: True records the graph, False does not."""

    flag = recording

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)


class no_grad(set_grad_enabled):
    """`with no_grad():` or `@no_grad()`: ops inside record nothing; results are leaves without grad.

    Use it for the parameter update (`with no_grad(): w -= lr * w.grad` keeps `w` the same leaf)
    and for prediction."""

    def __init__(self) -> None:
        super().__init__(False)


class enable_grad(set_grad_enabled):
    """Turn recording back on inside a `no_grad()` block."""

    def __init__(self) -> None:
        super().__init__(True)
