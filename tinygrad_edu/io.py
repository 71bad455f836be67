"""Save and load a model's state (its parameters and buffers, as `state_dict()` gives them) as an
`.npz` file: numpy arrays only, never pickle.

    io.save(model, "deep.npz")
    model.load_state_dict(io.load("deep.npz"))

The file is numpy's own zip of `.npy` arrays, one per parameter or buffer (BatchNorm's
`running_mean`, its int64 `num_batches_tracked`) under its dotted name, plus one marker entry
that says it is this project's format and which version. Loading never unpickles
(`allow_pickle=False`): a pickle can run any code when loaded, an array cannot. Saving writes a
temporary file next to the target and renames it over the target only once it is complete, so a
crash or an error halfway leaves the previous file as it was.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tinygrad_edu import random
from tinygrad_edu._files import atomic_write
from tinygrad_edu._npz import kind, read_entries
from tinygrad_edu.nn.module import Module
from tinygrad_edu.tensor import Tensor

MARKER = "__tinygrad_edu__"
FORMAT = "tinygrad_edu.state_dict"
VERSION = 1

PathLike = str | os.PathLike[str]


def save(model_or_state: Module | Mapping[str, Any], path: PathLike) -> None:
    """Write the parameters and buffers of a Module (its `state_dict()`), or a state dict, to
    `path`.

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
        raise ValueError(f"load: {path} is not a tinygrad_edu parameter file: {kind(head)}")
    try:
        with zipfile.ZipFile(path) as zf:
            entries = read_entries(path, zf, MARKER)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ValueError(f"load: {path} is not a readable .npz file ({exc})") from exc
    if MARKER not in entries:
        raise ValueError(
            f"load: {path} is an .npz file but not one written by tinygrad_edu.io.save "
            f"(it has no {MARKER} entry; its entries are {list(entries)[:10]})"
        )
    _check_marker(path, entries.pop(MARKER))
    return entries


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


CHECKPOINT = "__checkpoint__"  # the entry holding a checkpoint's JSON: epoch, hyperparameters, ...


def save_checkpoint(
    path: PathLike,
    model: Module,
    optimizer: Any = None,
    scheduler: Any = None,
    epoch: int | None = None,
    **extra: Any,
) -> None:
    """Save everything a training needs to resume: the model, the optimizer's state, the
    scheduler's, the epoch, and the library's random generator (`tinygrad_edu.manual_seed`'s), so
    the resumed run draws the dropout masks and shuffles the uninterrupted one would have.

    The file is the same no-pickle `.npz` as `save` (arrays under `model/...`, `optimizer/...`,
    `rng/key`, and the rest as JSON), written to a temporary file and renamed over `path` only
    once complete: a crash halfway leaves the previous checkpoint whole.

    Args:
        path: the file to write.
        model: the Module whose `state_dict()` is saved.
        optimizer: an optimizer (its `state_dict()`), or None.
        scheduler: a learning-rate scheduler (its `state_dict()`), or None.
        epoch: the number of finished epochs, or None.
        **extra: more values to keep, numbers, strings, lists or dicts (JSON).

    Raises:
        TypeError: a value of `extra` cannot be written as JSON.

    Examples:
        >>> import os, tempfile
        >>> from tinygrad_edu import nn, optim
        >>> model = nn.Linear(2, 1, seed=0)
        >>> optimizer = optim.Adam(model.parameters(), lr=0.01)
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = os.path.join(folder, "run.npz")
        ...     save_checkpoint(path, model, optimizer, epoch=3, note="warm-up")
        ...     load_checkpoint(path, model, optimizer)
        {'epoch': 3, 'note': 'warm-up'}
    """
    arrays: dict[str, Any] = {f"model/{k}": v for k, v in model.state_dict().items()}
    meta: dict[str, Any] = {"epoch": epoch, "extra": extra}
    if optimizer is not None:
        state = optimizer.state_dict()
        scalars = {}
        for i, saved in state["state"].items():
            for key, value in saved.items():
                if isinstance(value, np.ndarray):
                    arrays[f"optimizer/{i}/{key}"] = value
                else:
                    scalars[f"{i}/{key}"] = value
        meta["optimizer"] = {
            "type": type(optimizer).__name__,
            "param_groups": state["param_groups"],
            "scalars": scalars,
        }
    if scheduler is not None:
        meta["scheduler"] = {"type": type(scheduler).__name__, "state": scheduler.state_dict()}
    rng = random.get_rng_state()
    arrays["rng/key"] = rng["state"]["key"]
    meta["rng"] = {k: v for k, v in rng.items() if k != "state"} | {"pos": rng["state"]["pos"]}
    try:
        text = json.dumps(meta, default=_plain)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"save_checkpoint: {exc}; extra values must be JSON (numbers, str, ...)"
        ) from None
    arrays[CHECKPOINT] = np.frombuffer(text.encode(), dtype=np.uint8)
    save(arrays, path)


def load_checkpoint(
    path: PathLike,
    model: Module | None = None,
    optimizer: Any = None,
    scheduler: Any = None,
    restore_rng: bool = True,
) -> dict[str, Any]:
    """Restore a `save_checkpoint` file into the given objects, and return the rest.

    Args:
        path: the file, as written by `save_checkpoint`.
        model: the Module to load the parameters into (strict: the same names and shapes).
        optimizer: an optimizer of the same kind over the model's parameters, or None.
        scheduler: a scheduler of the same kind, or None.
        restore_rng: put back the library's random generator as it was when saved.

    Returns:
        `{"epoch": epoch, **extra}`, as given to `save_checkpoint`.

    Raises:
        ValueError: the file is not a checkpoint, or it was saved from another kind of optimizer
            or scheduler, or does not fit the model or optimizer (`load_state_dict`'s errors).
    """
    entries = load(path)
    if CHECKPOINT not in entries:
        raise ValueError(
            f"load_checkpoint: {path} is a parameter file (io.save), not a checkpoint; load it "
            "with model.load_state_dict(io.load(path))"
        )
    meta = json.loads(entries.pop(CHECKPOINT).tobytes().decode())
    if model is not None:
        model.load_state_dict({k[6:]: v for k, v in entries.items() if k.startswith("model/")})
    if optimizer is not None:
        saved = _saved("optimizer", meta, optimizer, path)
        states: dict[int, dict[str, Any]] = {}
        for key, value in entries.items():
            if key.startswith("optimizer/"):
                i, name = key[10:].split("/", 1)
                states.setdefault(int(i), {})[name] = value
        for key, value in saved["scalars"].items():
            i, name = key.split("/", 1)
            states.setdefault(int(i), {})[name] = value
        optimizer.load_state_dict({"state": states, "param_groups": saved["param_groups"]})
    if scheduler is not None:
        scheduler.load_state_dict(_saved("scheduler", meta, scheduler, path)["state"])
    if restore_rng:
        rng = meta["rng"]
        state = {"key": entries["rng/key"], "pos": rng.pop("pos")}
        random.set_rng_state(rng | {"state": state})
    return {"epoch": meta["epoch"], **meta["extra"]}


def _saved(what: str, meta: dict[str, Any], given: Any, path: PathLike) -> dict[str, Any]:
    saved = meta.get(what)
    if saved is None:
        raise ValueError(f"load_checkpoint: {path} holds no {what} state")
    if saved["type"] != type(given).__name__:
        raise ValueError(
            f"load_checkpoint: {path} holds the state of a {saved['type']} {what}, not of a "
            f"{type(given).__name__}"
        )
    return saved


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):  # a numpy number: its Python value
        return value.item()
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON")
