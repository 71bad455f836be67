"""tinygrad_edu.io: exact round trips, atomic writes, and refusing every file that is not ours."""

from __future__ import annotations

import os
import pickle
import re
import tempfile
import zipfile
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, io, nn

DEFLATED = zipfile.ZIP_DEFLATED

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,6}(\.[a-z0-9_]{1,6}){0,3}", fullmatch=True)
ARRAYS = hnp.arrays(
    st.sampled_from([np.float64, np.float32]),
    hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    elements={"allow_nan": True, "allow_infinity": True, "allow_subnormal": True},
)


@given(st.dictionaries(NAMES, ARRAYS, max_size=5))
def test_round_trip_is_bit_exact_and_ordered(state: dict[str, np.ndarray]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "state.npz"
        io.save(state, path)
        loaded = io.load(path)
    assert list(loaded) == list(state)
    for name, array in state.items():
        assert loaded[name].dtype == array.dtype and loaded[name].shape == array.shape
        assert loaded[name].tobytes() == array.tobytes()  # bit-equal, NaN payloads included


def test_model_round_trip(tmp_path: Path) -> None:
    model = nn.DeepNet([6, 4, 3, 1], seed=3)
    io.save(model, tmp_path / "deep.npz")
    other = nn.DeepNet([6, 4, 3, 1], seed=4)
    other.load_state_dict(io.load(tmp_path / "deep.npz"))
    for (name, a), b in zip(model.state_dict().items(), other.state_dict().values(), strict=True):
        assert a.tobytes() == b.tobytes(), name
    X = np.random.RandomState(0).randn(6, 5)
    np.testing.assert_array_equal(model(X).data, other(X).data)


def test_saves_tensors_and_writes_exactly_the_path_given(tmp_path: Path) -> None:
    path = tmp_path / "weights"  # numpy's savez would add .npz; we write where we are told
    io.save({"W": Tensor([[1.0, 2.0]])}, path)
    assert sorted(os.listdir(tmp_path)) == ["weights"]
    np.testing.assert_array_equal(io.load(str(path))["W"], [[1.0, 2.0]])


def test_loading_into_a_model_of_other_shapes_names_both(tmp_path: Path) -> None:
    io.save(nn.DeepNet([6, 4, 1]), tmp_path / "small.npz")
    with pytest.raises(
        ValueError, match=r"layers\.0\.W: the state has shape \(4, 6\), the model's"
    ):
        nn.DeepNet([6, 5, 1]).load_state_dict(io.load(tmp_path / "small.npz"))


@pytest.mark.parametrize("fail_in", ["savez", "replace"])
def test_failure_mid_write_keeps_the_previous_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_in: str
) -> None:
    path = tmp_path / "model.npz"
    io.save({"W": np.ones(3)}, path)
    before = path.read_bytes()

    def half_written_then_crash(file, *args, **kwargs):
        file.write(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    def crash(*args, **kwargs):
        raise OSError("rename failed")

    if fail_in == "savez":
        monkeypatch.setattr(np, "savez", half_written_then_crash)
    else:
        monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match=r"disk full|rename failed"):
        io.save({"W": np.zeros(3)}, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.npz"]  # no temporary file left behind
    np.testing.assert_array_equal(io.load(path)["W"], np.ones(3))


def test_refuses_a_pickle(tmp_path: Path) -> None:
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"W": np.ones(2)}))
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*Python pickle.*never loads"):
        io.load(path)


def test_refuses_an_npz_that_is_not_ours(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, W=np.ones(2))
    with pytest.raises(
        ValueError, match=rf"{re.escape(str(foreign))} is an .npz file but not one written by"
    ):
        io.load(foreign)


def test_refuses_pickled_entries_even_with_the_marker(tmp_path: Path) -> None:
    path = tmp_path / "sneaky.npz"
    np.savez(path, **{io.MARKER: np.array("tinygrad_edu.state_dict/1")}, W=np.array([{}], object))
    with pytest.raises(
        ValueError, match=rf"{re.escape(str(path))} holds an entry that is not a plain array"
    ):
        io.load(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "it is empty"),
        (b"W,b\n1,2\n", r"not an .npz \(zip\) file"),
        (b"PK\x03\x04 truncated", "not a readable .npz file"),
    ],
    ids=["empty", "text", "truncated-zip"],
)
def test_refuses_other_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.npz"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*{message}"):
        io.load(path)


def test_refuses_a_single_npy_and_a_newer_version(tmp_path: Path) -> None:
    npy = tmp_path / "W.npy"
    np.save(npy, np.ones(2))
    with pytest.raises(ValueError, match=r"single .npy array"):
        io.load(npy)
    newer = tmp_path / "newer.npz"
    np.savez(newer, **{io.MARKER: np.array("tinygrad_edu.state_dict/99")}, W=np.ones(2))
    with pytest.raises(ValueError, match=r"version 99 .* newer than this tinygrad_edu reads"):
        io.load(newer)


def test_save_refuses_what_it_could_not_load(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="W holds object, not numbers"):
        io.save({"W": np.array([{}], dtype=object)}, tmp_path / "x.npz")
    with pytest.raises(ValueError, match="cannot be a parameter name"):
        io.save({io.MARKER: np.ones(1)}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="expected a Module or a state dict"):
        io.save([np.ones(1)], tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------------------------
# Malformed entries, built by hand: each is a ValueError naming the file and the entry.


def _npy(array: np.ndarray) -> bytes:
    """The bytes of one .npy entry, as np.save writes them."""
    import io as std_io

    buffer = std_io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def _npz(path: Path, entries: dict[str, bytes], compress: int = zipfile.ZIP_STORED) -> Path:
    """A zip of raw entries, the marker first, as if written by save (or by an attacker)."""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{io.MARKER}.npy", _npy(np.array(f"{io.FORMAT}/{io.VERSION}")))
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = compress
            zf.writestr(info, data)
    return path


def _header_claiming(shape: tuple[int, ...]) -> bytes:
    """A valid .npy 1.0 header for a float64 array of `shape`, with only 8 bytes of data after it."""
    import io as std_io

    buffer = std_io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": shape}
    )
    return buffer.getvalue() + b"\0" * 8  # the header is written with its magic


@pytest.mark.parametrize(
    ("entry", "data", "words"),
    [
        ("W.npy", pickle.dumps(np.ones(2)), "no valid .npy header"),
        ("W.npy", _npy(np.array([{}], dtype=object)), "holds object, not numbers"),
        ("W.npy", _npy(np.array(["a", "b"])), "<U1, not numbers"),
        ("W.npy", _npy(np.zeros(2, dtype=[("x", "<f8")])), "not numbers"),
        ("W.npy", _header_claiming((2**50,)), r"shape \(1125899906842624,\) of float64"),
        ("W.npy", _header_claiming((3,)), "holds 8 bytes of data"),
        ("W.npy", b"", "no valid .npy header"),
        ("W.txt", b"1,2", "not an .npy array"),
    ],
    ids=["pickle", "object", "strings", "structured", "2**50", "short", "empty", "not-npy"],
)
def test_every_malformed_entry_is_a_value_error_naming_file_and_entry(
    tmp_path: Path, entry: str, data: bytes, words: str
) -> None:
    path = _npz(tmp_path / "bad.npz", {entry: data})
    assert path.stat().st_size < 1000  # the 2**50 header: 300 bytes, never a MemoryError
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*'W(\.txt)?'.*{words}"):
        io.load(path)


def test_a_marker_that_is_not_an_array_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.npz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(f"{io.MARKER}.npy", b"tinygrad_edu.state_dict/1")
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*'{io.MARKER}'.*\.npy header"):
        io.load(path)


def test_an_unsupported_compression_is_a_value_error(tmp_path: Path) -> None:
    path = _npz(tmp_path / "bad.npz", {"W.npy": _npy(np.ones(2))})
    raw = bytearray(path.read_bytes())
    # the entry's compression method, in its local header and in the central directory: 99 (AES)
    for signature, offset in ((b"PK\x03\x04", 8), (b"PK\x01\x02", 10)):
        at = raw.rfind(signature)
        raw[at + offset : at + offset + 2] = (99).to_bytes(2, "little")
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=rf"{re.escape(str(path))}.*'W'.*compression method 99"):
        io.load(path)


def test_a_deflated_file_loads(tmp_path: Path) -> None:
    path = _npz(tmp_path / "ok.npz", {"W.npy": _npy(np.arange(6.0).reshape(2, 3))}, DEFLATED)
    np.testing.assert_array_equal(io.load(path)["W"], np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("names", [["W", "W.npy"], ["W.npy", "W"], ["a.npy.npy", "a.npy", "a"]])
def test_names_ending_in_npy_round_trip_exactly(tmp_path: Path, names: list[str]) -> None:
    state = {name: np.full(2, float(i)) for i, name in enumerate(names)}
    io.save(state, tmp_path / "s.npz")
    loaded = io.load(tmp_path / "s.npz")
    assert list(loaded) == names
    for name in names:
        np.testing.assert_array_equal(loaded[name], state[name])
        assert loaded[name].flags.writeable
