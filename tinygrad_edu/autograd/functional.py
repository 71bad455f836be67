from tinygrad_edu.engine._higher import grad  # noqa: F401
