"""The floor: the largest checkpoint this log is known to have signed, from outside its
database, which the stored tree must never fall below or contradict.

After the whole database is rolled back consistently (an old backup restored, every
table), the stored log checks out against its own last checkpoint; only something kept
elsewhere shows that a larger tree was signed, and its entry numbers emailed. The floor
is read from every trusted source by `largest_trusted_checkpoint`: today the checkpoint
saved in LEDGER_STATE_DIR each time one is signed (checkpoint_store.py); witnesses'
cosigned checkpoints can be added to `_SOURCES` the same way.

A tree smaller than the floor was rolled back; one of the same size with another root,
or a larger one that a consistency proof from the floor does not join, forked. Either
stops the log the way any failed integrity check does (services.py).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection

from civitas.ledger import merkle
from civitas.ledger.checkpoint_store import (
    SavedCheckpoint,
    StoreError,
    locked,
    read_checkpoint,
    remove_checkpoint,
    store_path,
    write_checkpoint,
)
from civitas.ledger.keys import log_keys
from civitas.ledger.note import NoteError, parse_checkpoint, parse_note

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("civitas.security")

SOURCE = "LEDGER_STATE_DIR"
"""How reasons name the saved checkpoint: they are public, so never by its path."""

ROLLBACK_PREFIXES = ("the log was rolled back", "the log forked", "the saved checkpoint")


class TrustedStateError(RuntimeError):
    """A source of trusted checkpoints cannot be read or trusted (fail closed)."""


@dataclass(frozen=True)
class TrustedCheckpoint:
    size: int
    root: bytes
    note: str
    source: str


def database_label(settings_dict: Mapping[str, object], vendor: str) -> str:
    """A directory name for one database: its engine, its name and a digest of where it is.

    Two databases never share a label: the demo's, each test database (DATABASE_TEST_NAME,
    each xdist worker's copy), SQLite and PostgreSQL.
    """
    name = str(settings_dict.get("NAME") or "")
    if vendor == "sqlite":
        where, short = str(Path(name).resolve()), Path(name).stem
    else:
        host, port = settings_dict.get("HOST") or "", settings_dict.get("PORT") or ""
        where, short = f"{vendor}://{host}:{port}/{name}", name
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", short).strip("-")[:40] or "db"
    return f"{vendor}-{readable}-{hashlib.sha256(where.encode()).hexdigest()[:10]}"


def state_directory() -> Path:
    """LEDGER_STATE_DIR if set (production must set it), else a directory under
    var/ledger-state/ for the database in use, so databases never share a floor."""
    if settings.LEDGER_STATE_DIR:
        return Path(settings.LEDGER_STATE_DIR)
    label = database_label(connection.settings_dict, connection.vendor)
    return Path(settings.VAR_DIR) / "ledger-state" / label


_paths: dict[tuple[object, ...], Path] = {}


def state_file() -> Path:
    """The file of this log's saved checkpoint (worked out once per configuration: it is
    asked for on every append)."""
    directory, origin = settings.LEDGER_STATE_DIR, settings.LEDGER_ORIGIN
    if directory:
        key: tuple[object, ...] = (directory, origin)
    else:
        database = connection.settings_dict
        key = (origin, str(settings.VAR_DIR), database.get("NAME"), database.get("HOST"))
    path = _paths.get(key)
    if path is None:
        path = _paths.setdefault(key, store_path(state_directory(), origin))
    return path


# The saved checkpoint is read before every batch and its size before every append:
# keep what was read, keyed by the file's identity, so an unchanged file costs one stat.
_cache_lock = threading.Lock()
_cache: dict[str, object] = {}


def _saved_checkpoint() -> TrustedCheckpoint | None:
    path = state_file()
    try:
        status = os.stat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise TrustedStateError(
            f"the saved checkpoint in {SOURCE} cannot be read ({error.__class__.__name__})"
        ) from None
    key = (str(path), status.st_ino, status.st_mtime_ns, status.st_size)
    with _cache_lock:
        if _cache.get("key") == key:
            return _cache.get("value")  # type: ignore[return-value]
    keys = log_keys()
    try:
        saved = read_checkpoint(path, keys.origin, keys.all_verifiers)
    except StoreError as error:
        raise TrustedStateError(f"{error} ({SOURCE})") from None
    value = None if saved is None else TrustedCheckpoint(saved.size, saved.root, saved.note, SOURCE)
    with _cache_lock:
        _cache.update(key=key, value=value)
    return value


_SOURCES: tuple[Callable[[], TrustedCheckpoint | None], ...] = (_saved_checkpoint,)
"""Where trusted checkpoints come from. Witnesses' cosigned checkpoints belong here too."""


def largest_trusted_checkpoint() -> TrustedCheckpoint | None:
    """The largest checkpoint of this log found in any trusted source, or None.

    Raises TrustedStateError when a source cannot be read or trusted, or when two sources
    hold different trees of the same size (the log showed two histories).
    """
    largest: TrustedCheckpoint | None = None
    for source in _SOURCES:
        found = source()
        if found is None:
            continue
        if largest is not None and found.size == largest.size and found.root != largest.root:
            raise TrustedStateError(
                f"the log forked: {largest.source} and {found.source} hold different trees "
                f"of {found.size} entries"
            )
        if largest is None or found.size > largest.size:
            largest = found
    return largest


def consistency_node_ids(floor: TrustedCheckpoint | None, size: int) -> list[tuple[int, int]]:
    """The stored nodes `floor_problem` needs to prove the tree of ``size`` extends the floor."""
    if floor is None or floor.size == 0 or floor.size >= size:
        return []
    return merkle.consistency_proof_node_ids(floor.size, size)


def floor_problem(
    floor: TrustedCheckpoint | None,
    size: int,
    root: bytes,
    nodes: Mapping[tuple[int, int], bytes],
) -> str | None:
    """Why the signed tree of ``size`` and ``root`` does not extend the floor, or None.

    ``nodes`` holds the stored nodes named by `consistency_node_ids`: the proof built from
    them must join the floor's root to ``root``, which is exactly "the first floor.size
    entries of this tree are the ones signed before".
    """
    if floor is None:
        return None
    if size < floor.size:
        return (
            f"the log was rolled back: it holds {size} entries, but a checkpoint of "
            f"{floor.size} entries was signed before (kept in {floor.source}); entry numbers "
            "already given out would be reused"
        )
    if size == floor.size:
        if root != floor.root:
            return (
                f"the log forked: its tree of {size} entries differs from the one signed "
                f"before (kept in {floor.source})"
            )
        return None
    if floor.size == 0:
        return None
    try:
        proof = merkle.consistency_proof(floor.size, size, nodes)
    except merkle.MissingNodeError:
        proof = []
    if not merkle.verify_consistency(floor.size, size, floor.root, root, proof):
        return (
            f"the log forked: its tree of {size} entries does not extend the checkpoint of "
            f"{floor.size} entries signed before (kept in {floor.source})"
        )
    return None


def append_problem(first_index: int) -> str | None:
    """Why the sequence may not hand out ``first_index``, or None.

    Every index below the floor belongs to an entry already signed: the sequence handing
    one out again means the database was rolled back. One stat of the saved file.
    """
    try:
        floor = largest_trusted_checkpoint()
    except TrustedStateError as error:
        return str(error)
    if floor is not None and first_index < floor.size:
        return (
            f"the log was rolled back: the sequence handed out entry {first_index}, but a "
            f"checkpoint of {floor.size} entries was signed before (kept in {floor.source}); "
            "entry numbers already given out would be reused"
        )
    return None


def is_floor_problem(reason: str) -> bool:
    """Whether a reason the log stopped for is a rollback or fork found by the floor."""
    return reason.startswith(ROLLBACK_PREFIXES)


def save_checkpoint(note: str) -> None:
    """Raises the floor to this signed checkpoint, after the transaction that stored it
    committed; never lowers it. A failure is logged, not raised: the floor then lags, and
    the next batch saves again."""
    try:
        checkpoint = parse_checkpoint(parse_note(note).body)
    except NoteError:
        logger.error("ledger: not saving a checkpoint that does not parse")
        return
    path = state_file()
    try:
        current = largest_trusted_checkpoint()
        if current is None and checkpoint.size:
            logger.warning(
                "ledger: no saved checkpoint in %s yet; saving the log's checkpoint of %s "
                "entries, trusted as it is",
                SOURCE,
                checkpoint.size,
            )
        if current is not None and (
            current.size > checkpoint.size
            or (current.size == checkpoint.size and current.note == note)
        ):
            return
        with locked(path):
            keys = log_keys()
            saved = read_checkpoint(path, keys.origin, keys.all_verifiers)
            if saved is not None and (
                saved.size > checkpoint.size
                # Another tree of the same size is a fork, which the checks report:
                # never overwrite the evidence.
                or (saved.size == checkpoint.size and saved.root != checkpoint.root)
            ):
                return
            write_checkpoint(
                path,
                SavedCheckpoint(checkpoint.origin, checkpoint.size, checkpoint.root, note),
            )
    except (OSError, StoreError, TrustedStateError) as error:
        security_logger.error(
            "ledger: the signed checkpoint of %s entries could not be saved in %s: %s",
            checkpoint.size,
            SOURCE,
            error,
            extra={"event": "ledger.state_not_saved", "ledger_origin": settings.LEDGER_ORIGIN},
        )


def reset_saved_checkpoint() -> SavedCheckpoint | None:
    """Forgets the saved checkpoint (a deliberately recreated database); returns it, if
    one was there and could be read."""
    path = state_file()
    keys = log_keys()
    with locked(path):
        try:
            saved = read_checkpoint(path, keys.origin, keys.all_verifiers)
        except StoreError:
            saved = None
        remove_checkpoint(path)
    with _cache_lock:
        _cache.clear()
    security_logger.warning(
        "ledger: the saved checkpoint was reset (it was of %s entries)",
        saved.size if saved else "an unknown number of",
        extra={"event": "ledger.state_reset", "ledger_origin": settings.LEDGER_ORIGIN},
    )
    return saved


def forget_cached_floor() -> None:
    """Drops what this process read from the saved checkpoint, as a restart would."""
    with _cache_lock:
        _cache.clear()
