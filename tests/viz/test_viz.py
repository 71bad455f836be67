"""The graph drawing: DOT text without any program, graphviz.Digraph on top, SVG when `dot` is
installed, and `tinygrad-edu graph --out`."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tinygrad_edu import Tensor, cli
from tinygrad_edu.viz import course_graph as viz_course_graph
from tinygrad_edu.viz import draw_graph, graph, has_dot, save_graph, to_dot


def course_graph() -> Tensor:
    return viz_course_graph().J


def labels(dot: str) -> list[str]:
    return re.findall(r'label="((?:[^"\\]|\\.)*)"', dot)


def test_the_course_graph_as_dot_text() -> None:
    J = course_graph()
    J.backward()
    dot = to_dot(J)
    assert dot.startswith("digraph computation_graph {\n") and dot.endswith("}\n")
    assert "rankdir=LR" in dot
    found = labels(dot)
    for box in ("J = 33", "v = 11", "u = 6", "a = 5\\ngrad = 3", "b = 3\\ngrad = 6"):
        assert box in found
    assert "c = 2\\ngrad = 9" in found
    assert found.count("*") == 2 and found.count("+") == 1 and "3" in found  # ops, constant
    assert dot.count(" -> ") == 9  # 5 tensor->op, 3 op->tensor, the constant 3 -> op
    assert "grad" not in labels(to_dot(J, grads=False))[0]


def test_draw_graph_is_a_digraph_of_the_same_text() -> None:
    pytest.importorskip("graphviz")
    J = course_graph()
    assert draw_graph(J).source == to_dot(J)


def test_arrays_are_summarized_by_shape() -> None:
    X = Tensor(np.ones((2, 400)), name="X")
    W = Tensor(np.ones((4, 2)), requires_grad=True, name="W")
    b = Tensor(np.zeros((4, 1)), requires_grad=True, name="b")
    Z = W @ X + b
    Z.sum().backward()
    found = labels(to_dot(Z))
    assert "X\\nshape (2, 400)" in found
    b_box = "b\\nshape (4, 1)\\n[[0.], [0.], [0.], [0.]]\\ngrad = [[400.], [400.], [400.], [400.]]"
    assert b_box in found
    assert "W\\nshape (4, 2)\\ngrad shape (4, 2)" in found
    assert "W @ X\\nshape (4, 400)" in found  # an unnamed result is called by its expression


def test_a_large_graph_is_cut_at_max_nodes_and_says_so() -> None:
    x = Tensor(1.0, requires_grad=True, name="x")
    y = x
    for _ in range(5000):
        y = y * 1.0001
    dot = to_dot(y, max_nodes=20)
    boxes = re.findall(r"^\tt\d+ \[", dot, flags=re.M)
    circles = re.findall(r"^\top\d+ \[", dot, flags=re.M)
    assert len(boxes) + len(circles) <= 20
    assert re.search(r"\.\.\. (\d+) more tensors not shown\\n\(max_nodes=20\)", dot)
    left_out = int(re.search(r"\.\.\. (\d+) more", dot).group(1))
    assert left_out == 5001 - len(boxes)


def test_names_are_escaped_in_dot() -> None:
    t = Tensor(1.0, requires_grad=True, name='say "hi"\\')
    assert 'label="say \\"hi\\"\\\\ = 1' in to_dot(t * 2)


def test_save_graph_writes_dot_always_and_svg_with_dot(tmp_path, monkeypatch) -> None:
    J = course_graph()
    written = save_graph(J, tmp_path / "g")
    assert written[0] == tmp_path / "g.dot"
    assert written[0].read_text() == to_dot(J)
    if has_dot():
        assert written[1] == tmp_path / "g.svg"
        assert b"<svg" in written[1].read_bytes()
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    assert save_graph(J, tmp_path / "nodot.svg") == [tmp_path / "nodot.dot"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_cli_graph_writes_the_files_and_says_what_it_wrote(tmp_path, capsys, monkeypatch) -> None:
    assert cli.main(["graph", "--out", str(tmp_path / "course")]) == 0
    out = capsys.readouterr().out
    assert "dJ/db = dJ/du * du/db = 3 * c = 6" in out
    assert f"wrote {tmp_path / 'course.dot'}" in out
    assert (f"wrote {tmp_path / 'course.svg'}" in out) == has_dot()
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    assert cli.main(["graph", "--out", str(tmp_path / "again")]) == 0
    out, err = capsys.readouterr()
    assert "`dot` program is not installed" in err and "again.svg" not in out  # a note: stderr


def test_cli_graph_without_out_says_how_to_draw_it(capsys) -> None:
    assert cli.main(["graph"]) == 0
    assert "tinygrad-edu graph --out" in capsys.readouterr().out
