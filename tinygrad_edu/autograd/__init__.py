"""Tools above Tensor, as `torch.autograd`'s Python side: `grad` (functional.py), gradient checking
(gradcheck.py, gradgradcheck.py) and the wrong-op locator (locate.py).

Underneath, one idea per file: numerical.py holds the one perturbation loop (central differences),
compare.py the end-to-end comparison both checks make, recorded.py reads the recorded graph for the
locator, report.py prints the course's relative differences."""

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
