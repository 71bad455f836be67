"""Data for the course's trainings: the cat pictures, the planar toy sets, course 2's data sets
(the circles, the moons, the football kicks), and mini-batches.

Everything comes in the course's layout: `X` is `(n_x, m)` and `Y` is `(1, m)`, one example per
column, float64.
"""

from tinygrad_edu.data.batching import mini_batches
from tinygrad_edu.data.cats import CatData, DataError, find_data_dir, load_cats
from tinygrad_edu.data.course2 import circles, load_football, moons
from tinygrad_edu.data.loader import DataLoader
from tinygrad_edu.data.planar import blobs, flower, gaussian_quantiles, noisy_circles, noisy_moons

__all__ = [
    "CatData",
    "DataError",
    "DataLoader",
    "blobs",
    "circles",
    "find_data_dir",
    "flower",
    "gaussian_quantiles",
    "load_cats",
    "load_football",
    "mini_batches",
    "moons",
    "noisy_circles",
    "noisy_moons",
]
