"""The transparency log's storage: entries, tree nodes, signed checkpoints, two state rows.

Every table is insert-only except the two single-row state tables. Nothing here is
trusted on its own: the signed checkpoints are the commitment, and the services check
the other tables against them (see services.py and docs/ledger.md).
"""

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

# A node's id packs its position: level in the top bits, index below. One indexed
# `id IN (...)` then fetches any set of nodes, which is how every proof is one query.
NODE_LEVEL_SHIFT = 56
NODE_INDEX_MASK = (1 << NODE_LEVEL_SHIFT) - 1


def node_id(level: int, index: int) -> int:
    return (level << NODE_LEVEL_SHIFT) | index


def node_position(packed: int) -> tuple[int, int]:
    return packed >> NODE_LEVEL_SHIFT, packed & NODE_INDEX_MASK


class RowIdField(models.BigIntegerField):  # type: ignore[type-arg]
    """A 64-bit primary key that SQLite keeps as the table's own row id.

    SQLite treats only a column declared "integer primary key" as the row id; a "bigint"
    key is a second index beside the table, so each insert and each lookup does twice
    the work. PostgreSQL's bigint is unchanged.
    """

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class Entry(models.Model):
    """One log entry. `leaf_data` is the exact canonical JSON the tree commits to; the
    other columns copy parts of it so the platform can find entries, and are checked
    against it whenever an entry is served or audited.

    It has no index but its key: an entry is written in the transaction of the decision
    it records, which should touch as few pages as it can. Lookups are in EntryLookup.
    """

    index = RowIdField(primary_key=True)
    kind = models.CharField(max_length=64)
    occurred_at = models.DateTimeField()
    organisation = models.CharField(max_length=100)
    role = models.CharField(max_length=64)
    subject = models.CharField(max_length=80, blank=True, help_text="Blank when none.")
    leaf_data = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)
    promise = models.BinaryField(
        null=True,
        help_text="The log's signed promise for this entry (promise.py), written with it. "
        "Null only for entries appended before promises were given.",
    )
    seal = models.BinaryField(
        null=True,
        max_length=16,
        help_text="A MAC of the index, leaf hash and promise under a secret of the log's "
        "signing key (promises.py): lets the integrator trust the promise without signing "
        "again. Null for entries appended before seals were written.",
    )

    def __str__(self) -> str:
        return f"{self.index} {self.kind}"


class EntryLookup(models.Model):
    """Finds integrated entries by subject or by leaf hash.

    Written by the integrator in its batch rather than with each entry, because these
    keys are random: indexing them at append time would put two random index pages into
    the commit of every decision. A copy, checked by the rolling audit like the rest.
    """

    index = RowIdField(primary_key=True)
    subject = models.CharField(max_length=80, blank=True)
    leaf_hash = models.BinaryField(max_length=32)

    class Meta:
        indexes = [
            models.Index(
                fields=["subject", "index"],
                name="ledger_lookup_subject",
                condition=~models.Q(subject=""),
            ),
            models.Index(fields=["leaf_hash"], name="ledger_lookup_leaf_hash"),
        ]

    def __str__(self) -> str:
        return f"lookup of entry {self.index}"


class Node(models.Model):
    """The hash of a perfect subtree, at `id = node_id(level, index)`; never changes."""

    id = RowIdField(primary_key=True)
    hash = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return "node (level {}, index {})".format(*self.position)

    @property
    def position(self) -> tuple[int, int]:
        return node_position(self.id)


class Checkpoint(models.Model):
    """A signed note of the tree's size and root, published after each batch."""

    size = models.BigIntegerField(db_index=True)
    root = models.BinaryField(max_length=32)
    note = models.TextField(help_text="The signed checkpoint exactly as published.")
    published_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"checkpoint of {self.size} entries"


class Sequencer(models.Model):
    """The one row that hands out entry indexes, and the switch that stops appends.

    An append increments `next_index` in the caller's transaction; the row stays locked
    until that transaction ends, so indexes commit in order with no gaps.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    next_index = models.BigIntegerField(default=0)
    broken_reason = models.TextField(blank=True, default="")
    broken_at = models.DateTimeField(null=True)
    promises_from = models.BigIntegerField(
        null=True,
        help_text="The first index appended with a signed promise: every entry from it on "
        "must have one. Set by the first append that gives one.",
    )

    def __str__(self) -> str:
        return f"next index {self.next_index}"


class TreeState(models.Model):
    """The integrated tree: its size and root (as in the latest checkpoint) and how far
    the rolling audit has got. Locked by the integrator, so batches never overlap."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32, null=True)
    audit_position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"tree of {self.size} entries"


class WitnessCosignature(models.Model):
    """A witness's cosignature/v1 line on a tree (size and root), checked when received.

    Served appended to the checkpoint of that tree; never edited. Keyed by the witness's
    key string, so a witness that changes its key starts afresh.
    """

    witness = models.CharField(max_length=300, help_text="The witness's cosignature key.")
    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    line = models.TextField(help_text="The signature line exactly as the witness gave it.")
    signed_at = models.DateTimeField(help_text="The time the witness signed, from the line.")

    class Meta:
        indexes = [models.Index(fields=["size", "witness"], name="ledger_cosig_size")]

    def __str__(self) -> str:
        return f"cosignature by {self.witness.split('+')[0]} of {self.size} entries"


class WitnessState(models.Model):
    """What the log knows of one configured witness: the size it last cosigned, and how
    pushing to it goes (for retries with back-off and for /healthz)."""

    witness = models.CharField(max_length=300, unique=True)
    size = models.BigIntegerField(default=0, help_text="The size the witness last cosigned.")
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True)
    last_cosigned_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"witness {self.witness.split('+')[0]} at {self.size} entries"
