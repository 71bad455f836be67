"""Reading the `.npz` files `io` writes, entry by entry and never through `np.load`: each entry's
.npy header is read and checked (a numeric dtype, and shape * itemsize bytes that are exactly what
the entry holds) before any data is, so a damaged or hostile file cannot unpickle, allocate more
than it holds, or hand back raw bytes."""

from __future__ import annotations

import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

# what np.savez and np.savez_compressed write; anything else is not a file `save` made
_COMPRESSIONS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}


def read_entries(path: Path, zf: zipfile.ZipFile, marker: str) -> OrderedDict[str, np.ndarray]:
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
            entries[name] = _read_array(path, name, f, info.file_size, marker=name == marker)
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


def kind(head: bytes) -> str:
    """What a file that is not a zip seems to be, from its first bytes."""
    if head.startswith(b"\x80") or head.startswith((b"(dp", b"(lp", b"ccopy_reg")):
        return "it is a Python pickle, which tinygrad_edu never loads (loading one can run code)"
    if head.startswith(b"\x93NUMPY"):
        return "it is a single .npy array, not an .npz of named parameters"
    if not head:
        return "it is empty"
    return "it is not an .npz (zip) file"
