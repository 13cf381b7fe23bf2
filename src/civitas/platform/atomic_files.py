"""Files written whole or not at all. Plain Python, no Django: the transparency log's
client and witness use it outside the platform too.

The bytes go to a temporary name beside the file, are synced, and are renamed over it;
then the directory is synced, since the rename is on disk only once the directory is. A
crash at any point leaves the old file or the new one, never half of each.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: bytes, *, directory_mode: int = 0o700) -> None:
    """Replaces `path` with `content` atomically and durably, making its directory (with
    `directory_mode`) if it is missing. The file is readable by this user only. Raises
    OSError."""
    directory = path.parent
    directory.mkdir(mode=directory_mode, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    sync_directory(directory)


def sync_directory(directory: Path) -> None:
    """Puts the directory's entries (a rename, a deletion) on disk."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
