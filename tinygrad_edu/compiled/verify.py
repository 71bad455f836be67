"""The check before a program is trusted: on its second call the step runs eagerly, and the program
runs from a copy of the state as it was before; every result must have the same bits.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from tinygrad_edu.compiled import passes
from tinygrad_edu.compiled.entry import Compiled, Same
from tinygrad_edu.compiled.program import Value, bits_equal
from tinygrad_edu.tensor import Tensor


def check(entry: Compiled, fn: Any, args: tuple, kwargs: dict, flat: list) -> tuple[Any, Any]:
    """Run `fn` eagerly and `entry`'s program from a copy of the same state.

    Returns:
        (the eager result, None if the two agree bit for bit, else what differed)."""
    snapshot = {n: _copy(a) for n, a in entry.live_arrays().items()}
    # the arguments as they are, but copies of those the program writes into (a parameter passed
    # as an argument, updated by the optimizer) and of the slots it adds into; every copy keeps
    # the memory order (a transposed X takes another BLAS path than a copy of it)
    inputs = entry.inputs(flat)
    program = entry.program
    n_in = len(program.inputs)
    written = {id(w) for instr in program.instrs for w in instr.writes}
    copied = [id(v) in written for v in program.inputs] + [True] * (len(inputs) - n_in)
    inputs = [a.copy(order="K") if c else a for a, c in zip(inputs, copied, strict=True)]
    grads_before = [t._grad for t, _ in entry.program.grads]
    result = fn(*args, **kwargs)
    try:  # a program that cannot run is not trusted (the eager step has run: same results)
        outs = entry.bind(snapshot)(*inputs)
    except Exception as exc:
        return result, f"replaying it raised {type(exc).__name__}: {exc}"
    why = _differs(entry, result, outs, snapshot, grads_before)
    live = entry.inputs(flat)  # the arrays the eager step wrote into
    for v, replayed, now, c in zip(program.inputs + entry.slots, inputs, live, copied, strict=True):
        if why is None and c and not bits_equal(replayed, now):
            why = f"{entry.names(v)}, written in place"
    return result, why


def _copy(a: Any) -> Any:
    return a.copy(order="K") if isinstance(a, np.ndarray) else copy.deepcopy(a)


def _differs(entry: Compiled, result: Any, outs: tuple, snapshot: dict, before: list) -> Any:
    program = entry.program
    template = passes._flatten(program.returned)
    got = passes._flatten(_shape_like(program.returned, result))
    if len(got) != len(template):
        return "it returned something else"
    k = 0
    for tv, r in zip(template, got, strict=True):
        if isinstance(tv, Value):
            if not isinstance(r, Tensor) or not bits_equal(r._data, outs[k]):
                return "a returned tensor"
            k += 1
        elif isinstance(tv, Same):
            if r is not tv.tensor:
                return "a returned tensor"
        elif not (r is tv or r == tv):
            return "a returned value"
    for (t, v), start in zip(program.grads, before, strict=True):
        if v is None:
            if t._grad is not None:
                return "a .grad"
        elif v == "same":
            if t._grad is not start:
                return "a .grad"
        else:
            if t._grad is None or not bits_equal(t._grad._data, outs[k]):
                return f"the gradient of {t.name or 'a tensor'}"
            k += 1
    for v in program.states:
        if v.kind == "state" and not bits_equal(snapshot[entry.run_names(v)], v.array):
            return f"{entry.names(v)} after the step"
    for name, v in program.dicts.items():
        if _scalars(snapshot[entry.run_names(v)]) != _scalars(v.source):
            return f"the optimizer state {name}"
    return None


def _scalars(d: dict) -> dict:
    return {k: x for k, x in d.items() if not isinstance(x, np.ndarray)}


def _shape_like(template: Any, result: Any) -> Any:
    if isinstance(template, (tuple, list)) and isinstance(result, (tuple, list)):
        return type(template)(result)
    return result
