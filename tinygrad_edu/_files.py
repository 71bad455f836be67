"""`atomic_write`: a file is either its old self or completely new, never half written.

Writing straight into `model.npz` and crashing halfway (a full disk, Ctrl-C, an error in the
writer) would leave a broken file where a good one was. Instead the data goes to a temporary file
next to the target; it is flushed to disk (fsync) and only then renamed over the target.
`os.replace` is atomic when both names are on one file system, hence the same directory. On any
error the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

__all__ = ["atomic_write"]


@contextmanager
def atomic_write(path: str | os.PathLike[str], parents: bool = False) -> Iterator[BinaryIO]:
    """`with atomic_write(path) as f:` gives a binary file to write; `path` becomes that file
    when the block ends without an error.

    Args:
        path: the file to (re)place. Its directory must exist, unless `parents`.
        parents: create the missing folders first (the figures and graph files do; io.save and
            the CLI refuse a folder that is not there, as numpy's and PyTorch's save do).

    Yields:
        A file open for writing bytes, a temporary file in `path`'s directory.

    Raises:
        OSError: the temporary file cannot be created, written or renamed (whatever the block
            raises is raised too); either way the temporary file is gone and `path` unchanged."""
    path = Path(path)
    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    # a hidden, fresh name: ".model.npz.1f2e3d4c.tmp"
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        # O_EXCL: never write into someone else's file; 0o666 lets the umask set the usual mode
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())  # the data is on disk before the rename makes it the file
        os.replace(temp, path)
    except BaseException:  # Ctrl-C included: nothing half written stays behind
        temp.unlink(missing_ok=True)
        raise
