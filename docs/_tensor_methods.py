"""A griffe extension for the API reference (mkdocs.yml): most of Tensor's methods are made by the
op factories of ops/dispatch.py (`exp, log = unaries(Exp, Log)`), which griffe's reading of the
source sees as attributes with no docstring. This puts in their place the methods as an import
of tinygrad_edu.tensor finds them, with the op's docstring and the real signature."""

from __future__ import annotations

from typing import Any

import griffe


class TensorMethods(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != "tinygrad_edu":
            return
        static = pkg["tensor"]["Tensor"]
        inspected = griffe.inspect("tinygrad_edu.tensor")["Tensor"]
        for name, member in inspected.members.items():
            made = member.is_function and name in static.members and static[name].is_attribute
            if made or (member.is_function and name not in static.members):
                member.parent = static
                static.set_member(name, member)
