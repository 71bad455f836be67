"""The interpreter loop (interpret.py): a program too long to compile runs as a list of prebound
numpy calls. Here every program is interpreted (its threshold set to 1 instruction), and the
steps of the other files, the ones that went wrong once among them, equal eager bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.compiled import test_functions, test_optimizers, test_passes
from tests.compiled._harness import assert_compiled, run_both
from tests.compiled.test_graphs import graph_world, recipes
from tinygrad_edu.compiled import interpret
from tinygrad_edu.testing import arrays_in
from tinygrad_edu.testing.op_table import Domain


@pytest.fixture(autouse=True)
def _interpret_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interpret, "LONG", 1)


def _interpreted(run) -> None:
    entries = assert_compiled(run)
    assert all(e.interpreted for e in entries)


@pytest.mark.parametrize("name", sorted(test_optimizers.OPTIMIZERS))
def test_optimizers_interpreted(name: str) -> None:
    """Protects the interpreter's in-place updates and optimizer state."""
    make = test_optimizers.OPTIMIZERS[name]
    _interpreted(run_both(lambda: test_optimizers.planar_world(make, np.float32, True), n_calls=5))


@pytest.mark.parametrize("op", test_functions.OPS.values(), ids=test_functions.OPS.keys())
def test_user_function_interpreted(op) -> None:
    """Protects the interpreter's opaque forward and backward calls."""
    _interpreted(run_both(lambda: test_functions.function_world(op)))


def test_sign_of_a_0d_tensor_interpreted() -> None:
    """The interpreter reads literals as they are: a baked sign would be silently wrong here."""
    run = run_both(
        lambda: test_passes.sgd_world({"a": np.array(0.15)}, {}, lambda p, _: p["a"].abs()),
        n_calls=5,
    )
    _interpreted(run)


@given(X=arrays_in(Domain(-2.0, 2.0), (3, 5)), b=arrays_in(Domain(-2.0, 2.0), (5, 1)))
def test_f_ordered_buffers_interpreted(X, b) -> None:
    """Protects the interpreter's buffers: laid out as eager's arrays (X.T + b is F-ordered)."""

    def cost_of(p, x):
        return (x["X"].T + p["b"]).tanh().sum()

    _interpreted(run_both(lambda: test_passes.sgd_world({"b": b}, {"X": X}, cost_of), n_calls=6))


@given(data=st.data())
def test_random_graph_interpreted(data) -> None:
    """Protects the interpreter on the random graphs of test_graphs.py."""
    recipe = data.draw(recipes(), label="recipe")
    shapes = [*recipe[0], recipe[1]]
    values = [data.draw(arrays_in(Domain(-1.0, 1.0), s)) for s in shapes]
    sinks = data.draw(st.booleans(), label="sinks")
    _interpreted(run_both(lambda: graph_world(recipe, values, sinks)))
