"""What grad mode and anomaly mode share: a per-thread on/off flag with a stack of modes to restore,
usable as `with mode(...):` and as a decorator, on plain functions and on generator functions.

A generator's body runs only when it is iterated, long after the decorated call returned, so
`contextlib.ContextDecorator` would leave the body outside the mode. Here the mode is entered around
every resumption of the generator instead (as PyTorch's decorators do), and left while it is
suspended, so the caller's code between two `next()` calls runs in its own mode.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any


class ThreadFlag(threading.local):
    """One on/off flag per thread, with the modes to restore (innermost last)."""

    def __init__(self, default: bool) -> None:  # runs once in every thread that touches it
        self.enabled = default
        self.saved: list[bool] = []


class ModeContext:
    """Base of the mode context managers: `__enter__`/`__exit__` come from the subclass; this
    class makes an instance usable as a decorator of functions and generator functions."""

    def __enter__(self) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __exit__(self, *exc: object) -> None:  # pragma: no cover
        raise NotImplementedError

    def __call__(self, func: Callable) -> Callable:
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)

        return wrapper

    def _wrap_generator(self, func: Callable) -> Callable:
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
