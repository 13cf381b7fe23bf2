"""Reading the log for its API and pages: entries, proofs and checkpoints.

Proofs are built from the log's tiles (tile_store.py), which this process keeps once
read: a proof costs a query only for a tile it has not seen. The log's size is read from
the tree state only when a request asks about a tree larger than this process has
already seen, since the log only grows.
Every entry served is checked against its own hash as it goes out; a mismatch stops
appends (see services.py), and the stored bytes are still served so that outside
verifiers see exactly what the database holds.
"""

from __future__ import annotations

import base64
import datetime
from dataclasses import dataclass

from django.utils import timezone

from civitas.ledger import merkle, tile_store
from civitas.ledger.guard import guard
from civitas.ledger.integrity import (
    columns_problem,
    entry_problem,
    latest_checkpoint,
)
from civitas.ledger.keys import log_keys
from civitas.ledger.leaf import LeafFormatError, ParsedLeaf, parse_leaf
from civitas.ledger.models import Entry, EntryLookup, Sequencer, TreeState
from civitas.ledger.note import (
    CosignatureVerifier,
    NoteError,
    open_note,
    parse_note,
    verify_cosignature,
)
from civitas.ledger.services import entry_url, ledger_health, mark_broken
from civitas.ledger.tile_store import LogDamaged as LogDamaged  # the API catches it here

MAX_PAGE = 1000


def log_size() -> int:
    """How many entries the signed tree holds (one small query)."""
    size = TreeState.objects.filter(id=1).values_list("size", flat=True).first() or 0
    guard.saw_size(size)
    return size


def log_size_at_least(size: int) -> int:
    """The log's size if it may be below ``size``, else the size this process last saw.

    Either way the answer is a size the log has reached, which is all a bounds check needs.
    """
    if size <= guard.largest_size:
        return guard.largest_size
    return log_size()


def _damaged(problem: str) -> LogDamaged:
    mark_broken(problem)
    return LogDamaged(problem)


@dataclass(frozen=True)
class ServedEntry:
    index: int
    leaf_data: bytes
    leaf_hash: bytes
    parsed: ParsedLeaf | None
    promise: str | None = None
    """The signed promise stored with the entry, in its text form."""


def _serve(index: int, entry: Entry | None) -> ServedEntry:
    if entry is None:
        raise _damaged(f"entry {index} is missing")
    data = bytes(entry.leaf_data)
    try:
        parsed = parse_leaf(data)
    except LeafFormatError:
        parsed = None
    # entry_problem(full=True), with the leaf parsed once for both the check and the page.
    problem = entry_problem(index, entry) or columns_problem(index, entry, parsed)
    if problem:
        mark_broken(problem)
    promise = (
        base64.urlsafe_b64encode(bytes(entry.promise)).rstrip(b"=").decode("ascii")
        if entry.promise is not None
        else None
    )
    return ServedEntry(index, data, bytes(entry.leaf_hash), parsed, promise)


def get_entry(index: int) -> ServedEntry:
    """An entry of the signed tree; ProofRequestError if it is beyond it."""
    size = log_size_at_least(index + 1)
    if index >= size:
        raise merkle.ProofRequestError(f"entry {index} is not in the log, which has {size} entries")
    return _serve(index, Entry.objects.filter(index=index).first())


@dataclass(frozen=True)
class EntriesPage:
    tree_size: int
    """The tree the page was clipped to: the one the client named, or the log's size now."""
    entries: list[ServedEntry]


def list_entries(start: int, end: int, *, tree_size: int | None = None) -> EntriesPage:
    """Entries [start, end) of the tree of ``tree_size`` (default: the log's size read
    now), at most MAX_PAGE.

    A page is short only where that tree ends or at MAX_PAGE, never because this process
    last saw a smaller log: a client that pages through the checkpoint it verified names
    its size and gets every entry of it.
    """
    if start < 0 or end <= start:
        raise merkle.ProofRequestError("end must be larger than start, and start at least 0")
    if tree_size is None:
        size = log_size()
    else:
        if tree_size == 0:
            raise merkle.ProofRequestError("tree_size must be at least 1")
        size = log_size_at_least(tree_size)
        if tree_size > size:
            raise merkle.ProofRequestError(
                f"tree_size {tree_size} is beyond the log, which has {size} entries"
            )
        size = tree_size
    if start >= size:
        raise merkle.ProofRequestError(f"start {start} is beyond the log, which has {size} entries")
    end = min(end, start + MAX_PAGE, size)
    found = {entry.index: entry for entry in Entry.objects.filter(index__gte=start, index__lt=end)}
    return EntriesPage(size, [_serve(index, found.get(index)) for index in range(start, end)])


@dataclass(frozen=True)
class InclusionProof:
    index: int
    tree_size: int
    leaf_hash: bytes
    path: list[bytes]


def get_inclusion_proof(index: int, tree_size: int) -> InclusionProof:
    """The proof that leaf ``index`` is in the tree of ``tree_size``, built from tiles."""
    merkle.check_inclusion_request(index, tree_size, log_size=log_size_at_least(tree_size))
    leaf, path = tile_store.inclusion_proof(index, tree_size)
    return InclusionProof(index, tree_size, leaf, path)


def find_leaf_index(leaf_hash: bytes) -> int | None:
    """The index of the entry with this leaf hash, if there is one."""
    found = EntryLookup.objects.filter(leaf_hash=leaf_hash).values_list("index", flat=True)
    return found.first()


def get_consistency_proof(first: int, second: int) -> list[bytes]:
    """The proof that the tree of ``second`` extends that of ``first``, built from tiles."""
    merkle.check_consistency_request(first, second, log_size=log_size_at_least(second))
    return tile_store.consistency_proof(first, second)


@dataclass(frozen=True)
class SignedCheckpoint:
    """The latest checkpoint, with who signed it and when, as checked by this platform."""

    note: str
    body: str
    size: int
    root: bytes
    signed_by: list[str]
    signed_at: datetime.datetime | None
    problem: str | None


def get_signed_checkpoint() -> SignedCheckpoint | None:
    """The latest checkpoint and the result of checking its signatures; None if none yet."""
    checkpoint = latest_checkpoint()
    if checkpoint is None:
        return None
    guard.saw_size(checkpoint.size)
    keys = log_keys()
    try:
        body, signed_by = open_note(checkpoint.note, keys.all_verifiers)
    except NoteError as error:
        try:
            body = parse_note(checkpoint.note).body
        except NoteError:
            body = ""  # not even a note: overwritten, and shown as such
        return SignedCheckpoint(
            checkpoint.note, body, checkpoint.size, bytes(checkpoint.root), [], None, str(error)
        )
    return SignedCheckpoint(
        note=checkpoint.note,
        body=body,
        size=checkpoint.size,
        root=bytes(checkpoint.root),
        signed_by=sorted(set(signed_by)),
        signed_at=_signed_time(checkpoint.note, body, keys.timestamp_verifiers),
        problem=None,
    )


def _signed_time(
    note: str, body: str, verifiers: tuple[CosignatureVerifier, ...]
) -> datetime.datetime | None:
    for signature in parse_note(note).signatures:
        for verifier in verifiers:
            if (signature.name, signature.key_id) == (verifier.name, verifier.key_id):
                try:
                    timestamp = verify_cosignature(body, signature.line, verifier)
                except NoteError:
                    continue
                return timezone.localtime(
                    datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
                )
    return None


@dataclass(frozen=True)
class LogStatus:
    origin: str
    size: int
    sequenced: int
    broken_reason: str | None


def get_log_status() -> LogStatus:
    # A process's first answer comes after its start-up check (which stores any reason),
    # so a log rolled back while the platform was down says so at once.
    ledger_health()
    sequencer = Sequencer.objects.filter(id=1).values_list("next_index", "broken_reason").first()
    sequenced, broken_reason = sequencer or (0, "")
    return LogStatus(
        origin=log_keys().origin,
        size=log_size(),
        sequenced=sequenced,
        broken_reason=broken_reason or None,
    )


@dataclass(frozen=True)
class EntrySummary:
    index: int
    kind: str
    occurred_at: datetime.datetime
    is_integrated: bool
    role: str = ""
    """The role of whoever the entry records acting, as the entry names it."""

    @property
    def url(self) -> str:
        return entry_url(self.index)


def list_entries_about(subject: str) -> list[EntrySummary]:
    """Every entry about one subject reference, oldest first.

    Integrated entries are found through the lookup table; those written since the last
    batch by scanning that short tail of the log. Four small indexed queries.
    """
    size = log_size()  # first: a batch committing meanwhile can only add duplicates
    indexes = set(EntryLookup.objects.filter(subject=subject).values_list("index", flat=True))
    fields = ("index", "kind", "occurred_at", "role")
    rows = list(Entry.objects.filter(index__in=indexes).values_list(*fields)) if indexes else []
    rows += Entry.objects.filter(index__gte=size, subject=subject).values_list(*fields)
    unique = {index: (kind, when, role) for index, kind, when, role in rows}
    return [
        EntrySummary(index, kind, when, index < size, role)
        for index, (kind, when, role) in sorted(unique.items())
    ]


@dataclass(frozen=True)
class EntryPage:
    """Everything the public page of one entry shows."""

    index: int
    entry: ServedEntry | None
    checkpoint: SignedCheckpoint | None
    proof: InclusionProof | None
    state: str  # "included", "pending" or "failed"
    problem: str | None = None


def describe_entry(index: int) -> EntryPage | None:
    """The entry at ``index`` checked against the latest checkpoint; None if there is none.

    "pending" means written but not yet in a signed tree (the worker adds it within a
    second or two); "failed" means the stored data does not match the signed log.
    """
    stored = Entry.objects.filter(index=index).first()
    checkpoint = get_signed_checkpoint()
    if stored is None:
        if checkpoint is not None and index < checkpoint.size:
            problem = f"entry {index} is missing"
            mark_broken(problem)
            return EntryPage(index, None, checkpoint, None, "failed", problem)
        return None
    entry = _serve(index, stored)
    if checkpoint is None or index >= checkpoint.size:
        return EntryPage(index, entry, checkpoint, None, "pending")
    if checkpoint.problem:
        return EntryPage(index, entry, checkpoint, None, "failed", checkpoint.problem)
    try:
        proof = get_inclusion_proof(index, checkpoint.size)
    except LogDamaged as error:
        return EntryPage(index, entry, checkpoint, None, "failed", str(error))
    leaf = merkle.leaf_hash(entry.leaf_data)
    if not merkle.verify_inclusion(leaf, index, checkpoint.size, proof.path, checkpoint.root):
        problem = f"entry {index} is not in the signed tree (its proof does not verify)"
        mark_broken(problem)
        return EntryPage(index, entry, checkpoint, proof, "failed", problem)
    return EntryPage(index, entry, checkpoint, proof, "included")
