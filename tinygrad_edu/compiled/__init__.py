"""The compiled step: `jit(fn)` replays a training step (forward, backward, the optimizer's update)
as straight-line numpy after its first call, with the same bits as eager mode.

Eager mode is the reference semantics; this is the fast path, the way tinygrad's TinyJit, jax.jit and
torch.compile work, in numpy alone. The files, in the order a call goes through them: step.py
(cache, guards, the check before a program is trusted), watch.py and trace.py (call 1, traced),
lower.py and optimizers.py (ops and updates as numpy calls), passes.py (the optimizations),
codegen.py (the generated source), program.py (what a program is).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinygrad_edu.compiled.step import CompiledStep, JitWarning

__all__ = ["CompiledStep", "JitWarning", "jit"]


def jit(fn: Callable | None = None, *, max_programs: int = 8) -> Any:
    """Compile a training step: `step = jit(fn)`, or `@jit` above `def fn`.

    `fn` may take Tensor arguments (and numpy arrays, and other values compared by value) and
    close over Tensors, models and optimizers; it typically runs the forward pass, `backward()`
    (or `grad()`) and `optimizer.step()`. Call 1 runs it eagerly and traces it; call 2 runs it
    eagerly again and checks the program against it, bit for bit; later calls with the same
    signature replay the program. What cannot be replayed faithfully (`item()`, `.data`, numpy's
    random numbers, ...) keeps the step eager, with one `JitWarning` saying why. Tensors returned
    by a replay carry no history. `step.source()` returns the generated code.

    Args:
        fn: the step.
        max_programs: how many programs (signatures: argument shapes, dtypes, ...) to keep.

    Returns:
        A `CompiledStep`, called like `fn`.

    Raises:
        TypeError: `fn` is not callable, or max_programs is not a whole number >= 1.
    """
    if isinstance(max_programs, bool) or not isinstance(max_programs, int) or max_programs < 1:
        raise TypeError(f"jit: max_programs must be a whole number >= 1, got {max_programs!r}")
    if fn is None:
        return lambda f: jit(f, max_programs=max_programs)
    if not callable(fn):
        raise TypeError(f"jit: expected a function to compile, got {type(fn).__name__}")
    return CompiledStep(fn, max_programs)
