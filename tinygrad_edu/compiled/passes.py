"""The optimizer passes, each exact (the program still gives the eager bits):

- `fold`: an instruction whose operands are all constants (made from literals inside the step, like
  backward's seed dJ/dJ = 1) is computed once: its eager value becomes a constant.
- `alias`: `x * 1`, `x / 1` and `x - 0` are x itself (`x + 0.0` is not: -0.0 + 0.0 is +0.0).
- `simplify`: a constant array whose elements are all one number is that number (k * x, where k is
  dJ/dJ spread by a mean's gradient). (`-x + y` is left as it is: `y - x` has the same value, but
  a nan's sign bit may differ.)
- `share`: an instruction that repeats an earlier one (the same numpy call on the same operands,
  none of them written in between: `1 - A2` in the cost and in sigmoid's gradient) reuses its value.
- `eliminate`: instructions whose values nobody uses (gradients of inputs that need none, a cost
  not returned) are dropped; writes into the state (and the reads of the learning rate) are
  always kept.
- `assign_buffers`: every value an "out" instruction makes gets a preallocated buffer, laid out in
  memory as eager's array was (a sum over it then adds in eager's order); a buffer is reused by a
  later value of the same shape, dtype and layout once every value that reads it is done
  (liveness), so a long program needs a few buffers, not one per value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.compiled.program import Instr, Lit, Program, Value, frozen

_PURE = ("out", "new", "view")


def fold(program: Program) -> None:
    kept = []
    for instr in program.instrs:
        if (
            instr.kind in _PURE
            and not instr.writes
            and len(instr.outs) == 1
            and instr.outs[0].array is not None
            and all(v.kind == "const" for v in instr.values())
        ):
            out = instr.outs[0]
            out.kind, out.array, out.producer = "const", frozen(out.array), None
            continue
        kept.append(instr)
    program.instrs = kept


_IDENTITY = {np.multiply: 1, np.divide: 1, np.subtract: 0}


def alias(program: Program) -> None:
    same: dict[int, Value] = {}
    kept = []
    for instr in program.instrs:
        _substitute(instr, same)
        unit = _IDENTITY.get(instr.fn)
        if instr.kind == "out" and unit is not None and not instr.writes and len(instr.args) == 2:
            x, k = instr.args
            out = instr.outs[0]
            if (
                isinstance(x, Value)
                and x.shape == out.shape
                and x.dtype == out.dtype
                and _is_scalar(k, unit)
            ):
                same[id(out)] = x
                continue
        kept.append(instr)
    program.instrs = kept
    _remap(program, same)


def simplify(program: Program) -> None:
    for instr in program.instrs:
        elementwise = isinstance(instr.fn, np.ufunc) and instr.fn.signature is None  # not matmul
        if instr.kind != "out" or instr.writes or not elementwise:
            continue
        out = instr.outs[0]
        for i, a in enumerate(instr.args):
            others = [b for b in instr.args if b is not a and isinstance(b, Value)]
            if (
                isinstance(a, Value)
                and a.kind == "const"
                and a.array.size
                and a.dtype == out.dtype
                and any(b.shape == out.shape for b in others)
                and _one_number(a.array)
            ):
                instr.args[i] = Lit(np.asarray(a.array.flat[0], dtype=a.dtype))


def _one_number(a: np.ndarray) -> bool:
    """Every element has the same bits (so -0.0 and 0.0 are two numbers, a nan is one)."""
    rows = np.ascontiguousarray(a).reshape(a.size, 1).view(np.uint8)
    return bool((rows == rows[0]).all())


def share(program: Program) -> None:
    seen: dict[tuple, Value] = {}
    same: dict[int, Value] = {}
    writes: dict[int, int] = {}  # id of a written value's memory -> how many writes so far

    def key(a: Any) -> Any:
        if isinstance(a, Value):
            return ("v", id(a), writes.get(id(a.base or a), 0))
        if isinstance(a, Lit) and a.name:  # a box read at every call: itself, not its value
            return ("n", id(a.value))
        value = a.value if isinstance(a, Lit) else a
        if isinstance(value, np.ndarray):
            return ("a", value.dtype.str, value.shape, value.tobytes())
        return ("l", type(value), repr(value))

    kept = []
    for instr in program.instrs:
        _substitute(instr, same)
        if instr.kind in _PURE and not instr.writes and len(instr.outs) == 1:
            k = (instr.kind, instr.fn, *map(key, instr.args))
            k += tuple((name, key(v)) for name, v in sorted(instr.kwargs.items()))
            if k in seen:
                same[id(instr.outs[0])] = seen[k]
                continue
            seen[k] = instr.outs[0]
        for w in instr.writes:
            writes[id(w.base or w)] = writes.get(id(w.base or w), 0) + 1
        kept.append(instr)
    program.instrs = kept
    _remap(program, same)


def _remap(program: Program, same: dict) -> None:
    program.returned = _map(program.returned, same)
    program.grads = [
        (t, same.get(id(v), v) if isinstance(v, Value) else v) for t, v in program.grads
    ]


def _is_scalar(k: Any, unit: float) -> bool:
    value = k.value if isinstance(k, Lit) and not k.name else None  # (a named one is read anew)
    if value is None:
        return False
    arr = np.asarray(value)
    return arr.ndim == 0 and arr.dtype.kind in "iuf" and arr == unit


def _substitute(instr: Instr, same: dict) -> None:
    if not same:  # nothing replaced so far (most of a long program)
        return
    for v in instr.outs:  # a view of a value replaced views the replacement's memory
        if v.base is not None and id(v.base) in same:
            v.base = same[id(v.base)].base or same[id(v.base)]
    instr.args = [same.get(id(a), a) if isinstance(a, Value) else a for a in instr.args]
    instr.kwargs = {
        k: same.get(id(v), v) if isinstance(v, Value) else v for k, v in instr.kwargs.items()
    }
    instr.reads = [same.get(id(v), v) for v in instr.reads]


def _map(template: Any, same: dict) -> Any:
    if isinstance(template, Value):
        return same.get(id(template), template)
    if isinstance(template, (tuple, list)):
        return type(template)(_map(t, same) for t in template)
    if isinstance(template, dict):
        return {k: _map(v, same) for k, v in template.items()}
    return template


def escaping(program: Program) -> list[Value]:
    """The values the step hands back: returned, or stored as some tensor's `.grad`."""
    out = [v for v in _flatten(program.returned) if isinstance(v, Value)]
    return out + [v for _, v in program.grads if isinstance(v, Value)]


def constants(program: Program) -> list[Value]:
    """The constants to bind: those the instructions read, and those handed back as they are (a
    gradient folded to a constant, a tensor made from literals)."""
    read = [a for instr in program.instrs for a in instr.values()]
    return [v for v in read + escaping(program) if v.kind == "const"]


def _flatten(template: Any) -> list:
    if isinstance(template, (tuple, list)):
        return [x for t in template for x in _flatten(t)]
    if isinstance(template, dict):
        return [x for t in template.values() for x in _flatten(t)]
    return [template]


def eliminate(program: Program) -> None:
    live = {id(v) for v in escaping(program)}
    kept = []
    for instr in reversed(program.instrs):
        if (
            instr.writes
            or instr.kind in ("update", "read")
            or any(id(v) in live for v in instr.outs)
        ):
            kept.append(instr)
            read = instr.values()
            live.update(id(v) for v in read)
            live.update(id(v.base) for v in read if v.base is not None)
    program.instrs = kept[::-1]


def assign_buffers(program: Program) -> dict[int, int]:
    """Buffer numbers for the values "out" instructions make (value id -> buffer), and
    `program.buffers`, the (shape, dtype, order) of each buffer (laid out as eager's array)."""
    last: dict[int, int] = {}
    for i, instr in enumerate(program.instrs):
        for v in instr.values():
            last[id(v)] = i
            if v.base is not None:
                last[id(v.base)] = max(last.get(id(v.base), i), i)
    # a view keeps its base's memory in use as long as the view is read
    for instr in program.instrs:
        for v in instr.outs:
            if v.base is not None and id(v) in last:
                last[id(v.base)] = max(last.get(id(v.base), 0), last[id(v)])
    for v in escaping(program):  # a view handed back is copied at the end: its base lives on
        if v.base is not None:
            last[id(v.base)] = len(program.instrs)
    free_at: dict[int, list[int]] = {}
    escapes = {id(v) for v in escaping(program)}
    buffers: list[tuple] = []
    pool: dict[tuple, list[int]] = {}
    owner: dict[int, int] = {}
    for i, instr in enumerate(program.instrs):
        if instr.kind in ("out", "copyto") and not instr.writes:
            v = instr.outs[0]
            if id(v) not in escapes:
                key = (v.shape, v.dtype, v.order)
                stack = pool.get(key)
                if stack:
                    owner[id(v)] = stack.pop()
                else:
                    owner[id(v)] = len(buffers)
                    buffers.append(key)
                free_at.setdefault(last.get(id(v), i), []).append(id(v))
        for vid in free_at.pop(i, ()):
            pool.setdefault(buffers[owner[vid]], []).append(owner[vid])
    program.buffers = buffers
    return owner
