"""tinygrad_edu.data: the cat loader and its errors, the planar data sets, mini-batches."""

from __future__ import annotations

import re
from pathlib import Path

import h5py
import numpy as np
import pytest

from tinygrad_edu.data import (
    CatData,
    DataError,
    blobs,
    find_data_dir,
    flower,
    gaussian_quantiles,
    load_cats,
    mini_batches,
    noisy_circles,
    noisy_moons,
)

TRAIN, TEST = "train_catvnoncat.h5", "test_catvnoncat.h5"
WHERE_TO_PUT = f"put {TRAIN} and {TEST} in"


# ----------------------------------------------------------------- the real cat files


def test_cats_have_the_course_shapes(cats: CatData) -> None:
    assert cats.X_train.shape == (12288, 209)
    assert cats.Y_train.shape == (1, 209)
    assert cats.X_test.shape == (12288, 50)
    assert cats.Y_test.shape == (1, 50)
    for a in cats[:4]:
        assert a.dtype == np.float64
        assert a.min() >= 0.0
        assert a.max() <= 1.0
    assert set(np.unique(cats.Y_train)) == {0.0, 1.0}
    assert cats.classes == ["non-cat", "cat"]


def test_cats_match_the_course_numbers(cats: CatData) -> None:
    # Week 2 prints "sanity check after reshaping: [17 31 56 22 33]"; picture 25 is a cat.
    np.testing.assert_array_equal(np.round(cats.X_train[:5, 0] * 255), [17, 31, 56, 22, 33])
    assert cats.Y_train[0, 25] == 1
    assert cats.classes[int(cats.Y_train[0, 10])] == "non-cat"
    assert int(cats.Y_train.sum()) == 72
    assert int(cats.Y_test.sum()) == 33


def test_flatten_false_keeps_the_pictures(cats: CatData) -> None:
    pictures = load_cats(flatten=False)
    assert pictures.X_train.shape == (209, 64, 64, 3)
    assert pictures.X_test.shape == (50, 64, 64, 3)
    np.testing.assert_array_equal(pictures.X_train.reshape(209, -1).T, cats.X_train)
    np.testing.assert_array_equal(pictures.Y_test, cats.Y_test)


# -------------------------------------------------- small files made here, for the errors


def write_cats(directory: Path, m_train: int = 4, m_test: int = 2, **replace: object) -> Path:
    """Write two small files shaped like the course's; `replace` swaps keys (None drops one)."""
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    contents = {
        TRAIN: {
            "train_set_x": rng.integers(0, 256, (m_train, 64, 64, 3), dtype=np.uint8),
            "train_set_y": np.arange(m_train) % 2,
            "list_classes": np.array([b"non-cat", b"cat"]),
        },
        TEST: {
            "test_set_x": rng.integers(0, 256, (m_test, 64, 64, 3), dtype=np.uint8),
            "test_set_y": np.arange(m_test) % 2,
            "list_classes": np.array([b"non-cat", b"cat"]),
        },
    }
    for name, datasets in contents.items():
        with h5py.File(directory / name, "w") as f:
            for key, value in datasets.items():
                value = replace.get(key, value)
                if value is not None:
                    f.create_dataset(key, data=value)
    return directory


def _pixels(m: int, odd: complex) -> np.ndarray:
    """m float (or complex) pictures of value 10, with one pixel `odd`."""
    x = np.full((m, 64, 64, 3), 10.0, dtype=np.complex128 if isinstance(odd, complex) else None)
    x[-1, 5, 6, 1] = odd
    return x


def test_small_files_load_in_the_course_layout(tmp_path: Path) -> None:
    data = load_cats(write_cats(tmp_path))
    assert data.X_train.shape == (12288, 4)
    assert data.Y_train.shape == (1, 4)
    assert data.X_test.shape == (12288, 2)
    assert data.Y_test.shape == (1, 2)
    raw = h5py.File(tmp_path / TRAIN, "r")["train_set_x"][()]
    np.testing.assert_array_equal(data.X_train, raw.reshape(4, -1).T / 255.0)
    np.testing.assert_array_equal(data.Y_train, [[0.0, 1.0, 0.0, 1.0]])


def assert_helpful(error: pytest.ExceptionInfo[DataError], path: Path, *words: str) -> None:
    message = str(error.value)
    assert str(path) in message
    assert f"{WHERE_TO_PUT} {path.parent}" in message
    assert "--data DIR" in message
    assert "TINYGRAD_EDU_DATA" in message
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"


def test_missing_directory(tmp_path: Path) -> None:
    directory = tmp_path / "nowhere"
    with pytest.raises(DataError) as error:
        load_cats(directory)
    assert_helpful(error, directory / TRAIN, "does not exist", "directory itself", "--data DIR")


def test_missing_test_file(tmp_path: Path) -> None:
    (write_cats(tmp_path) / TEST).unlink()
    with pytest.raises(DataError) as error:
        load_cats(tmp_path)
    assert_helpful(error, tmp_path / TEST, "does not exist")


def test_a_directory_where_the_file_should_be(tmp_path: Path) -> None:
    (tmp_path / TRAIN).mkdir()
    with pytest.raises(DataError) as error:
        load_cats(tmp_path)
    assert_helpful(error, tmp_path / TRAIN, "is not a file")


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_a_file_that_is_not_hdf5(tmp_path: Path, damage: str) -> None:
    path = write_cats(tmp_path) / TRAIN
    whole = path.read_bytes()
    content = {"garbage": b"not an HDF5 file\n" * 100, "truncated": whole[: len(whole) // 3]}
    path.write_bytes(content.get(damage, b""))
    with pytest.raises(DataError) as error:
        load_cats(tmp_path)
    assert_helpful(error, path, "is not a readable HDF5 file")


@pytest.mark.parametrize(
    ("file", "replace", "words"),
    [
        (TRAIN, {"train_set_y": None}, ["has no dataset train_set_y", "train_set_x"]),
        (TRAIN, {"list_classes": None}, ["has no dataset list_classes"]),
        (TEST, {"test_set_x": None}, ["has no dataset test_set_x"]),
        (TEST, {"test_set_x": np.zeros((2, 64, 64))}, ["(2, 64, 64)", "expected (m, 64, 64, 3)"]),
        (TRAIN, {"train_set_x": np.zeros((4, 12288))}, ["train_set_x has shape (4, 12288)"]),
        (TRAIN, {"train_set_y": np.array([0, 1, 1])}, ["train_set_y has shape (3,)", "(4,)"]),
        (TRAIN, {"train_set_y": np.array([[0, 1, 0, 1]])}, ["train_set_y has shape (1, 4)"]),
        (TEST, {"test_set_y": np.array([0, 2])}, ["test_set_y has labels [0 2]", "only 0 and 1"]),
        (TRAIN, {"train_set_x": np.full((4, 64, 64, 3), 300)}, ["pixel values 0..255"]),
        (TRAIN, {"train_set_x": _pixels(4, np.nan)}, ["train_set_x has 1 NaN or inf pixel"]),
        (TEST, {"test_set_x": _pixels(2, np.inf)}, ["test_set_x has 1 NaN or inf pixel"]),
        (TEST, {"test_set_x": _pixels(2, -np.inf)}, ["test_set_x has 1 NaN or inf pixel"]),
        (
            TRAIN,
            {"train_set_x": _pixels(4, 3 + 0j)},
            ["pixel values 0..255, real numbers", "complex128"],
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_a_file_not_shaped_like_the_course(
    tmp_path: Path, file: str, replace: dict, words: list[str]
) -> None:
    write_cats(tmp_path, **replace)
    with pytest.raises(DataError) as error:
        load_cats(tmp_path)
    assert_helpful(error, tmp_path / file, *words)


def test_data_error_is_a_value_error() -> None:
    assert issubclass(DataError, ValueError)


# ------------------------------------------------ where the files are looked for


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No TINYGRAD_EDU_DATA, and a fresh working directory."""
    monkeypatch.delenv("TINYGRAD_EDU_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_default_is_datasets_in_the_working_directory(no_env: Path) -> None:
    assert find_data_dir() == no_env / "datasets"
    write_cats(no_env / "datasets")
    assert load_cats().X_train.shape == (12288, 4)


def test_environment_variable_beats_the_default(no_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(no_env / "elsewhere"))
    assert find_data_dir() == no_env / "elsewhere"
    monkeypatch.setenv("TINYGRAD_EDU_DATA", "")  # empty means unset
    assert find_data_dir() == no_env / "datasets"


def test_explicit_directory_beats_the_environment(no_env: Path, monkeypatch) -> None:
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(no_env / "elsewhere"))
    assert find_data_dir(no_env / "given") == no_env / "given"
    assert find_data_dir("relative") == no_env / "relative"


@pytest.mark.parametrize(
    ("how", "source_words"),
    [
        ("default", ["the default ./datasets", "neither --data DIR nor TINYGRAD_EDU_DATA"]),
        ("env", ["given by TINYGRAD_EDU_DATA="]),
        ("argument", ["given by --data DIR"]),
    ],
)
def test_the_message_says_where_the_directory_came_from(
    no_env: Path, monkeypatch, how: str, source_words: list[str]
) -> None:
    directory = no_env / ("datasets" if how == "default" else "mine")
    if how == "env":
        monkeypatch.setenv("TINYGRAD_EDU_DATA", str(directory))
    with pytest.raises(DataError) as error:
        load_cats(directory if how == "argument" else None)
    assert_helpful(error, directory / TRAIN, *source_words)


# ----------------------------------------------------------------------- the flower


def course_flower() -> tuple[np.ndarray, np.ndarray]:
    """The course's `load_planar_dataset`, verbatim but for the names, on numpy's global seed."""
    state = np.random.get_state()
    try:
        np.random.seed(1)
        m, N, D, a = 400, 200, 2, 4
        X = np.zeros((m, D))
        Y = np.zeros((m, 1), dtype="uint8")
        for j in range(2):
            ix = range(N * j, N * (j + 1))
            t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + np.random.randn(N) * 0.2
            r = a * np.sin(4 * t) + np.random.randn(N) * 0.2
            X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
            Y[ix] = j
        return X.T, Y.T
    finally:
        np.random.set_state(state)


def test_flower_is_the_course_flower() -> None:
    X, Y = flower()
    X_course, Y_course = course_flower()
    assert X.shape == (2, 400)
    assert Y.shape == (1, 400)
    assert X.dtype == np.float64
    assert Y.dtype == np.float64
    np.testing.assert_array_equal(X, X_course)
    np.testing.assert_array_equal(Y, Y_course)
    np.testing.assert_allclose(X[:, 0], [1.20444229, 3.57611415], rtol=1e-8)
    np.testing.assert_allclose(X[:, 1], [0.1587099, -1.4821709], rtol=1e-7)


def test_flower_has_two_halves() -> None:
    _, Y = flower()
    assert int((Y == 0).sum()) == 200
    assert int((Y == 1).sum()) == 200
    assert (Y[0, :200] == 0).all()
    _, Y_small = flower(m=10, seed=3)
    assert Y_small.tolist() == [[0.0] * 5 + [1.0] * 5]


def test_flower_seed() -> None:
    np.testing.assert_array_equal(flower(seed=7)[0], flower(seed=7)[0])
    assert not np.array_equal(flower(seed=7)[0], flower()[0])


# ------------------------------------------------------------ the other toy data sets

GENERATORS = [noisy_circles, noisy_moons, blobs, gaussian_quantiles]


@pytest.mark.parametrize("make", GENERATORS)
def test_course_layout_and_balanced_labels(make) -> None:
    X, Y = make()
    assert X.shape == (2, 200)
    assert Y.shape == (1, 200)
    assert X.dtype == np.float64
    assert Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0}
    assert int(Y.sum()) == 100  # blobs: centers 0, 2, 4 hold 34 + 33 + 33 of the 200 points


@pytest.mark.parametrize("make", GENERATORS)
def test_same_seed_same_data(make) -> None:
    np.testing.assert_array_equal(make(seed=11)[0], make(seed=11)[0])
    assert not np.array_equal(make(seed=11)[0], make(seed=12)[0])
    assert make(seed=None)[0].shape == (2, 200)


@pytest.mark.parametrize(
    ("make", "seed", "first_two_points", "first_two_labels"),
    [
        # scikit-learn 1.9's make_moons(200, noise=0.2, random_state=0), and so on with the
        # course's arguments (make_blobs: random_state=5, its labels 2 and 3 taken % 2)
        (noisy_moons, 0, [[0.74346118, 0.46465633], [1.65755662, -0.63203157]], [0, 1]),
        (noisy_circles, 0, [[0.27909076, 0.79085032], [-0.0765881, -0.97993285]], [0, 1]),
        (blobs, 5, [[-0.87813281, 2.78344509], [5.94703746, -0.05723237]], [0, 1]),
        (gaussian_quantiles, 0, [[-0.24601104, 0.11055542], [-0.74143891, -1.00410431]], [0, 1]),
    ],
)
def test_same_numbers_as_scikit_learn(make, seed, first_two_points, first_two_labels) -> None:
    X, Y = make(seed=seed)
    np.testing.assert_allclose(X[:, :2].T, first_two_points, rtol=1e-7)
    assert Y[0, :2].tolist() == first_two_labels


def test_circles_geometry() -> None:
    X, Y = noisy_circles(m=51, factor=0.3, noise=0.0)
    radius = np.hypot(*X)
    np.testing.assert_allclose(radius[Y[0] == 0], 1.0)
    np.testing.assert_allclose(radius[Y[0] == 1], 0.3)
    assert int((Y == 1).sum()) == 26  # the inner circle gets the odd point


def test_moons_geometry() -> None:
    X, Y = noisy_moons(m=40, noise=0.0)
    upper, lower = X[:, Y[0] == 0], X[:, Y[0] == 1]
    np.testing.assert_allclose(np.hypot(*upper), 1.0)
    assert (upper[1] >= -1e-12).all()
    np.testing.assert_allclose(np.hypot(lower[0] - 1, lower[1] - 0.5), 1.0)
    assert (lower[1] <= 0.5 + 1e-12).all()


def test_gaussian_quantiles_split_by_a_circle() -> None:
    X, Y = gaussian_quantiles(m=301, cov=2.0, seed=4)
    radius = np.hypot(*X)
    assert radius[Y[0] == 0].max() <= radius[Y[0] == 1].min()
    assert int((Y == 1).sum()) == 151


def test_blobs_fold_centers_into_two_classes() -> None:
    X, Y = blobs(m=7, centers=3, seed=1)
    assert X.shape == (2, 7)
    assert int((Y == 0).sum()) == 5
    assert np.abs(blobs()[0]).max() < 10 + 6  # centers in [-10, 10], standard deviation 1


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: flower(m=0), ["flower(m=0)", "int >= 2"]),
        (lambda: flower(m=401), ["flower(m=401)", "even"]),
        (lambda: flower(m=2.5), ["flower(m=2.5)"]),
        (lambda: flower(seed=-1), ["flower(seed=-1)", "seed"]),
        (lambda: noisy_circles(m=True), ["noisy_circles(m=True)"]),
        (lambda: noisy_circles(factor=1.0), ["noisy_circles(factor=1.0)", "< 1"]),
        (lambda: noisy_circles(noise=-0.1), ["noisy_circles(noise=-0.1)", ">= 0"]),
        (lambda: noisy_moons(noise=float("nan")), ["noisy_moons(noise=nan)"]),
        (lambda: noisy_moons(seed="a"), ["noisy_moons(seed='a')"]),
        (lambda: blobs(centers=0), ["blobs(centers=0)", "int >= 1"]),
        (lambda: blobs(m=-5), ["blobs(m=-5)"]),
        (lambda: gaussian_quantiles(m=1), ["gaussian_quantiles(m=1)", "int >= 2"]),
        (lambda: gaussian_quantiles(cov=0), ["gaussian_quantiles(cov=0)", "> 0"]),
    ],
)
def test_bad_arguments_say_which_and_why(call, words: list[str]) -> None:
    with pytest.raises(ValueError, match=re.escape(words[0])) as error:
        call()
    for word in words:
        assert word in str(error.value)


# ------------------------------------------------------------------------ mini-batches


def numbered(m: int) -> tuple[np.ndarray, np.ndarray]:
    """X's column i holds i and 100 + i; Y's holds 10 * i: easy to follow through a shuffle."""
    X = np.stack([np.arange(m), 100 + np.arange(m)]).astype(np.float64)
    return X, 10 * X[:1]


@pytest.mark.parametrize(
    ("m", "size", "sizes"),
    [(150, 64, [64, 64, 22]), (128, 64, [64, 64]), (5, 64, [5]), (3, 1, [1, 1, 1])],
)
def test_every_example_exactly_once(m: int, size: int, sizes: list[int]) -> None:
    X, Y = numbered(m)
    batches = mini_batches(X, Y, size=size, seed=3)
    assert [b[0].shape[1] for b in batches] == sizes
    assert all(b[1].shape == (1, n) for b, n in zip(batches, sizes, strict=True))
    seen = np.concatenate([b[0][0] for b in batches])
    assert sorted(seen.tolist()) == list(range(m))
    for X_batch, Y_batch in batches:  # columns stay together
        np.testing.assert_array_equal(X_batch[1], 100 + X_batch[0])
        np.testing.assert_array_equal(Y_batch[0], 10 * X_batch[0])


def course_random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    """Course 2's `random_mini_batches`, on numpy's global seed."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        m = X.shape[1]
        permutation = list(np.random.permutation(m))
    finally:
        np.random.set_state(state)
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation].reshape((1, m))
    batches = []
    for k in range(m // mini_batch_size):
        cut = slice(k * mini_batch_size, (k + 1) * mini_batch_size)
        batches.append((shuffled_X[:, cut], shuffled_Y[:, cut]))
    if m % mini_batch_size != 0:
        cut = slice((m // mini_batch_size) * mini_batch_size, m)
        batches.append((shuffled_X[:, cut], shuffled_Y[:, cut]))
    return batches


def test_same_batches_as_the_course() -> None:
    X, Y = numbered(148)
    ours, course = mini_batches(X, Y, 64, seed=10), course_random_mini_batches(X, Y, 64, seed=10)
    assert len(ours) == len(course) == 3
    for (x, y), (x_course, y_course) in zip(ours, course, strict=True):
        np.testing.assert_array_equal(x, x_course)
        np.testing.assert_array_equal(y, y_course)


def test_seed_decides_the_order() -> None:
    X, Y = numbered(20)
    first = [b[0][0].tolist() for b in mini_batches(X, Y, 8, seed=1)]
    assert first == [b[0][0].tolist() for b in mini_batches(X, Y, 8, seed=1)]
    assert first != [b[0][0].tolist() for b in mini_batches(X, Y, 8, seed=2)]


def test_inputs_are_not_changed() -> None:
    X, Y = numbered(10)
    X_before, Y_before = X.copy(), Y.copy()
    for x, _ in mini_batches(X, Y, 4):
        x[...] = -1
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(Y, Y_before)


class HasArray:
    """Stands for a Tensor: converts with np.asarray."""

    def __init__(self, a: np.ndarray) -> None:
        self.a = a

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.a


class HasData:
    def __init__(self, a: np.ndarray) -> None:
        self.data = a


def test_takes_array_likes() -> None:
    X, Y = numbered(10)
    expected = mini_batches(X, Y, 4)
    for wrap in (HasArray, HasData):
        got = mini_batches(wrap(X), wrap(Y), 4)
        for (x, y), (x_expected, y_expected) in zip(got, expected, strict=True):
            assert isinstance(x, np.ndarray)
            assert isinstance(y, np.ndarray)
            np.testing.assert_array_equal(x, x_expected)
            np.testing.assert_array_equal(y, y_expected)


@pytest.mark.parametrize(
    ("X", "Y", "size", "words"),
    [
        (
            np.zeros((2, 10)),
            np.zeros((1, 9)),
            4,
            ["(2, 10)", "(1, 9)", "10 examples", "9 examples"],
        ),
        (np.zeros(10), np.zeros((1, 10)), 4, ["(10,)", "expected 2-D", "(n_x, m)"]),
        (np.zeros((2, 10)), np.zeros((1, 10)), 0, ["size=0", "int >= 1"]),
        (np.zeros((2, 10)), np.zeros((1, 10)), 2.0, ["size=2.0"]),
    ],
)
def test_bad_batches_say_why(X, Y, size, words: list[str]) -> None:
    with pytest.raises(ValueError, match=re.escape(words[0])) as error:
        mini_batches(X, Y, size=size)
    for word in words:
        assert word in str(error.value)
