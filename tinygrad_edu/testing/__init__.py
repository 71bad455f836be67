"""Hypothesis strategies for your own tests (strategies.py: values, arrays, Tensors; arguments.py: op
arguments), a gradient assertion (gradients.py), and the op table the suite iterates (op_table.py).

The engine's own test suite uses exactly these strategies, so what passes here is what the engine is
checked with. They are built on `hypothesis.extra.numpy`::

    from hypothesis import given
    from tinygrad_edu.testing import Domain, assert_gradients_match, broadcastable_tensors, tensors

    @given(tensors(elements=Domain(0.1, 5.0), requires_grad=True))
    def test_log_gradient(x):
        assert_gradients_match(lambda t: t.log().sum(), x)

    @given(broadcastable_tensors(2, requires_grad=True))
    def test_product_rule(ab):
        a, b = ab
        assert_gradients_match(lambda a, b: (a * b).sum(), a, b)

Values are drawn from a `Domain`: the interval [low, high], at least `gap` away from every point
in `avoid` (a kink such as relu's 0 or a pole such as 1/x's 0), all different when `distinct`.
Avoidance maps the drawn values onto the allowed set (no filter), so it never runs out of examples.
"""

try:  # every module here but op_table.py is built on Hypothesis
    import hypothesis  # noqa: F401
except ImportError as exc:  # pragma: no cover - depends on the environment
    raise ImportError(
        "tinygrad_edu.testing needs Hypothesis for its strategies: "
        "pip install 'tinygrad_edu[testing]' (or pip install hypothesis)"
    ) from exc

from tinygrad_edu.testing.arguments import (
    axes,
    broadcast_targets,
    indices,
    permutations,
    reshape_targets,
)
from tinygrad_edu.testing.gradients import assert_gradients_match
from tinygrad_edu.testing.strategies import (
    Domain,
    allowed_intervals,
    arrays_in,
    broadcastable_tensors,
    course_layout,
    course_shapes,
    matmul_tensors,
    shapes,
    tensors,
)

__all__ = [
    "Domain",
    "allowed_intervals",
    "arrays_in",
    "assert_gradients_match",
    "axes",
    "broadcast_targets",
    "broadcastable_tensors",
    "course_layout",
    "course_shapes",
    "indices",
    "matmul_tensors",
    "permutations",
    "reshape_targets",
    "shapes",
    "tensors",
]
