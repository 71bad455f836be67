"""What a traced step becomes: values (arrays with a shape, a dtype and a name) and instructions (numpy
calls on them), in the order the eager step ran them.

A value is one of
- "input": the array of a Tensor (or numpy array) the step was called with, read at every call;
- "state": the array of a Tensor from outside the step (a parameter, an optimizer's average), bound
  once: its identity is a guard, its values change in place (the optimizer writes them);
- "slot": the `.grad` of a tensor as it is when the step starts (gradients added up across calls);
- "const": an array baked into the program (made from literals while the step was traced);
- "tmp": made by an instruction of the program.

An instruction's kind says how it runs:
- "out": `fn(*args, out=buffer)`, a numpy call writing into a buffer the program owns;
- "new": `out = fn(*args)`, a numpy call that makes a fresh array;
- "view": `out = fn(*args)`, a view of an argument's memory (built once when the argument's memory
  is fixed);
- "forward" / "backward": an op with no lowering (a user's Function), its own forward or backward
  called as eager mode calls it (an opaque call);
- "update": an optimizer's update, in place into the parameter and its state;
- "read": `box[...] = obj.attr`, a number read at every call into a 0-d array (an optimizer's
  learning rate, which a schedule changes between calls).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(eq=False, slots=True)  # slots: a long program has a few hundred thousand of these
class Value:
    """One array of the program."""

    kind: str  # "input", "state", "slot", "const" or "tmp"
    shape: Any  # a tuple; None for a ctx or a dict, which are no arrays
    dtype: Any  # an np.dtype; None likewise
    name: str = ""
    array: Any = None  # its value when the step was traced (a const's value, a check's reference)
    source: Any = None  # input: the argument's position; state: the Tensor; slot: the Tensor
    base: Value | None = None  # the value whose memory this one views
    producer: Instr | None = None
    tensor: Any = None  # the Tensor it was, for its name
    grad_of: Any = None  # the Tensor it is the gradient of (named "d" + that tensor's name)
    order: tuple | None = None  # its eager array's axes in memory, when not C order (layout)

    def __post_init__(self) -> None:
        self.order = layout(self.array)


@dataclass(eq=False, slots=True)
class Lit:
    """A literal argument: a Python number, a tuple of axes, a dtype, or a 0-d array of the right
    dtype (a scalar boxed once, so numpy does not convert it at every call)."""

    value: Any
    # a named one is no constant: the source calls it by that name (the learning rate `lr`, the
    # optimizer `opt`), and a "read" instruction refills its box at every call
    name: str = ""


@dataclass(eq=False, slots=True)
class Instr:
    """One step of the program (see the module docstring for the kinds)."""

    kind: str
    fn: Any
    args: list
    outs: list
    kwargs: dict = field(default_factory=dict)
    op: str = ""  # the op it came from, for the comment in the generated source
    reads: list = field(default_factory=list)  # values read besides args (an opaque backward's)
    writes: list = field(default_factory=list)  # state or slot values written in place
    info: Any = None  # kind-specific: an opaque op's needs and ctx, an update's lowering

    def values(self) -> list:
        """Every value this instruction reads."""
        # (the passes call this a few times per instruction: a long program has many)
        found = [a for a in self.args if type(a) is Value]
        if self.kwargs:
            found += [v for v in self.kwargs.values() if type(v) is Value]
        return found + self.reads if self.reads else found


@dataclass(eq=False)
class Program:
    """A traced step: its instructions, and what the step hands back."""

    instrs: list
    inputs: list  # Values of kind "input", by argument position
    returned: Any  # the template of fn's return: Values where it returned Tensors
    grads: list  # (tensor, Value or None): what each touched tensor's .grad is after the step
    bumps: list  # tensors whose version the step bumps (the optimizer's parameters)
    states: list = field(default_factory=list)  # Values of kind "state" and "slot"
    dicts: dict = field(default_factory=dict)  # name -> an optimizer state dict the program updates
    buffers: list = field(default_factory=list)  # (shape, dtype, order) of each buffer (passes.py)


def bits_equal(a: Any, b: Any) -> bool:
    """True if a and b are arrays of one shape and dtype with the same bits (-0.0 is not 0.0; a nan
    equals a nan with the same bits)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.size < 4096:
        return a.tobytes() == b.tobytes()
    return bool(np.array_equal(_bytes(a), _bytes(b)))


def _bytes(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


def layout(a: Any) -> tuple | None:
    """The order of an eager array's axes in memory, outermost first (None for C order), so that
    a buffer for it is laid out the same: a sum or a product over it then adds in eager's order
    (numpy keeps its operands' order: X.T + b is F-ordered)."""
    if not isinstance(a, np.ndarray) or a.flags.c_contiguous:
        return None
    return tuple(int(i) for i in np.argsort([-s for s in a.strides], kind="stable"))


def empty(shape: tuple, dtype: Any, order: tuple | None = None) -> np.ndarray:
    """`np.empty(shape, dtype)`, with its axes in memory in `order` (see layout)."""
    if order is None:
        return np.empty(shape, dtype)
    return np.empty([shape[i] for i in order], dtype).transpose(np.argsort(order))


def frozen(a: Any) -> np.ndarray:
    """A copy of eager's array `a` laid out as `a` is, axes of stride 0 (a broadcast) still
    broadcast, so that an op reads it in eager's order (a matmul of a broadcast view takes
    another path than one of a contiguous copy: other bits)."""
    a = np.asarray(a)
    if a.flags.c_contiguous:
        return a.copy()
    picked = a[tuple(slice(0, 1) if s == 0 else slice(None) for s in a.strides)]
    return np.broadcast_to(picked.copy(order="K"), a.shape)
