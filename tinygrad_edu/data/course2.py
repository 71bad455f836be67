"""The data sets of course 2's assignments, in the course's `(n_x, m)` layout.

- `circles()`: "Initialization"'s red and blue circles, scikit-learn's `make_circles` after
  `np.random.seed(1)` (300 training points) and `np.random.seed(2)` (100 test points).
- `moons()`: "Optimization methods"' moons, `make_moons(n_samples=300, noise=.2)` after
  `np.random.seed(3)`.
- `load_football()`: "Regularization"'s goalkeeper kicks, the course's `datasets/data.mat`. It comes
  with the course and is never part of this repository: `football.npz` (keys `X, y, Xval, yval`,
  the file converted once) or `data.mat` itself (read with SciPy) is looked for where the cat
  pictures are (`--data DIR`, then `$TINYGRAD_EDU_DATA`, then `./datasets`).

scikit-learn's functions draw from numpy's global RandomState when no `random_state` is given, so
seeding it first and passing nothing is the same as passing that seed: `noisy_circles(seed=1)` draws
exactly what `np.random.seed(1); make_circles(...)` draws, and numpy's global state is left alone.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tinygrad_edu.data import cats
from tinygrad_edu.data.cats import DataError, _resolve
from tinygrad_edu.data.planar import noisy_circles, noisy_moons

__all__ = ["FOOTBALL_FILE", "MAT_FILE", "circles", "load_football", "moons"]

FOOTBALL_FILE = "football.npz"  # the course's data.mat, converted once (keys X, y, Xval, yval)
MAT_FILE = "data.mat"  # the course's own file, read when SciPy is installed
_KEYS = ("X", "y", "Xval", "yval")
# What to run, with SciPy, wherever data.mat is, to get the file this loader reads without SciPy.
CONVERT = (
    "python -c \"import numpy as np, scipy.io as s; d = s.loadmat('data.mat'); "
    "np.savez('football.npz', **{k: d[k] for k in ('X', 'y', 'Xval', 'yval')})\""
)


def circles() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The circles of "Initialization": the course's `init_utils.load_dataset()`.

    `np.random.seed(1); make_circles(n_samples=300, noise=.05)` for training and
    `np.random.seed(2); make_circles(n_samples=100, noise=.05)` for testing (make_circles' inner
    circle has radius `factor=0.8`), point for point.

    Returns:
        `(X_train, Y_train, X_test, Y_test)`: X (2, 300) and (2, 100), Y (1, 300) and (1, 100) of
        labels 0.0 (the outer circle) and 1.0 (the inner one).

    Examples:
        >>> X_train, Y_train, X_test, Y_test = circles()
        >>> X_train.shape, Y_train.shape, X_test.shape, Y_test.shape
        ((2, 300), (1, 300), (2, 100), (1, 100))
        >>> float(Y_train.mean())
        0.5
    """
    X_train, Y_train = noisy_circles(300, factor=0.8, noise=0.05, seed=1)
    X_test, Y_test = noisy_circles(100, factor=0.8, noise=0.05, seed=2)
    return X_train, Y_train, X_test, Y_test


def moons() -> tuple[np.ndarray, np.ndarray]:
    """The moons of "Optimization methods": the course's `opt_utils.load_dataset()`.

    `np.random.seed(3); make_moons(n_samples=300, noise=.2)`, point for point. There is no test
    set: the notebook reports the training accuracy only.

    Returns:
        `(X, Y)`: X (2, 300), Y (1, 300) of labels 0.0 (the upper moon) and 1.0.

    Examples:
        >>> X, Y = moons()
        >>> X.shape, Y.shape, int(Y.sum())
        ((2, 300), (1, 300), 150)
    """
    return noisy_moons(300, noise=0.2, seed=3)


def load_football(
    data_dir: str | os.PathLike[str] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The goalkeeper's kicks of "Regularization": the course's `reg_utils.load_2D_dataset()`.

    Reads `football.npz` (keys X, y, Xval, yval) from the data directory, or else the course's
    `data.mat` there (with SciPy), and returns what the course does: `train_X = data['X'].T,
    train_Y = data['y'].T, test_X = data['Xval'].T, test_Y = data['yval'].T`, as float64.

    Args:
        data_dir: the directory holding the file (None: `$TINYGRAD_EDU_DATA`, then
            `./datasets`, as `find_data_dir()` chooses).

    Returns:
        `(X_train, Y_train, X_val, Y_val)`: X (2, 211) and (2, 200), the positions on the field;
        Y (1, 211) and (1, 200), 1.0 where a French player headed the ball.

    Raises:
        DataError: neither file is there, a file is not what the course's is, or only
            `data.mat` is there and SciPy is not installed (the message says how to convert it).

    Examples:
        With `football.npz` in `./datasets` (or `$TINYGRAD_EDU_DATA`)::

            X_train, Y_train, X_val, Y_val = load_football()
            X_train.shape, X_val.shape    # (2, 211) (2, 200)
    """
    directory, source = _resolve(data_dir)
    npz, mat = directory / FOOTBALL_FILE, directory / MAT_FILE
    if npz.is_file():
        arrays = _read_npz(npz, source)
        path = npz
    elif mat.is_file():
        arrays = _read_mat(mat, source)
        path = mat
    else:
        problem = "does not exist" if not npz.exists() else "is not a file"
        if not directory.is_dir():
            problem += " (the directory itself does not exist)"
        raise _error(npz, f"{problem}, nor does {MAT_FILE}", source)
    X, y, Xval, yval = (_checked(path, arrays, k, source) for k in _KEYS)
    for name, labels in (("y", y), ("yval", yval)):
        if not np.isin(labels, (0, 1)).all():
            raise _error(path, f"{name} has labels {np.unique(labels)}, expected 0 and 1", source)
    if len(X) != len(y) or len(Xval) != len(yval):
        raise _error(
            path,
            f"X has {len(X)} rows and y {len(y)}, Xval {len(Xval)} and yval {len(yval)}: "
            "expected one label a kick",
            source,
        )
    return _course_layout(X), _course_layout(y), _course_layout(Xval), _course_layout(yval)


def _course_layout(a: np.ndarray) -> np.ndarray:
    # The course's `.T` of the file's (m, n) arrays, one example per column, in float64.
    return np.ascontiguousarray(a.T, dtype=np.float64)


def _error(path: Path, problem: str, source: str) -> DataError:
    files = f"{FOOTBALL_FILE} (or the course's {MAT_FILE}, read with SciPy)"
    return cats._error(
        path, problem, source, files, f" To convert {MAT_FILE} (with SciPy, anywhere): {CONVERT}"
    )


def _read_npz(path: Path, source: str) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as f:  # never pickle: a plain array file
            found = sorted(f.files)
            arrays = {k: f[k] for k in _KEYS if k in found}
    except (OSError, ValueError, EOFError) as e:  # not a zip, a damaged member, an object array
        raise _error(path, f"is not a readable .npz file ({e})", source) from e
    missing = [k for k in _KEYS if k not in arrays]
    if missing:
        raise _error(path, f"has no array {', '.join(missing)} (it holds: {found})", source)
    return arrays


def _read_mat(path: Path, source: str) -> dict[str, np.ndarray]:
    try:
        import scipy.io
    except ImportError:
        raise DataError(
            f"{path}: reading the course's {MAT_FILE} needs SciPy (pip install scipy). Or "
            f"convert it once where SciPy is installed, and put {FOOTBALL_FILE} in "
            f"{path.parent}:\n    {CONVERT}"
        ) from None
    try:
        data = scipy.io.loadmat(path)
    except (OSError, ValueError, TypeError, NotImplementedError) as e:
        raise _error(path, f"is not a readable MATLAB file ({e})", source) from e
    missing = [k for k in _KEYS if k not in data]
    if missing:
        found = sorted(k for k in data if not k.startswith("__"))
        raise _error(path, f"has no variable {', '.join(missing)} (it holds: {found})", source)
    return {k: np.asarray(data[k]) for k in _KEYS}


def _checked(path: Path, arrays: dict[str, np.ndarray], key: str, source: str) -> np.ndarray:
    """`arrays[key]` as (m, 2) points or (m, 1) labels of real numbers, as in the course's file."""
    a = arrays[key]
    columns = 2 if key.startswith("X") else 1
    if a.ndim != 2 or a.shape[1] != columns or a.shape[0] < 1:
        what = "points (x, y)" if columns == 2 else "labels"
        raise _error(path, f"{key} has shape {a.shape}, expected (m, {columns}): {what}", source)
    if a.dtype.kind not in "biuf" or not np.isfinite(a).all():
        raise _error(path, f"{key} should hold finite real numbers (dtype {a.dtype})", source)
    return a
