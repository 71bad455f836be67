"""Hypothesis strategies for your own tests (strategies.py: values, arrays, Tensors; arguments.py: op
arguments), a gradient assertion (gradients.py), and the op table the suite iterates (op_table.py)."""

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
