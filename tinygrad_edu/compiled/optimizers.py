"""The optimizers' updates as in-place numpy calls, in the order optim.py computes them, so that the
program's parameters get the same bits: `W -= lr * dW` is `multiply(lr, dW, u); subtract(W, u, W)`.

Adam's step count t is state read at every call (`adam_corrections` adds 1 and returns 1 - beta^t),
not a number baked into the program, and so is the learning rate: `lr[...] = opt.lr` at the start
of each optimizer's update fills a 0-d array of the parameters' dtype (eager's `opt.lr * dW` casts
the Python float to that dtype first), so a schedule that sets `opt.lr` between calls replays the
same program. The other hyperparameters are baked in, and guarded.

PyTorch's options are lowered too: weight decay (g = dW + wd W, a new value in place of dW) and
SGD's momentum buffer b. The buffer's first step (b = g) is
the eager call that traces; the program holds the later steps (b = momentum b + (1 - dampening) g),
which is all it ever runs: it is bound to the buffer array by identity, and a buffer that is not
there yet (or another one) fails that guard and traces again. An optimizer of another class has
its own `update` called on the arrays (an opaque call).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tinygrad_edu import optim
from tinygrad_edu.compiled.program import Instr, Lit, Value
from tinygrad_edu.engine.grad_mode import no_grad
from tinygrad_edu.engine.versions import increment_version


def traced_step(tracer: Any, step: Any) -> Any:
    """`Optimizer.step` while a step is traced: the eager update, and its instructions."""

    def traced(opt: Any) -> None:
        if not tracer.mine():
            return step(opt)
        tracer.optimizers.append(opt)
        tracer.take_names()
        with no_grad():
            for p, state in zip(opt.params, opt.state, strict=True):
                tracer.touch(p)
                if p._grad is None:
                    continue
                W, dW = tracer.of_tensor(p), tracer.grad_value(p)
                S = tracer.state_dict(state)
                opt.update(p._data, p._grad._data, state)
                increment_version(p)
                tracer.bumps.append(p)
                emit = _LOWERED.get(type(opt))
                if emit is None:
                    tracer.instrs.append(
                        Instr("update", opt.update, [W, dW, S], [], op=type(opt).__name__,
                              writes=[W], info=opt)
                    )  # fmt: skip
                    continue
                arrays = {k: tracer.state_array(state, k) for k in _STATE if k in state}
                emit(tracer, opt, W, dW, S, arrays)
        return None

    return traced


def _box(x: float, like: Value) -> Lit:
    return Lit(np.asarray(x, dtype=like.dtype))


def _lr(tracer: Any, opt: Any, like: Value) -> Lit:
    """The box of opt's learning rate, of like's dtype: made, with the instruction that fills it
    from `opt.lr` at every call, at the first update that needs it (one per optimizer, dtype)."""
    key = (id(opt), like.dtype)
    box = tracer.lrs.get(key)
    if box is None:
        box = tracer.lrs[key] = Lit(np.asarray(opt.lr, dtype=like.dtype), "lr")
        op = f"{type(opt).__name__}: the learning rate, read at every call"
        tracer.instrs.append(Instr("read", None, [box, Lit(opt, "opt")], [], op=op, info="lr"))
    return box


def _out(tracer: Any, fn: Any, args: list, target: Value, op: str) -> None:
    tracer.instrs.append(Instr("out", fn, args, [target], op=op, writes=[target]))


def _tmp(tracer: Any, fn: Any, args: list, like: Value, op: str) -> Value:
    v = tracer.new("out", fn, args, np.empty(like.shape, like.dtype), op)
    v.array = None  # a placeholder, not the eager value: never folded into a constant
    return v


def _decayed(tracer: Any, opt: Any, W: Value, dW: Value, name: str) -> Value:
    """PyTorch's weight decay, as optim's `decayed`: dW + weight_decay W (dW itself when 0)."""
    if not opt.weight_decay:
        return dW
    u = _tmp(tracer, np.multiply, [_box(opt.weight_decay, W), W], W, f"{name}: weight_decay W")
    return _tmp(tracer, np.add, [dW, u], W, f"{name}: g = dW + weight_decay W")


def _sgd(tracer: Any, opt: Any, W: Value, dW: Value, S: Value, arrays: dict) -> None:
    g = _decayed(tracer, opt, W, dW, "SGD")
    if opt.momentum:
        b = arrays["momentum_buffer"]
        _out(tracer, np.multiply, [b, _box(opt.momentum, b)], b, "SGD: b *= momentum")
        u = _tmp(tracer, np.multiply, [_box(1 - opt.dampening, b), g], b, "SGD: (1 - dampening) g")
        _out(tracer, np.add, [b, u], b, "SGD: b += (1 - dampening) g")
        if opt.nesterov:
            u = _tmp(tracer, np.multiply, [_box(opt.momentum, b), b], b, "SGD: momentum b")
            g = _tmp(tracer, np.add, [g, u], W, "SGD: g = g + momentum b (nesterov)")
        else:
            g = b
    u = _tmp(tracer, np.multiply, [_lr(tracer, opt, W), g], W, "SGD: lr * g")
    _out(tracer, np.subtract, [W, u], W, "SGD: W -= lr * g")


def _momentum(tracer: Any, opt: Any, W: Value, dW: Value, S: Value, arrays: dict) -> None:
    dW = _decayed(tracer, opt, W, dW, "Momentum")
    v = arrays["v"]
    _out(tracer, np.multiply, [v, _box(opt.beta, v)], v, "Momentum: v *= beta")
    u = _tmp(tracer, np.multiply, [_box(1 - opt.beta, v), dW], v, "Momentum: (1 - beta) dW")
    _out(tracer, np.add, [v, u], v, "Momentum: v += (1 - beta) dW")
    u = _tmp(tracer, np.multiply, [_lr(tracer, opt, W), v], W, "Momentum: lr v")
    _out(tracer, np.subtract, [W, u], W, "Momentum: W -= lr v")


def _squares(tracer: Any, s: Value, beta: float, dW: Value, name: str) -> None:
    _out(tracer, np.multiply, [s, _box(beta, s)], s, f"{name}: s *= beta")
    sq = _tmp(tracer, np.square, [dW], s, f"{name}: dW^2")
    u = _tmp(tracer, np.multiply, [_box(1 - beta, s), sq], s, f"{name}: (1 - beta) dW^2")
    _out(tracer, np.add, [s, u], s, f"{name}: s += (1 - beta) dW^2")


def _rmsprop(tracer: Any, opt: Any, W: Value, dW: Value, S: Value, arrays: dict) -> None:
    dW = _decayed(tracer, opt, W, dW, "RMSprop")
    s = arrays["s"]
    _squares(tracer, s, opt.beta, dW, "RMSprop")
    u = _tmp(tracer, np.multiply, [_lr(tracer, opt, W), dW], W, "RMSprop: lr dW")
    r = _tmp(tracer, np.sqrt, [s], s, "RMSprop: sqrt(s)")
    r2 = _tmp(tracer, np.add, [r, _box(opt.eps, s)], s, "RMSprop: sqrt(s) + eps")
    step = _tmp(tracer, np.divide, [u, r2], W, "RMSprop: lr dW / (sqrt(s) + eps)")
    _out(tracer, np.subtract, [W, step], W, "RMSprop: W -= ...")


def adam_corrections(state: dict, beta1: float, beta2: float) -> tuple[float, float]:
    """Adam's count t, added 1 in the state as optim.Adam does; returns 1 - beta1^t, 1 - beta2^t."""
    t = state["t"] = state.get("t", 0) + 1
    return 1 - beta1**t, 1 - beta2**t


def _adam(tracer: Any, opt: Any, W: Value, dW: Value, S: Value, arrays: dict) -> None:
    dW = _decayed(tracer, opt, W, dW, "Adam")
    v, s = arrays["v"], arrays["s"]
    instr = Instr("new", adam_corrections, [S, Lit(opt.beta1), Lit(opt.beta2)], [], op="Adam: t")
    instr.writes = [S]
    c1, c2 = (Value("tmp", None, None, name) for name in ("c1", "c2"))
    c1.producer = c2.producer = instr
    instr.outs = [c1, c2]
    tracer.instrs.append(instr)
    _out(tracer, np.multiply, [v, _box(opt.beta1, v)], v, "Adam: v *= beta1")
    u = _tmp(tracer, np.multiply, [_box(1 - opt.beta1, v), dW], v, "Adam: (1 - beta1) dW")
    _out(tracer, np.add, [v, u], v, "Adam: v += (1 - beta1) dW")
    _squares(tracer, s, opt.beta2, dW, "Adam")
    vc = _tmp(tracer, np.divide, [v, c1], v, "Adam: v_c = v / (1 - beta1^t)")
    sc = _tmp(tracer, np.divide, [s, c2], s, "Adam: s_c = s / (1 - beta2^t)")
    lv = _tmp(tracer, np.multiply, [_lr(tracer, opt, W), vc], W, "Adam: lr v_c")
    r = _tmp(tracer, np.sqrt, [sc], s, "Adam: sqrt(s_c)")
    r2 = _tmp(tracer, np.add, [r, _box(opt.eps, s)], s, "Adam: sqrt(s_c) + eps")
    step = _tmp(tracer, np.divide, [lv, r2], W, "Adam: lr v_c / (sqrt(s_c) + eps)")
    _out(tracer, np.subtract, [W, step], W, "Adam: W -= ...")


_LOWERED = {optim.SGD: _sgd, optim.Momentum: _momentum, optim.RMSprop: _rmsprop, optim.Adam: _adam}

# the hyperparameters a program bakes in: a change of any of them traces a new program
# (and which state dicts the optimizer holds: the program is bound to them, a new `opt.state`
# starts the averages again, at 0). Not lr, read at every call; only its type is guarded (a
# numpy float64 times a float32 array is float64: eager's bits would differ from the box's)
HYPERPARAMETERS = (
    "beta", "beta1", "beta2", "eps", "momentum", "dampening", "nesterov", "weight_decay",
    "_state_ids",
)  # fmt: skip
_STATE = ("v", "s", "momentum_buffer")  # the state arrays the lowerings read and write


def hyperparameters(opt: Any) -> tuple:
    """The guarded values of opt: HYPERPARAMETERS, then the type of its lr."""
    return (*(getattr(opt, name, None) for name in HYPERPARAMETERS), type(getattr(opt, "lr", None)))
