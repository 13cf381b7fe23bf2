"""What other domains, and the wiring (`civitas.wiring`), may use from the ledger (the
transparency log)."""

from civitas.ledger.events import LogFoundBroken
from civitas.ledger.labels import kind_label, role_label
from civitas.ledger.leaf import LeafFormatError
from civitas.ledger.queries import EntrySummary, list_entries_about
from civitas.ledger.services import (
    EntryReceipt,
    LedgerUnavailable,
    NewEntry,
    TextFingerprint,
    entry_url,
    fingerprint_text,
    integrate_pending,
    ledger_health,
    ledger_health_report,
    ledger_seen_open,
    person_reference,
    record_entries,
    record_entry,
    text_hmac_sha256,
)
from civitas.ledger.witnessing import (
    WitnessedCheckpoint,
    largest_cosigned_checkpoint,
    push_to_witnesses,
    run_witness_pusher,
    witnessing_health,
)

__all__ = [
    "EntryReceipt",
    "EntrySummary",
    "LeafFormatError",
    "LedgerUnavailable",
    "LogFoundBroken",
    "NewEntry",
    "TextFingerprint",
    "WitnessedCheckpoint",
    "entry_url",
    "fingerprint_text",
    "integrate_pending",
    "kind_label",
    "largest_cosigned_checkpoint",
    "ledger_health",
    "ledger_health_report",
    "ledger_seen_open",
    "list_entries_about",
    "person_reference",
    "push_to_witnesses",
    "record_entries",
    "record_entry",
    "role_label",
    "run_witness_pusher",
    "text_hmac_sha256",
    "witnessing_health",
]
