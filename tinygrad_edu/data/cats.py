"""The course's cat / non-cat pictures (weeks 2 and 4), loaded in the course's `(n_x, m)` layout.

The two files come with the course and are never part of this repository. They are looked for in
the directory given explicitly (the CLI's `--data DIR`), else in `$TINYGRAD_EDU_DATA`, else in
`./datasets`, where the course's notebooks keep them. Every problem with them (a missing file, a
file that is not HDF5, a missing dataset, a wrong shape) raises `DataError` with one message that
says which file, what is wrong, and where to put the files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

ENV_VAR = "TINYGRAD_EDU_DATA"
DEFAULT_DIR = "datasets"
TRAIN_FILE = "train_catvnoncat.h5"
TEST_FILE = "test_catvnoncat.h5"
IMAGE_SHAPE = (64, 64, 3)


class DataError(ValueError):
    """A data file is missing or is not what the course's files look like.

    The message names the file, says what is wrong, and says where to put the files.
    """


class CatData(NamedTuple):
    """The cat pictures: `X` is `(12288, m)` in [0, 1] (or `(m, 64, 64, 3)`), `Y` is `(1, m)` 0/1.

    The course's files hold 209 training and 50 test pictures; `classes` is `['non-cat', 'cat']`,
    so `classes[int(Y[0, i])]` names picture `i`.

    Attributes:
        X_train: the training pictures, (12288, 209) float64 in [0, 1].
        Y_train: their labels, (1, 209) float64, 1.0 for a cat.
        X_test: the test pictures, (12288, 50).
        Y_test: their labels, (1, 50).
        classes: the class names, `['non-cat', 'cat']`.
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    classes: list[str]


def find_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Return the directory to read the cat files from (it may not exist).

    The first of: `data_dir` (what `--data DIR` passes), `$TINYGRAD_EDU_DATA`, `./datasets`.

    Args:
        data_dir: a directory given explicitly, or None to look further.

    Returns:
        The directory, a Path.

    Examples:
        >>> find_data_dir("somewhere/else").name
        'else'
    """
    return _resolve(data_dir)[0]


def load_cats(data_dir: str | os.PathLike[str] | None = None, flatten: bool = True) -> CatData:
    """Load the course's cat pictures, scaled to [0, 1], one example per column.

    Does what the course does: `train_x_orig.reshape(train_x_orig.shape[0], -1).T / 255.`, so
    `X_train` is `(12288, 209)` float64 and `Y_train` is `(1, 209)` float64. With `flatten=False`
    `X` keeps the pictures' shape, `(m, 64, 64, 3)`, still scaled to [0, 1].

    Args:
        data_dir: the directory holding `train_catvnoncat.h5` and `test_catvnoncat.h5` (None:
            `find_data_dir()`'s choice).
        flatten: give X as (12288, m) columns; False keeps the pictures, (m, 64, 64, 3).

    Returns:
        The CatData: `X_train, Y_train, X_test, Y_test, classes`.

    Raises:
        DataError: a file is missing, unreadable, or not shaped like the course's (the message
            says where to put the files).

    Examples:
        With the two files in `./datasets` (or `$TINYGRAD_EDU_DATA`)::

            X_train, Y_train, X_test, Y_test, classes = load_cats()
            X_train.shape, Y_train.shape, X_test.shape   # (12288, 209) (1, 209) (12288, 50)
    """
    directory, source = _resolve(data_dir)
    train = _read(directory / TRAIN_FILE, ("train_set_x", "train_set_y", "list_classes"), source)
    test = _read(directory / TEST_FILE, ("test_set_x", "test_set_y"), source)
    x_train, y_train = _check_examples(directory / TRAIN_FILE, train, "train_set", source)
    x_test, y_test = _check_examples(directory / TEST_FILE, test, "test_set", source)
    classes = [c.decode() if isinstance(c, bytes) else str(c) for c in train["list_classes"]]
    return CatData(
        _scale(x_train, flatten),
        y_train.reshape(1, -1).astype(np.float64),
        _scale(x_test, flatten),
        y_test.reshape(1, -1).astype(np.float64),
        classes,
    )


def _resolve(data_dir: str | os.PathLike[str] | None) -> tuple[Path, str]:
    """The data directory and a phrase saying which of the three sources it came from."""
    if data_dir is not None:
        return Path(data_dir).expanduser().absolute(), "given by --data DIR (the data_dir argument)"
    from_env = os.environ.get(ENV_VAR)
    if from_env:  # an empty value counts as unset, as a shell's `VAR=` would mean
        return Path(from_env).expanduser().absolute(), f"given by {ENV_VAR}={from_env}"
    return (
        Path(DEFAULT_DIR).absolute(),
        f"the default ./{DEFAULT_DIR}, since neither --data DIR nor {ENV_VAR} was given",
    )


def _error(path: Path, problem: str, source: str, files: str = "", more: str = "") -> DataError:
    # one message for every data file the library reads: what is wrong, where it was looked for
    # (and why there), how to fix it; `files` names what to put there (the cat files by default)
    files = files or f"{TRAIN_FILE} and {TEST_FILE}"
    return DataError(
        f"{path}: {problem}.\n"
        f"The data directory {path.parent} is {source}.\n"
        f"To fix: put {files} in {path.parent}, or pass --data DIR, or set {ENV_VAR}=DIR.{more}"
    )


def _read(path: Path, keys: tuple[str, ...], source: str) -> dict[str, np.ndarray]:
    """Read the datasets `keys` of one h5 file into numpy arrays."""
    if not path.is_file():
        problem = "does not exist" if not path.exists() else "is not a file"
        if not path.parent.is_dir():
            problem += " (the directory itself does not exist)"
        raise _error(path, problem, source)
    # Imported here so that `tinygrad_edu.data` (the planar data, batching) loads without h5py.
    import h5py

    try:
        with h5py.File(path, "r") as f:
            found = sorted(str(k) for k in f)
            missing = [k for k in keys if k not in found]
            damaged = [k for k in keys if k in found and not isinstance(f.get(k), h5py.Dataset)]
            arrays = {} if missing or damaged else {k: np.asarray(f[k][()]) for k in keys}
    # OSError is h5py's word for "not HDF5", "truncated", "cannot read"; a file whose inner
    # structure is damaged raises RuntimeError, KeyError or ValueError from deeper in HDF5
    except (OSError, RuntimeError, KeyError, ValueError, TypeError) as e:
        raise _error(path, f"is not a readable HDF5 file ({e})", source) from e
    if missing:
        raise _error(path, f"has no dataset {', '.join(missing)} (it holds: {found})", source)
    if damaged:
        raise _error(
            path,
            f"has {', '.join(damaged)} but not as a readable dataset (a group, or damaged)",
            source,
        )
    return arrays


def _check_examples(
    path: Path, arrays: dict[str, np.ndarray], prefix: str, source: str
) -> tuple[np.ndarray, np.ndarray]:
    """Check that `{prefix}_x` holds m 64x64 RGB pictures and `{prefix}_y` their m 0/1 labels."""
    x, y = arrays[f"{prefix}_x"], arrays[f"{prefix}_y"]
    if x.ndim != 4 or x.shape[1:] != IMAGE_SHAPE or x.shape[0] < 1:
        raise _error(
            path, f"{prefix}_x has shape {x.shape}, expected (m, 64, 64, 3): m RGB pictures", source
        )
    if x.dtype.kind not in "biuf":  # complex pixels too: their min and max are not brightness
        raise _error(
            path,
            f"{prefix}_x should hold pixel values 0..255, real numbers (it holds {x.dtype})",
            source,
        )
    if x.dtype.kind == "f" and not np.isfinite(x).all():  # nan fails every comparison below
        bad = x.size - np.count_nonzero(np.isfinite(x))
        raise _error(
            path, f"{prefix}_x has {bad} NaN or inf pixel(s), expected values 0..255", source
        )
    if x.min() < 0 or x.max() > 255:
        raise _error(path, f"{prefix}_x should hold pixel values 0..255 (dtype {x.dtype})", source)
    if y.shape != (x.shape[0],):
        raise _error(
            path,
            f"{prefix}_y has shape {y.shape}, expected ({x.shape[0]},): one label a picture",
            source,
        )
    if not np.isin(y, (0, 1)).all():
        raise _error(path, f"{prefix}_y has labels {np.unique(y)}, expected only 0 and 1", source)
    return x, y


def _scale(x: np.ndarray, flatten: bool) -> np.ndarray:
    # The course's exact expression, so that costs computed on it match the course's digits.
    if flatten:
        return x.reshape(x.shape[0], -1).T / 255.0
    return x / 255.0
