"""The fast path of a trusted program: one generated function that checks every guard inline, runs
the program and does the step's Python-level effects (`.grad`, versions, the returned tensors), so a
replayed step costs a few microseconds more than its numpy calls.

It returns `MISS` when any guard fails; the step then takes the general path (step.py), which
finds or traces the program for the new signature.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.compiled.optimizers import HYPERPARAMETERS
from tinygrad_edu.compiled.program import Value
from tinygrad_edu.engine import anomaly, versions
from tinygrad_edu.engine.grad_mode import recording
from tinygrad_edu.engine.versions import STAMP
from tinygrad_edu.tensor import Tensor

MISS = object()  # "a guard failed": not a result


def fast_step(entry: Any, flat: list, grad_mode: bool, active: list) -> Any:
    """The guarded step function of `entry` (a trusted `Compiled`), for arguments like `flat`."""
    ns: dict[str, Any] = {
        "run": entry.run, "MISS": MISS, "wrap": Tensor._wrap, "versions": versions,
        "stamp": versions._stamps.__next__, "Tensor": Tensor, "ndarray": np.ndarray,
        "rec": recording, "anomaly": anomaly._mode, "active": active, "rebuild": entry.rebuild,
    }  # fmt: skip
    n = len(flat)
    checks = [f"len(a) == {n}", "not active", f"rec.enabled == {grad_mode}", "not anomaly.enabled"]
    arrays: dict[int, str] = {}  # id of an argument's array -> the first expression for it
    for i, x in enumerate(flat):
        if isinstance(x, (Tensor, np.ndarray)):  # the signature's checks (step._signature)
            arr, e = (x._data, f"a[{i}]._data") if isinstance(x, Tensor) else (x, f"a[{i}]")
            ns[f"dt{i}"] = arr.dtype
            checks += [
                f"type(a[{i}]) is {'Tensor' if isinstance(x, Tensor) else 'ndarray'}",
                f"{e}.shape == {arr.shape!r}",
                f"{e}.dtype is dt{i}",
                f"{e}.flags.c_contiguous"
                if arr.flags.c_contiguous
                else f"{e}.strides == {arr.strides!r}",
            ]
            if isinstance(x, Tensor):
                checks.append(f"a[{i}].requires_grad is {x.requires_grad}")
            if id(arr) in arrays:
                checks.append(f"{e} is {arrays[id(arr)]}")
            else:
                checks += [f"{e} is not {other}" for other in arrays.values()]
                arrays[id(arr)] = e
        else:
            ns[f"v{i}"] = x
            checks.append(f"type(a[{i}]) is type(v{i}) and a[{i}] == v{i}")
    for k, (i, t) in enumerate(entry.pinned):
        ns[f"pin{k}"] = t
        checks.append(f"a[{i}] is pin{k}")
    for k, (source, arr) in enumerate(entry.state_guards):
        ns[f"s{k}"], ns[f"arr{k}"] = source, arr
        if isinstance(source, Tensor):
            checks.append(f"s{k}._data is arr{k}")
        else:
            ns[f"s{k}"], ns[f"key{k}"] = source
            checks.append(f"s{k}.get(key{k}) is arr{k}")
    for k, (t, none) in enumerate(entry.grad_guards):
        ns[f"g{k}"] = t
        checks.append(f"g{k}._grad is {'' if none else 'not '}None")
    for k, (opt, values) in enumerate(entry.hypers):
        ns[f"opt{k}"] = opt
        for name, value in zip(HYPERPARAMETERS, values[:-1], strict=True):
            if value is not None:
                ns[f"h{k}_{name}"] = value
                checks.append(f"opt{k}.{name} == h{k}_{name}")
        ns[f"lr{k}"] = values[-1]  # the lr itself is read by the program (optimizers.py)
        checks.append(f"type(opt{k}.lr) is lr{k}")
    for k, (module, mode) in enumerate(entry.modes):  # trace.mode_of's values, inline
        ns[f"mod{k}"] = module
        checks.append(f"mod{k}.training == {mode[0]}")
        for name, value in zip(("momentum", "eps"), mode[1:], strict=True):
            if value is not None:
                ns[f"{name}{k}"] = value
                checks.append(f"mod{k}.{name} == {name}{k}")
    args = []
    for v in entry.program.inputs:
        args.append(
            f"a[{v.source}]._data" if isinstance(flat[v.source], Tensor) else f"a[{v.source}]"
        )
    for k, v in enumerate(entry.slots):
        ns[f"slot{k}"] = v.source
        args.append(f"slot{k}._grad._data")
    lines = ["def step(*a):", f"    if not ({' and '.join(checks)}):", "        return MISS"]
    lines.append(f"    outs = run({', '.join(args)})")
    for k, (t, index) in enumerate(entry.grad_plan):
        ns[f"t{k}"] = t
        lines.append(f"    t{k}._grad = {'None' if index is None else f'wrap(outs[{index}])'}")
    # versions.increment_version, inline: each parameter's counter (made when eager mode bumped it
    # at calls 1 and 2, and never replaced) takes the next stamp of the clock of in-place writes
    for k, p in enumerate(entry.program.bumps):
        ns[f"p{k}"] = p
        lines += [f"    c = p{k}._counter", "    c[0] += 1", f"    c[{STAMP}] = last = stamp()"]
    if entry.program.bumps:
        lines.append("    versions.last_write = last")
    if isinstance(entry.program.returned, Value):
        lines.append("    return wrap(outs[0])")
    else:
        lines.append("    return rebuild(outs)")
    exec(compile("\n".join(lines) + "\n", "<jit fast path>", "exec"), ns)
    return ns["step"]
