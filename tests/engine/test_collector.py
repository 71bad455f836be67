"""Python's collector while a long graph lives (engine/collector.py): full collections wait while
it is recorded and swept, and the user's settings come back exactly, after backward, after the
graph is dropped, with several graphs, across threads, and when the user changed them."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator

import numpy as np
import pytest

from tinygrad_edu import Function, Tensor, grad
from tinygrad_edu.engine import collector

USER = (555, 7, 9)  # thresholds no default has, so a leftover of the engine's cannot pass for them
LONG = collector._LONG  # steps of two ops: a graph that defers full collections


def _chain(n: int = LONG, x: Tensor | None = None) -> Tensor:
    y = Tensor([0.5, 1.5], requires_grad=True) if x is None else x
    for _ in range(n):
        y = (y * 1.0001).tanh()
    return y


def _deferred() -> bool:
    t0, t1, t2 = gc.get_threshold()
    return (t0, t1) == USER[:2] and t2 > USER[2]


@pytest.fixture(autouse=True)
def user_settings() -> Iterator[None]:
    before, was_on = gc.get_threshold(), gc.isenabled()
    _chain(1).sum().backward()  # ends what another test's live graph may have started
    gc.set_threshold(*USER)
    gc.enable()
    Watch.seen, Watch.during = [], None
    yield
    gc.set_threshold(*before)
    (gc.enable if was_on else gc.disable)()


class Watch(Function):
    """The identity; its backward notes the thresholds, after running `during()` if set."""

    seen: list = []  # noqa: RUF012
    during = None

    @staticmethod
    def forward(ctx: object, x: np.ndarray) -> np.ndarray:
        return x.copy()

    @staticmethod
    def backward(ctx: object, g: np.ndarray) -> np.ndarray:
        if Watch.during is not None:
            Watch.during()
        Watch.seen.append(gc.get_threshold())
        return g


def test_a_long_graph_defers_full_collections_until_backward_ends() -> None:
    y = Watch.apply(_chain())
    assert _deferred()
    y.sum().backward()
    assert Watch.seen[0][2] > USER[2]  # still waiting in the sweep
    assert gc.get_threshold() == USER and gc.isenabled()


def test_a_short_graph_leaves_the_collector_alone() -> None:
    Watch.apply(_chain(LONG // 4)).sum().backward()
    assert Watch.seen == [USER] and gc.get_threshold() == USER


def test_dropping_the_graph_without_backward_gives_the_thresholds_back() -> None:
    y = _chain()
    assert _deferred()
    last = weakref.ref(y)
    del y
    assert last() is None and gc.get_threshold() == USER


def test_a_graph_in_a_garbage_cycle_is_collected_and_gives_them_back() -> None:
    holder: list = [_chain()]
    holder.append(holder)
    last = weakref.ref(holder[0])
    del holder
    gc.collect()  # only a full collection frees the cycle, and the graph with it
    assert last() is None and gc.get_threshold() == USER


def test_overlapping_graphs_nested_backward_and_create_graph() -> None:
    a, b = _chain(), _chain()
    a.sum().backward()
    assert gc.get_threshold() == USER  # backward ended; b defers again once it grows long
    b = _chain(LONG, b)
    assert _deferred()
    inner = _chain().sum()
    Watch.during = inner.backward
    Watch.apply(b).sum().backward()
    assert gc.get_threshold() == USER
    Watch.during, x = None, Tensor([0.3, 0.4], requires_grad=True)
    y = _chain(LONG, Watch.apply(x)).sum()
    y.backward(retain_graph=True)
    grad(y, [x], create_graph=True)
    assert Watch.seen[-1][2] > USER[2]  # the graph this sweep recorded grew long: it waits again
    assert gc.get_threshold() == USER


def test_a_failed_backward_gives_them_back() -> None:
    h = _chain()
    y = (h * h).sum()
    h.data += 1.0  # a saved tensor modified in place: backward refuses
    with pytest.raises(RuntimeError):
        y.backward()
    assert gc.get_threshold() == USER


def test_settings_the_user_changes_in_between_are_kept() -> None:
    y = _chain()
    gc.set_threshold(300, 3, 3)
    y.sum().backward()
    assert gc.get_threshold() == (300, 3, 3)
    y = _chain()
    gc.set_threshold(400)  # only threshold0: the others are still the user's 3 and 3
    gc.disable()
    del y
    assert gc.get_threshold() == (400, 3, 3) and not gc.isenabled()
    gc.enable()
    Watch.during = lambda: (gc.set_threshold(301, 4, 5), gc.disable())
    Watch.apply(_chain()).sum().backward()
    assert gc.get_threshold() == (301, 4, 5) and not gc.isenabled()


def test_threads_recording_sweeping_and_dropping_give_them_back() -> None:
    barrier, errors, kept = threading.Barrier(4), [], []

    def work(k: int) -> None:
        try:
            barrier.wait()
            for i in range(30):
                y = _chain(10 + 5 * (i % 7))
                if (i + k) % 3 == 0:
                    y.sum().backward()
                elif (i + k) % 3 == 1:
                    kept.append(y)  # dropped later, in the main thread
                # else: dropped here, without backward
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    kept.clear()
    assert gc.get_threshold() == USER and gc.isenabled()


def test_a_graph_dropped_while_another_thread_is_inside_the_engine() -> None:
    y = _chain()
    collector._lock.acquire()  # as a thread starting a deferral holds it
    del y  # its callback cannot wait for the lock: it leaves the work to the holder
    assert _deferred() and collector._missed
    collector._lock.release()
    collector._change()  # what the holder does on its way out
    assert gc.get_threshold() == USER
