"""Rewrites that change rounding, made only when asked for: `jit(fn, rewrites=("sigmoid_bce",))`.

Every other pass is exact (passes.py): the program gives eager's bits. A rewrite here replaces what
backward computes with a formula that is equal on paper and differs in the last bits:

- "sigmoid_bce": the course's cross-entropy after a sigmoid,

      A = sigmoid(Z),  J = -mean(Y log A + (1 - Y) log(1 - A))  (m: the number of terms averaged),

  has dJ/dZ = (A - Y) / m, the course's `dZ = A - Y` with its 1/m. Backward gets there by the chain
  rule, op by op: 8 numpy calls (through the mean, the two logs and the sigmoid), each rounding;
  the rewrite makes 2, `subtract(A, Y)` and `divide(..., m)`. It agrees with eager's gradient to
  about 1e-15 relative, except where eager's is inf or nan (A rounded to exactly 0 or 1, where
  the cost is inf too): there the rewrite gives a finite gradient and the check at call 2 fails.

A rewrite is made only where it is the whole gradient: the step calls backward once, from the
cost, with the seed 1 (`cost.backward()`); Z is read by the sigmoid alone, A by the two logs'
terms alone, and each value of the cost by the next op of the cost alone (so no other path
carries a gradient to Z before backward). Anything else is left exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu.compiled.program import Instr, Lit, Program, Value

__all__ = ["REWRITES", "apply", "checked"]

REWRITES = ("sigmoid_bce",)


def checked(rewrites: Any) -> tuple[str, ...]:
    """The `rewrites` argument of `jit`, as a tuple of known names.

    Raises:
        TypeError: it is not a tuple or list of strings.
        ValueError: a name is not a known rewrite."""
    if isinstance(rewrites, str) or not isinstance(rewrites, (tuple, list)):
        raise TypeError(
            f"jit: rewrites must be a tuple of names such as ('sigmoid_bce',), got {rewrites!r}"
        )
    for name in rewrites:
        if name not in REWRITES:
            raise ValueError(
                f"jit: unknown rewrite {name!r} in rewrites={tuple(rewrites)!r}; the rewrites "
                f"are {', '.join(map(repr, REWRITES))}"
            )
    return tuple(dict.fromkeys(rewrites))


def apply(program: Program, sweeps: list, rewrites: tuple) -> list[str]:
    """Make the rewrites asked for in the traced `program` (before the exact passes); `sweeps` is
    the tracer's [(first backward instruction, root tensor, seed array)]. Returns what was
    rewritten, one line each (empty: the program is exact)."""
    done: list[str] = []
    if "sigmoid_bce" in rewrites:
        done += _sigmoid_bce(program, sweeps)
    return done


def _sigmoid_bce(program: Program, sweeps: list) -> list[str]:
    if len(sweeps) != 1:
        return []
    start, root, seed = sweeps[0]
    if root is None or seed is None or seed.shape != () or seed != 1:
        return []
    forward = program.instrs[:start]
    uses: dict[int, int] = {}
    for instr in forward:
        for v in instr.values():
            uses[id(v)] = uses.get(id(v), 0) + 1
    cost = next((v for i in forward for v in i.outs if v.tensor is root), None)
    found = _match(cost, uses)
    if found is None:
        return []
    z, a, y, m = found
    # dJ/dZ: the gradient the sweep handed to the op that made Z, made by an instruction of the sweep
    dz = next(
        (
            v
            for i in program.instrs[start:]
            if i.kind == "out"
            for v in i.outs
            if v.grad_of is z.tensor
        ),
        None,
    )
    if dz is None or dz.shape != z.shape or dz.dtype != z.dtype:
        return []
    at = program.instrs.index(dz.producer)
    diff = Value("tmp", a.shape, a.dtype)
    n = Lit(np.asarray(m, dtype=a.dtype))  # the mean's count, as the mean divides by it
    first = Instr("out", np.subtract, [a, y], [diff], op="sigmoid_bce: A - Y")
    second = Instr("out", np.divide, [diff, n], [dz], op="sigmoid_bce: dZ = (A - Y) / m")
    diff.producer, dz.producer = first, second
    program.instrs[at : at + 1] = [first, second]
    return [f"sigmoid_bce: dZ = (A - Y) / {m.item():g}"]


def _match(cost: Value | None, uses: dict) -> tuple | None:
    """(Z, A, Y, m) if `cost` is -mean(Y log A + (1 - Y) log(1 - A)) with A = sigmoid(Z), each
    value of it read once (A twice), else None."""
    neg = _made(cost, "Neg", uses, 0)
    mean = neg and _made(neg.args[0], "Mean", uses, 1)
    if not mean or mean.args[2].value is not False:
        return None
    total = mean.args[0]
    if tuple(mean.args[1].value) != tuple(range(len(total.shape))):
        return None  # the mean of every element, to a number
    add = _made(total, "Add", uses, 1)
    if not add:
        return None
    for first, second in (add.args, add.args[::-1]):
        found = _terms(first, second, uses)
        if found is not None:
            z, a, y = found
            return z, a, y, mean.args[3].value
    return None


def _terms(first: Any, second: Any, uses: dict) -> tuple | None:
    """(Z, A, Y) if first is Y * log(A) and second (1 - Y) * log(1 - A), A = sigmoid(Z)."""
    p, q = _made(first, "Mul", uses, 1), _made(second, "Mul", uses, 1)
    if not p or not q:
        return None
    for y, log_a in (p.args, p.args[::-1]):
        log = _made(log_a, "Log", uses, 1)
        sig = log and _made(log.args[0], "Sigmoid", uses, 2)
        if not log or not sig:
            continue
        a, z = log.args[0], sig.args[0]
        for one_y, log_1a in (q.args, q.args[::-1]):
            sub_y = _made(one_y, "Sub", None, 0)
            log2 = _made(log_1a, "Log", uses, 1)
            sub_a = log2 and _made(log2.args[0], "Sub", uses, 1)
            if (
                sub_y
                and sub_a
                and _is_one(sub_y.args[0])
                and sub_y.args[1] is y
                and _is_one(sub_a.args[0])
                and sub_a.args[1] is a
                and isinstance(y, Value)
                and y.shape == a.shape == z.shape
                and y.dtype == a.dtype
                and y is not a
                and z.kind == "tmp"
                and z.tensor is not None
                and uses.get(id(z)) == 1
            ):
                return z, a, y
    return None


def _made(v: Any, op: str, uses: dict | None, reads: int) -> Instr | None:
    """The instruction of `op` that made v, if v is read `reads` times before backward (any
    number of times when uses is None)."""
    if not isinstance(v, Value) or v.producer is None or v.producer.op != op:
        return None
    if uses is not None and uses.get(id(v), 0) != reads:
        return None
    return v.producer if v.producer.kind == "out" else None


def _is_one(a: Any) -> bool:
    value = a.value if isinstance(a, Lit) and not a.name else None  # (a named one is read anew)
    return isinstance(value, (np.ndarray, int, float)) and np.ndim(value) == 0 and value == 1
