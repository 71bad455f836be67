from tinygrad_edu.engine._core import enable_grad, is_grad_enabled, no_grad, set_grad_enabled  # noqa: F401
