"""Issue 15's acceptance: a notebook that runs `fit`, `plot_costs`, `plot_decision_boundary` and
`draw_graph` shows a progress bar, the figures and the graph inline. The notebook is built here
with nbformat, executed by a real Jupyter kernel (nbclient), and its output cells inspected."""

from __future__ import annotations

import json

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

CELLS = [
    # 0: training, with the bar (tqdm's widget: ipywidgets is installed) and the course's lines
    """\
from tinygrad_edu import Tensor, nn
from tinygrad_edu.data import flower
from tinygrad_edu.train import fit
from tinygrad_edu.viz import draw_graph, plot_costs, plot_decision_boundary

X_np, Y_np = flower()
model = nn.ShallowNet(2, 4, 1, hidden="tanh", seed=2)
history = fit(model, X_np, Y_np, iterations=200, lr=1.2, print_every=100)""",
    # 1, 2: the figures, shown by Jupyter's inline backend at the end of the cell
    "plot_costs(history.costs, lr=1.2);",
    "plot_decision_boundary(model, X_np, Y_np, title='4 hidden units');",
    # 3: the graph of a small cost, its data named by the variables that hold them
    """\
X, Y = Tensor(X_np[:, :5]), Tensor(Y_np[:, :5])
A2 = model(X)
cost = ((A2 - Y) ** 2).mean()
draw_graph(cost)""",
    # 4: without ipywidgets: a text bar, and no "IProgress not found"
    """\
import sys
sys.modules["ipywidgets"] = None
history = fit(model, X_np, Y_np, iterations=50, lr=1.2, print_every=0)""",
]

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> list:
    """The output cells of the notebook, run in a fresh kernel with Jupyter's default backend."""
    mp = pytest.MonkeyPatch()
    mp.delenv("MPLBACKEND", raising=False)  # the kernel picks the inline backend itself
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    folder = tmp_path_factory.mktemp("notebook")
    try:
        nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
        ).execute()
    finally:
        mp.undo()
    assert list(folder.iterdir()) == []  # the plots wrote no file: no path was given
    return [cell.outputs for cell in nb.cells]


def texts(outputs: list, name: str) -> str:
    return "".join(
        o.get("text", "") for o in outputs if o.output_type == "stream" and o.name == name
    )


def mimes(outputs: list) -> list[str]:
    return [
        m for o in outputs if o.output_type in ("display_data", "execute_result") for m in o.data
    ]


def no_warning(outputs: list) -> None:
    err = texts(outputs, "stderr")
    assert "IProgress" not in err and "Warning" not in err, err
    assert not [o for o in outputs if o.output_type == "error"]


def test_fit_shows_tqdms_widget_and_the_costs(executed) -> None:
    pytest.importorskip("ipywidgets")  # the kernel runs in this environment; without it, a text bar
    outputs = executed[0]
    no_warning(outputs)
    assert WIDGET in mimes(outputs)  # the notebook bar
    widget = next(o for o in outputs if WIDGET in o.get("data", {}))
    assert "0/200" in widget.data["text/plain"]  # its text form, as first displayed
    assert texts(outputs, "stdout").splitlines()[:1] == ["Cost after iteration 0: 0.693048"]


def test_the_figures_are_shown_inline(executed) -> None:
    for outputs in executed[1:3]:
        no_warning(outputs)
        assert mimes(outputs).count("image/png") == 1


def test_the_graph_is_shown_as_svg_or_as_its_dot_text(executed) -> None:
    outputs = executed[3]
    no_warning(outputs)
    result = next(o for o in outputs if o.output_type == "execute_result")
    if "image/svg+xml" in result.data:
        source = result.data["image/svg+xml"]
    else:  # no Graphviz `dot` on this machine: the text, and one line on installing it
        source = result.data["text/plain"]
        first = source.splitlines()[0]
        assert "`dot` program is not installed" in first and "install graphviz" in first
        assert "digraph computation_graph {" in source
    for name in ("X", "Y", "A2", "W1", "b2"):
        assert f"{name}\\nshape" in source or f">{name}</text>" in source, name
    assert "cost = " in source or ">cost = " in source


def test_without_ipywidgets_fit_shows_a_text_bar(executed) -> None:
    outputs = executed[4]
    no_warning(outputs)
    assert WIDGET not in mimes(outputs)
    assert "] 100% 50/50" in texts(outputs, "stderr")
    json.dumps(outputs)  # the outputs are plain JSON, as a saved notebook holds them
