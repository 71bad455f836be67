"""Benchmarks: tinygrad_edu against the course's hand-written numpy, measured in the same run."""
