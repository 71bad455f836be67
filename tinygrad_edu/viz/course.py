"""The course's first computation graph, built once for the `graph` command, the docs and tests."""

from __future__ import annotations

from typing import NamedTuple

from tinygrad_edu.tensor import Tensor


class CourseGraph(NamedTuple):
    """The tensors of u = b*c, v = a + u, J = 3v, each named as the course names it."""

    a: Tensor
    b: Tensor
    c: Tensor
    u: Tensor
    v: Tensor
    J: Tensor


def course_graph(a: float = 5.0, b: float = 3.0, c: float = 2.0) -> CourseGraph:
    """Record J = 3(a + b*c) (the course's values by default); call `.J.backward()` to get
    dJ/da = 3, dJ/db = 3c = 6, dJ/dc = 3b = 9."""
    ta = Tensor(a, requires_grad=True, name="a")
    tb = Tensor(b, requires_grad=True, name="b")
    tc = Tensor(c, requires_grad=True, name="c")
    u = tb * tc
    v = ta + u
    J = 3 * v
    u.name, v.name, J.name = "u", "v", "J"
    return CourseGraph(ta, tb, tc, u, v, J)
