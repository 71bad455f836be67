"""Headless figures: matplotlib's Agg backend, chosen by the tests (the library leaves the backend
to the user, DESIGN.md "Above the engine"). The notebook test gives its kernel Jupyter's own."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
