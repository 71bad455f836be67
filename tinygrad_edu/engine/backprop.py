from tinygrad_edu.engine._core import run_backward, seen_by  # noqa: F401
