"""tinygrad_edu: a small, honest autograd framework on numpy, for learning deep learning by building it.

>>> from tinygrad_edu import Tensor
>>> x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
Tensor([2., 4., 6.])
"""

from tinygrad_edu.autograd import (
    GradcheckError,
    WrongOp,
    grad,
    gradcheck,
    gradgradcheck,
    locate_wrong_op,
    numerical_grad,
)
from tinygrad_edu.compiled import JitWarning, jit
from tinygrad_edu.engine.anomaly import AnomalyError, detect_anomaly, is_anomaly_enabled
from tinygrad_edu.engine.function import Function
from tinygrad_edu.engine.grad_mode import (
    enable_grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from tinygrad_edu.random import get_rng_state, manual_seed, set_rng_state
from tinygrad_edu.tensor import Tensor

__version__ = "0.1.0"

__all__ = [
    "AnomalyError",
    "Function",
    "GradcheckError",
    "JitWarning",
    "Tensor",
    "WrongOp",
    "__version__",
    "detect_anomaly",
    "enable_grad",
    "get_rng_state",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jit",
    "locate_wrong_op",
    "manual_seed",
    "no_grad",
    "numerical_grad",
    "set_grad_enabled",
    "set_rng_state",
]
