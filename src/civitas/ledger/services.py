"""Appending to the transparency log, integrating batches, and checking what is stored.

Sequence, then integrate, as Trillian and Tessera do:

- `record_entry` runs inside the caller's transaction. It takes the next index from the
  Sequencer row, whose lock is then held until that transaction ends, so indexes commit
  in order and without gaps, and a decision and its entry commit together or not at all.
- `integrate_pending`, which every worker runs each second, hashes the committed entries
  after the tree's size into the tree in batches: it reads only the O(log n) nodes on
  the tree's right edge, inserts the new nodes, and publishes a signed checkpoint, all
  in one transaction.

Fail closed: before every batch, and once in each process before its first append, the
stored tree is checked against the last signed checkpoint (its signature, the root
recomputed from the stored nodes, the newest entry and a random sample of entries with
their inclusion proofs). Each run also audits the next chunk of the log in full, so
every stored entry and node is re-checked within one pass over the log, and every
entry the API serves is checked as it goes out. Any mismatch stops appends for good
(until an operator has restored the data and `civitas ledger check --full --clear-broken`
passes), logs a security event and turns the health check to "broken". No step reads the
whole log except that explicit full check.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from civitas.ledger import merkle
from civitas.ledger.canonical import subject_reference
from civitas.ledger.guard import guard
from civitas.ledger.keys import LogKeys, log_keys
from civitas.ledger.leaf import LeafFormatError, format_leaf, format_time, leaf_prefix, parse_leaf
from civitas.ledger.models import (
    Checkpoint,
    Entry,
    EntryLookup,
    Node,
    Sequencer,
    TreeState,
    node_id,
)
from civitas.ledger.note import (
    NoteError,
    UnknownKeyError,
    append_signatures,
    cosign,
    format_checkpoint,
    open_note,
    parse_checkpoint,
    parse_note,
    sign_note,
)
from civitas.platform.audit import record_audit_event

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("civitas.security")

SAMPLE_SIZE = 4
"""Random entries whose inclusion is re-proved at start-up and before each batch."""
AUDIT_CHUNK = 1024
"""Entries (and every node above them, up to this power of two) audited per run."""
INSERT_ROWS = 500
"""Rows per multi-row INSERT: many times faster than one at a time, within SQLite's limits."""


class LedgerUnavailable(RuntimeError):
    """The log cannot take entries now; nothing was recorded. The message says why."""


@dataclass(frozen=True)
class EntryReceipt:
    """What the caller learns when its entry is written: its permanent index."""

    index: int
    kind: str
    leaf_hash: bytes

    @property
    def url(self) -> str:
        return entry_url(self.index)


def entry_url(index: int) -> str:
    """The public page that shows an entry and proves it is in the signed log."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/ledger/entries/{index}/"


def person_reference(identifier: str) -> str:
    """The keyed pseudonym to log instead of ``identifier`` (an email, a case reference).

    Without LEDGER_SUBJECT_KEY nobody can turn it back into the identifier by guessing.
    """
    return subject_reference(settings.LEDGER_SUBJECT_KEY.encode(), identifier)


# --- Appending -------------------------------------------------------------------------


@dataclass(frozen=True)
class NewEntry:
    """An entry to append with ``record_entries``; the fields of ``record_entry``."""

    kind: str
    organisation: str
    role: str
    payload: dict[str, Any]
    subject: str | None = None


def record_entry(
    *,
    kind: str,
    organisation: str,
    role: str,
    subject: str | None = None,
    payload: dict[str, Any],
) -> EntryReceipt:
    """Appends an entry in the caller's transaction and returns its index.

    Call it last in the transaction, just before what needs the index (an email): the
    Sequencer row stays locked until the transaction ends. ``subject`` must be None or a
    reference from ``person_reference``; ``payload`` must hold no personal data, since
    the log is public and can never be edited. Raises LedgerUnavailable when the log
    has failed an integrity check, LeafFormatError for an entry that cannot be written.
    """
    entry = NewEntry(
        kind=kind, organisation=organisation, role=role, subject=subject, payload=payload
    )
    return record_entries([entry])[0]


def record_entries(entries: list[NewEntry]) -> list[EntryReceipt]:
    """Appends several entries, with consecutive indexes, in the caller's transaction.

    As ``record_entry``, for producers that log many things at once: one counter update
    and one insert per 500 entries, however many there are.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_entry must run inside the transaction of the change it records")
    if not entries:
        return []
    _check_at_startup()
    now = timezone.now()
    rows = []
    for entry in entries:
        # Written before an index is taken, so a bad entry fails without taking one.
        body = format_leaf(
            index=0,
            kind=entry.kind,
            time=now,
            organisation=entry.organisation,
            role=entry.role,
            subject=entry.subject,
            payload=entry.payload,
        )
        # JCS puts "index" first: the real leaf is the validated one with its index in front.
        columns = [entry.kind, now, entry.organisation, entry.role, entry.subject or ""]
        rows.append((columns, body[len(leaf_prefix(0)) :]))
    while True:
        if len(rows) == 1 and connection.vendor == "postgresql":
            appended = _append_in_one_statement(*rows[0])
        else:
            appended = _append_in_two_statements(rows)
        if appended is not None:
            return [
                EntryReceipt(index=index, kind=entry.kind, leaf_hash=digest)
                for entry, (index, digest) in zip(entries, appended, strict=True)
            ]
        _open_the_sequence()


# Plain SQL below: it runs in every logged transaction, where the ORM would double its cost.


def _append_in_two_statements(
    rows: list[tuple[list[Any], bytes]],
) -> list[tuple[int, bytes]] | None:
    with connection.cursor() as cursor:
        # Takes the row lock, checks the log is open and counts, in one statement.
        cursor.execute(
            "UPDATE ledger_sequencer SET next_index = next_index + %s "
            "WHERE id = 1 AND broken_reason = '' RETURNING next_index - %s",
            [len(rows), len(rows)],
        )
        taken = cursor.fetchone()
        if taken is None:
            return None
        appended, values = [], []
        for index, (columns, rest) in enumerate(rows, start=taken[0]):
            data = leaf_prefix(index) + rest
            digest = merkle.leaf_hash(data)
            appended.append((index, digest))
            values.append([index, *columns, data, digest])
        for start in range(0, len(values), INSERT_ROWS):
            chunk = values[start : start + INSERT_ROWS]
            marks = ",".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                'INSERT INTO ledger_entry ("index", kind, occurred_at, organisation, role, '  # noqa: S608 - placeholders only
                f"subject, leaf_data, leaf_hash) VALUES {marks}",
                [value for row in chunk for value in row],
            )
    return appended


def _append_in_one_statement(columns: list[Any], rest: bytes) -> list[tuple[int, bytes]] | None:
    # A round trip to PostgreSQL costs more than the rest of an append, so the index is
    # taken, the leaf written and hashed (SHA-256 of 0x00 || leaf) in a single statement.
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH taken AS (UPDATE ledger_sequencer SET next_index = next_index + 1 "
            "WHERE id = 1 AND broken_reason = '' RETURNING next_index - 1 AS i), "
            "leaf AS (SELECT i, convert_to('{\"index\":' || i || ',', 'UTF8') || %s AS data "
            "FROM taken) "
            'INSERT INTO ledger_entry ("index", kind, occurred_at, organisation, role, subject, '
            "leaf_data, leaf_hash) "
            "SELECT i, %s, %s, %s, %s, %s, data, sha256(decode('00', 'hex') || data) "
            'FROM leaf RETURNING "index", leaf_hash',
            [rest, *columns],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    index, digest = row[0], bytes(row[1])
    if digest != merkle.leaf_hash(leaf_prefix(index) + rest):
        raise AssertionError("the database wrote a leaf other than the one asked for")
    return [(index, digest)]


def _open_the_sequence() -> None:
    """Raises LedgerUnavailable when appends are stopped; else creates the sequence row."""
    reason = Sequencer.objects.filter(id=1).values_list("broken_reason", flat=True).first()
    if reason:
        raise LedgerUnavailable(_unavailable_message(reason))
    if Entry.objects.exists() or Checkpoint.objects.exists():
        raise LedgerUnavailable(_unavailable_message("the sequencer row is missing"))
    # A new database: the first append creates the row (a savepoint absorbs a race).
    Sequencer.objects.get_or_create(id=1)


def _unavailable_message(reason: str) -> str:
    return (
        "The transparency log is not accepting entries because its stored records failed "
        f"an integrity check ({reason}). Nothing was saved."
    )


def find_broken_reason() -> str | None:
    """Why appends are stopped, or None while the log is healthy."""
    reason = Sequencer.objects.filter(id=1).values_list("broken_reason", flat=True).first()
    return reason or None


def _check_at_startup() -> None:
    """Checks the stored log against its last checkpoint once per process."""
    if guard.startup_checked:
        return
    with guard.lock:
        if guard.startup_checked:
            return
        problem = check_head().problem
        if problem:
            if connection.in_atomic_block:
                # The caller's transaction will roll back: the flag is written by the
                # next batch or health check, but the security event is logged now.
                _log_security_event(problem)
            else:
                mark_broken(problem)
            raise LedgerUnavailable(_unavailable_message(problem))
        guard.startup_checked = True


def ledger_health() -> str:
    """The health check: "ok", or "broken" once appends have been stopped."""
    if not guard.startup_checked:
        try:
            _check_at_startup()
        except LedgerUnavailable:
            return "broken"
    return "broken" if find_broken_reason() else "ok"


def mark_broken(reason: str) -> None:
    """Stops appends for good and raises the alarm. The reason names rows, never people."""
    with transaction.atomic():
        sequencer, _ = Sequencer.objects.get_or_create(id=1)
        if sequencer.broken_reason:
            return
        Sequencer.objects.filter(id=1).update(broken_reason=reason, broken_at=timezone.now())
        record_audit_event(
            action="ledger.broken",
            object_type="ledger",
            object_id=settings.LEDGER_ORIGIN,
            actor_type="system",
            details={"reason": reason},
        )
    _log_security_event(reason)


def _log_security_event(reason: str) -> None:
    security_logger.critical(
        "ledger integrity check failed; appends stopped: %s",
        reason,
        extra={"event": "ledger.broken", "ledger_origin": settings.LEDGER_ORIGIN},
    )


def clear_broken() -> None:
    """Lets appends resume. Only for `civitas ledger check --full --clear-broken`."""
    Sequencer.objects.filter(id=1).update(broken_reason="", broken_at=None)
    guard.startup_checked = False


# --- Checking the stored log -----------------------------------------------------------


@dataclass
class HeadCheck:
    """The result of checking the stored tree against the latest signed checkpoint."""

    problem: str | None = None
    checkpoint: Checkpoint | None = None
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    nodes: dict[tuple[int, int], bytes] = field(default_factory=dict)


def verify_checkpoint_row(checkpoint: Checkpoint, keys: LogKeys) -> str | None:
    """Why a stored checkpoint cannot be trusted, or None if it is sound."""
    try:
        body, _ = open_note(checkpoint.note, keys.all_verifiers)
        parsed = parse_checkpoint(body)
    except UnknownKeyError:
        return (
            f"checkpoint {checkpoint.pk} is not signed by any configured key (after a key "
            "rotation, keep the old public key in LEDGER_VERIFIER_KEYS_EXTRA)"
        )
    except NoteError:
        return f"checkpoint {checkpoint.pk} was altered: its signature does not verify"
    if parsed.origin != keys.origin:
        return f"checkpoint {checkpoint.pk} is for log {parsed.origin!r}, not {keys.origin!r}"
    if (parsed.size, parsed.root) != (checkpoint.size, bytes(checkpoint.root)):
        return f"checkpoint {checkpoint.pk}'s size or root column differs from its signed text"
    return None


def latest_checkpoint() -> Checkpoint | None:
    return Checkpoint.objects.order_by("-id").first()


def check_head(state: TreeState | None = None) -> HeadCheck:
    """Checks the stored tree against the latest checkpoint without reading the whole log.

    About six queries: the checkpoint, the tree state, the sequencer, one for the nodes
    of the root and of every sampled proof, one for the sampled entries, and the
    largest index. The nodes fetched are returned for the append that follows.
    """
    keys = log_keys()
    checkpoint = latest_checkpoint()
    if state is None:
        state = TreeState.objects.filter(id=1).first()
    state_size = state.size if state else 0
    if checkpoint is None:
        if state_size or Node.objects.exists():
            return HeadCheck(problem="the tree has nodes but its checkpoints are missing")
        return _check_sequence(HeadCheck(), 0)
    result = HeadCheck(checkpoint=checkpoint, size=checkpoint.size, root=bytes(checkpoint.root))
    problem = verify_checkpoint_row(checkpoint, keys)
    if problem:
        result.problem = problem
        return result
    if state is None or (state.size, bytes(state.root or b"")) != (result.size, result.root):
        result.problem = "the tree state does not match the latest signed checkpoint"
        return result
    if result.size < guard.largest_size:
        result.problem = (
            f"the log shrank from {guard.largest_size} to {result.size} entries "
            "(the database was rolled back)"
        )
        return result
    if result.size == 0:
        return _check_sequence(result, 0)
    sample = {0, result.size - 1, *_random_indexes(result.size, SAMPLE_SIZE)}
    wanted = set(merkle.root_node_ids(result.size))
    for index in sample:
        wanted.add((0, index))
        wanted.update(merkle.inclusion_proof_node_ids(index, result.size))
    result.nodes = fetch_nodes(wanted)
    missing = sorted(wanted - result.nodes.keys())
    if missing:
        result.problem = f"tree node (level {missing[0][0]}, index {missing[0][1]}) is missing"
        return result
    if merkle.root_hash(result.size, result.nodes) != result.root:
        result.problem = "the stored tree nodes do not hash to the signed root"
        return result
    entries = {entry.index: entry for entry in Entry.objects.filter(index__in=sample)}
    for index in sorted(sample):
        problem = entry_problem(index, entries.get(index), tree_leaf=result.nodes[(0, index)])
        if problem is None:
            proof = merkle.inclusion_proof(index, result.size, result.nodes)
            if not merkle.verify_inclusion(
                result.nodes[(0, index)], index, result.size, proof, result.root
            ):
                problem = f"entry {index} is not in the signed tree (its proof does not verify)"
        if problem:
            result.problem = problem
            return result
    return _check_sequence(result, result.size)


def _check_sequence(result: HeadCheck, size: int) -> HeadCheck:
    # Read the largest index before the counter: both only grow, so a legitimate entry
    # can never appear to be beyond the counter.
    largest = Entry.objects.order_by("-index").values_list("index", flat=True).first()
    next_index = Sequencer.objects.filter(id=1).values_list("next_index", flat=True).first()
    if largest is not None and largest >= (next_index or 0):
        result.problem = f"entry {largest} was not written by the log (it is beyond the sequence)"
    elif (next_index or 0) < size:
        result.problem = "the sequence counter is behind the signed tree"
    return result


def _random_indexes(size: int, count: int) -> list[int]:
    # Unpredictable, so someone editing rows cannot know which will be checked.
    chooser = random.SystemRandom()
    return [chooser.randrange(size) for _ in range(count)]


def fetch_nodes(ids: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The stored nodes among ``ids``, in one query."""
    packed = {node_id(level, index): (level, index) for level, index in ids}
    if not packed:
        return {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement shape for any number of ids.
            cursor.execute(
                "SELECT id, hash FROM ledger_node WHERE id = ANY(%s::bigint[])", [list(packed)]
            )
        else:
            marks = ",".join(["%s"] * len(packed))
            cursor.execute(f"SELECT id, hash FROM ledger_node WHERE id IN ({marks})", list(packed))  # noqa: S608 - only placeholders
        return {packed[row_id]: bytes(value) for row_id, value in cursor.fetchall()}


def entry_problem(
    index: int, entry: Entry | None, *, tree_leaf: bytes | None = None, full: bool = False
) -> str | None:
    """What is wrong with the stored entry at ``index``, or None.

    Checks the bytes name this index, hash to the stored leaf hash and (if given) to the
    tree's leaf; with ``full``, also that the columns agree with the signed bytes.
    """
    if entry is None:
        return f"entry {index} is missing"
    data = bytes(entry.leaf_data)
    if not data.startswith(leaf_prefix(index)):
        return f"entry {index} holds the data of another position (rows were reordered or moved)"
    digest = merkle.leaf_hash(data)
    if digest != bytes(entry.leaf_hash):
        return f"entry {index} was altered: its data does not match its leaf hash"
    if tree_leaf is not None and digest != tree_leaf:
        return f"entry {index} was altered: it is not the entry the tree committed to"
    if full:
        try:
            parsed = parse_leaf(data)
        except LeafFormatError:
            return f"entry {index} was altered: its data is not a well-formed entry"
        columns = (entry.kind, entry.organisation, entry.role, entry.subject or None)
        signed = (parsed.kind, parsed.organisation, parsed.role, parsed.subject)
        if columns != signed or format_time(entry.occurred_at) != parsed.time:
            return f"entry {index} was altered: its columns differ from its signed data"
    return None


# --- Integrating -----------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    integrated: int
    size: int
    stopped: bool = False


def integrate_pending(*, batch_size: int | None = None, max_batches: int = 100) -> int:
    """Integrates committed entries in batches until none are left; returns how many.

    Then audits the next chunk of the log. The periodic job every worker runs.
    """
    limit = batch_size or settings.LEDGER_BATCH_SIZE
    total = 0
    for _ in range(max_batches):
        result = integrate_batch(limit=limit)
        total += result.integrated
        if result.stopped or result.integrated < limit:
            break
    if not find_broken_reason():
        audit_next_chunk()
    return total


def _lock_tree_state() -> TreeState | None:
    state = TreeState.objects.select_for_update().filter(id=1).first()
    if state is None and not Checkpoint.objects.exists():
        TreeState.objects.get_or_create(id=1, defaults={"root": merkle.EMPTY_ROOT})
        state = TreeState.objects.select_for_update().get(id=1)
    return state


def integrate_batch(*, limit: int) -> BatchResult:
    """Checks the stored tree, then integrates up to ``limit`` committed entries."""
    with transaction.atomic():
        state = _lock_tree_state()
        if find_broken_reason():
            return BatchResult(0, state.size if state else 0, stopped=True)
        head = check_head(state)
        if head.problem or state is None:
            mark_broken(head.problem or "the tree state row is missing")
            return BatchResult(0, head.size, stopped=True)
        guard.startup_checked = True
        size = head.size
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT "index", leaf_data, leaf_hash, subject FROM ledger_entry '
                'WHERE "index" >= %s ORDER BY "index" LIMIT %s',
                [size, limit],
            )
            rows = cursor.fetchall()
        keys = log_keys()
        if not rows:
            if head.checkpoint is None or _needs_signing(head.checkpoint.note, keys):
                _publish_checkpoint(size, head.root, keys)
            return BatchResult(0, size)
        hashes, lookups = [], []
        for offset, (index, data, stored_hash, subject) in enumerate(rows):
            expected = size + offset
            if index != expected:
                mark_broken(f"entry {expected} is missing")
                return BatchResult(0, size, stopped=True)
            data = bytes(data)
            digest = merkle.leaf_hash(data)
            if not data.startswith(leaf_prefix(index)) or digest != bytes(stored_hash):
                mark_broken(f"entry {index} was altered before it was integrated")
                return BatchResult(0, size, stopped=True)
            hashes.append(digest)
            lookups.append((index, subject, digest))
        new_size = size + len(hashes)
        # The right-edge nodes an append reads are the root's, which check_head fetched.
        nodes = {key: head.nodes[key] for key in merkle.append_node_ids(size)}
        created = merkle.append_batch(size, hashes, nodes)
        try:
            with transaction.atomic():
                insert_nodes(created)
                insert_lookups(lookups)
        except IntegrityError:
            mark_broken(
                "a tree node or lookup for a position beyond the signed tree already exists"
            )
            return BatchResult(0, size, stopped=True)
        nodes.update({(level, index): value for level, index, value in created})
        new_root = merkle.root_hash(new_size, nodes)
        _publish_checkpoint(new_size, new_root, keys)
        TreeState.objects.filter(id=1).update(size=new_size, root=new_root)
        guard.saw_size(new_size)
    logger.info("ledger integrated %s entries; the log holds %s", len(hashes), new_size)
    return BatchResult(len(hashes), new_size)


def insert_nodes(created: Iterable[tuple[int, int, bytes]]) -> None:
    """Inserts nodes with multi-row INSERTs, many times faster than one row at a time."""
    rows = [(node_id(level, index), value) for level, index, value in created]
    _insert_rows("INSERT INTO ledger_node (id, hash) VALUES ", rows)


def insert_lookups(rows: list[tuple[int, str, bytes]]) -> None:
    """Inserts (index, subject, leaf hash) rows into the lookup table."""
    _insert_rows('INSERT INTO ledger_entrylookup ("index", subject, leaf_hash) VALUES ', rows)


def _insert_rows(statement: str, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    marks = "(" + ", ".join(["%s"] * len(rows[0])) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_ROWS):
            chunk = rows[start : start + INSERT_ROWS]
            cursor.execute(
                statement + ",".join([marks] * len(chunk)),
                [value for row in chunk for value in row],
            )


def _needs_signing(note: str, keys: LogKeys) -> bool:
    """True when a configured signer has not signed the latest checkpoint (a new key)."""
    try:
        present = {(s.name, s.key_id) for s in parse_note(note).signatures}
    except NoteError:
        return True
    return any((signer.name, signer.key_id) not in present for signer in keys.signers)


def sign_checkpoint(size: int, root: bytes, keys: LogKeys, timestamp: int) -> str:
    """The checkpoint note, signed by every configured key.

    Each key signs twice: an Ed25519 note signature, which every signed-note verifier
    understands, and a cosignature/v1 line, whose signed timestamp says when the log
    vouched for this tree. Verifiers that only know the first ignore the second.
    """
    body = format_checkpoint(keys.origin, size, root)
    note = sign_note(body, list(keys.signers))
    return append_signatures(note, [cosign(body, signer, timestamp) for signer in keys.signers])


def _publish_checkpoint(size: int, root: bytes, keys: LogKeys) -> Checkpoint:
    now = timezone.now()
    note = sign_checkpoint(size, root, keys, int(now.timestamp()))
    return Checkpoint.objects.create(size=size, root=root, note=note, published_at=now)


# --- Auditing --------------------------------------------------------------------------


def _subtree_nodes(start: int, leaves: list[bytes]) -> list[tuple[int, int, bytes]]:
    """Every perfect node inside [start, start + len(leaves)); start must be aligned to a
    power of two at least len(leaves), so no node outside the range is needed."""
    created = [(0, start + offset, leaf) for offset, leaf in enumerate(leaves)]
    level, first, current = 0, start, leaves
    while len(current) >= 2:
        current = [
            merkle.node_hash(left, right)
            for left, right in zip(current[0::2], current[1::2], strict=False)
        ]
        level, first = level + 1, first >> 1
        created.extend((level, first + offset, value) for offset, value in enumerate(current))
    return created


def audit_range(start: int, end: int, size: int, root: bytes) -> str | None:
    """Recomputes every entry and node in [start, end) and proves the range is in the
    signed tree of ``size`` and ``root``; returns what is wrong, or None.

    ``start`` is a multiple of AUDIT_CHUNK and ``end - start`` at most AUDIT_CHUNK.
    Four queries, whatever the size of the log.
    """
    entries = {
        entry.index: entry for entry in Entry.objects.filter(index__gte=start, index__lt=end)
    }
    lookups = {
        index: (subject, bytes(digest))
        for index, subject, digest in EntryLookup.objects.filter(
            index__gte=start, index__lt=end
        ).values_list("index", "subject", "leaf_hash")
    }
    leaves = []
    for index in range(start, end):
        entry = entries.get(index)
        problem = entry_problem(index, entry, full=True)
        if problem:
            return problem
        if lookups.get(index) != (entry.subject, bytes(entry.leaf_hash)):
            return f"the lookup row of entry {index} is missing or differs from the entry"
        leaves.append(bytes(entry.leaf_hash))
    expected = _subtree_nodes(start, leaves)
    wanted = {(level, index) for level, index, _ in expected}
    wanted.update(merkle.inclusion_proof_node_ids(start, size))
    stored = fetch_nodes(wanted)
    for level, index, value in expected:
        if (level, index) not in stored:
            return f"tree node (level {level}, index {index}) is missing"
        if stored[(level, index)] != value:
            return f"tree node (level {level}, index {index}) was altered"
    proof = merkle.inclusion_proof(start, size, stored)
    if not merkle.verify_inclusion(leaves[0], start, size, proof, root):
        return f"entries {start} to {end - 1} are not in the signed tree"
    return None


def audit_next_chunk() -> str | None:
    """Audits the next chunk of the rolling audit and moves it on; marks the log broken
    on a mismatch. Runs outside any transaction: audited rows never change."""
    state = TreeState.objects.filter(id=1).first()
    checkpoint = latest_checkpoint()
    if state is None or checkpoint is None or checkpoint.size == 0:
        return None
    problem = verify_checkpoint_row(checkpoint, log_keys())
    size = checkpoint.size
    start = state.audit_position if state.audit_position < size else 0
    start -= start % AUDIT_CHUNK
    end = min(start + AUDIT_CHUNK, size)
    problem = problem or audit_range(start, end, size, bytes(checkpoint.root))
    if problem:
        mark_broken(problem)
        return problem
    TreeState.objects.filter(id=1).update(audit_position=end if end < size else 0)
    return None


@dataclass(frozen=True)
class FullCheck:
    size: int
    problem: str | None
    seconds: float


def check_whole_log() -> FullCheck:
    """Checks every stored entry and node against the latest checkpoint (reads it all).

    For operators, after restoring data; the platform itself never needs it.
    """
    started = time.monotonic()
    head = check_head()
    problem = head.problem
    position = 0
    while problem is None and position < head.size:
        end = min(position + AUDIT_CHUNK, head.size)
        problem = audit_range(position, end, head.size, head.root)
        position = end
    if problem is None:
        problem = _check_checkpoint_history(head.size)
    return FullCheck(head.size, problem, time.monotonic() - started)


def _check_checkpoint_history(size: int) -> str | None:
    """Every stored checkpoint verifies and is a prefix of the current tree."""
    keys = log_keys()
    previous = 0
    for checkpoint in Checkpoint.objects.order_by("id").iterator():
        problem = verify_checkpoint_row(checkpoint, keys)
        if problem:
            return problem
        if checkpoint.size < previous or checkpoint.size > size:
            return f"checkpoint {checkpoint.pk} is out of order"
        previous = checkpoint.size
        if checkpoint.size:
            nodes = fetch_nodes(merkle.root_node_ids(checkpoint.size))
            try:
                if merkle.root_hash(checkpoint.size, nodes) != bytes(checkpoint.root):
                    return f"checkpoint {checkpoint.pk} is not a prefix of the current tree"
            except merkle.MissingNodeError:
                return f"a node of checkpoint {checkpoint.pk}'s tree is missing"
    return None


def text_sha256(text: str) -> str:
    """The hex SHA-256 of a text, to log that it existed without logging what it says."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
