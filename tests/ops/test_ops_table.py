"""Every op of the table (`tinygrad_edu.testing.op_table.OPS`) against its numpy reference (forward) and
central differences (backward), over inputs drawn by Hypothesis: 0-d to 4-d shapes, broadcasting,
constants on either side, axes, indices, ... (see tests/support/op_cases.py).

Besides the values, the invariants MyGrad checks: inputs are not mutated, each gradient has its
tensor's dtype and shape, only inputs that require grad get one, and float32 stays float32.

And that an op is complete: its class in a file of ops/, a row of the table, a public method.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_edu
from tests.support.op_cases import Case, cases, grad_inputs, substitute
from tinygrad_edu import Function, Tensor, no_grad, numerical_grad, ops
from tinygrad_edu.testing import arrays_in
from tinygrad_edu.testing.op_table import KINDS, OPS, Domain, OpSpec

SPECS = pytest.mark.parametrize("spec", OPS, ids=[s.name for s in OPS])
WEIGHTS = Domain(-2.0, 2.0)


def _snapshot(values: list) -> list[np.ndarray]:
    return [np.array(a.data if isinstance(a, Tensor) else a, copy=True) for a in values]


def _assert_unchanged(name: str, values: list, before: list[np.ndarray], what: str) -> None:
    for i, (a, b) in enumerate(zip(values, before, strict=True)):
        now = a.data if isinstance(a, Tensor) else np.asarray(a)
        assert now.dtype == b.dtype and np.array_equal(now, b), f"{name}: {what} {i} was modified"


def _run(case: Case, data: st.DataObject, dtype: type) -> tuple[Tensor, list, np.ndarray]:
    """Forward, checks of the result, then backward of sum(out * W); returns (out, args, W)."""
    spec = case.spec
    given_before = _snapshot(case.args)
    args = case.tensors(dtype)
    before = _snapshot(args)
    out = spec.call(*args, **case.kwargs)
    assert isinstance(out, Tensor), f"{spec.name} returned {type(out).__name__}"
    assert out.dtype == dtype, f"{spec.name}: result is {out.dtype}, inputs are {np.dtype(dtype)}"
    assert out.requires_grad
    assert type(out.grad_fn) is spec.function, f"{spec.name} recorded {out.grad_fn!r}"
    assert not out.is_leaf
    W = data.draw(arrays_in(WEIGHTS, out.shape), label="W")
    (out * W).sum().backward()
    _assert_unchanged(spec.name, args, before, "argument")
    _assert_unchanged(spec.name, case.args, given_before, "the caller's value")
    for i, a in enumerate(args):
        if not isinstance(a, Tensor):
            continue
        if a.requires_grad:
            g = a.grad
            assert isinstance(g, Tensor), f"{spec.name}: input {i} got no gradient"
            assert g.dtype == a.dtype, f"{spec.name}: grad of input {i} is {g.dtype}, not {a.dtype}"
            assert g.shape == a.shape, f"{spec.name}: grad of input {i} has shape {g.shape}"
            assert not g.requires_grad and g.is_leaf
            assert not np.shares_memory(g.data, a.data)
        else:
            assert a.grad is None, f"{spec.name}: input {i} does not require grad but got one"
    return out, args, W


@SPECS
@given(data=st.data())
def test_forward_and_gradient_float64(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec), label="case")
    out, args, W = _run(case, data, np.float64)
    ref = case.reference()
    assert out.shape == ref.shape
    np.testing.assert_allclose(out.data, ref, rtol=1e-12, atol=1e-13)

    wrt = grad_inputs(case, args)

    def cost(*xs: Tensor) -> Tensor:
        return (case.spec.call(*substitute(args, wrt, xs), **case.kwargs) * W).sum()

    numeric = numerical_grad(cost, *wrt)
    for k, (t, n) in enumerate(zip(wrt, numeric, strict=True)):
        np.testing.assert_allclose(
            t.grad.data, n, rtol=1e-4, atol=1e-6, err_msg=f"{spec.name}: input {k}"
        )


@SPECS
@given(data=st.data())
def test_float32_kept(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec), label="case")
    out, args, W = _run(case, data, np.float32)
    ref = case.reference(np.float32)
    assert out.shape == ref.shape
    np.testing.assert_allclose(out.data, ref, rtol=1e-4, atol=1e-4)
    # the same values in float64 give the gradients float32 must approximate
    args64 = case.tensors(np.float64)
    (spec.call(*args64, **case.kwargs) * W.astype(np.float64)).sum().backward()
    for a32, a64 in zip(args, args64, strict=True):
        if isinstance(a32, Tensor) and a32.requires_grad:
            np.testing.assert_allclose(a32.grad.data, a64.grad.data, rtol=1e-3, atol=1e-3)


@SPECS
@given(data=st.data())
def test_no_grad_records_nothing(spec: OpSpec, data: st.DataObject) -> None:
    case = data.draw(cases(spec), label="case")
    args = case.tensors()
    with no_grad():
        out = spec.call(*args, **case.kwargs)
    assert out.is_leaf and not out.requires_grad and out.grad_fn is None
    np.testing.assert_allclose(out.data, case.reference(), rtol=1e-12, atol=1e-13)
    for a in args:
        if isinstance(a, Tensor):
            a.requires_grad_(False)
    plain = spec.call(*args, **case.kwargs)
    assert plain.is_leaf and not plain.requires_grad


# ----------------------------------------------------------------------------------------------
# An op is three pieces: its class in a file of ops/, a row of the table, a public way to call it


def _op_classes() -> list[type]:
    """Every op class defined in a file of tinygrad_edu/ops/ (bases such as Op, which have no
    forward of their own, are not ops)."""
    found = []
    for info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"{ops.__name__}.{info.name}")
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, Function)
                and obj.__module__ == module.__name__
                and obj.forward is not Function.forward
            ):
                found.append(obj)
    return found


def test_every_op_of_the_ops_files_has_a_row() -> None:
    listed = {spec.function for spec in OPS}
    found = _op_classes()
    assert len(found) > len(OPS) // 2, "no op classes found in tinygrad_edu/ops/"
    for op in found:
        name = op.__name__
        assert getattr(ops, name, None) is op, (
            f"{name} is not tinygrad_edu.ops.{name}: add it to the __all__ of {op.__module__}"
        )
        if not vars(op).get("internal", False):
            assert op in listed, f"{name} has no row in tinygrad_edu/testing/op_table.py (OPS)"


def test_every_row_is_an_op_of_an_ops_file() -> None:
    found = set(_op_classes())
    for spec in OPS:
        assert spec.function in found, (
            f"{spec.name}: {spec.function.__qualname__} is not an op class of tinygrad_edu/ops/"
        )
        assert not vars(spec.function).get("internal", False), f"{spec.name}: an internal op"


def _api(spec: OpSpec) -> tuple[object, str]:
    """The owner and the attribute of the row's `api` ("Tensor.exp": tinygrad_edu.Tensor, "exp")."""
    path, _, attribute = spec.api.rpartition(".")
    owner = functools.reduce(getattr, path.split("."), tinygrad_edu)
    assert hasattr(owner, attribute), f"{spec.name}: tinygrad_edu.{spec.api} does not exist"
    return owner, attribute


@SPECS
@settings(max_examples=5)
@given(data=st.data())
def test_every_row_calls_its_op_through_its_api(spec: OpSpec, data: st.DataObject) -> None:
    """The row's `call` goes through the public method (or function) its `api` names, and that
    records the row's op: the Tensor method exists and dispatches to the op class."""
    owner, attribute = _api(spec)
    public = getattr(owner, attribute)
    used = []

    def spy(*args: object, **kwargs: object) -> object:
        used.append(True)
        return public(*args, **kwargs)

    case = data.draw(cases(spec, variants=("tensors",)), label="case")  # no number on the left
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(owner, attribute, spy)
        out = spec.call(*case.tensors(), **case.kwargs)
    assert used or spec.call is public, f"{spec.name}: the row's call does not use {spec.api}"
    assert type(out.grad_fn) is spec.function, f"{spec.api} recorded {out.grad_fn!r}"


def test_table_rows_are_well_formed() -> None:
    names = [spec.name for spec in OPS]
    assert len(names) == len(set(names)), "two rows share a name"
    for spec in OPS:
        assert spec.kind in KINDS, f"{spec.name}: unknown kind {spec.kind!r}"
        assert len(spec.domains) == KINDS[spec.kind], f"{spec.name}: one Domain per input"
        for d in spec.domains:
            assert d.low <= d.high
        assert spec.function.__doc__, f"{spec.name}: the op's docstring states its gradient"
