"""The check before a program is trusted: on its second call the step runs eagerly, and the program
runs from a copy of the state as it was before; every result must have the same bits.

A program with rewrites that change rounding (rewrites.py, asked for with `jit(fn, rewrites=...)`)
cannot give eager's bits; each of its results must then be `close` to eager's instead: every
element within RTOL (1e-9 for float64, 1e-4 for float32) of eager's, relative to the largest
magnitude of that array, with inf and nan where eager has them. That says the replay agrees with
eager mode on call 2's data; later calls drift from eager's bits as with another BLAS.
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
    same = close if entry.rewritten else bits_equal
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
    lrs = [opt.lr for opt, _ in entry.hypers]
    result = fn(*args, **kwargs)
    if any(
        opt.lr is not lr and opt.lr != lr for (opt, _), lr in zip(entry.hypers, lrs, strict=True)
    ):
        # the program reads opt.lr; the Python code of the step that sets it does not replay
        return result, "the step sets an optimizer's lr (call a scheduler between calls)"
    try:  # a program that cannot run is not trusted (the eager step has run: same results)
        outs = entry.bind(snapshot)(*inputs)
    except Exception as exc:
        return result, f"replaying it raised {type(exc).__name__}: {exc}"
    why = _differs(entry, result, outs, snapshot, grads_before, same)
    live = entry.inputs(flat)  # the arrays the eager step wrote into
    for v, replayed, now, c in zip(program.inputs + entry.slots, inputs, live, copied, strict=True):
        if why is None and c and not same(replayed, now):
            why = f"{entry.names(v)}, written in place"
    return result, why


RTOL = {np.dtype(np.float64): 1e-9, np.dtype(np.float32): 1e-4}


def close(got: Any, eager: Any) -> bool:
    """A rewritten program's result against eager's: each element within RTOL of eager's, relative
    to the largest magnitude of eager's array, and inf and nan where eager has them (other
    dtypes: the same bits)."""
    got, eager = np.asarray(got), np.asarray(eager)
    rtol = RTOL.get(eager.dtype)
    if rtol is None or got.shape != eager.shape or got.dtype != eager.dtype:
        return bits_equal(got, eager)
    finite = np.isfinite(eager)
    if not np.array_equal(finite, np.isfinite(got)):
        return False
    if not np.array_equal(got[~finite], eager[~finite], equal_nan=True):
        return False
    if not finite.any():
        return True
    scale = np.abs(eager[finite]).max()
    return bool(np.abs(got[finite] - eager[finite]).max() <= rtol * scale)


def _copy(a: Any) -> Any:
    return a.copy(order="K") if isinstance(a, np.ndarray) else copy.deepcopy(a)


def _differs(
    entry: Compiled, result: Any, outs: tuple, snapshot: dict, before: list, same: Any
) -> Any:
    program = entry.program
    template = passes._flatten(program.returned)
    got = passes._flatten(_shape_like(program.returned, result))
    if len(got) != len(template):
        return "it returned something else"
    k = 0
    for tv, r in zip(template, got, strict=True):
        if isinstance(tv, Value):
            if not isinstance(r, Tensor) or not same(outs[k], r._data):
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
            if t._grad is None or not same(outs[k], t._grad._data):
                return f"the gradient of {t.name or 'a tensor'}"
            k += 1
    for v in program.states:
        if v.kind == "state" and not same(snapshot[entry.run_names(v)], v.array):
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
