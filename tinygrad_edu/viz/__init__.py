"""Pictures of what the engine does: training plots (plots.py)."""
