"""The names of the generated source: the user's tensors' names (`A1`, `cost`), the course's for a
layer's values (`Z1 = W1 A0 + b1`, `A1 = g(Z1)`), dX for a gradient of X, and a name for each
number the program reads at every call (`lr`).
"""

from __future__ import annotations

import keyword
import re

import numpy as np

from tinygrad_edu.compiled.program import Instr, Lit, Value


class Names:
    """Python names for values: the tensor's name where it has one, dX for a gradient of X."""

    def __init__(self, tracer_names: dict, by_array: dict | None = None) -> None:
        self.by_array = by_array or {}  # id(array) -> its value, while the trace's arrays live
        self.given: dict[int, str] = {}
        self.used: set[str] = set()
        self.counts: dict[str, int] = {}  # the last number given after each base name
        self.clean: dict[str, str] = {}  # a base name -> as a Python name
        self.boxes: dict[int, str] = {}  # id of a named Lit's value (the lr's box) -> its name
        self.tracer_names = tracer_names

    def __call__(self, v: Value) -> str:
        name = self.given.get(id(v))
        if name is None:
            name = self.given[id(v)] = self._fresh(self._base(v))
        return name

    def _base(self, v: Value) -> str:
        if v.name:
            return v.name
        t = v.tensor if v.tensor is not None else v.source if v.kind in ("state", "input") else None
        if t is not None and not isinstance(t, (int, tuple)):
            found = getattr(t, "name", None) or self.tracer_names.get(id(t))
            if found:
                return found
        p = v.producer
        if p is not None and p.kind == "view" and isinstance(p.args[0], Value):
            return self(p.args[0]) + ("_T" if p.fn is np.transpose else "_view")
        course = self._course(p)
        if course:
            return course
        if v.grad_of is not None:
            of = getattr(v.grad_of, "name", None) or self.tracer_names.get(id(v.grad_of))
            made = self.by_array.get(id(v.grad_of._data))
            if not of and made is not None and made is not v:
                of = self._course(made.producer)
            if of:
                return f"d{of}"
        return {"const": "k", "input": "x", "state": "s"}.get(v.kind, "t")

    def _course(self, p: Instr | None) -> str:
        """The course's names for a layer's values: Z[l] = W[l] A[l-1] + b[l] (the add of a bias
        named b<l>), A[l] = g(Z[l]) (an activation of Z<l>)."""
        if p is None or not p.args or not isinstance(p.args[-1 if p.op == "Add" else 0], Value):
            return ""
        if p.op == "Add":
            bias = p.args[-1]
            found = re.fullmatch(r"b(\d+)", self._base(bias)) if bias.kind == "state" else None
            return f"Z{found[1]}" if found else ""
        if p.op in _ACTIVATIONS:
            z = p.args[0]
            found = re.fullmatch(r"Z(\d+)", self._course(z.producer)) if z.producer else None
            return f"A{found[1]}" if found else ""
        return ""

    def _fresh(self, base: str) -> str:
        clean = self.clean.get(base)
        if clean is None:  # (a long program asks for the same few bases many times)
            clean = re.sub(r"\W", "_", base) or "t"
            if clean[0].isdigit() or keyword.iskeyword(clean):
                clean = f"_{clean}"
            self.clean[base] = clean
        base = clean
        name, n = base, self.counts.get(base, 1)
        while name in self.used or name in _RESERVED:
            n += 1
            name = f"{base}_{n}"
        self.counts[base] = n
        self.used.add(name)
        return name


_ACTIVATIONS = {"Tanh", "Sigmoid", "ReLU", "LeakyReLU"}
_RESERVED = {"run", "np", "forward", "backward", "empty", "out"}


def named(a: Lit, names: Names, g: dict) -> str:
    """`a.name` (lr, opt), or lr_2 ... for a second one; never a name of a value."""
    readable = getattr(names, "readable", names)
    name = readable.boxes.get(id(a.value))
    if name is None:
        name, n = a.name, 1
        while name in readable.used or name in _RESERVED or name in g:
            n += 1
            name = f"{a.name}_{n}"
        readable.used.add(name)
        readable.boxes[id(a.value)] = name
    g[name] = a.value
    return name


class BufferNames(Names):
    """The names of the code that runs: a buffer's own name (_b3) for every value it holds, so a
    long program reads few variables (faster: see `make`), the readable names elsewhere."""

    def __init__(self, readable: Names, owner: dict) -> None:
        super().__init__(readable.tracer_names, readable.by_array)
        self.readable, self.owner = readable, owner

    def __call__(self, v: Value) -> str:
        k = self.owner.get(id(v))
        return f"_b{k}" if k is not None else self.readable(v)
