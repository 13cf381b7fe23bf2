"""Checking a promise someone holds against what this platform stores: for the entry
page (the link in an email carries the promise) and the JSON endpoint.

The independent check is `civitas ledger verify --promise`; this one answers at once,
in the page. A genuine promise whose entry is stored changed, or missing, means the log
was tampered with, and stops it as every other integrity failure does.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from civitas.ledger import merkle
from civitas.ledger.keys import log_keys
from civitas.ledger.models import Entry
from civitas.ledger.promise import (
    EntryPromise,
    PromiseError,
    decode_promise,
    judge_promise,
    verify_promise,
)
from civitas.ledger.promises import timestamp_ms
from civitas.ledger.queries import log_size
from civitas.ledger.services import mark_broken


@dataclass(frozen=True)
class PromiseCheck:
    promise: EntryPromise | None
    state: str
    """"kept", "pending", "late", "changed" (promise_check.judge_promise), "forged" (not
    signed by this log) or "unreadable"."""
    detail: str

    @property
    def is_kept(self) -> bool:
        return self.state == "kept"

    @property
    def promised_at(self) -> datetime.datetime | None:
        return timezone.localtime(self.promise.promised_at) if self.promise else None

    @property
    def due_at(self) -> datetime.datetime | None:
        return timezone.localtime(self.promise.due_at) if self.promise else None


def check_promise(text: str) -> PromiseCheck:
    """Whether the promise in ``text`` is the log's, and kept (see PromiseCheck.state)."""
    try:
        promise = decode_promise(text)
    except PromiseError as error:
        return PromiseCheck(None, "unreadable", str(error))
    keys = log_keys()
    try:
        verify_promise(promise, keys.origin, keys.verifiers)
    except PromiseError as error:
        return PromiseCheck(promise, "forged", str(error))
    size = log_size()
    data = Entry.objects.filter(index=promise.index).values_list("leaf_data", flat=True).first()
    verdict = judge_promise(
        promise,
        tree_size=size,
        leaf_hash=merkle.leaf_hash(bytes(data)) if data is not None else None,
        now_ms=timestamp_ms(timezone.now()),
    )
    if verdict.state == "changed":
        mark_broken(verdict.detail)
    return PromiseCheck(promise, verdict.state, verdict.detail)


def check_stored_promise(index: int, text: str) -> PromiseCheck:
    """As ``check_promise``, for the promise stored with entry ``index``: one that cannot
    be read, is not the log's, or is for another entry was altered in storage, and stops
    the log like any other stored record that no longer matches what was signed."""
    result = check_promise(text)
    detail = result.detail
    if result.promise is not None and result.promise.index != index:
        detail = f"it is the promise for entry {result.promise.index}"
    elif result.state not in ("unreadable", "forged"):
        return result
    mark_broken(f"entry {index}'s stored promise was altered ({detail})")
    return PromiseCheck(result.promise, "altered", detail)
