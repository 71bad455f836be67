"""Fuzz the whole public API with random programs of good and bad calls (tests/contract/_fuzz_calls.py).

For every call, run on tinygrad_edu and on numpy:
- a success equals numpy's result (shape, dtype, values, NaN for NaN), unless numpy refuses the
  call too and the call is a documented leniency;
- a failure is a ValueError or TypeError (IndexError for an index, RuntimeError where the contract
  says so) whose message names the op (its name or symbol) and the shapes or values at fault:
  never an AttributeError or a bare numpy message;
- either way the inputs are unchanged, grad mode and anomaly mode are restored, nothing half
  recorded is left behind, and a fresh computation still backpropagates correctly.
Each call runs in one of three modes: recording, `no_grad()`, or `detect_anomaly()` (where an op
fails exactly when numpy's result has a NaN or an inf, with an AnomalyError naming it).

`pytest --hypothesis-show-statistics tests/contract/test_fuzz.py` lists the kinds of bad input drawn.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.contract._fuzz_calls import CALLS, Call
from tests.contract._fuzz_inputs import tensors
from tinygrad_edu import AnomalyError, Tensor, detect_anomaly, is_grad_enabled, no_grad
from tinygrad_edu.engine.anomaly import is_anomaly_enabled

# A fuzz property needs more examples than the others: 8 times the profile's number.
FUZZ = settings(max_examples=8 * settings().max_examples)
MODES = ("grad", "no_grad", "anomaly")
VALUE_KINDS = frozenset({"nan", "inf", "extreme", "empty"})  # good inputs, special values


def _mode(mode: str) -> contextlib.AbstractContextManager:
    return {"grad": contextlib.nullcontext(), "no_grad": no_grad(), "anomaly": detect_anomaly()}[
        mode
    ]


# ----------------------------------------------------------------------------------------------
# Running one call and judging it


def _snapshot(t: Tensor) -> tuple:
    return (t.data.copy(), t.data.dtype, t.requires_grad, t._ctx, t.grad)


def _assert_unchanged(t: Tensor, before: tuple, grads_change: bool) -> None:
    data, dtype, requires_grad, ctx, grad = before
    assert t.data.dtype == dtype and t.data.shape == data.shape, "an input changed shape or dtype"
    np.testing.assert_array_equal(t.data, data, err_msg="an input's values changed")
    assert (t.requires_grad, t._ctx) == (requires_grad, ctx), "an input's history changed"
    if not grads_change:
        assert t.grad is grad, "an input's .grad changed"


def _engine_intact() -> None:
    assert is_grad_enabled(), "grad mode was not restored"
    assert not is_anomaly_enabled(), "anomaly mode was not restored"
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])


def _reference(call: Call) -> tuple[Any, BaseException | None]:
    if call.reference is None:
        return None, None
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return call.reference(), None
    except Exception as exc:  # numpy refuses: tinygrad_edu must refuse too (or be lenient)
        return None, exc


def _non_finite(x: Any) -> bool:
    a = np.asarray(x)
    return a.dtype.kind in "fc" and not np.isfinite(a).all()


def _check_error(call: Call, exc: BaseException, mode: str, expected: Any, refused: Any) -> None:
    msg = str(exc)
    if isinstance(exc, AnomalyError):
        assert mode == "anomaly", f"AnomalyError outside detect_anomaly(): {msg}"
        assert "detect_anomaly" in msg and "produced" in msg, msg
        # the user's line; for backward through ops recorded before the mode was on, PyTorch's
        # answer too: say that no line was recorded
        assert "_fuzz_calls.py" in msg or "recorded outside detect_anomaly" in msg, msg
        if call.is_op:
            assert _non_finite(expected), f"AnomalyError for a finite result: {msg}"
        return
    if refused is None and call.reference is not None and call.kinds <= VALUE_KINDS:
        pytest.fail(f"{call.name} refused a good call that numpy computes: {exc!r}")
    if call.reference is None and not call.kinds:
        pytest.fail(f"{call.name} failed on good input: {exc!r}")
    assert isinstance(exc, call.errors), (
        f"{call.name}: {type(exc).__name__} is not one of {[e.__name__ for e in call.errors]}: "
        f"{msg}"
    )
    flat = msg.lower().replace("_", "")
    assert any(w.lower().replace("_", "") in flat for w in call.words), (
        f"{call.name}: the message does not name the op ({call.words}): {msg}"
    )
    assert any(n in msg for n in call.names), (
        f"{call.name}: the message names none of {call.names}: {msg}"
    )


def _check_success(call: Call, result: Any, mode: str, expected: Any, refused: Any) -> None:
    if refused is not None and not call.lenient:
        if call.extra.get("identity_fallback") and isinstance(result, bool):
            return  # `t == "x"` is False, as Python and PyTorch say
        pytest.fail(f"{call.name} accepted what numpy refuses ({refused!r}); got {result!r}")
    if isinstance(result, Tensor) and result.dtype.kind == "f":
        if mode == "no_grad" and call.is_op:
            assert not result.requires_grad and result.is_leaf, "recorded under no_grad()"
        if mode != "no_grad" and call.is_op:
            records = call.records
            if records is None:
                records = any(t.requires_grad for t in call.operands)
            assert result.requires_grad == records, "requires_grad of the result is wrong"
            assert result.is_leaf == (not records)
        if mode == "anomaly" and call.is_op:
            assert not _non_finite(result.data), f"{call.name}: non-finite under detect_anomaly"
    if call.reference is None or refused is not None or not call.extra.get("values", True):
        if isinstance(result, Tensor) and call.reference is not None and refused is None:
            assert result.shape == np.shape(expected)
        return
    got = result.data if isinstance(result, Tensor) else result
    want = np.asarray(expected)
    if isinstance(result, Tensor):
        assert got.shape == want.shape, f"{call.name}: shape {got.shape}, numpy {want.shape}"
        assert got.dtype == want.dtype, f"{call.name}: dtype {got.dtype}, numpy {want.dtype}"
    else:
        assert type(got) is type(expected), f"{call.name}: {type(got)} vs {type(expected)}"
    if want.dtype.kind in "fc":
        rtol = {2: 1e-3, 4: 1e-6}.get(want.dtype.itemsize, 1e-12)
        np.testing.assert_allclose(got, want, rtol=rtol, atol=0, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, want)


def run_call(call: Call, mode: str, pool: list[Tensor]) -> Any:
    """Run one call in `mode` and judge the outcome; the result, or None after an error."""
    event(f"call: {call.name}")
    for kind in sorted(call.kinds):
        event(f"bad input: {kind}")
    before = [(t, _snapshot(t)) for t in {id(t): t for t in call.operands}.values()]
    expected, refused = _reference(call)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy's warnings for nan, 1/0, ...
        try:
            with _mode(mode):
                result = call.run()
        except Exception as exc:
            _check_error(call, exc, mode, expected, refused)
            result = None
        else:
            _check_success(call, result, mode, expected, refused)
    assert is_grad_enabled() and not is_anomaly_enabled(), "a mode was not restored"
    for t, snap in before:
        _assert_unchanged(t, snap, call.grads_change)
    if call.name == "backward":
        for t in pool:  # leaves got gradients of their own shape and dtype; others none
            if t.grad is not None:
                assert t.is_leaf, "a non-leaf got a .grad"
                assert (t.grad.shape, t.grad.dtype) == (t.shape, t.dtype)
    return result


# ----------------------------------------------------------------------------------------------
# The properties


@pytest.mark.parametrize("family", sorted(CALLS))
@FUZZ
@given(data=st.data())
def test_one_call(family: str, data: st.DataObject) -> None:
    """One call of each family on fresh tensors, in a random mode."""
    pool = [data.draw(tensors())[0] for _ in range(2)]
    call = data.draw(CALLS[family](pool), label="call")
    run_call(call, data.draw(st.sampled_from(MODES), label="mode"), pool)
    _engine_intact()


@FUZZ
@given(data=st.data())
def test_random_programs(data: st.DataObject) -> None:
    """Programs of 2 to 8 random calls, each result joining the tensors later calls may use."""
    pool = [data.draw(tensors())[0] for _ in range(data.draw(st.integers(1, 3)))]
    for _ in range(data.draw(st.integers(2, 8), label="steps")):
        family = data.draw(st.sampled_from(sorted(CALLS)), label="family")
        call = data.draw(CALLS[family](pool), label="call")
        result = run_call(call, data.draw(st.sampled_from(MODES), label="mode"), pool)
        if isinstance(result, Tensor) and len(pool) < 8:
            pool.append(result)
    _engine_intact()
