"""Hypothesis strategies and a gradient assertion for your own tests (strategies.py), and the op
table the suite iterates (op_table.py)."""

from tinygrad_edu.testing.strategies import (
    Domain,
    allowed_intervals,
    arrays_in,
    assert_gradients_match,
    axes,
    broadcast_targets,
    broadcastable_tensors,
    course_layout,
    course_shapes,
    indices,
    matmul_tensors,
    permutations,
    reshape_targets,
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
