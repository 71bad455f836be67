"""Save and load a model's parameters as an `.npz` file: numpy arrays only, never pickle.

    io.save(model, "deep.npz")
    model.load_state_dict(io.load("deep.npz"))

The file is numpy's own zip of `.npy` arrays, one per parameter under its dotted name, plus one
marker entry that says it is this project's format and which version. Loading never unpickles
(`allow_pickle=False`): a pickle can run any code when loaded, an array cannot. Saving writes a
temporary file next to the target and renames it over the target only once it is complete, so a
crash or an error halfway leaves the previous file as it was.
"""

from __future__ import annotations

import os
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_edu._files import atomic_write
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor

MARKER = "__tinygrad_edu__"
FORMAT = "tinygrad_edu.state_dict"
VERSION = 1

PathLike = str | os.PathLike[str]


def save(model_or_state: Module | Mapping[str, Any], path: PathLike) -> None:
    """Write the parameters of a Module (its `state_dict()`), or a state dict, to `path`.

    The file is written exactly at `path` (no extension is added; `.npz` is the convention). It is
    written to a temporary file first and renamed over `path` only once complete.

    Args:
        model_or_state: a Module, or a mapping of parameter name -> array or Tensor.
        path: the file to write.

    Raises:
        TypeError: `model_or_state` is neither, or a value is not numbers.
        ValueError: a name is not a str (or is the format's marker).

    Examples:
        >>> import os, tempfile
        >>> from tinygrad_edu.nn import Linear
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     save(Linear(3, 2, seed=0), os.path.join(folder, "layer.npz"))
        ...     state = load(os.path.join(folder, "layer.npz"))
        >>> {name: array.shape for name, array in state.items()}
        {'W': (2, 3), 'b': (2, 1)}
    """
    state = model_or_state.state_dict() if isinstance(model_or_state, Module) else model_or_state
    if not isinstance(state, Mapping):
        raise TypeError(
            f"save: expected a Module or a state dict (name -> array), got "
            f"{type(model_or_state).__name__}"
        )
    arrays: dict[str, Any] = {MARKER: np.array(f"{FORMAT}/{VERSION}")}
    for name, value in state.items():
        if not isinstance(name, str) or name == MARKER:
            raise ValueError(f"save: {name!r} cannot be a parameter name")
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind not in "fiub":
            raise TypeError(f"save: {name} holds {array.dtype}, not numbers")
        arrays[name] = array
    path = Path(path)
    with atomic_write(path) as f:  # a crash halfway leaves the previous file as it was
        np.savez(f, **arrays)


def load(path: PathLike) -> OrderedDict[str, np.ndarray]:
    """Read a file written by `save`: the state dict, in the saved order, as numpy arrays.

    The zip is read entry by entry, never through `np.load`: each entry's .npy header is read and
    checked (a numeric dtype, and shape * itemsize bytes that are exactly what the entry holds)
    before any data is, so a damaged or hostile file cannot unpickle, allocate more than it holds,
    or hand back raw bytes. An entry "W.npy.npy" is the parameter "W.npy" (one ".npy" is the zip
    format's, the rest is the name), so any name round-trips.

    Args:
        path: the file, as written by `save`.

    Returns:
        The parameters by name, in the order they were saved.

    Raises:
        ValueError: naming the path (and the entry) for anything that is not this project's format:
            a pickle, a plain `.npy`, an `.npz` without the marker (or of a newer version), an entry
            that is not a numeric array (object dtype, pickled bytes, no .npy header), a header
            whose shape does not match the entry's size, an unsupported compression, a bad zip.

    Examples:
        `model.load_state_dict(io.load("deep.npz"))`; `save` shows a round trip.
    """
    path = Path(path)
    with open(path, "rb") as f:
        head = f.read(8)
    if not head.startswith(b"PK\x03\x04"):
        raise ValueError(f"load: {path} is not a tinygrad_edu parameter file: {_kind(head)}")
    try:
        with zipfile.ZipFile(path) as zf:
            entries = _read_entries(path, zf)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValueError(f"load: {path} is not a readable .npz file ({exc})") from exc
    if MARKER not in entries:
        raise ValueError(
            f"load: {path} is an .npz file but not one written by tinygrad_edu.io.save "
            f"(it has no {MARKER} entry; its entries are {list(entries)[:10]})"
        )
    _check_marker(path, entries.pop(MARKER))
    return entries


# what np.savez and np.savez_compressed write; anything else is not a file `save` made
_COMPRESSIONS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}


def _read_entries(path: Path, zf: zipfile.ZipFile) -> OrderedDict[str, np.ndarray]:
    entries: OrderedDict[str, np.ndarray] = OrderedDict()
    for info in zf.infolist():
        if not info.filename.endswith(".npy"):
            raise ValueError(
                f"load: {path} has an entry {info.filename!r} that is not an .npy array"
            )
        name = info.filename[: -len(".npy")]
        if name in entries:
            raise ValueError(f"load: {path} has the entry {name!r} twice")
        if info.compress_type not in _COMPRESSIONS:
            raise ValueError(
                f"load: {path}: entry {name!r} uses zip compression method {info.compress_type}; "
                f"only {sorted(_COMPRESSIONS.values())} are read"
            )
        with zf.open(info) as f:
            entries[name] = _read_array(path, name, f, info.file_size, marker=name == MARKER)
    return entries


def _read_array(path: Path, name: str, f: Any, size: int, marker: bool) -> np.ndarray:
    """One entry's array, after its header has promised no more bytes than the entry holds."""
    where = f"load: {path}: entry {name!r}"
    plain = f"load: {path} holds an entry that is not a plain array, {name!r}"
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f".npy format version {version} is not read")
    except (ValueError, SyntaxError, TypeError) as exc:  # no magic, a garbled header
        raise ValueError(f"{plain}: it has no valid .npy header ({exc})") from None
    allowed = "U" if marker else "fiub"  # the marker is a string, parameters are numbers
    if dtype.kind not in allowed or dtype.hasobject or dtype.fields is not None:
        raise ValueError(f"{plain}: it holds {dtype}, not numbers (tinygrad_edu never unpickles)")
    count = 1
    for n in shape:
        count *= n
    expected = count * dtype.itemsize
    if f.tell() + expected != size:
        raise ValueError(
            f"{where}: its header says shape {shape} of {dtype} ({expected} bytes) but the entry "
            f"holds {size - f.tell()} bytes of data"
        )
    data = bytearray(f.read(expected))  # bytearray: the array is writable, as np.load's
    if len(data) != expected:
        raise ValueError(f"{where} ends after {len(data)} of its {expected} bytes")
    return np.frombuffer(data, dtype=dtype, count=count).reshape(
        shape, order="F" if fortran else "C"
    )


def _check_marker(path: Path, marker: np.ndarray) -> None:
    text = str(marker) if marker.dtype.kind == "U" and marker.ndim == 0 else ""
    name, _, version = text.partition("/")
    if name != FORMAT or not version.isdigit():
        raise ValueError(f"load: {path} has a {MARKER} entry that is not {FORMAT}/<version>")
    if int(version) > VERSION:
        raise ValueError(
            f"load: {path} is version {version} of {FORMAT}, newer than this tinygrad_edu reads "
            f"({VERSION}); upgrade tinygrad_edu"
        )


def _kind(head: bytes) -> str:
    """What a file that is not a zip seems to be, from its first bytes."""
    if head.startswith(b"\x80") or head.startswith((b"(dp", b"(lp", b"ccopy_reg")):
        return "it is a Python pickle, which tinygrad_edu never loads (loading one can run code)"
    if head.startswith(b"\x93NUMPY"):
        return "it is a single .npy array, not an .npz of named parameters"
    if not head:
        return "it is empty"
    return "it is not an .npz (zip) file"
