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

import base64
import functools
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from civitas.ledger import merkle
from civitas.ledger.canonical import subject_reference
from civitas.ledger.events import LogFoundBroken
from civitas.ledger.floor import (
    TrustedStateError,
    append_problem,
    floor_problem,
    largest_trusted_checkpoint,
    save_checkpoint,
)
from civitas.ledger.guard import guard
from civitas.ledger.integrity import (
    AUDIT_CHUNK,
    audit_range,
    check_head,
    latest_checkpoint,
    verify_checkpoint_row,
)
from civitas.ledger.keys import LogKeys, log_keys
from civitas.ledger.leaf import format_leaf, leaf_prefix
from civitas.ledger.models import (
    Checkpoint,
    Entry,
    Sequencer,
    TreeState,
    node_id,
)
from civitas.ledger.note import (
    NoteError,
    append_signatures,
    cosign,
    format_checkpoint,
    parse_note,
    sign_note,
)
from civitas.ledger.promises import (
    issue_promise,
    seal_entry,
    seal_holds,
    stored_promise_problem,
    timestamp_ms,
)
from civitas.platform.bulk import insert_rows
from civitas.platform.events import publish
from civitas.platform.health import HealthResult
from civitas.platform.jsontypes import JSONValue

logger = logging.getLogger(__name__)
security_logger = logging.getLogger("civitas.security")

_ENTRY_COLUMNS = (
    '"index", kind, occurred_at, organisation, role, subject, leaf_data, leaf_hash, promise, seal'
)


class LedgerUnavailable(RuntimeError):
    """The log cannot take entries now; nothing was recorded. The message says why."""


@dataclass(frozen=True)
class EntryReceipt:
    """What the caller learns when its entry is written: its permanent index, and the
    log's signed promise to put it in a signed checkpoint, unchanged, within the maximum
    merge delay (promise.py)."""

    index: int
    kind: str
    leaf_hash: bytes
    promise: str = ""
    """The promise in its compact text form, for the person the entry is about."""

    @property
    def url(self) -> str:
        return entry_url(self.index)

    @property
    def promise_url(self) -> str:
        """The entry's page, which checks this promise when opened from the link."""
        return f"{self.url}?promise={self.promise}" if self.promise else self.url


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
    payload: Mapping[str, JSONValue]
    subject: str | None = None

    def as_json(self) -> dict[str, JSONValue]:
        """The entry as JSON, to append later (from a message's outbox row: decision 0065)."""
        return {
            "kind": self.kind,
            "organisation": self.organisation,
            "role": self.role,
            "subject": self.subject,
            "payload": dict(self.payload),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, JSONValue]) -> NewEntry:
        payload, subject = data.get("payload"), data.get("subject")
        if not isinstance(payload, dict):
            raise ValueError("an entry's payload must be an object")
        return cls(
            kind=str(data["kind"]),
            organisation=str(data["organisation"]),
            role=str(data["role"]),
            subject=None if subject is None else str(subject),
            payload=payload,
        )


def record_entry(
    *,
    kind: str,
    organisation: str,
    role: str,
    subject: str | None = None,
    payload: Mapping[str, JSONValue],
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
    keys = log_keys()
    now = timezone.now()
    time_ms = timestamp_ms(now)
    skip = len(leaf_prefix(0))
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
        rows.append((columns, body[skip:]))
    while True:
        appended = _append(rows, keys, time_ms)
        if appended is not None:
            # An index below the largest checkpoint ever signed was given out before:
            # the database was rolled back. Refused before anyone is told the number.
            problem = append_problem(appended[0][0])
            if problem:
                guard.seen_open_at = 0.0
                _log_security_event(problem)
                raise LedgerUnavailable(_unavailable_message(problem))
            return [
                EntryReceipt(
                    index=index,
                    kind=entry.kind,
                    leaf_hash=digest,
                    promise=base64.urlsafe_b64encode(promise).rstrip(b"=").decode("ascii"),
                )
                for entry, (index, digest, promise) in zip(entries, appended, strict=True)
            ]
        _open_the_sequence()


# Plain SQL below: it runs in every logged transaction, where the ORM would double its cost.


def _append(
    rows: list[tuple[list[Any], bytes]], keys: LogKeys, time_ms: int
) -> list[tuple[int, bytes, bytes]] | None:
    # Two statements, on PostgreSQL too: the promise signs the entry's index and leaf
    # hash, so the index must be known before the row is written, and the promise goes
    # into the entry's own INSERT rather than costing a third statement.
    with connection.cursor() as cursor:
        # Takes the row lock, checks the log is open and counts, in one statement; the
        # first append that gives promises records where they begin.
        cursor.execute(
            "UPDATE ledger_sequencer SET next_index = next_index + %s, "
            "promises_from = COALESCE(promises_from, next_index) "
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
            promise = issue_promise(keys, index=index, time_ms=time_ms, leaf_hash=digest)
            seal = seal_entry(keys, index=index, leaf_hash=digest, promise=promise)
            appended.append((index, digest, promise))
            values.append([index, *columns, data, digest, promise, seal])
        if len(values) == 1:
            # One entry, the usual case: a plain INSERT is one round trip, COPY two.
            cursor.execute(
                f"INSERT INTO ledger_entry ({_ENTRY_COLUMNS}) "  # noqa: S608 - fixed names
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                values[0],
            )
    if len(values) > 1:
        insert_rows("ledger_entry", _ENTRY_COLUMNS, values)
    return appended


def _open_the_sequence() -> None:
    """Raises LedgerUnavailable when appends are stopped; else creates the sequence row."""
    reason = find_broken_reason()
    if reason:
        guard.seen_open_at = 0.0
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
    """ "ok", or "broken" once appends have been stopped: what a submission or a decision
    asks before it goes on, in one small query. The saved checkpoint is not read here:
    each append checks it itself, and /healthz (`ledger_health_report`) on every poll."""
    try:
        _check_at_startup()
    except LedgerUnavailable:
        return "broken"
    return "broken" if find_broken_reason() else "ok"


# How long a process goes on trusting that the log was taking entries when it last looked.
SEEN_OPEN_FOR_SECONDS = 1.0


def ledger_seen_open() -> bool:
    """Whether the log takes entries, as this process saw it within the last
    SEEN_OPEN_FOR_SECONDS: what a submission whose entry is appended later asks
    (decision 0065), mostly without a query. A submission that slips in just after
    another process stopped the log loses nothing: its entry waits to be appended until
    the log is restored."""
    now = time.monotonic()
    if guard.seen_open_at and now - guard.seen_open_at < SEEN_OPEN_FOR_SECONDS:
        return True
    if ledger_health() != "ok":
        guard.seen_open_at = 0.0
        return False
    guard.seen_open_at = now
    return True


def ledger_health_report() -> HealthResult:
    """The /healthz part: "ok", or "broken" with the reason once appends have been stopped."""
    try:
        _check_at_startup()
    except LedgerUnavailable as error:
        # The start-up check stored its reason unless it ran inside a transaction.
        return HealthResult("broken", {"reason": find_broken_reason() or str(error)})
    reason = find_broken_reason() or _below_the_floor()
    return HealthResult("broken", {"reason": reason}) if reason else HealthResult("ok")


def _below_the_floor() -> str | None:
    """A rollback to a tree no larger than the saved checkpoint, found by one small query
    and a stat, so that each poll of /healthz sees it even with no worker running."""
    tree = TreeState.objects.filter(id=1).values_list("size", "root").first()
    size, root = (tree[0], bytes(tree[1] or b"")) if tree else (0, merkle.EMPTY_ROOT)
    try:
        floor = largest_trusted_checkpoint()
    except TrustedStateError as error:
        problem: str | None = str(error)
    else:
        if floor is None or floor.size < size:
            return None  # a larger tree is proved to extend it before each batch
        problem = floor_problem(floor, size, root, {})
    if problem:
        mark_broken(problem)
    return problem


def mark_broken(reason: str) -> None:
    """Stops appends for good and raises the alarm. The reason names rows, never people."""
    with transaction.atomic():
        sequencer, _ = Sequencer.objects.get_or_create(id=1)
        if sequencer.broken_reason:
            return
        Sequencer.objects.filter(id=1).update(broken_reason=reason, broken_at=timezone.now())
        guard.seen_open_at = 0.0
        publish(LogFoundBroken(reason=reason))
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
        broken_reason, promises_from = (
            Sequencer.objects.filter(id=1).values_list("broken_reason", "promises_from").first()
        ) or ("", None)
        if broken_reason:
            return BatchResult(0, state.size if state else 0, stopped=True)
        head = check_head(state)
        if head.problem or state is None:
            mark_broken(head.problem or "the tree state row is missing")
            return BatchResult(0, head.size, stopped=True)
        guard.startup_checked = True
        size = head.size
        if head.checkpoint is not None and (head.floor is None or head.floor.size < size):
            # The floor lags (a new state directory, or a save that failed): catch up.
            transaction.on_commit(functools.partial(save_checkpoint, head.checkpoint.note))
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT "index", leaf_data, leaf_hash, subject, promise, seal FROM ledger_entry '
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
        for offset, (index, data, stored_hash, subject, promise, seal) in enumerate(rows):
            expected = size + offset
            if index != expected:
                mark_broken(f"entry {expected} is missing")
                return BatchResult(0, size, stopped=True)
            data = bytes(data)
            digest = merkle.leaf_hash(data)
            if not data.startswith(leaf_prefix(index)) or digest != bytes(stored_hash):
                mark_broken(f"entry {index} was altered before it was integrated")
                return BatchResult(0, size, stopped=True)
            # The hash and bytes agree, but an entry rewritten consistently would too: the
            # promise signed at append is what still holds the original. Its seal says so
            # at a fiftieth of the cost; without one that holds, the promise is checked.
            problem = (
                None
                if seal_holds(keys, index=index, leaf_hash=digest, promise=promise, seal=seal)
                else stored_promise_problem(
                    keys, index=index, leaf_hash=digest, stored=promise, promises_from=promises_from
                )
            )
            if problem:
                mark_broken(problem)
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
    """Inserts nodes in bulk, many times faster than one row at a time."""
    rows = [(node_id(level, index), value) for level, index, value in created]
    insert_rows("ledger_node", "id, hash", rows)


def insert_lookups(rows: list[tuple[int, str, bytes]]) -> None:
    """Inserts (index, subject, leaf hash) rows into the lookup table."""
    insert_rows("ledger_entrylookup", '"index", subject, leaf_hash', rows)


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
    checkpoint = Checkpoint.objects.create(size=size, root=root, note=note, published_at=now)
    # Kept outside the database too, once it is committed: the floor no rollback can undo.
    transaction.on_commit(functools.partial(save_checkpoint, note))
    return checkpoint


# --- Auditing --------------------------------------------------------------------------


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
class TextFingerprint:
    """A keyed fingerprint of a text, and the one-off key that checks it."""

    hmac_sha256: str
    key: str


def fingerprint_text(text: str) -> TextFingerprint:
    """Fingerprints a text for the public log so that only holders of the key can check it.

    An unsalted hash of a refusal reason can be confirmed by hashing a guess ("Not resident
    at 12 Station Road"), and reasons name people. The key is random, used once, and goes
    only to the person the text was written for: they (or anyone they show it to) can
    prove which text was logged; nobody else can test guesses against the log.
    """
    key = secrets.token_hex(16)
    return TextFingerprint(hmac_sha256=text_hmac_sha256(text, key), key=key)


def text_hmac_sha256(text: str, key: str) -> str:
    """HMAC-SHA256 of the UTF-8 text under the hex key, as `fingerprint_text` logs it."""
    return hmac.new(bytes.fromhex(key), text.encode("utf-8"), hashlib.sha256).hexdigest()
