"""Inputs for one row of the op table (`tinygrad_edu.testing.op_table.OPS`), drawn with the public
strategies of `tinygrad_edu.testing`; shared by the gradient tests and the PyTorch oracle tests.

A `Case` holds the op's positional arguments (numpy arrays that become Tensors, or constants that
stay a Python float, numpy scalar or numpy array and get no gradient), its keyword arguments and
which of the tensors require grad.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor
from tinygrad_edu.testing import (
    allowed_intervals,
    arrays_in,
    axes,
    broadcast_targets,
    indices,
    permutations,
    reshape_targets,
    shapes,
)
from tinygrad_edu.testing.op_table import Domain, OpSpec

MAX_SIDE = 3  # up to 3**4 = 81 elements: every gradient is checked element by element


@dataclass
class Case:
    spec: OpSpec
    args: list[Any]  # np.ndarray for a tensor argument; any value for a constant
    is_const: list[bool]
    kwargs: dict[str, Any] = field(default_factory=dict)
    requires: list[bool] = field(default_factory=list)  # per argument (False for constants)
    same: bool = False  # the two arguments are the same Tensor (`t * t`)

    def tensors(self, dtype: Any = np.float64) -> list[Any]:
        """The call's arguments: a fresh Tensor per tensor argument (one shared when `same`)."""
        out: list[Any] = []
        for i, (a, const) in enumerate(zip(self.args, self.is_const, strict=True)):
            if const:
                out.append(a)
            elif self.same and i == 1:
                out.append(out[0])
            else:
                out.append(Tensor(np.array(a, dtype=dtype), requires_grad=self.requires[i]))
        return out

    def reference(self, dtype: Any = np.float64) -> np.ndarray:
        """The spec's numpy reference on the same values (rounded to `dtype` first), in float64."""
        args = [
            a if const else np.asarray(a, dtype=dtype).astype(np.float64)
            for a, const in zip(self.args, self.is_const, strict=True)
        ]
        return np.asarray(self.spec.reference(*args, **self.kwargs))

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example
        shown = [
            f"const {a!r}" if c else f"array {a!r}"
            for a, c in zip(self.args, self.is_const, strict=True)
        ]
        return (
            f"Case({self.spec.name}, args=[{', '.join(shown)}], kwargs={self.kwargs}, "
            f"requires={self.requires}, same={self.same})"
        )


def _intersect(d1: Domain, d2: Domain) -> Domain:
    return Domain(
        max(d1.low, d2.low),
        min(d1.high, d2.high),
        d1.avoid + d2.avoid,
        max(d1.gap, d2.gap),
        d1.distinct or d2.distinct,
    )


def _shape(min_dims: int = 0) -> st.SearchStrategy:
    """Any shape up to 4-d, half of the time one with at least 2 axes of at least 2 (Hypothesis
    alone favours tiny shapes)."""
    return st.one_of(
        shapes(min_dims=min_dims, max_dims=4, max_side=MAX_SIDE),
        shapes(min_dims=max(min_dims, 2), max_dims=4, min_side=2, max_side=MAX_SIDE),
    )


BINARY_VARIANTS = (
    "tensors",
    "tensors",
    "same",
    "float_left",
    "float_right",
    "array_left",
    "array_right",
)


@st.composite
def cases(draw: Any, spec: OpSpec, variants: tuple[str, ...] = BINARY_VARIANTS) -> Case:
    """One call of `spec` with arguments for its kind (see OpSpec.kind)."""
    kind, dom = spec.kind, spec.domains
    kwargs: dict[str, Any] = {}
    same = False
    if kind == "binary":
        variant = draw(st.sampled_from(variants))
        if variant == "same":
            both = _intersect(dom[0], dom[1])
            try:
                allowed_intervals(both)
            except ValueError:  # disjoint domains (maximum's): the same tensor twice is a tie
                both = dom[0]
            a = draw(arrays_in(both, _shape()))
            args, is_const, same = [a, a], [False, False], True
        elif variant.startswith("float"):
            side = 0 if variant == "float_left" else 1
            value = draw(arrays_in(dom[side], ()))
            const = draw(st.sampled_from([float, np.float64]))(value)
            arr = draw(arrays_in(dom[1 - side], _shape()))
            args = [const, arr] if side == 0 else [arr, const]
            is_const = [side == 0, side == 1]
        else:
            base = draw(_shape())
            bs = draw(
                hnp.mutually_broadcastable_shapes(
                    num_shapes=2, base_shape=base, max_dims=4, max_side=MAX_SIDE
                )
            )
            args = [draw(arrays_in(d, s)) for d, s in zip(dom, bs.input_shapes, strict=True)]
            is_const = [variant == "array_left", variant == "array_right"]
    elif kind == "matmul":
        bs = draw(
            hnp.mutually_broadcastable_shapes(
                signature="(n?,k),(k,m?)->(n?,m?)",
                base_shape=draw(shapes(max_dims=2, max_side=MAX_SIDE)),
                max_dims=2,
                max_side=MAX_SIDE,
            )
        )
        args = [draw(arrays_in(d, s)) for d, s in zip(dom, bs.input_shapes, strict=True)]
        is_const = [False, False]
    elif kind == "loss":
        shape = draw(_shape())
        args = [draw(arrays_in(d, shape)) for d in dom]
        is_const = [False, False]
    elif kind == "squeeze":
        shape = list(draw(_shape()))
        ones = draw(st.lists(st.integers(0, len(shape)), max_size=3))
        for position in sorted(ones, reverse=True):  # insert axes of size 1 to squeeze
            shape.insert(position, 1)
        a = draw(arrays_in(dom[0], tuple(shape)))
        args, is_const = [a], [False]
        size_one = [i for i, n in enumerate(shape) if n == 1]
        if size_one and draw(st.booleans()):
            picked = draw(st.lists(st.sampled_from(size_one), min_size=1, unique=True))
            kwargs["axis"] = picked[0] - len(shape) if len(picked) == 1 else tuple(picked)
    else:
        needs_axis = kind == "softmax"
        a = draw(arrays_in(dom[0], _shape(min_dims=1 if needs_axis else 0)))
        args, is_const = [a], [False]
        if kind == "reduce":
            kwargs["axis"] = draw(axes(a.ndim))
            kwargs["keepdims"] = draw(st.booleans())
        elif kind == "softmax":
            axis = draw(st.none() | st.integers(-a.ndim, a.ndim - 1))
            if axis is not None:
                kwargs["axis"] = axis
        elif kind == "reshape":
            kwargs["shape"] = draw(reshape_targets(a.shape))
        elif kind == "transpose":
            kwargs["axes"] = draw(permutations(a.ndim))
        elif kind == "broadcast_to":
            kwargs["shape"] = draw(broadcast_targets(a.shape, max_side=MAX_SIDE))
        elif kind == "index":
            kwargs["index"] = draw(indices(a.shape))
        elif kind == "leaky_relu":
            slope = draw(st.none() | st.floats(-1.0, 1.0))
            if slope is not None:
                kwargs["slope"] = slope
        elif kind != "elementwise":
            raise AssertionError(f"op table: no input strategy for kind {kind!r} ({spec.name})")
    tensor_positions = [i for i, c in enumerate(is_const) if not c]
    requires = [False] * len(args)
    if same:
        requires = [True, True]
    else:
        chosen = draw(st.lists(st.booleans(), min_size=len(args), max_size=len(args)))
        for i in tensor_positions:
            requires[i] = chosen[i]
        if not any(requires):  # at least one input needs a gradient
            requires[tensor_positions[draw(st.integers(0, len(tensor_positions) - 1))]] = True
    return Case(spec, args, is_const, kwargs, requires, same)


def grad_inputs(case: Case, args: list[Any]) -> list[Tensor]:
    """The distinct Tensors among `args` that require grad, in argument order."""
    out: list[Tensor] = []
    for a in args:
        if isinstance(a, Tensor) and a.requires_grad and all(a is not b for b in out):
            out.append(a)
    return out


def substitute(args: list[Any], grad_tensors: list[Tensor], replacements: tuple) -> list[Any]:
    """`args` with each Tensor of `grad_tensors` replaced by the matching one of `replacements`."""
    swap = {id(t): r for t, r in zip(grad_tensors, replacements, strict=True)}
    return [swap.get(id(a), a) if isinstance(a, Tensor) else a for a in args]
