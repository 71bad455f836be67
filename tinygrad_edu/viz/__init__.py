"""Pictures of what the engine does.

- `draw_graph(t)`, `to_dot(t)`: the computation graph (graph.py), `save_graph(t, path)` its files
  (graph_files.py);
- `course_graph()`: the course's J = 3(a + b*c), recorded and named (course.py);
- `explain_backward(J)`: the chain rule, step by step, as backward runs it (explain.py);
- `plot_costs`, `plot_decision_boundary`, `plot_mislabeled`: the course's matplotlib figures, shown
  inline in Jupyter, written to a file when given a path; `training_figures`: the CLI's files
  (plots.py).

matplotlib and graphviz are imported only when a function needs them.
"""

from tinygrad_edu.viz.course import CourseGraph, course_graph
from tinygrad_edu.viz.explain import backward_steps, explain_backward
from tinygrad_edu.viz.graph import GraphText, draw_graph, has_dot, to_dot
from tinygrad_edu.viz.graph_files import save_graph
from tinygrad_edu.viz.plots import (
    plot_costs,
    plot_decision_boundary,
    plot_mislabeled,
    training_figures,
)

__all__ = [
    "CourseGraph",
    "GraphText",
    "backward_steps",
    "course_graph",
    "draw_graph",
    "explain_backward",
    "has_dot",
    "plot_costs",
    "plot_decision_boundary",
    "plot_mislabeled",
    "save_graph",
    "to_dot",
    "training_figures",
]
