"""The largest checkpoint a log has signed, kept in a file outside its database.

The database cannot reveal that it was rolled back: restore every table from an old
backup and the log is perfectly consistent, only shorter, and the entry numbers already
emailed to applicants would be handed out again for other entries. So each signed
checkpoint is also written here, to a directory the database backups do not cover, and
the platform refuses a tree that does not extend it (floor.py).

Pure: files and signatures only, no Django. One file per log, named after its origin, so
two logs never share one; what it holds must verify with the log's keys, so a file from
another log (same origin, other key) is refused rather than trusted. Writes are atomic
(a temporary file, fsync, rename, fsync of the directory): a crash leaves the old file
or the new one, never half of each.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from civitas.ledger.note import (
    NoteError,
    UnknownKeyError,
    Verifier,
    open_note,
    parse_checkpoint,
)
from civitas.platform.atomic_files import sync_directory, write_atomically

STORE_VERSION = 1


class StoreError(Exception):
    """The saved checkpoint cannot be read or trusted. The message says why and what to do."""


@dataclass(frozen=True)
class SavedCheckpoint:
    origin: str
    size: int
    root: bytes
    note: str


def store_path(directory: Path, origin: str) -> Path:
    """The file that holds the checkpoint of the log named ``origin`` in ``directory``."""
    readable = re.sub(r"[^A-Za-z0-9.-]+", "-", origin).strip("-.")[:60] or "log"
    digest = hashlib.sha256(origin.encode("utf-8")).hexdigest()[:12]
    return directory / f"{readable}.{digest}.checkpoint.json"


def read_checkpoint(
    path: Path, origin: str, verifiers: Iterable[Verifier]
) -> SavedCheckpoint | None:
    """The checkpoint saved at ``path``, checked against the log's keys; None if none.

    Raises StoreError for a file that cannot be read, is not what this module writes, or
    holds a checkpoint the keys do not verify or of another log.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as error:
        reason = error.__class__.__name__
        raise StoreError(f"the saved checkpoint cannot be read ({reason})") from None

    def corrupt(reason: str) -> StoreError:
        return StoreError(
            f"the saved checkpoint is not trustworthy ({reason}); if the database was "
            "deliberately recreated, run `civitas ledger reset-state`"
        )

    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise corrupt("not valid JSON") from None
    if not isinstance(document, dict) or document.get("version") != STORE_VERSION:
        raise corrupt("not a saved checkpoint of a known version")
    note = document.get("checkpoint")
    if not isinstance(note, str):
        raise corrupt("no checkpoint in it")
    try:
        body, _ = open_note(note, verifiers)
        checkpoint = parse_checkpoint(body)
    except UnknownKeyError:
        raise corrupt("not signed by any configured key of this log") from None
    except NoteError:
        raise corrupt("its signature does not verify") from None
    if checkpoint.origin != origin:
        raise corrupt(f"it is for log {checkpoint.origin!r}, not {origin!r}")
    return SavedCheckpoint(checkpoint.origin, checkpoint.size, checkpoint.root, note)


def write_checkpoint(path: Path, checkpoint: SavedCheckpoint) -> None:
    """Replaces the saved checkpoint atomically and durably. Raises OSError."""
    document = {
        "version": STORE_VERSION,
        "origin": checkpoint.origin,
        "size": checkpoint.size,
        "root": checkpoint.root.hex(),
        "checkpoint": checkpoint.note,
    }
    write_atomically(path, (json.dumps(document, indent=2, sort_keys=True) + "\n").encode())


def remove_checkpoint(path: Path) -> bool:
    """Deletes the saved checkpoint; False if there was none."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    sync_directory(path.parent)
    return True


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock beside ``path``, so that processes that save checkpoints
    at once never replace a larger one with a smaller one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
