"""Python's cyclic collector and the recorded graph: full collections wait while a long graph is
being recorded, until backward has swept it or it is dropped.

Each recorded op makes a few objects the collector tracks, and every full (generation-2) collection
walks all of them: a chain of n ops would cost more per op the longer it gets. The graph makes no
reference cycles (dropping it frees it), so the collector finds nothing in it. A graph of a few ops
is left alone: setting the thresholds costs more than it adds to a full collection. Only the
generation-2 threshold changes, never `gc.enable()`/`gc.disable()`; those the user sets are kept.
"""

from __future__ import annotations

import gc
import threading
import weakref
from typing import Any

__all__ = ["defer", "graph_swept", "later"]

_LONG, _FAR = 100, 2**28  # ops: a graph this long has full collections wait; see `later`
# `_finish` calls `defer` for an op numbered below later[0]: 0 after a backward (the next op starts
# the count), that op's number - _LONG, then - _FAR while full collections wait (ints of 30 bits
# compare faster, once per op)
later = [0]
# The weakref to the op from which full collections wait for its graph. Not turned off outright: a
# graph caught in a garbage cycle of the user's is freed only by a full collection, so one waits for
# 1,000 collections of generation 1 instead (the default is 10: one per 7,000,000 allocations).
_deferred_by: list = []
_LATER, _lock = 1_000, threading.Lock()
_user = _ours = gc.get_threshold()  # the thresholds to give back, and those last set here
_missed = False  # the graph was dropped while the lock was held (see _dropped)


def defer(ctx: Any) -> None:
    """For a newly recorded op `ctx`: the first since a backward starts the count of ops, the one
    that makes the graph long has full collections wait until backward ends or `ctx` is freed."""
    if later[0] == 0:
        later[0] = ctx.seq - _LONG
    else:
        _change(ctx)


def graph_swept() -> None:
    """Backward ended: the collector as the user set it (the next long graph defers again)."""
    later[0] = 0
    if _deferred_by:
        _change(end=True)


def _change(ctx: Any = None, end: bool = False, wait: bool = True) -> None:
    global _user, _ours, _missed
    if wait:
        _lock.acquire()  # (not `with`, nor acquire(wait): each costs more)
    elif not _lock.acquire(False):
        return
    try:
        if ctx is not None:
            if not _deferred_by:  # another thread may have started it meanwhile
                _deferred_by.append(weakref.ref(ctx, _dropped))
            later[0] = ctx.seq - _FAR
        _missed = False  # before looking: a graph dropped from now on sets it again
        if end or (_deferred_by and _deferred_by[0]() is None):
            _deferred_by.clear()
        if not _deferred_by:
            later[0] = 0
        current = gc.get_threshold()
        if current != _ours:  # a threshold that is no longer the one set here is the user's: kept
            _user = tuple(b if n == o else n for n, o, b in zip(current, _ours, _user, strict=True))  # type: ignore[assignment]  # three thresholds in, three out
        t0, t1, t2 = _user
        _ours = (t0, t1, t2 if t2 > _LATER else _LATER) if _deferred_by else _user
        if _ours != current:
            gc.set_threshold(*_ours)
    finally:
        _lock.release()
    if _missed:
        _change()


def _dropped(ref: object) -> None:
    # Runs wherever the graph is freed, perhaps in this thread inside _change (a collection freed
    # it): it never waits for the lock; whoever holds it sees `_missed` once out.
    global _missed
    _missed = True
    _change(wait=False)
