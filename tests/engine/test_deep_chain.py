"""Backward is iterative: a graph 100,000 ops deep backpropagates without RecursionError, and
in seconds (about 1 s on the reference machine, so these are not marked slow)."""

from __future__ import annotations

import gc
import sys
import weakref

import numpy as np

from tinygrad_edu import Tensor

DEPTH = 100_000


def test_100k_alternating_mul_and_add() -> None:
    x0 = np.array([0.5, -1.0, 2.0])
    x = Tensor(x0, requires_grad=True)
    y = x
    for _ in range(DEPTH // 2):
        y = y * 1.0001
        y = y + 0.001
    y.sum().backward()
    # y = 1.0001^n x + const, so dy/dx = 1.0001^n for every element
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 1.0001 ** (DEPTH // 2)), rtol=1e-9)
    assert y.numpy()[0] > 70  # the forward ran all the way


def test_100k_tanh_chain_matches_the_product_of_local_derivatives() -> None:
    x0 = np.array([0.5, -1.0, 2.0])
    x = Tensor(x0, requires_grad=True)
    y = x
    expected = np.ones(3)
    value = x0.copy()
    for _ in range(DEPTH):
        y = y.tanh()
        value = np.tanh(value)
        expected *= 1 - value**2  # d tanh(v)/dv = 1 - tanh(v)^2
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), value, rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-9)


def test_deep_chain_under_a_low_recursion_limit() -> None:
    """The walk uses no recursion at all: 5,000 ops deep with a recursion limit of 1,000."""
    limit = sys.getrecursionlimit()
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5_000):
        y = y + 1.0
    try:
        sys.setrecursionlimit(1_000)
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad.item() == 1.0


def test_a_deep_graph_is_freed_without_crashing() -> None:
    """Dropping the last reference frees all 100,000 nodes (no cycle keeps them, and the
    deallocation does not overflow the C stack)."""
    x = Tensor([1.0], requires_grad=True)
    y = x
    for k in range(DEPTH):
        y = y * 1.0
        if k == DEPTH // 2:
            middle = weakref.ref(y)
    y.backward()
    last = weakref.ref(y)
    del y
    assert last() is None and middle() is None
    gc.collect()
    assert x.grad.item() == 1.0
