"""The graph drawing: DOT text without any program, graphviz.Digraph on top when `dot` is installed
(else the text with a line on installing `dot`), names from the caller's variables, every gradient,
the files, and `tinygrad-edu graph --out/--format`."""

from __future__ import annotations

import os
import re
import sys

import numpy as np
import pytest

from tinygrad_edu import Tensor, cli, nn
from tinygrad_edu.viz import GraphText, draw_graph, graph, has_dot, save_graph, to_dot
from tinygrad_edu.viz import course_graph as viz_course_graph


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


@pytest.fixture
def fake_dot(tmp_path, monkeypatch) -> None:
    """A `dot` program on the PATH that reads the DOT text and answers with its -T option."""
    folder = tmp_path / "bin"
    folder.mkdir()
    script = folder / "dot"
    script.write_text('#!/bin/sh\ncat > /dev/null\necho "drawn with $1"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_draw_graph_is_a_digraph_of_the_same_text_when_dot_is_installed(fake_dot) -> None:
    graphviz = pytest.importorskip("graphviz")
    J = course_graph()
    drawn = draw_graph(J)
    assert isinstance(drawn, graphviz.Digraph) and drawn.source == to_dot(J)


def test_without_dot_or_graphviz_draw_graph_shows_the_text_and_how_to_install_dot(
    monkeypatch,
) -> None:
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    J = course_graph()
    for hide_graphviz in (False, True):
        if hide_graphviz:
            monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` fails
        drawn = draw_graph(J)
        assert isinstance(drawn, GraphText)
        assert str(drawn) == drawn.source == to_dot(J)
        first, rest = repr(drawn).split("\n", 1)
        assert "`dot` program is not installed" in first and "apt-get install graphviz" in first
        assert rest == "\n" + to_dot(J)


def test_every_gradient_is_drawn_before_backward_without_touching_grad() -> None:
    a, b, c, u, v, J = viz_course_graph()
    for t in (u, v, J):
        t.name = None  # named by the variables that hold them
    found = labels(to_dot(J))
    for box in ("J = 33\\ngrad = 1", "v = 11\\ngrad = 3", "u = 6\\ngrad = 3", "a = 5\\ngrad = 3"):
        assert box in found
    assert "b = 3\\ngrad = 6" in found and "c = 2\\ngrad = 9" in found
    assert a.grad is None and b.grad is None  # computed for the drawing only
    J.backward()  # the graph is still there for the learner's own backward
    assert (a.grad.item(), b.grad.item(), c.grad.item()) == (3.0, 6.0, 9.0)


def test_after_backward_the_drawing_says_how_to_see_the_freed_gradients() -> None:
    J = course_graph()
    J.backward()  # frees the graph and the results' gradients
    dot = to_dot(J)
    assert "b = 3\\ngrad = 6" in labels(dot) and "u = 6" in labels(dot)  # u: no gradient row
    assert "draw_graph(J) before J.backward()" in dot
    J = course_graph()
    J.backward(retain_graph=True)  # kept: every gradient can be drawn
    dot = to_dot(J)
    assert "u = 6\\ngrad = 3" in labels(dot) and "before" not in dot
    assert not any("grad =" in label for label in labels(to_dot(J, grads=False)))


def test_tensors_are_named_by_the_callers_variables() -> None:
    model = nn.ShallowNet(2, 3, 1)  # the layers name their parameters W1, b1, W2, b2
    X = Tensor(np.ones((2, 5)))
    Y = Tensor(np.zeros((1, 5)))
    A2 = model(X)
    cost = ((A2 - Y) ** 2).mean()
    _hidden = Tensor(1.0)  # names starting with _ are not used (IPython's _, _3)
    found = labels(to_dot(cost * _hidden))
    for name in ("X\\nshape (2, 5)", "Y\\nshape (1, 5)", "A2\\nshape (1, 5)"):
        assert any(label.startswith(name) for label in found), name
    for name in ("W1", "b1", "W2", "b2"):
        assert any(label.startswith(name + "\\nshape") for label in found), name
    assert any(label.startswith("cost = ") for label in found)
    assert not any(label.startswith(("J", "_hidden")) for label in found)
    X.name = "inputs"  # a tensor's own name wins over the variable's
    assert any(label.startswith("inputs\\n") for label in labels(to_dot(cost)))


def test_the_root_is_named_by_its_variable_not_J() -> None:
    x = Tensor(2.0, requires_grad=True)
    loss = x * x
    found = labels(to_dot(loss))
    assert "loss = 4\\ngrad = 1" in found and "x = 2\\ngrad = 4" in found


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


def test_save_graph_writes_dot_always_and_the_drawing_with_dot(tmp_path, monkeypatch) -> None:
    J = course_graph()
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    assert save_graph(J, tmp_path / "g") == [tmp_path / "g.dot"]
    assert (tmp_path / "g.dot").read_text() == to_dot(J)
    assert save_graph(J, tmp_path / "nodot.svg") == [tmp_path / "nodot.dot"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    with pytest.raises(ValueError, match=r"format must be one of \['svg', 'png', 'dot'\].*'pdf'"):
        save_graph(J, tmp_path / "g", format="pdf")


@pytest.mark.parametrize(
    ("out", "fmt", "drawn"),
    [
        ("g", None, "g.svg"),
        ("g.png", None, "g.png"),
        ("g.svg", "png", "g.png"),
        ("g.png", "dot", None),
    ],
)
def test_the_format_comes_from_the_option_then_the_suffix(
    tmp_path, fake_dot, out, fmt, drawn
) -> None:
    written = save_graph(course_graph(), tmp_path / out, format=fmt)
    assert written[0] == tmp_path / "g.dot"
    assert [p.name for p in written[1:]] == ([drawn] if drawn else [])
    if drawn:
        assert (tmp_path / drawn).read_text() == f"drawn with -T{drawn[2:]}\n"  # dot -Tpng


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


def test_cli_graph_format_png_writes_a_png(tmp_path, capsys, fake_dot) -> None:
    assert cli.main(["graph", "--out", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g.png").read_text() == "drawn with -Tpng\n"
    assert cli.main(["graph", "--out", str(tmp_path / "h"), "--format", "png"]) == 0
    assert (tmp_path / "h.png").read_text() == "drawn with -Tpng\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "g.dot",
        "g.png",
        "h.dot",
        "h.png",
    ]
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'g.png'}" in out and "not installed" not in out


def test_cli_graph_format_dot_needs_no_program(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(graph.shutil, "which", lambda name: None)
    assert cli.main(["graph", "--out", str(tmp_path / "g"), "--format", "dot"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'g.dot'}" in out and "not installed" not in out
    with pytest.raises(SystemExit):
        cli.main(["graph", "--out", str(tmp_path / "g"), "--format", "pdf"])
    assert "invalid choice: 'pdf'" in capsys.readouterr().err


def test_cli_graph_without_out_says_how_to_draw_it(capsys) -> None:
    assert cli.main(["graph"]) == 0
    assert "tinygrad-edu graph --out" in capsys.readouterr().out
