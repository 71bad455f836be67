"""A learner's first hour of mistakes: empty tensors, threads, long runs, training that diverges,
damaged data files and interrupted saves. Each case asserts the error type and the words that
matter; none may lose or corrupt the user's work."""

from __future__ import annotations

import gc
import os
import pickle
import threading
import tracemalloc
import warnings
from pathlib import Path

import h5py
import numpy as np
import pytest

from tests.data.test_data import TRAIN, write_cats
from tinygrad_edu import Tensor, io, is_grad_enabled, nn, no_grad, optim
from tinygrad_edu.data import DataError, flower, load_cats
from tinygrad_edu.train import fit

# ----------------------------------------------------------------------------------------------
# Size-0 tensors: forward as numpy, backward to a gradient of the input's shape, with no
# RuntimeWarning where numpy gives none.

EMPTY = np.ones((0, 3))
EMPTY_CASES = {
    "sum over the empty axis": (EMPTY, lambda x: x.sum(axis=0), lambda a: a.sum(axis=0)),
    "sum of everything": (EMPTY, lambda x: x.sum(), lambda a: a.sum()),
    "sum over the other axis": (EMPTY, lambda x: x.sum(axis=1), lambda a: a.sum(axis=1)),
    "mean over the other axis": (EMPTY, lambda x: x.mean(axis=1), lambda a: a.mean(axis=1)),
    "max over the other axis": (EMPTY, lambda x: x.max(axis=1), lambda a: a.max(axis=1)),
    "reshape": (EMPTY, lambda x: x.reshape(3, 0), lambda a: a.reshape(3, 0)),
    "reshape -1": (EMPTY, lambda x: x.reshape(-1), lambda a: a.reshape(-1)),
    "transpose": (EMPTY, lambda x: x.T, lambda a: a.T),
    "index a column": (EMPTY, lambda x: x[:, 1], lambda a: a[:, 1]),
    "index with an empty list": (EMPTY, lambda x: x[[]], lambda a: a[[]]),
    "a mask": (EMPTY, lambda x: x[x.numpy() > 0], lambda a: a[a > 0]),
    "an empty slice of a full tensor": (np.ones(3), lambda x: x[3:], lambda a: a[3:]),
    "matmul, inner size 0": (
        np.ones((2, 0)),
        lambda x: x @ Tensor(np.ones((0, 3))),
        lambda a: a @ np.ones((0, 3)),
    ),
    "matmul, outer size 0": (EMPTY, lambda x: x @ np.ones((3, 2)), lambda a: a @ np.ones((3, 2))),
    "broadcast against (1, 3)": (
        np.ones((1, 3)),
        lambda x: x * Tensor(EMPTY),
        lambda a: a * EMPTY,
    ),
    "elementwise": (EMPTY, lambda x: x.log().sigmoid().tanh(), lambda a: np.tanh(np.log(a))),
    "softmax along the full axis": (EMPTY, lambda x: x.softmax(axis=1), lambda a: a.reshape(0, 3)),
    "loss with reduction='sum'": (
        EMPTY,
        lambda x: nn.binary_cross_entropy_with_logits(x, EMPTY, reduction="sum"),
        lambda a: np.float64(0.0),
    ),
}


@pytest.mark.parametrize("case", sorted(EMPTY_CASES))
def test_size_zero_forward_as_numpy_and_backward_without_warnings(case: str) -> None:
    data, fn, reference = EMPTY_CASES[case]
    x = Tensor(data, requires_grad=True)
    y = fn(x)
    np.testing.assert_array_equal(y.numpy(), reference(data))
    assert y.shape == np.shape(reference(data))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # numpy gives no warning for any of these
        y.backward(np.ones(y.shape))
    assert x.grad.shape == x.shape
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros(x.shape))  # nothing flowed back


@pytest.mark.parametrize("reduce", ["mean", "loss"])
def test_mean_of_nothing_is_nan_as_numpy_and_its_gradient_is_empty(reduce: str) -> None:
    x = Tensor(EMPTY, requires_grad=True)
    with pytest.warns(RuntimeWarning):  # numpy warns about the mean of an empty slice too
        y = x.mean(axis=0) if reduce == "mean" else nn.binary_cross_entropy_with_logits(x, EMPTY)
    with pytest.warns(RuntimeWarning):
        expected = EMPTY.mean(axis=0) if reduce == "mean" else EMPTY.mean()
    np.testing.assert_array_equal(y.numpy(), expected)  # nan, as numpy
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y.backward(np.ones(y.shape))
    assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("call", [lambda x: x.max(axis=0), lambda x: x.max()])
def test_max_over_an_empty_axis_is_a_value_error_as_numpy(call: object) -> None:
    with pytest.raises(ValueError):
        EMPTY.max(axis=0)  # numpy refuses too: the max of nothing has no value
    with pytest.raises(ValueError, match=r"max: .*empty axis.*\(0, 3\)"):
        call(Tensor(EMPTY))  # type: ignore[operator]


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax_over_an_empty_axis_names_the_op(op: str) -> None:
    with pytest.raises(ValueError, match=rf"{op}: axis 0 of a tensor of shape \(0, 3\) is empty"):
        getattr(Tensor(EMPTY), op)(axis=0)


# ----------------------------------------------------------------------------------------------
# Threads: grad mode is per thread, so training in one thread and predicting under no_grad() in
# another do not disturb each other.


def _train(steps: int, out: list[float]) -> None:
    X, Y = flower()
    model = nn.ShallowNet(2, 4, 1)
    opt = optim.SGD(model.parameters(), lr=1.2)
    for _ in range(steps):
        opt.zero_grad()
        cost = nn.binary_cross_entropy_with_logits(model.logits(Tensor(X)), Tensor(Y))
        cost.backward()
        opt.step()
        out.append(cost.item())


def test_training_in_one_thread_while_another_predicts_under_no_grad() -> None:
    alone: list[float] = []
    _train(30, alone)
    together: list[float] = []
    done = threading.Event()
    predictions: list[bool] = []

    def predict() -> None:
        model, X = nn.ShallowNet(2, 4, 1), Tensor(flower()[0])
        while not done.is_set():
            with no_grad():
                predictions.append(model(X).requires_grad)

    other = threading.Thread(target=predict)
    other.start()
    while not predictions:  # the other thread is predicting before training starts
        done.wait(0.001)
    try:
        _train(30, together)
    finally:
        done.set()
        other.join(10)
    assert together == alone  # the same costs, bit for bit
    assert predictions and not any(predictions)
    assert is_grad_enabled()


# ----------------------------------------------------------------------------------------------
# Memory: each iteration's graph is freed, so a long training run does not grow.


def test_ten_thousand_iterations_do_not_grow_memory() -> None:
    X, Y = flower()
    X, Y = Tensor(X[:, :40]), Tensor(Y[:, :40])  # the planar 2-4-1 network on 40 points
    model = nn.ShallowNet(2, 4, 1)
    opt = optim.SGD(model.parameters(), lr=1.2)

    def iteration() -> None:
        opt.zero_grad()
        nn.binary_cross_entropy_with_logits(model.logits(X), Y).backward()
        opt.step()

    tracemalloc.start()
    try:
        for _ in range(100):
            iteration()
        gc.collect()
        after_100 = tracemalloc.get_traced_memory()[0]
        for _ in range(9_900):
            iteration()
        gc.collect()
        after_10_000 = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert after_10_000 - after_100 < 64 * 1024, f"grew by {after_10_000 - after_100} bytes"


# ----------------------------------------------------------------------------------------------
# Training that diverges stops, says so, and keeps the last finite parameters.


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("lr", [100.0, 1000.0])
def test_a_learning_rate_that_diverges_stops_training(lr: float) -> None:
    """The planar network with the course's cost on A written out unclamped (loss="bce" clamps its
    logs at -100, as PyTorch, and stays finite) and lr 100 instead of 1.2: the sigmoid saturates,
    log(1 - A) = log(0), and the cost is nan within a few iterations."""
    X, Y = flower()
    model = nn.ShallowNet(2, 4, 1)
    lines: list[str] = []
    history = fit(model, X, Y, iterations=500, lr=lr, loss=_unclamped_bce, log=lines.append)
    assert history.stopped == "diverged" and 0 < len(history) < 500
    i = len(history)
    assert lines[-1].startswith(f"Cost after iteration {i} is nan: training diverged and stopped")
    assert f"kept from iteration {i - 1}, the last with a finite cost" in lines[-1]
    assert f"Try a smaller learning rate (lr={lr})" in lines[-1]
    assert np.isfinite(history.costs).all()
    assert all(np.isfinite(p.data).all() for p in model.parameters())
    # the parameters kept are exactly those that gave the last cost of the history
    assert _unclamped_bce(model, Tensor(X), Tensor(Y)).item() == history.costs[-1]


def _unclamped_bce(model, X, Y):
    """-(1/m) sum(Y log A + (1 - Y) log(1 - A)), as the course writes it: nan once A is 0 or 1."""
    A = model(X)
    return -(Y * A.log() + (1 - Y) * (1 - A).log()).mean()


def test_a_nan_in_the_data_stops_before_any_update() -> None:
    X, Y = flower()
    X[0, 5] = np.nan
    model = nn.ShallowNet(2, 4, 1)
    before = [p.data.copy() for p in model.parameters()]
    lines: list[str] = []
    history = fit(model, X, Y, iterations=10, lr=1.2, log=lines.append)
    assert history.stopped == "diverged" and history.costs == []
    assert "iteration 0 is nan" in lines[-1] and "before any update" in lines[-1]
    assert "NaN or inf in X and Y" in lines[-1] and "detect_anomaly()" in lines[-1]
    for p, b in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(p.data, b)


# ----------------------------------------------------------------------------------------------
# Data: a damaged file is one DataError naming it.


def test_damaged_hdf5_files_are_one_data_error(tmp_path: Path) -> None:
    """Bytes overwritten in the file's structures (not its pixels) make HDF5 raise OSError,
    RuntimeError, KeyError or TypeError from deep inside; the loader turns each into DataError."""
    path = write_cats(tmp_path) / TRAIN
    whole = path.read_bytes()
    rng = np.random.default_rng(0)
    outcomes = set()
    for _ in range(60):
        damaged = bytearray(whole)
        for position in rng.integers(0, 4096, size=8):  # the superblock, headers and B-trees
            damaged[position] = rng.integers(0, 256)
        path.write_bytes(bytes(damaged))
        try:
            data = load_cats(tmp_path)
        except DataError as error:
            assert str(error).startswith(f"{path}: ")
            assert "is not a readable HDF5 file" in str(error) or "damaged" in str(error)
            outcomes.add("DataError")
        else:  # the damage missed everything the loader reads
            assert data.X_train.shape == (12288, 4)
            outcomes.add("loaded")
    assert "DataError" in outcomes


@pytest.mark.parametrize("length", [0, 8, 512, 2048, 8192, 40_000])
def test_truncated_files_are_one_data_error(tmp_path: Path, length: int) -> None:
    path = write_cats(tmp_path) / TRAIN
    path.write_bytes(path.read_bytes()[:length])
    with pytest.raises(DataError, match=rf"{path}: is not a readable HDF5 file"):
        load_cats(tmp_path)


def test_a_group_where_a_dataset_belongs(tmp_path: Path) -> None:
    write_cats(tmp_path, train_set_y=None)
    with h5py.File(tmp_path / TRAIN, "a") as f:
        f.create_group("train_set_y")
    with pytest.raises(DataError, match=r"has train_set_y but not as a readable dataset"):
        load_cats(tmp_path)


def test_pictures_that_are_not_numbers(tmp_path: Path) -> None:
    write_cats(tmp_path, train_set_x=np.full((4, 64, 64, 3), b"x"))
    with pytest.raises(DataError, match=r"train_set_x should hold pixel values 0\.\.255"):
        load_cats(tmp_path)


# ----------------------------------------------------------------------------------------------
# Saving never loses the previous file; loading never unpickles.


@pytest.mark.parametrize("failure", [KeyboardInterrupt, MemoryError])
def test_an_interrupt_mid_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: type
) -> None:
    path = tmp_path / "model.npz"
    model = nn.ShallowNet(2, 4, 1)
    io.save(model, path)
    before = path.read_bytes()

    def interrupted(file, *args, **kwargs):
        file.write(b"PK\x03\x04 a third of a zip")
        raise failure

    monkeypatch.setattr(np, "savez", interrupted)
    with pytest.raises(failure):
        io.save(nn.ShallowNet(2, 4, 1, seed=7), path)
    monkeypatch.undo()
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.npz"]
    nn.ShallowNet(2, 4, 1, seed=7).load_state_dict(io.load(path))


def test_a_failing_fsync_and_a_first_save_leave_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_disk(fd: int) -> None:
        raise OSError("I/O error")

    monkeypatch.setattr(os, "fsync", broken_disk)
    with pytest.raises(OSError, match="I/O error"):
        io.save({"W": np.ones(2)}, tmp_path / "new.npz")
    assert os.listdir(tmp_path) == []  # no half file, no temporary file


def test_a_state_with_a_bad_entry_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    io.save({"W": np.ones(2)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError, match="b holds"):
        io.save({"W": np.zeros(2), "b": np.array(["x"])}, path)
    assert path.read_bytes() == before


class _Payload:
    """A pickle that, when loaded, would create a file: the reason loading one is unsafe."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_load_never_unpickles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "the payload ran"
    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps({"W": _Payload(marker)}))
    inside = tmp_path / "inside.npz"
    np.savez(
        inside,
        **{io.MARKER: np.array("tinygrad_edu.state_dict/1")},
        W=np.array([_Payload(marker)], dtype=object),
    )

    def refuse(*args, **kwargs):
        raise AssertionError("load called the unpickler")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, refuse)
    with pytest.raises(ValueError, match="Python pickle, which tinygrad_edu never loads"):
        io.load(pickled)
    with pytest.raises(ValueError, match="holds an entry that is not a plain array"):
        io.load(inside)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"\x93NUMPY\x01\x00", "single .npy array"),
        (b'{"W": [1, 2]}', r"not an .npz \(zip\) file"),
        (b"PK\x03\x04" + bytes(100), "not a readable .npz file"),
    ],
)
def test_load_refuses_files_of_other_formats(tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"load: {path}.*{words}"):
        io.load(path)
