"""The interpreter loop: a long program (a chain of 100,000 ops) runs as a list of prebound numpy
calls, `for fn, args in calls: fn(*args)`, instead of generated Python, which takes seconds to
compile at that length. It runs the same calls in the same order as the generated code (codegen.py
says what each kind of instruction does); `step.source()` still shows that code.

A call whose operands and output are all fixed (buffers, state arrays, constants, views of them)
is bound once; one that reads a value made anew at each call (an argument, an opaque op's result)
looks it up in `env`, the list of those values.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from tinygrad_edu.compiled.codegen import OUT_BY_NAME
from tinygrad_edu.compiled.opaque import opaque_backward, opaque_forward
from tinygrad_edu.compiled.passes import escaping
from tinygrad_edu.compiled.program import Instr, Lit, Program, Value, empty

LONG = 5_000  # instructions: from this length on, a program is interpreted, not compiled


def interpreter(program: Program, owner: dict, fixed: dict) -> Any:
    """`run(*inputs)` for `program`: `fixed` maps the id of each state array and constant to its
    array; buffers are made here."""
    fixed = dict(fixed)
    buffers = [empty(*key) for key in program.buffers]
    for vid, k in owner.items():
        fixed[vid] = buffers[k]
    slots = [v for v in program.states if v.kind == "slot"]
    place = {id(v): k for k, v in enumerate(program.inputs + slots)}  # values made per call
    env: list = []  # their arrays, during a call
    calls: list[tuple] = []
    for instr in program.instrs:
        for v in instr.outs:
            if id(v) not in fixed and id(v) not in place:
                place[id(v)] = len(place)
        if instr.kind == "view" and all(id(v) in fixed for v in instr.values()):
            fixed[id(instr.outs[0])] = instr.fn(*[_fixed(a, fixed) for a in instr.args])
            del place[id(instr.outs[0])]
            continue
        calls.append(_call(instr, fixed, place, env))
    env.extend([None] * len(place))
    returned = [_getter(v, fixed, place) for v in escaping(program)]
    n = len(program.inputs) + len(slots)

    def run(*inputs: Any) -> tuple:
        env[:n] = inputs
        for fn, args in calls:
            fn(*args)
        return tuple(get(env) for get in returned)

    return run


def _fixed(a: Any, fixed: dict) -> Any:
    return fixed[id(a)] if isinstance(a, Value) else a.value if isinstance(a, Lit) else a


def _call(instr: Instr, fixed: dict, place: dict, env: list) -> tuple:
    args = instr.args
    if instr.kind == "read":  # box[...] = obj.attr
        return _read, (args[0].value, args[1].value, instr.info)
    out = instr.outs[0] if instr.outs else None
    static = all(id(v) in fixed for v in instr.values())
    kwargs = {k: _fixed(v, fixed) for k, v in instr.kwargs.items()} if static else {}
    if instr.kind in ("out", "fill") and static and id(out) in fixed:
        bound = [_fixed(a, fixed) for a in args]
        if instr.kind == "fill":
            return instr.fn, tuple(bound)
        if instr.fn is np.copyto:
            return np.copyto, (fixed[id(out)], *bound)
        if kwargs or instr.fn in OUT_BY_NAME:  # np.add.reduce's out is not its next position
            return partial(instr.fn, **kwargs, out=fixed[id(out)]), tuple(bound)
        return instr.fn, (*bound, fixed[id(out)])
    read = [_getter(a, fixed, place, copy=False) for a in args]
    keywords = {k: _getter(v, fixed, place, copy=False) for k, v in instr.kwargs.items()}
    outs = [place.get(id(v)) for v in instr.outs]
    fn = instr.fn if instr.kind == "forward" else partial(_keywords, instr.fn, keywords)
    return _dynamic, (env, instr, fn, read, keywords, outs, fixed.get(id(out)))


def _read(box: np.ndarray, obj: Any, attr: str) -> None:
    box[...] = getattr(obj, attr)


def _keywords(fn: Any, keywords: dict, *args: Any, env: Any = None, **more: Any) -> Any:
    return fn(*args, **{k: get(env) for k, get in keywords.items()}, **more)


def _dynamic(
    env: list, instr: Instr, fn: Any, read: list, keywords: dict, outs: list, buffer: Any
) -> None:
    """One call that reads (or makes) a value of this call's own: looked up in `env`."""
    args = [get(env) for get in read]
    kind = instr.kind
    if kind in ("out", "fill"):
        target = buffer
        if target is None:
            out = instr.outs[0]
            target = env[outs[0]] if instr.writes else empty(out.shape, out.dtype, out.order)
        if kind == "fill" or instr.fn is np.copyto:
            np.copyto(target, *args[1:]) if kind == "fill" else np.copyto(target, *args)
        else:
            fn(*args, env=env, out=target)
        results: Any = (target,)
    elif kind == "forward":
        kw = {k: get(env) for k, get in keywords.items()}
        results = opaque_forward(instr.fn, tuple(instr.info), *args, **kw)
    elif kind == "backward":
        results = opaque_backward(args[0], args[1], instr.info)
    elif kind == "update":
        fn(*args, env=env)
        results = ()
    else:  # "new" and "view"
        results = fn(*args, env=env)
        results = results if len(outs) > 1 else (results,)
    for k, r in zip(outs, results, strict=False):
        if k is not None:
            env[k] = r


def _getter(v: Any, fixed: dict, place: dict, copy: bool = True) -> Any:
    """A function of `env` giving v's array (a copy if the user gets one the program reuses)."""
    if not isinstance(v, Value):
        value = v.value if isinstance(v, Lit) else v
        return lambda env: value
    if id(v) in fixed:
        arr = fixed[id(v)]
        return (lambda env: arr.copy()) if copy else (lambda env: arr)
    k = place[id(v)]
    fresh = v.kind == "tmp" and v.base is None and v.producer is not None
    fresh = fresh and v.producer.kind in ("out", "new", "backward")  # type: ignore[union-attr]
    if copy and not fresh:
        return lambda env: env[k].copy()
    return lambda env: env[k]
