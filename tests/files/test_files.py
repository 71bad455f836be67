"""`atomic_write`: the target is its old self or completely new, and no temporary file stays."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tinygrad_edu._files import atomic_write


def test_writes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    with atomic_write(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_replaces_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with atomic_write(str(path)) as f:  # a str path too
        f.write(b"new")
    assert path.read_bytes() == b"new"


def test_nothing_is_visible_until_the_block_ends(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with atomic_write(path) as f:
        f.write(b"half")
        f.flush()
        assert path.read_bytes() == b"old"
        (temp,) = [p for p in tmp_path.iterdir() if p != path]
        assert temp.parent == path.parent and temp.name.startswith(".out.bin.")


def test_an_error_in_the_block_keeps_the_old_file_and_removes_the_temp(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="writer failed"), atomic_write(path) as f:
        f.write(b"half written")
        raise RuntimeError("writer failed")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_a_failed_rename_keeps_the_old_file_and_removes_the_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")

    def crash(*args: object) -> None:
        raise OSError("rename failed")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="rename failed"), atomic_write(path) as f:
        f.write(b"new")
    monkeypatch.undo()
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_ctrl_c_in_the_block_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "out.bin"
    with pytest.raises(KeyboardInterrupt), atomic_write(path) as f:
        f.write(b"x")
        raise KeyboardInterrupt
    assert not path.exists() and os.listdir(tmp_path) == []


def test_a_missing_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_write(tmp_path / "no" / "out.bin") as f:
        f.write(b"x")
