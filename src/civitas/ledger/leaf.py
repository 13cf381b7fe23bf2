"""The bytes of a log entry: what each leaf of the tree holds, and how to read it back.

A leaf is the RFC 8785 canonical JSON of one object::

    {"index": 42, "kind": "case.decided", "organisation": "example-borough",
     "payload": {...}, "role": "caseworker", "subject": "hmac-sha256:..." | null,
     "time": "2026-11-24T10:40:38.123456Z", "version": 1}

JCS sorts keys, so every leaf starts with ``{"index":<n>,``: the entry names its own
position, which makes a reordered or shifted row detectable from its bytes alone. The
time is UTC in RFC 3339 form with microseconds, so it sorts and compares as text.

Pure: no Django, no database.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any

from civitas.ledger.canonical import SUBJECT_REFERENCE_PREFIX, canonical_json

__all__ = [
    "LEAF_VERSION",
    "MAX_LEAF_BYTES",
    "LeafFormatError",
    "ParsedLeaf",
    "check_subject",
    "format_leaf",
    "format_time",
    "leaf_prefix",
    "parse_leaf",
]

LEAF_VERSION = 1
MAX_LEAF_BYTES = 16 * 1024
# Dotted lower-case words: "case.decided", "personal_data.viewed".
_KIND = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
# Printable text without control characters or surrounding spaces.
_LABEL = re.compile(r"[^\x00-\x20\x7f](?:[^\x00-\x1f\x7f]*[^\x00-\x20\x7f])?")
_SUBJECT = re.compile(re.escape(SUBJECT_REFERENCE_PREFIX) + r"[0-9a-f]{64}")
_KEYS = {"index", "kind", "organisation", "payload", "role", "subject", "time", "version"}


class LeafFormatError(ValueError):
    """An entry cannot be written, or stored bytes are not a well-formed entry."""


@dataclass(frozen=True)
class ParsedLeaf:
    index: int
    kind: str
    time: str
    organisation: str
    role: str
    subject: str | None
    payload: dict[str, Any]


def format_time(moment: datetime.datetime) -> str:
    """UTC, RFC 3339, always with microseconds: ``2026-11-24T10:40:38.123456Z``."""
    if moment.tzinfo is None:
        raise LeafFormatError("an entry's time must be timezone-aware")
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_subject(subject: object) -> str | None:
    """The subject if it is None or a keyed reference; LeafFormatError otherwise.

    Only references made by ``subject_reference`` are accepted, so a raw name or email
    address can never reach the public log by mistake.
    """
    if subject is None:
        return None
    if not isinstance(subject, str) or not _SUBJECT.fullmatch(subject):
        raise LeafFormatError(
            "an entry's subject must be a keyed reference (hmac-sha256:<64 hex digits>), "
            "never a name, email address or other raw identifier"
        )
    return subject


def _check_label(value: object, what: str, max_length: int) -> str:
    if not isinstance(value, str) or not _LABEL.fullmatch(value) or len(value) > max_length:
        raise LeafFormatError(f"an entry's {what} must be a short plain label, not {value!r:.60}")
    return value


def format_leaf(
    *,
    index: int,
    kind: str,
    time: datetime.datetime,
    organisation: str,
    role: str,
    subject: str | None,
    payload: object,
) -> bytes:
    """The canonical leaf bytes of an entry; LeafFormatError if any part is not allowed."""
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise LeafFormatError(f"an entry index is a non-negative whole number, not {index!r}")
    if not isinstance(kind, str) or not _KIND.fullmatch(kind) or len(kind) > 64:
        raise LeafFormatError(f"entry kind {kind!r:.60} is not dotted lower-case words")
    if not isinstance(payload, dict):
        raise LeafFormatError("an entry's payload must be a JSON object")
    document = {
        "index": index,
        "kind": kind,
        "organisation": _check_label(organisation, "organisation", 100),
        "payload": payload,
        "role": _check_label(role, "role", 64),
        "subject": check_subject(subject),
        "time": format_time(time),
        "version": LEAF_VERSION,
    }
    try:
        data = canonical_json(document)
    except ValueError as error:  # CanonicalizationError: NaN, huge integers, bad keys
        raise LeafFormatError(f"the payload cannot be written as canonical JSON: {error}") from None
    if len(data) > MAX_LEAF_BYTES:
        raise LeafFormatError(f"the entry is {len(data)} bytes; the most is {MAX_LEAF_BYTES}")
    return data


def leaf_prefix(index: int) -> bytes:
    """The bytes every well-formed leaf at ``index`` starts with."""
    return b'{"index":%d,' % index


def parse_leaf(data: bytes) -> ParsedLeaf:
    """Read stored leaf bytes back; LeafFormatError unless they are a canonical entry."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise LeafFormatError("the leaf is not UTF-8 JSON") from None
    if not isinstance(document, dict) or set(document) != _KEYS:
        raise LeafFormatError("the leaf is not an entry object")
    try:
        canonical = canonical_json(document)
    except ValueError:
        raise LeafFormatError("the leaf cannot be canonicalised") from None
    if canonical != data:
        raise LeafFormatError("the leaf is not in canonical JSON form")
    index, payload = document["index"], document["payload"]
    if not isinstance(index, int) or isinstance(index, bool) or not isinstance(payload, dict):
        raise LeafFormatError("the leaf's index or payload has the wrong type")
    return ParsedLeaf(
        index=index,
        kind=document["kind"],
        time=document["time"],
        organisation=document["organisation"],
        role=document["role"],
        subject=document["subject"],
        payload=payload,
    )
