"""The names user code gives tensors: the variables of its frames on the Python stack. The graph
drawing (viz/labels.py) and the compiled step's source (compiled/trace.py) both name tensors after
them, `Z1`, `A1`, `cost`, as the learner wrote them."""

from __future__ import annotations

from types import FrameType

from tinygrad_edu.tensor import Tensor


def add_tensor_names(frame: FrameType, names: dict[int, str]) -> None:
    """Add `{id(tensor): variable}` for every variable of `frame` that holds a Tensor, keeping the
    names already in `names` (an inner frame's win when frames are read innermost first). Names
    starting with `_` are skipped (IPython's `_`, `_3`).

    Args:
        frame: a frame of the user's code.
        names: the names found so far, updated in place."""
    for var, value in list(frame.f_locals.items()):
        if isinstance(value, Tensor) and not var.startswith("_"):
            names.setdefault(id(value), var)
