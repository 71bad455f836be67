"""Tools above Tensor, as `torch.autograd`'s Python side: `grad` (functional.py), gradient checking
(gradcheck.py, gradgradcheck.py), the wrong-op locator (locate.py) and its report (report.py)."""

from tinygrad_edu.autograd.functional import grad
from tinygrad_edu.autograd.gradcheck import GradcheckError, gradcheck, numerical_grad
from tinygrad_edu.autograd.gradgradcheck import gradgradcheck
from tinygrad_edu.autograd.locate import WrongOp, locate_wrong_op

__all__ = [
    "GradcheckError",
    "WrongOp",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "locate_wrong_op",
    "numerical_grad",
]
