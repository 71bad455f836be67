"""Every built-in op, one family per file; `tinygrad_edu.testing.op_table.OPS` lists them for the
tests. How to write one: the docstring of ops/base.py.

Each family names its ops in its `__all__`, so a new op of a family needs no edit here (a new
family file needs its import line). Ops marked `internal = True` (Cast, ScatterAdd) are importable
but have no row in the op table; their files say why.
"""

from tinygrad_edu.ops.activations import *  # noqa: F403
from tinygrad_edu.ops.arithmetic import *  # noqa: F403
from tinygrad_edu.ops.base import Op
from tinygrad_edu.ops.cast import *  # noqa: F403
from tinygrad_edu.ops.loss import *  # noqa: F403
from tinygrad_edu.ops.matmul import *  # noqa: F403
from tinygrad_edu.ops.movement import *  # noqa: F403
from tinygrad_edu.ops.reduce import *  # noqa: F403
from tinygrad_edu.ops.softmax import *  # noqa: F403
from tinygrad_edu.ops.unary import *  # noqa: F403

# Op and the ops the families export: the star imports above brought in nothing else that is an Op
__all__ = sorted(
    name for name, obj in globals().items() if isinstance(obj, type) and issubclass(obj, Op)
)
