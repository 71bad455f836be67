"""Pictures of what the engine does.

- `draw_graph(t)`, `to_dot(t)`, `save_graph(t, path)`: the computation graph (graph.py);
- `course_graph()`: the course's J = 3(a + b*c), recorded and named (course.py);
- `explain_backward(J)`: the chain rule, step by step, as backward runs it (explain.py);
- `plot_costs`, `plot_decision_boundary`, `plot_mislabeled`, `training_figures`: matplotlib figures
  written to files (plots.py).

matplotlib and graphviz are imported only when a function needs them.
"""

from tinygrad_edu.viz.course import CourseGraph, course_graph
from tinygrad_edu.viz.explain import backward_steps, explain_backward
from tinygrad_edu.viz.graph import draw_graph, has_dot, save_graph, to_dot
from tinygrad_edu.viz.plots import (
    plot_costs,
    plot_decision_boundary,
    plot_mislabeled,
    training_figures,
)

__all__ = [
    "CourseGraph",
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
