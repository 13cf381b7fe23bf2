"""Checking the stored log against what it signed, without reading all of it.

Read-only: each function returns what is wrong (naming rows and positions, never people)
or None, and services.py decides what to do about it. Counts of queries are stated, since
these run before every batch and in every process that appends.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from civitas.ledger import merkle
from civitas.ledger.floor import (
    TrustedCheckpoint,
    TrustedStateError,
    consistency_node_ids,
    floor_problem,
    largest_trusted_checkpoint,
)
from civitas.ledger.guard import guard
from civitas.ledger.keys import LogKeys, log_keys
from civitas.ledger.leaf import LeafFormatError, ParsedLeaf, format_time, leaf_prefix, parse_leaf
from civitas.ledger.models import (
    Checkpoint,
    Entry,
    EntryLookup,
    Node,
    Sequencer,
    TreeState,
    node_id,
)
from civitas.ledger.note import NoteError, UnknownKeyError, open_note, parse_checkpoint
from civitas.ledger.promises import stored_promise_problem

SAMPLE_SIZE = 4
"""Random entries whose inclusion is re-proved at start-up and before each batch."""

AUDIT_CHUNK = 1024
"""Entries (and every node above them, up to this power of two) audited per run."""


@dataclass
class HeadCheck:
    """The result of checking the stored tree against the latest signed checkpoint."""

    problem: str | None = None
    checkpoint: Checkpoint | None = None
    size: int = 0
    root: bytes = merkle.EMPTY_ROOT
    nodes: dict[tuple[int, int], bytes] = field(default_factory=dict)
    floor: TrustedCheckpoint | None = None
    """The largest checkpoint known from outside the database (floor.py)."""


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
    of the root, of every sampled proof and of the consistency proof from the floor, one
    for the sampled entries, and the largest index. The nodes fetched are returned for
    the append that follows. The tree must also extend the floor: the largest checkpoint
    kept outside the database, which a consistent rollback of every table cannot undo.
    """
    keys = log_keys()
    try:
        floor = largest_trusted_checkpoint()
    except TrustedStateError as error:
        return HeadCheck(problem=str(error))
    checkpoint = latest_checkpoint()
    if state is None:
        state = TreeState.objects.filter(id=1).first()
    state_size = state.size if state else 0
    if checkpoint is None:
        if state_size or Node.objects.exists():
            return HeadCheck(problem="the tree has nodes but its checkpoints are missing")
        empty = HeadCheck(floor=floor)
        empty.problem = floor_problem(floor, 0, merkle.EMPTY_ROOT, {})
        return empty if empty.problem else _check_sequence(empty, 0)
    result = HeadCheck(
        checkpoint=checkpoint, size=checkpoint.size, root=bytes(checkpoint.root), floor=floor
    )
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
    if floor is not None and floor.size >= result.size:
        # Smaller, or the same size: compared without reading a node.
        result.problem = floor_problem(floor, result.size, result.root, {})
        if result.problem:
            return result
    if result.size == 0:
        return _check_sequence(result, 0)
    sample = {0, result.size - 1, *_random_indexes(result.size, SAMPLE_SIZE)}
    wanted = set(merkle.root_node_ids(result.size))
    wanted.update(consistency_node_ids(floor, result.size))
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
    result.problem = floor_problem(floor, result.size, result.root, result.nodes)
    if result.problem:
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
            parsed = None
        return columns_problem(index, entry, parsed)
    return None


def columns_problem(index: int, entry: Entry, parsed: ParsedLeaf | None) -> str | None:
    """What is wrong with an entry's columns, given its data as parsed (None: not an entry)."""
    if parsed is None:
        return f"entry {index} was altered: its data is not a well-formed entry"
    columns = (entry.kind, entry.organisation, entry.role, entry.subject or None)
    signed = (parsed.kind, parsed.organisation, parsed.role, parsed.subject)
    if columns != signed or format_time(entry.occurred_at) != parsed.time:
        return f"entry {index} was altered: its columns differ from its signed data"
    return None


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
        assert entry is not None  # entry_problem reports a missing entry
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
    if problem is None:
        problem = _check_stored_promises(head.size)
    return FullCheck(head.size, problem, time.monotonic() - started)


def _check_stored_promises(size: int) -> str | None:
    """Every integrated entry's stored promise is the log's, for that entry (the audit
    has already checked each entry's hash against the signed tree)."""
    keys = log_keys()
    promises_from = Sequencer.objects.filter(id=1).values_list("promises_from", flat=True).first()
    rows = (
        Entry.objects.filter(index__lt=size)
        .order_by("index")
        .values_list("index", "leaf_hash", "promise")
    )
    for index, leaf_hash, stored in rows.iterator(chunk_size=AUDIT_CHUNK):
        problem = stored_promise_problem(
            keys,
            index=index,
            leaf_hash=bytes(leaf_hash),
            stored=stored,
            promises_from=promises_from,
        )
        if problem:
            return problem
    return None


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
