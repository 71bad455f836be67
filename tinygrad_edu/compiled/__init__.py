"""The compiled step: `jit(fn)` replays a training step (forward, backward, the optimizer's update)
as straight-line numpy after its first call, with the same bits as eager mode.

Eager mode is the reference semantics; this is the fast path, the way tinygrad's TinyJit, jax.jit and
torch.compile work, in numpy alone. The files, in the order a call goes through them: step.py
(cache, guards, the check before a program is trusted), watch.py and trace.py (call 1, traced),
lower.py and optimizers.py (ops and updates as numpy calls), rewrites.py (what changes rounding,
only when asked for), passes.py (the optimizations), codegen.py (the generated source; opaque.py:
the calls of an op with no lowering), program.py (what a program is).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu.compiled.rewrites import checked
from tinygrad_edu.compiled.step import CompiledStep, JitWarning

__all__ = ["CompiledStep", "JitWarning", "jit"]


def jit(fn: Callable | None = None, *, max_programs: int = 8, rewrites: tuple = ()) -> Any:
    """Compile a training step: `step = jit(fn)`, or `@jit` above `def fn`.

    `fn` may take Tensor arguments (and numpy arrays, and other values compared by value) and
    close over Tensors, models and optimizers; it typically runs the forward pass, `backward()`
    (or `grad()`) and `optimizer.step()`. Call 1 runs it eagerly and traces it; call 2 runs it
    eagerly again and checks the program against it, bit for bit; later calls with the same
    signature replay the program. What cannot be replayed faithfully (`item()`, `.data`, numpy's
    random numbers, ...) keeps the step eager, with one `JitWarning` saying why. Tensors returned
    by a replay carry no history. `step.source()` returns the generated code.

    By default the program gives eager's bits. `rewrites` asks for formulas that are equal on
    paper but round differently (tinygrad_edu.compiled.rewrites):

    - "sigmoid_bce": for `A = Z.sigmoid()` and the course's cost
      `-(Y * A.log() + (1 - Y) * (1 - A).log()).mean()`, backward's 8 numpy calls for dJ/dZ
      become the course's `dZ = (A - Y) / m`, agreeing with eager's gradient to about 1e-15
      relative (not where eager's is inf or nan).

    With a rewrite made, the check at call 2 cannot be bitwise: every result must then be within
    1e-9 (float64; 1e-4 float32) of eager's, relative to the largest magnitude of each array,
    with inf and nan where eager has them. That shows the replay agrees with eager mode on that
    call's data, not that later calls give eager's bits: they drift in the last digits, as with
    another BLAS. A rewrite that finds nothing to rewrite says so with a `JitWarning`.

    Args:
        fn: the step.
        max_programs: how many programs (signatures: argument shapes, dtypes, ...) to keep.
        rewrites: names of rewrites that change rounding, e.g. `("sigmoid_bce",)`; none by default.

    Returns:
        A `CompiledStep`, called like `fn`.

    Raises:
        TypeError: `fn` is not callable, max_programs is not a whole number >= 1, or rewrites is
            not a tuple of names.
        ValueError: a rewrite's name is unknown.
    """
    if isinstance(max_programs, bool) or not isinstance(max_programs, int) or max_programs < 1:
        raise TypeError(f"jit: max_programs must be a whole number >= 1, got {max_programs!r}")
    asked = checked(rewrites)
    if fn is None:
        return lambda f: jit(f, max_programs=max_programs, rewrites=asked)
    if not callable(fn):
        raise TypeError(f"jit: expected a function to compile, got {type(fn).__name__}")
    return CompiledStep(fn, max_programs, asked)
