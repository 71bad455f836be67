"""Course 2's data sets: the circles and the moons are scikit-learn's points (its algorithm,
copied below, when scikit-learn is not installed), and the football kicks load from football.npz
or the course's data.mat, with one clear DataError for every problem."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_edu import data
from tinygrad_edu.data import DataError, circles, load_football, moons


@pytest.fixture
def global_numpy_state():
    """numpy's global RandomState, as the course seeds it; put back afterwards."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def sklearn_make_circles(n_samples, noise, factor=0.8):
    """scikit-learn's make_circles with random_state=None: numpy's global RandomState (what
    `np.random.seed(n)` before the call seeds), shuffling an arange in place, then the noise."""
    n_out, n_in = n_samples // 2, n_samples - n_samples // 2
    linspace_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    linspace_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.vstack(
        [
            np.append(np.cos(linspace_out), np.cos(linspace_in) * factor),
            np.append(np.sin(linspace_out), np.sin(linspace_in) * factor),
        ]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _shuffle_then_noise(X, y, noise)


def sklearn_make_moons(n_samples, noise):
    n_out, n_in = n_samples // 2, n_samples - n_samples // 2
    X = np.vstack(
        [
            np.append(
                np.cos(np.linspace(0, np.pi, n_out)), 1 - np.cos(np.linspace(0, np.pi, n_in))
            ),
            np.append(
                np.sin(np.linspace(0, np.pi, n_out)), 1 - np.sin(np.linspace(0, np.pi, n_in)) - 0.5
            ),
        ]
    ).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    return _shuffle_then_noise(X, y, noise)


def _shuffle_then_noise(X, y, noise):
    generator = np.random.mtrand._rand  # sklearn's check_random_state(None)
    indices = np.arange(len(y))
    generator.shuffle(indices)  # sklearn.utils.shuffle (resample without replacement)
    X, y = X[indices], y[indices]
    X += generator.normal(scale=noise, size=X.shape)
    return X, y


def course_layout(X, y):
    """The course's `train_X = train_X.T; train_Y = train_Y.reshape((1, m))`."""
    return X.T, y.reshape((1, y.shape[0]))


def test_circles_are_the_courses_points(global_numpy_state) -> None:
    np.random.seed(1)
    train_X, train_Y = course_layout(*sklearn_make_circles(300, noise=0.05))
    np.random.seed(2)
    test_X, test_Y = course_layout(*sklearn_make_circles(100, noise=0.05))
    for got, expected in zip(circles(), (train_X, train_Y, test_X, test_Y), strict=True):
        np.testing.assert_array_equal(got, expected)


def test_moons_are_the_courses_points(global_numpy_state) -> None:
    np.random.seed(3)
    X, Y = course_layout(*sklearn_make_moons(300, noise=0.2))
    got_X, got_Y = moons()
    np.testing.assert_array_equal(got_X, X)
    np.testing.assert_array_equal(got_Y, Y)


def test_circles_and_moons_are_scikit_learns(global_numpy_state) -> None:
    datasets = pytest.importorskip("sklearn.datasets")
    np.random.seed(1)
    X, y = datasets.make_circles(n_samples=300, noise=0.05)
    np.random.seed(2)
    X_test, y_test = datasets.make_circles(n_samples=100, noise=0.05)
    expected = (*course_layout(X, y), *course_layout(X_test, y_test))
    for got, want in zip(circles(), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    np.random.seed(3)
    X, y = datasets.make_moons(n_samples=300, noise=0.2)
    for got, want in zip(moons(), course_layout(X, y), strict=True):
        np.testing.assert_array_equal(got, want)


def test_the_data_sets_leave_numpys_global_state_alone(global_numpy_state) -> None:
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    circles(), moons()
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_layout_dtype_and_labels() -> None:
    X_train, Y_train, X_test, Y_test = circles()
    X, Y = moons()
    for a in (X_train, Y_train, X_test, Y_test, X, Y):
        assert a.dtype == np.float64 and a.flags.c_contiguous
    assert (X_train.shape, Y_train.shape, X_test.shape, Y_test.shape) == (
        (2, 300),
        (1, 300),
        (2, 100),
        (1, 100),
    )
    assert set(np.unique(Y_train)) == set(np.unique(Y)) == {0.0, 1.0}
    # the inner circle has radius factor=0.8, the outer 1 (noise 0.05 around them)
    radius = np.hypot(*X_train)
    assert radius[Y_train[0] == 1].mean() == pytest.approx(0.8, abs=0.02)
    assert radius[Y_train[0] == 0].mean() == pytest.approx(1.0, abs=0.02)


# ---------------------------------------------------------------------------- the football data


@pytest.fixture(scope="module")
def football_file():
    path = data.find_data_dir() / "football.npz"
    if not path.is_file():
        pytest.skip(
            f"{path} not found: convert the course's datasets/data.mat (see data.load_football) "
            "and put football.npz there, or set TINYGRAD_EDU_DATA"
        )
    return path


def write_npz(folder, **arrays) -> None:
    np.savez(folder / "football.npz", **arrays)


def kicks(m=5, seed=0):
    rs = np.random.RandomState(seed)
    return rs.randn(m, 2), (rs.rand(m, 1) > 0.5).astype(np.uint8)


def test_football_is_the_courses_layout(football_file) -> None:
    X_train, Y_train, X_val, Y_val = load_football()
    with np.load(football_file) as f:
        expected = (f["X"].T, f["y"].T, f["Xval"].T, f["yval"].T)
    assert [a.shape for a in (X_train, Y_train, X_val, Y_val)] == [
        (2, 211),
        (1, 211),
        (2, 200),
        (1, 200),
    ]
    for got, want in zip((X_train, Y_train, X_val, Y_val), expected, strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == np.float64 and got.flags.c_contiguous


def test_football_is_found_where_the_cat_files_are(tmp_path, monkeypatch) -> None:
    X, y = kicks()
    write_npz(tmp_path, X=X, y=y, Xval=X[:3], yval=y[:3])
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path))
    X_train, Y_train, X_val, _ = load_football()
    np.testing.assert_array_equal(X_train, X.T)
    np.testing.assert_array_equal(Y_train, y.T)
    assert X_val.shape == (2, 3)
    monkeypatch.delenv("TINYGRAD_EDU_DATA")
    (tmp_path / "work" / "datasets").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "work")
    write_npz(tmp_path / "work" / "datasets", X=X, y=y, Xval=X, yval=y)
    assert load_football()[2].shape == (2, 5)  # ./datasets, the last place looked in


def test_no_file_says_where_to_put_it_and_how_to_convert(tmp_path) -> None:
    with pytest.raises(DataError) as exc:
        load_football(tmp_path)
    message = str(exc.value)
    for words in (
        str(tmp_path / "football.npz"),
        "data.mat",
        "--data DIR",
        "TINYGRAD_EDU_DATA",
        "scipy.io",
    ):
        assert words in message


@pytest.mark.parametrize(
    ("arrays", "words"),
    [
        ({"X": np.zeros((4, 2)), "y": np.zeros((4, 1))}, "has no array Xval, yval"),
        (
            {
                "X": np.zeros((4, 3)),
                "y": np.zeros((4, 1)),
                "Xval": np.zeros((2, 2)),
                "yval": np.zeros((2, 1)),
            },
            "X has shape (4, 3), expected (m, 2)",
        ),
        (
            {
                "X": np.zeros((4, 2)),
                "y": np.full((4, 1), 2),
                "Xval": np.zeros((2, 2)),
                "yval": np.zeros((2, 1)),
            },
            "y has labels [2], expected 0 and 1",
        ),
        (
            {
                "X": np.zeros((4, 2)),
                "y": np.zeros((3, 1)),
                "Xval": np.zeros((2, 2)),
                "yval": np.zeros((2, 1)),
            },
            "X has 4 rows and y 3",
        ),
        (
            {
                "X": np.full((4, 2), np.nan),
                "y": np.zeros((4, 1)),
                "Xval": np.zeros((2, 2)),
                "yval": np.zeros((2, 1)),
            },
            "X should hold finite real numbers",
        ),
    ],
)
def test_a_file_unlike_the_courses_is_a_data_error(tmp_path, arrays, words) -> None:
    write_npz(tmp_path, **arrays)
    with pytest.raises(DataError, match=r"football\.npz") as exc:
        load_football(tmp_path)
    assert words in str(exc.value)


def test_a_file_that_is_no_npz_or_holds_objects_is_refused(tmp_path) -> None:
    (tmp_path / "football.npz").write_bytes(b"not a zip file")
    with pytest.raises(DataError, match=r"is not a readable \.npz file"):
        load_football(tmp_path)
    objects = np.array([{"a": 1}], dtype=object)
    np.savez(tmp_path / "football.npz", X=objects, y=objects, Xval=objects, yval=objects)
    with pytest.raises(DataError, match=r"is not a readable \.npz file"):  # never unpickled
        load_football(tmp_path)


def test_data_mat_without_scipy_says_how_to_convert(tmp_path, monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_scipy(name, *args, **kwargs):
        if name == "scipy" or name.startswith("scipy."):
            raise ImportError("No module named 'scipy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_scipy)
    (tmp_path / "data.mat").write_bytes(b"MATLAB 5.0 MAT-file")
    with pytest.raises(DataError) as exc:
        load_football(tmp_path)
    message = str(exc.value)
    assert "pip install scipy" in message and "np.savez('football.npz'" in message
    assert str(tmp_path / "data.mat") in message


def test_data_mat_is_read_with_scipy(tmp_path) -> None:
    io = pytest.importorskip("scipy.io")
    X, y = kicks(6, seed=1)
    io.savemat(tmp_path / "data.mat", {"X": X, "y": y, "Xval": X[:2], "yval": y[:2]})
    X_train, Y_train, X_val, Y_val = load_football(tmp_path)
    np.testing.assert_array_equal(X_train, X.T)
    np.testing.assert_array_equal(Y_train, y.T)
    np.testing.assert_array_equal(X_val, X[:2].T)
    np.testing.assert_array_equal(Y_val, y[:2].T)
