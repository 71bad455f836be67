from tinygrad_edu.engine._core import increment_version, version_counter  # noqa: F401
