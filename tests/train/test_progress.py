"""fit's progress bar: tqdm's on a terminal; in a Jupyter kernel tqdm's widget with ipywidgets, else
a text bar, and never a warning; none in a pipe or with progress=False. (The bar in a real notebook:
tests/viz/test_notebook_output.py.)"""

from __future__ import annotations

import io
import sys
import types
import warnings

import numpy as np
import pytest

from tinygrad_edu import nn
from tinygrad_edu.data import flower
from tinygrad_edu.train import fit, progress


def fake_ipython(monkeypatch, kernel: bool) -> None:
    """An IPython module whose shell runs in a Jupyter kernel (an IPKernelApp) or in a terminal."""
    shell = types.SimpleNamespace(config={"IPKernelApp": {}} if kernel else {})
    monkeypatch.setitem(sys.modules, "IPython", types.SimpleNamespace(get_ipython=lambda: shell))


def test_in_notebook_is_true_only_in_a_kernel(monkeypatch) -> None:
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not progress.in_notebook()
    fake_ipython(monkeypatch, kernel=False)  # IPython in a terminal
    assert not progress.in_notebook()
    fake_ipython(monkeypatch, kernel=True)
    assert progress.in_notebook()


def test_no_bar_in_a_pipe_or_when_switched_off(monkeypatch) -> None:
    monkeypatch.setattr(progress, "in_notebook", lambda: False)
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    assert progress.progress_bar(10, None) is None
    assert progress.progress_bar(10, False) is None
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    assert progress.progress_bar(10, False) is None


def test_in_a_notebook_without_ipywidgets_a_text_bar_and_no_warning(monkeypatch) -> None:
    pytest.importorskip("tqdm")
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # `import ipywidgets` fails
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bar = progress.progress_bar(10, None)
        bar.close()
    assert isinstance(bar, progress.TextBar) and caught == []


def test_in_a_notebook_with_ipywidgets_tqdms_widget(monkeypatch) -> None:
    pytest.importorskip("ipywidgets")
    notebook = pytest.importorskip("tqdm.notebook")
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    bar = progress.progress_bar(10, None)
    try:
        assert isinstance(bar, notebook.tqdm) and bar.leave  # the finished bar stays in the cell
    finally:
        bar.close()


def test_without_tqdm_a_text_bar_in_a_notebook_and_none_on_a_terminal(monkeypatch) -> None:
    for module in ("tqdm", "tqdm.notebook"):  # `import tqdm...` fails
        monkeypatch.setitem(sys.modules, module, None)
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    bar = progress.progress_bar(10, None)
    assert isinstance(bar, progress.TextBar)
    bar.close()
    monkeypatch.setattr(progress, "in_notebook", lambda: False)
    assert progress.progress_bar(10, True) is None  # as before: lines would land on its line


def test_the_text_bar_redraws_in_place_and_writes_lines_above_it(capsys) -> None:
    out = io.StringIO()
    bar = progress.TextBar(200, file=out)
    for _ in range(200):
        bar.update(1)
    bar.write("Cost after iteration 199: 0.5")
    bar.close()
    text = out.getvalue()
    assert text.count("\r[") == 1 + 100 + 1 + 1  # 0 %, each percent, after the line, at the end
    assert text.endswith("\r[" + "#" * 30 + "] 100% 200/200\n")
    assert "[" + "#" * 15 + "." * 15 + "]  50% 100/200" in text
    assert capsys.readouterr().out == "Cost after iteration 199: 0.5\n"


def test_fit_in_a_notebook_shows_the_text_bar_and_the_costs(monkeypatch, capsys) -> None:
    monkeypatch.setattr(progress, "in_notebook", lambda: True)
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    X, Y = flower(m=20)
    history = fit(nn.ShallowNet(2, 3, 1), X, Y, iterations=50, lr=1.2, print_every=25)
    captured = capsys.readouterr()
    assert "] 100% 50/50\n" in captured.err
    assert captured.out.splitlines() == [
        f"Cost after iteration {i}: {history.costs[i]:.6f}" for i in (0, 25, 49)
    ]
    assert np.isfinite(history.costs).all()
