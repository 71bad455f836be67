"""Code generation: a program as straight-line Python, one numpy call per line, named after the
user's tensors (`tanh(Z1, out=A1)`, `multiply(dA2, A2, out=t3)`: names.py), and `bind`, which gives
it the arrays it runs on.

The source defines `run(<inputs>)`, which returns the arrays the step hands back. Buffers, state
arrays, constants and views of them are globals of the namespace `bind` fills: views of memory that
never moves are built once there, not at every call.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from tinygrad_edu.compiled.names import BufferNames, Names, named
from tinygrad_edu.compiled.opaque import opaque_backward, opaque_forward
from tinygrad_edu.compiled.program import Instr, Lit, Program, Value, empty

# numpy deprecates out= by position for these (they once took more than two inputs)
OUT_BY_NAME = frozenset({np.maximum, np.minimum})


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
    if isinstance(a, Lit) and a.name:  # read at every call (the lr): named for what it is
        return named(a, names, g)
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
        fresh = None if instr.writes or id(instr.outs[0]) in owner else _allocates(instr)
        if fresh is not None:  # a fresh array for the user
            return [f"{target} = {fn}({args}{kw}{fresh}){note}"]
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
    if kind == "read":  # a number the program reads at every call (see program.py)
        box, obj = (_arg(a, names, g) for a in instr.args)
        return [f"{box}[...] = {obj}.{instr.info}{note}"]
    if kind == "update":
        name = f"update_{len(g)}"
        g[name] = instr.fn
        return [f"{name}({args})  # {instr.op}.update, in place"]
    raise AssertionError(f"unknown instruction kind {kind}")


def _allocates(instr: Instr) -> str | None:
    """How numpy's own call makes the fresh array (`db2 = add_reduce(dZ2, ...)`, cheaper than
    `empty` and `out=`): "" (or ", out=..." for a 0-d one, which a ufunc would give as a numpy
    scalar), or None. Only a numpy function that makes its result as eager's op made it: in C
    order, of the operands' dtype (no promotion that `out=` would have cast back)."""
    out = instr.outs[0]
    fn = instr.fn
    if not (fn in _ALLOCATES or isinstance(fn, np.ufunc)) or out.order is not None:
        return None
    operands = [a if isinstance(a, Value) else a.value for a in instr.args]
    if any(
        a.dtype != out.dtype for a in operands if isinstance(a, (Value, np.ndarray, np.generic))
    ):
        return None
    if out.shape:
        return ""
    return ", out=..." if _ELLIPSIS_OUT and fn is not np.dot else None


_ALLOCATES = (np.dot, np.matmul, np.add.reduce)
try:  # numpy >= 2.3: `out=...` returns a 0-d array, not a numpy scalar
    _ELLIPSIS_OUT = type(np.negative(np.zeros(()), out=...)) is np.ndarray
except TypeError:
    _ELLIPSIS_OUT = False


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
