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
    """Record the course's J = 3(a + b*c), each tensor named as the course names it.

    Args:
        a: The value of a (the course's 5).
        b: The value of b (3).
        c: The value of c (2).

    Returns:
        The named tensors a, b, c, u = b*c, v = a + u and J = 3v.

    Examples:
        >>> g = course_graph()
        >>> g.J.backward()
        >>> g.J.item(), g.a.grad.item(), g.b.grad.item(), g.c.grad.item()
        (33.0, 3.0, 6.0, 9.0)
    """
    ta = Tensor(a, requires_grad=True, name="a")
    tb = Tensor(b, requires_grad=True, name="b")
    tc = Tensor(c, requires_grad=True, name="c")
    u = tb * tc
    v = ta + u
    J = 3 * v
    u.name, v.name, J.name = "u", "v", "J"
    return CourseGraph(ta, tb, tc, u, v, J)
