"""The verifier's check of a promise an applicant holds (`civitas ledger verify --promise`).

Run by ``verify_log`` once the checkpoint's signature and consistency have been checked:
the promise must be signed by one of the keys the verifier trusts for that checkpoint,
for the same log; the entry at the promised number must be the promised one (same leaf
hash, recomputed from the bytes served) and provably in the signed tree; and an entry
not yet in the signed tree is a broken promise once the maximum merge delay (which the
promise itself states, signed) has passed. Like the rest of the verifier, it uses no
Django.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from civitas.ledger.note import Checkpoint, Verifier
from civitas.ledger.promise import PromiseError, decode_promise, judge_promise, verify_promise

if TYPE_CHECKING:
    from civitas.ledger.client import VerifyReport, _Log


def check_promises(
    log: _Log,
    promises: list[str] | tuple[str, ...],
    *,
    checkpoint: Checkpoint,
    verifiers: list[Verifier],
    now_s: float,
    report: VerifyReport,
) -> list[int]:
    """Checks each promise; returns the entries to prove included. Raises
    VerificationError naming the promise and what failed: unreadable, not signed by the
    log, for an entry that was changed, or for one still missing after the MMD."""
    from civitas.ledger.client import VerificationError, _entry_leaf_hash

    to_prove = []
    for number, text in enumerate(promises, start=1):
        name = f"promise {number}" if len(promises) > 1 else "the promise"
        try:
            promise = decode_promise(text)
            verify_promise(promise, checkpoint.origin, verifiers)
        except PromiseError as error:
            raise VerificationError(f"{name}: {error}") from None
        leaf_hash = None
        if promise.index < checkpoint.size:
            document = log.get_json(f"entries/{promise.index}")
            leaf_hash = _entry_leaf_hash(document, promise.index)
        verdict = judge_promise(
            promise,
            tree_size=checkpoint.size,
            leaf_hash=leaf_hash,
            now_ms=int(now_s * 1000),
        )
        if verdict.is_broken:
            raise VerificationError(f"{name}: {verdict.detail}")
        if verdict.state == "kept":
            to_prove.append(promise.index)
        report.notes.append(f"{name} (entry {promise.index}): {verdict.state}: {verdict.detail}")
    return to_prove
