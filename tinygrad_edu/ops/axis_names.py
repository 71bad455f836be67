"""The Tensor methods that take an axis (the reductions, argmax, softmax, log_softmax, squeeze),
in numpy's spelling `axis=`/`keepdims=` (the course's `np.sum(dZ, axis=1, keepdims=True)`) and
PyTorch's `dim=`/`keepdim=` (`t.sum(dim=1, keepdim=True)`): the same op either way. Both spellings
of one argument at once are refused, as is a PyTorch call whose meaning differs here: `t.max(dim=1)`
(PyTorch returns values and indices) and `t.sum(dim=())` (PyTorch reduces every axis for it).
"""

from __future__ import annotations

import inspect
import re
import textwrap
from collections.abc import Callable
from typing import Any

from tinygrad_edu.ops.base import Op

__all__: list[str] = []

_AXIS_ARGS = """\
    axis: the axes to reduce: None (all of them), an int or a tuple (negative counts from the
        end), as numpy's `axis`.
    keepdims: keep each reduced axis with size 1 (False when not given), so that the result
        broadcasts against the input: the course's `np.sum(dZ, axis=1, keepdims=True)`.
    dim: PyTorch's name for `axis` (`t.sum(dim=1)`); give one of the two.
    keepdim: PyTorch's name for `keepdims`; give one of the two."""
ARGMAX_ARGS = """\
    axis: the axis to search along: None (the flattened values) or one int.
    keepdims: keep that axis with size 1 (False when not given).
    dim: PyTorch's name for `axis`; give one of the two.
    keepdim: PyTorch's name for `keepdims`; give one of the two."""
_AXIS_RAISES = """\
    TypeError: both `axis` and `dim`, or both `keepdims` and `keepdim`, are given.
    ValueError: `dim=()`: PyTorch reduces every axis for it, numpy none (write `axis=()` or
        leave it out)."""


_SECTION = re.compile(r"^(Args|Returns|Raises|Examples):$", re.M)


def _documented(doc: str | None, args: str, raises: str) -> str:
    """The op's docstring (its math, Returns and Examples) with the method's Args in place of the
    op's, and the method's Raises before the op's own."""
    parts = _SECTION.split(inspect.cleandoc(doc or ""))
    sections = dict(zip(parts[1::2], (body.strip("\n") for body in parts[2::2]), strict=True))
    sections["Args"] = args
    sections["Raises"] = f"{raises}\n{sections.get('Raises', '')}".rstrip()
    order = ("Args", "Returns", "Raises", "Examples")
    return parts[0].rstrip() + "".join(f"\n\n{k}:\n{sections[k]}" for k in order if k in sections)


def one_of(op: str, name: str, value: Any, torch_name: str, torch_value: Any) -> Any:
    """The argument given in numpy's spelling `name` or PyTorch's `torch_name` (None: not given).

    Raises:
        TypeError: both spellings are given, which would be ambiguous."""
    if torch_value is None:
        return value
    if value is not None:
        raise TypeError(
            f"{op}: got both {name}={value!r} and {torch_name}={torch_value!r} (PyTorch's name for "
            f"{name}); give one of them"
        )
    return torch_value


def torch_names(op: str, axis: Any, keepdims: Any, dim: Any, keepdim: Any) -> tuple[Any, Any]:
    """`axis` and `keepdims` from either spelling: numpy's (used here) or PyTorch's `dim=` and
    `keepdim=`. Giving both spellings of one argument is refused, as it would be ambiguous.

    Args:
        op: the method to name in the messages (`"sum"`).
        axis: numpy's spelling, None when not given.
        keepdims: numpy's spelling, None when not given (then False).
        dim: PyTorch's spelling of `axis`, None when not given.
        keepdim: PyTorch's spelling of `keepdims`, None when not given.

    Returns:
        The `axis` and `keepdims` to use.

    Raises:
        TypeError: both spellings of one argument are given.
        ValueError: `dim=()`, which PyTorch reads as every axis and numpy as none."""
    if isinstance(dim, (tuple, list)) and not dim:
        raise ValueError(
            f"{op}: dim=() reduces every axis in PyTorch but none in numpy; write axis=() "
            "to reduce none, or leave it out to reduce all"
        )
    axis = one_of(op, "axis", axis, "dim", dim)
    keepdims = one_of(op, "keepdims", keepdims, "keepdim", keepdim)
    return axis, False if keepdims is None else keepdims


# PyTorch's t.max(dim=1) returns (values, indices): taking dim= as axis= would hand back one
# tensor where the code unpacks two (and unpacking a Tensor of 2 rows would silently "work")
MAX_DIM = (
    "PyTorch's max(dim=...) returns (values, indices); here t.max(axis=...) gives the values "
    "(PyTorch's amax) and t.argmax(axis=...) the indices"
)


def reduction(
    op: type[Op] | Callable[..., Any], dim_refused: str | None = None, args: str = _AXIS_ARGS
) -> Callable:
    """The method `t.sum(axis=None, keepdims=False)` for a reduction (an op class, or a function
    of the tensor such as argmax), documented by the op, with PyTorch's `dim=`/`keepdim=` too.
    `dim_refused`: why `dim=` is refused (max, whose `dim=` in PyTorch returns two tensors);
    `args`: the Args section of its docstring."""
    name = op.__name__.lower()
    fn: Callable[..., Any] = op.apply if isinstance(op, type) and issubclass(op, Op) else op

    def method(
        self: Any, axis: Any = None, keepdims: bool | None = None, *,
        dim: Any = None, keepdim: bool | None = None,
    ) -> Any:  # fmt: skip
        if dim is not None and dim_refused is not None:
            raise TypeError(f"{name}: dim={dim!r} is refused: {dim_refused}")
        if dim is None and keepdim is None:  # the common case: numpy's spelling, or none
            return fn(self, axis=axis, keepdims=False if keepdims is None else keepdims)
        axis, keepdims = torch_names(name, axis, keepdims, dim, keepdim)
        return fn(self, axis=axis, keepdims=keepdims)

    method.__name__ = name
    raises = _AXIS_RAISES
    if dim_refused is not None:
        why = f"TypeError: any `dim=` ({dim_refused}), or both `keepdims` and `keepdim`."
        raises = textwrap.fill(why, 96, initial_indent="    ", subsequent_indent="        ")
    method.__doc__ = _documented(op.__doc__, args, raises)
    return method


class _LastAxis(int):
    """The default axis -1 of softmax, told apart from an explicit -1 (so that `axis=-1` with
    `dim=` is refused as both spellings, while `dim=` alone is taken)."""

    def __repr__(self) -> str:
        return "-1"


_LAST = _LastAxis(-1)


def along_axis(op: type[Op], name: str) -> Callable:
    """The method `t.softmax(axis=-1)` for an op along one axis, documented by the op, with
    PyTorch's `dim=` too."""

    def method(self: Any, axis: int = _LAST, *, dim: int | None = None) -> Any:
        if dim is not None:
            if axis is not _LAST:  # axis=None is given here (every element): _LAST is not
                raise TypeError(
                    f"{name}: got both axis={axis!r} and dim={dim!r} (PyTorch's name for axis); "
                    "give one of them"
                )
            axis = dim
        return op.apply(self, axis=-1 if axis is _LAST else axis)

    method.__name__ = name
    method.__doc__ = _documented(
        op.__doc__,
        "    axis: the axis to normalize along (the last when not given).\n"
        "    dim: PyTorch's name for `axis`; give one of the two.",
        "    TypeError: both `axis` and `dim` are given.",
    )
    return method


def squeeze(op: type[Op]) -> Callable:
    """The method `t.squeeze(axis=None)`, with PyTorch's `dim=` too."""

    def method(self: Any, axis: Any = None, *, dim: Any = None) -> Any:
        """The tensor without its axes of size 1 (only `axis`, an int or a tuple, when given).

        Args:
            axis: the axes to remove (each of size 1); None for every axis of size 1.
            dim: PyTorch's name for `axis`; give one of the two.

        Raises:
            TypeError: both `axis` and `dim` are given.
            ValueError: an axis is out of range or its size is not 1."""
        # dim=() squeezes none in PyTorch too
        return op.apply(self, axis=one_of("squeeze", "axis", axis, "dim", dim))

    return method
