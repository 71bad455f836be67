"""Code generation: a program as straight-line Python, one numpy call per line, named after the
user's tensors (`tanh(Z1, out=A1)`, `multiply(dA2, A2, out=t3)`), and `bind`, which gives it the
arrays it runs on.

The source defines `run(<inputs>)`, which returns the arrays the step hands back. Buffers, state
arrays, constants and views of them are globals of the namespace `bind` fills: views of memory that
never moves are built once there, not at every call.
"""

from __future__ import annotations

import keyword
import re
from typing import Any

import numpy as np

from tinygrad_edu.compiled.program import Instr, Lit, Program, Value, empty
from tinygrad_edu.engine import function

_new = object.__new__
# numpy deprecates out= by position for these (they once took more than two inputs)
OUT_BY_NAME = frozenset({np.maximum, np.minimum})


def opaque_forward(cls: Any, needs: tuple, *arrays: Any, **kwargs: Any) -> tuple:
    """An op with no lowering, as apply runs it: its forward on a fresh ctx; returns (out, ctx)."""
    ctx = _new(cls)
    ctx.needs_input_grad = needs
    out = cls.forward(ctx, *arrays, **kwargs)
    if type(out) is not np.ndarray:
        out = function._as_output(cls, out, ctx)
    return out, ctx


def opaque_backward(ctx: Any, g: np.ndarray, specs: list) -> tuple:
    """Its backward on arrays, as plain backward calls it; each gradient an array of its input's
    shape and dtype, never the incoming gradient itself (a view of it stays a view, as in plain
    backward: the program keeps g's memory in use while the view is read)."""
    grads = type(ctx).backward(ctx, g)
    if type(grads) is not tuple:
        grads = (grads,)
    out = []
    for pg, spec in zip(grads, specs, strict=True):
        if spec is None:
            continue
        shape, dtype = spec
        arr = np.asarray(pg)
        if arr.dtype != dtype:
            arr = arr.astype(dtype)
        elif arr is g:
            arr = arr.copy()
        out.append(arr.reshape(shape) if arr.shape != shape else arr)
    return tuple(out)


class Names:
    """Python names for values: the tensor's name where it has one, dX for a gradient of X."""

    def __init__(self, tracer_names: dict, by_array: dict | None = None) -> None:
        self.by_array = by_array or {}  # id(array) -> its value, while the trace's arrays live
        self.given: dict[int, str] = {}
        self.used: set[str] = set()
        self.counts: dict[str, int] = {}  # the last number given after each base name
        self.tracer_names = tracer_names

    def __call__(self, v: Value) -> str:
        name = self.given.get(id(v))
        if name is None:
            name = self.given[id(v)] = self._fresh(self._base(v))
        return name

    def _base(self, v: Value) -> str:
        if v.name:
            return v.name
        t = v.tensor if v.tensor is not None else v.source if v.kind in ("state", "input") else None
        if t is not None and not isinstance(t, (int, tuple)):
            found = getattr(t, "name", None) or self.tracer_names.get(id(t))
            if found:
                return found
        p = v.producer
        if p is not None and p.kind == "view" and isinstance(p.args[0], Value):
            return self(p.args[0]) + ("_T" if p.fn is np.transpose else "_view")
        course = self._course(p)
        if course:
            return course
        if v.grad_of is not None:
            of = getattr(v.grad_of, "name", None) or self.tracer_names.get(id(v.grad_of))
            made = self.by_array.get(id(v.grad_of._data))
            if not of and made is not None and made is not v:
                of = self._course(made.producer)
            if of:
                return f"d{of}"
        return {"const": "k", "input": "x", "state": "s"}.get(v.kind, "t")

    def _course(self, p: Instr | None) -> str:
        """The course's names for a layer's values: Z[l] = W[l] A[l-1] + b[l] (the add of a bias
        named b<l>), A[l] = g(Z[l]) (an activation of Z<l>)."""
        if p is None or not p.args or not isinstance(p.args[-1 if p.op == "Add" else 0], Value):
            return ""
        if p.op == "Add":
            bias = p.args[-1]
            found = re.fullmatch(r"b(\d+)", self._base(bias)) if bias.kind == "state" else None
            return f"Z{found[1]}" if found else ""
        if p.op in _ACTIVATIONS:
            z = p.args[0]
            found = re.fullmatch(r"Z(\d+)", self._course(z.producer)) if z.producer else None
            return f"A{found[1]}" if found else ""
        return ""

    def _fresh(self, base: str) -> str:
        base = re.sub(r"\W", "_", base) or "t"
        if base[0].isdigit() or keyword.iskeyword(base):
            base = f"_{base}"
        name, n = base, self.counts.get(base, 1)
        while name in self.used or name in _RESERVED:
            n += 1
            name = f"{base}_{n}"
        self.counts[base] = n
        self.used.add(name)
        return name


_ACTIVATIONS = {"Tanh", "Sigmoid", "ReLU", "LeakyReLU"}
_RESERVED = {"run", "np", "forward", "backward", "empty", "out"}


def generate(program: Program, owner: dict, names: Names) -> tuple[str, dict, list]:
    """The source of `run`, the globals it needs (besides the bound arrays), and the static views
    to build at bind time: (name, instr)."""
    g: dict[str, Any] = {"forward": opaque_forward, "backward": opaque_backward, "empty": empty}
    lines: list[str] = []
    static: list[tuple[str, Instr]] = []
    fixed = {id(v) for v in program.states if v.kind == "state"} | set(owner)
    fixed |= {id(v) for instr in program.instrs for v in instr.values() if v.kind == "const"}
    for instr in program.instrs:
        lines += _line(instr, owner, names, g, static, fixed)
    slots = [v for v in program.states if v.kind == "slot"]
    inputs = ", ".join(names(v) for v in program.inputs + slots)
    outs, seen = [], set()
    for v in _escaping(program):
        # a fresh array for the user: never a buffer of the program, a state's memory or a view
        fresh = id(v) not in owner and v.kind == "tmp" and v.base is None and id(v) not in seen
        fresh = fresh and v.producer is not None and v.producer.kind in ("out", "new", "backward")
        outs.append(names(v) if fresh else f"{names(v)}.copy()")
        seen.add(id(v))
    body = [f"def run({inputs}):", *("    " + line for line in lines)]
    body.append(f"    return ({', '.join(outs)}{',' if len(outs) == 1 else ''})")
    return "\n".join(body) + "\n", g, static


def _escaping(program: Program) -> list[Value]:
    from tinygrad_edu.compiled.passes import escaping

    return escaping(program)


def _constants(program: Program) -> list[Value]:
    from tinygrad_edu.compiled.passes import constants

    return constants(program)


def _arg(a: Any, names: Names, g: dict) -> str:
    if isinstance(a, Value):
        return names(a)
    value = a.value if isinstance(a, Lit) else a
    # exact types: numpy's scalars are floats too, and their repr names np (np.float64(2.0))
    if type(value) in (bool, int, float, str, type(None)) or (
        type(value) is tuple and all(type(x) in (int, bool) for x in value)
    ):
        return repr(value)
    if isinstance(value, np.ndarray) and value.ndim == 0:  # a number boxed once: named after it
        name = "c_" + re.sub(r"\W", "_", repr(value.item()).replace("-", "m"))
        name = name if g.get(name, value) is value or _same(g[name], value) else f"{name}_{len(g)}"
        g[name] = value
        return name
    name = f"c_{len(g)}"
    g[name] = value
    return name


def _same(a: Any, b: Any) -> bool:
    return isinstance(a, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and a == b


def _fn(fn: Any, g: dict) -> str:
    name = getattr(fn, "__name__", "fn")
    if isinstance(fn, type):
        name = fn.__name__
    if name == "reduce" and getattr(fn, "__self__", None) is np.add:
        name = "add_reduce"
    if g.get(name, fn) != fn:  # (np.add.reduce is a new bound method at each lookup)
        name = f"{name}_{len(g)}"
    g[name] = fn
    return name


def _line(instr: Instr, owner: dict, names: Names, g: dict, static: list, fixed: set) -> list[str]:
    args = ", ".join(_arg(a, names, g) for a in instr.args)
    kw = "".join(f", {k}={_arg(v, names, g)}" for k, v in instr.kwargs.items())
    fn = _fn(instr.fn, g) if instr.fn is not None else ""
    outs = [names(v) for v in instr.outs]
    note = f"  # {instr.op}" if instr.op and instr.op.lower() not in fn.lower() else ""
    kind = instr.kind
    if kind == "out":
        target = outs[0]
        pre = (
            []
            if instr.writes or id(instr.outs[0]) in owner
            else [f"{target} = empty({_shape_dtype(instr.outs[0])})"]
        )
        if instr.fn is np.copyto:
            return [*pre, f"{fn}({target}, {args}){note}"]
        if kw or instr.fn in OUT_BY_NAME:
            return [*pre, f"{fn}({args}{kw}, out={target}){note}"]
        return [*pre, f"{fn}({args}, {target}){note}"]  # out= by position: a little faster
    if kind == "fill":
        return [f"{fn}({args}){note}"]
    if kind == "view":
        if all(id(v) in fixed for v in instr.values()):
            static.append((outs[0], instr))
            fixed.add(id(instr.outs[0]))
            return []
        return [f"{outs[0]} = {fn}({args}{kw}){note}"]
    if kind == "new":
        return [f"{', '.join(outs)} = {fn}({args}{kw}){note}"]
    if kind == "forward":
        needs = repr(tuple(instr.info))
        ins = ", ".join(_arg(a, names, g) for a in instr.args)
        return [f"{outs[0]}, {outs[1]} = forward({_fn(instr.fn, g)}, {needs}, {ins}{kw})"]
    if kind == "backward":
        specs = _arg(Lit(instr.info), names, g)
        target = ", ".join(outs) + ("," if len(outs) == 1 else "")
        return [f"{target} = backward({args}, {specs})  # {instr.op}.backward"]
    if kind == "update":
        name = f"update_{len(g)}"
        g[name] = instr.fn
        return [f"{name}({args})  # {instr.op}.update, in place"]
    raise AssertionError(f"unknown instruction kind {kind}")


class BufferNames(Names):
    """The names of the code that runs: a buffer's own name (_b3) for every value it holds, so a
    long program reads few variables (faster: see `make`), the readable names elsewhere."""

    def __init__(self, readable: Names, owner: dict) -> None:
        super().__init__(readable.tracer_names, readable.by_array)
        self.readable, self.owner = readable, owner

    def __call__(self, v: Value) -> str:
        k = self.owner.get(id(v))
        return f"_b{k}" if k is not None else self.readable(v)


def _shape_dtype(v: Value) -> str:
    """The arguments of `empty` for v: its shape, dtype and (when not C) its order in memory."""
    return f"{v.shape}, '{v.dtype.str}'" + ("" if v.order is None else f", {v.order}")


def executable(program: Program, owner: dict, readable: Names) -> tuple[Any, dict, list, Names]:
    """The code that runs: `make(<everything fixed>)` returns `run`, so that buffers, state arrays,
    constants and numpy's functions are closure variables of `run` (the fastest to read)."""
    names = BufferNames(readable, owner)
    source, g, static = generate(program, owner, names)
    fixed = sorted(
        set(g)
        | {f"_b{k}" for k in range(len(program.buffers))}
        | {names(v) for v in program.states if v.kind == "state"}
        | {names(v) for v in program.dicts.values()}
        | {names(a) for a in _constants(program)}
        | {name for name, _ in static}
    )
    body = "".join(f"    {line}\n" for line in source.splitlines())
    code = compile(f"def make({', '.join(fixed)}):\n{body}    return run\n", "<jit>", "exec")
    return code, g, static, names


def bind(code: Any, program: Program, g: dict, static: list, names: Names, arrays: dict) -> Any:
    """`run`, made with its closure: `arrays` (name -> the state array or dict it runs on), fresh
    buffers, the constants, and the static views built on them."""
    ns = dict(g)
    ns.update(arrays)
    for k, key in enumerate(program.buffers):
        ns[f"_b{k}"] = empty(*key)
    for a in _constants(program):
        ns[names(a)] = a.array
    for name, instr in static:
        args = [ns[names(a)] if isinstance(a, Value) else a.value for a in instr.args]
        ns[name] = instr.fn(*args)
    scope: dict = {}
    exec(code, scope)
    make = scope["make"]
    return make(**{k: ns[k] for k in make.__code__.co_varnames[: make.__code__.co_argcount]})
