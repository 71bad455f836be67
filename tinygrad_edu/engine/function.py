from tinygrad_edu.engine._core import Function, apply1, apply2  # noqa: F401
