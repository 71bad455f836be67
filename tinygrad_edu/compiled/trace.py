"""The trace: call 1 of a compiled step runs eagerly while a `Tracer` writes down every numpy call
it makes, as instructions on values (program.py).

- Every op reaches `on_forward` (a forward hook of the engine): lowered to its numpy call when
  lower.py has one that gives the same bits, an opaque call of its own forward otherwise.
- `backward()` and `grad()` run their sweep with `OnTrace`: an op of lower.GRAPH_SAFE has its
  backward run on Tensors, so each step of its gradient is an op recorded like the forward (one
  source for every gradient); any other op has its backward called on arrays, an opaque call.
- watch.py sends the rest here: the optimizer's update, `zero_grad`, `.grad` assignments, tensors
  made inside the step, and what the program cannot replay (`item()`, `.data`, ...): `refuse`.
"""

from __future__ import annotations

import os
import sys
import threading
from types import FrameType
from typing import Any

import numpy as np

from tinygrad_edu._frames import add_tensor_names
from tinygrad_edu.compiled import lower
from tinygrad_edu.compiled.program import Instr, Lit, Value
from tinygrad_edu.compiled.state import StateTrace
from tinygrad_edu.tensor import Tensor

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# the user's code only: not this package's, numpy's or the standard library's
_NOT_USER = (_PACKAGE, sys.prefix, sys.base_prefix)


def mode_of(module: Any) -> tuple:
    """What a module's forward depends on besides its arguments and tensors, guarded at every
    call: its `training` flag, and a BatchNorm's momentum and eps (baked into the program)."""
    return (bool(module.training), getattr(module, "momentum", None), getattr(module, "eps", None))


class Tracer(StateTrace):
    """What one traced call did, as instructions on values."""

    def __init__(self, args: list) -> None:
        self.thread = threading.get_ident()
        self.by_id: dict[int, Value] = {}  # id(array) -> its value
        self.keep: list = []  # every array and ctx seen, so that no id is reused during the trace
        self.instrs: list[Instr] = []
        self.refused: str | None = None
        self.inputs: list = []
        self.input_tensors: list = []  # the argument of each input, as the trace saw it
        self.states: list[Value] = []
        self.opaque_ctx: dict[int, Value] = {}  # id(ctx) -> the ctx value of its opaque forward
        self.seen_ctx: set[int] = set()
        self.made_here: set[int] = set()  # ids of the tensors made inside the step
        self.grad_start: dict[int, tuple] = {}  # id(t) -> (t, its .grad when first touched)
        self.grad_guards: list = []  # (t, True if .grad must be None when the step starts)
        self.bumps: list = []
        self.dicts: dict[int, Value] = {}
        self.names: dict[int, str] = {}  # id(tensor) -> a name from the user's code
        self.frames: dict[int, Any] = {}  # the user's frames seen on the stack
        self.optimizers: list = []
        self.modes: dict = {}  # id(module) -> (module, mode_of(module)) for each one called
        self.lrs: dict = {}  # (id(optimizer), dtype) -> the Lit box of its learning rate
        self.sweeps: list = []  # [first instruction, root, seed] of each backward (sweep.py)
        self.checks: dict = {}  # the lowerings checked so far, and whether they gave the same bits
        for i, a in enumerate(args):
            if isinstance(a, (Tensor, np.ndarray)):
                arr = a._data if isinstance(a, Tensor) else a
                v = self._value("input", arr, source=i, name=getattr(a, "name", None))
                v.tensor = a if isinstance(a, Tensor) else None
                self.input_tensors.append(a)
                self.inputs.append(v)

    def take_names(self) -> None:
        """Note the user's frames on the Python stack (as the first op, backward or the optimizer
        starts); `names_at_end` reads their variables that hold tensors (Z1, A1, cost)."""
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if not frame.f_code.co_filename.startswith(_NOT_USER):
                self.frames.setdefault(id(frame), frame)
            frame = frame.f_back

    def names_at_end(self) -> dict:
        """Names for the generated source, from the frames noted (inner first: the step's own
        names win over its caller's), read as the step ends (a finished frame keeps them)."""
        for frame in self.frames.values():
            add_tensor_names(frame, self.names)
        self.frames.clear()
        return self.names

    def mine(self) -> bool:
        return threading.get_ident() == self.thread and self.refused is None

    def refuse(self, why: str) -> None:
        if self.refused is None:
            self.refused = why

    # ------------------------------------------------------------------ values

    def _value(
        self, kind: str, arr: Any, source: Any = None, name: Any = None, base: Any = None
    ) -> Value:
        v = Value(kind, arr.shape, arr.dtype, name or "", arr, source, base)
        self.by_id[id(arr)] = v
        self.keep.append(arr)
        if kind == "state":
            self.states.append(v)
        return v

    def const(self, arr: np.ndarray) -> Value:
        v = self.by_id.get(id(arr))
        return v if v is not None else self._value("const", arr)

    def of_tensor(self, t: Any) -> Value:
        """The value of a tensor's array: made by the trace, an input, or a tensor from outside."""
        arr = t._data
        v = self.by_id.get(id(arr))
        if v is None:
            if id(t) in self.made_here:
                v = self._value("const", arr)
            else:  # a parameter, or data closed over: bound by identity, guarded at every call
                v = self._value("state", arr, source=t, name=t.name)
        return v

    def operand(self, a: Any) -> Any:
        if isinstance(a, Tensor):
            return self.of_tensor(a)
        if isinstance(a, np.ndarray):
            return self.const(a)
        if isinstance(a, (list, dict)) or (
            isinstance(a, tuple) and any(isinstance(x, (Tensor, np.ndarray)) for x in a)
        ):
            self.refuse(f"an op got a {type(a).__name__} of arrays as an argument")
        return Lit(a)

    def name_of(self, t: Any) -> str:
        return t.name or self.names.get(id(t), "") or ""

    def new(
        self, kind: str, fn: Any, args: list, like: np.ndarray, op: str = "", **kw: Any
    ) -> Value:
        """Append an instruction making one value shaped like `like` (the eager array)."""
        instr = Instr(kind, fn, args, [], kw, op)
        v = self._value("tmp", like)
        v.producer = instr
        instr.outs.append(v)
        self.instrs.append(instr)
        return v

    # ------------------------------------------------------------------ ops

    def on_forward(self, ctx: Any, arrays: tuple, result: Any) -> None:
        """A forward hook: one op ran (recorded or not)."""
        if not self.mine():
            return
        if not self.instrs:
            self.take_names()
        cls = type(ctx)
        out = result._data
        self.keep.append(ctx)
        self.seen_ctx.add(id(ctx))
        args = [self.operand(a) for a in ctx.parents]
        kwargs = {k: self.operand(v) for k, v in ctx.forward_kwargs.items()}
        if id(out) in self.by_id:  # the op handed back an array the trace knows (an input)
            return
        safe = cls in lower.GRAPH_SAFE and lower.saves_only_ios(ctx, arrays, out)
        needs_ctx = result._ctx is not None and not safe
        low = None
        if not needs_ctx:
            low = lower.lowering(ctx, arrays, ctx.forward_kwargs, out)
            candidates = low if isinstance(low, list) else [low] if low is not None else []
            low = next((c for c in candidates if self.checked(c, ctx, arrays, out)), None)
        base = lower.viewed(out, args, arrays)
        if low is not None:
            kind, fn, spec, kw = low
            operands = [args[s] if isinstance(s, int) else s for s in spec]
            v = self.new(kind, fn, operands, out, cls.__name__, **kw)
        else:
            instr = Instr("forward", cls, args, [], kwargs, cls.__name__)
            instr.info = ctx.needs_input_grad
            v = self._value("tmp", out)
            v.producer = instr
            ctx_value = Value("tmp", None, None, f"ctx_{cls.__name__.lower()}")
            ctx_value.producer = instr
            instr.outs += [v, ctx_value]
            self.opaque_ctx[id(ctx)] = ctx_value
            self.instrs.append(instr)
        v.base, v.tensor = base, result

    def checked(self, low: tuple, ctx: Any, arrays: tuple, out: Any) -> bool:
        """Does the lowering give the eager bits? Checked once per kind of call: the same numpy
        function on operands of the same shapes, dtypes, strides and literal values."""
        kind, fn, spec, kw = low
        key = (
            type(ctx),
            kind,
            fn,
            lower.layout(out),
            *(
                lower.layout(arrays[s]) if isinstance(s, int) else lower.literal_key(s)
                for s in spec
            ),
        )
        key += tuple((k, lower.literal_key(v)) for k, v in kw.items())
        found = self.checks.get(key)
        if found is None:
            found = lower.same_bits(low, ctx, arrays, ctx.forward_kwargs, out)
            self.checks[key] = found
        return found

    def on_operand(self, source: Any, arr: np.ndarray) -> None:
        """An op's operand converted to the tensor's dtype (ops/base.py `operand`): a copy of a
        traced array is an instruction, so an argument's new values reach the program."""
        if self.mine() and isinstance(source, np.ndarray):
            known = self.by_id.get(id(source))
            if known is not None and known.kind != "const":
                self.new("new", lower.as_operand, [known, Lit(arr.dtype)], arr, "operand")

    def record_call(self, fn: Any, args: list, result: Any, op: str) -> None:
        """A numpy call that makes a tensor outside any op (a comparison, `sign`): `fn(*args)`."""
        if self.mine():
            self.new("new", fn, [self.operand(a) for a in args], result._data, op)

    def on_new_tensor(self, t: Any, data: Any) -> None:
        """`Tensor(data)` inside the step: a copy of a traced array, or a constant."""
        if not self.mine():
            return
        self.made_here.add(id(t))
        self.keep.append(t)
        source = data._data if isinstance(data, Tensor) else data
        known = self.by_id.get(id(source)) if isinstance(source, np.ndarray) else None
        if known is not None and known.kind != "const":
            self.new("new", lower.to_array, [known, Lit(t._data.dtype)], t._data, "Tensor")
        else:
            self.const(t._data)
