"""Signed entry promises: the log's signed word, given at append, that an entry will be in
its signed tree, unchanged, within the maximum merge delay (MMD).

Certificate Transparency gives a certificate a Signed Certificate Timestamp (RFC 6962
section 3.2) for the same reason: between the append and the next checkpoint nothing
signed covers the entry, so an entry changed or dropped in that window would otherwise
never show. A promise is signed with the log's own (newest) signing key over::

    "civitas-entry-promise/v1" 0x00 origin 0x00
    index (8 bytes) timestamp_ms (8 bytes) max_merge_delay_s (4 bytes) leaf hash (32 bytes)

all integers big-endian. The NUL bytes keep this message from ever being a valid signed
note (whose text has no control characters), so a promise signature can never pass as a
checkpoint signature or the other way round. The MMD is signed too, so the log cannot
later claim a longer one to excuse a missing entry.

The encoding, short enough for an email and a link, is unpadded URL-safe base64 of::

    version (1 byte, 1) key ID (4 bytes) index (8) timestamp_ms (8) mmd_s (4)
    leaf hash (32) Ed25519 signature (64)

The key ID is the signed-note key ID of the log key (type 0x01), so a verifier finds it
among the keys it already trusts for checkpoints. Pure: no Django.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import re
import struct
from collections.abc import Iterable
from dataclasses import dataclass

from civitas.ledger.note import Signer, Verifier

__all__ = [
    "PROMISE_BYTES",
    "PROMISE_VERSION",
    "EntryPromise",
    "PromiseError",
    "PromiseVerdict",
    "decode_promise",
    "judge_promise",
    "make_promise",
    "promise_message",
    "verify_promise",
]

PROMISE_VERSION = 1
_LABEL = b"civitas-entry-promise/v1\x00"
_BODY = struct.Struct(">BIQQI32s")  # version, key ID, index, timestamp ms, MMD s, leaf hash
_SIGNATURE_BYTES = 64
PROMISE_BYTES = _BODY.size + _SIGNATURE_BYTES
_TEXT = re.compile(r"[A-Za-z0-9_-]+")
_MAX_INDEX = 2**63 - 1


class PromiseError(ValueError):
    """A promise could not be read, or does not verify. The message says which."""


@dataclass(frozen=True)
class EntryPromise:
    """A promise as decoded: not trusted until ``verify_promise`` has checked it."""

    key_id: int
    index: int
    timestamp_ms: int
    max_merge_delay_s: int
    leaf_hash: bytes
    signature: bytes

    @property
    def promised_at(self) -> datetime.datetime:
        """When the log made the promise (UTC)."""
        return datetime.datetime.fromtimestamp(self.timestamp_ms / 1000, tz=datetime.UTC)

    @property
    def due_at(self) -> datetime.datetime:
        """The latest the entry may appear in a signed checkpoint."""
        return self.promised_at + datetime.timedelta(seconds=self.max_merge_delay_s)

    def is_due(self, now_ms: int) -> bool:
        """True once the maximum merge delay has passed."""
        return now_ms > self.timestamp_ms + self.max_merge_delay_s * 1000

    def to_bytes(self) -> bytes:
        body = _BODY.pack(
            PROMISE_VERSION,
            self.key_id,
            self.index,
            self.timestamp_ms,
            self.max_merge_delay_s,
            self.leaf_hash,
        )
        return body + self.signature

    def encode(self) -> str:
        """The compact text form: what the applicant is emailed."""
        return base64.urlsafe_b64encode(self.to_bytes()).rstrip(b"=").decode("ascii")


def promise_message(
    origin: str, index: int, timestamp_ms: int, max_merge_delay_s: int, leaf_hash: bytes
) -> bytes:
    """The bytes a promise signs (see the module docstring)."""
    return (
        _LABEL
        + origin.encode("utf-8")
        + b"\x00"
        + struct.pack(">QQI", index, timestamp_ms, max_merge_delay_s)
        + leaf_hash
    )


def make_promise(
    signer: Signer,
    *,
    origin: str,
    index: int,
    timestamp_ms: int,
    max_merge_delay_s: int,
    leaf_hash: bytes,
) -> EntryPromise:
    """The log's signed promise for the entry at ``index`` with ``leaf_hash``."""
    if len(leaf_hash) != 32:
        raise ValueError("a leaf hash is 32 bytes")
    message = promise_message(origin, index, timestamp_ms, max_merge_delay_s, leaf_hash)
    return EntryPromise(
        key_id=signer.key_id,
        index=index,
        timestamp_ms=timestamp_ms,
        max_merge_delay_s=max_merge_delay_s,
        leaf_hash=leaf_hash,
        signature=signer.sign(message),
    )


def decode_promise(data: str | bytes) -> EntryPromise:
    """A promise from its text form (or its raw bytes, as stored); PromiseError if malformed.

    Spaces and line breaks an email client may have put into the text are ignored.
    """
    if isinstance(data, str):
        text = "".join(data.split())
        if not text:
            raise PromiseError("the promise is empty")
        if len(text) > 4 * PROMISE_BYTES or not _TEXT.fullmatch(text):
            raise PromiseError(
                "the promise is not a log promise: it should be letters, digits, '-' and '_'"
            )
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        except (binascii.Error, ValueError):
            raise PromiseError("the promise is not valid base64") from None
    else:
        raw = bytes(data)
    if len(raw) != PROMISE_BYTES:
        raise PromiseError(
            f"the promise is {len(raw)} bytes long, not {PROMISE_BYTES}: "
            "it was cut short or is not a log promise"
        )
    version, key_id, index, timestamp_ms, mmd, leaf_hash = _BODY.unpack(raw[: _BODY.size])
    if version != PROMISE_VERSION:
        raise PromiseError(f"the promise is of version {version}, which this verifier cannot read")
    if index > _MAX_INDEX or timestamp_ms > _MAX_INDEX:
        raise PromiseError("the promise's entry number or time is out of range")
    return EntryPromise(key_id, index, timestamp_ms, mmd, leaf_hash, raw[_BODY.size :])


def verify_promise(promise: EntryPromise, origin: str, verifiers: Iterable[Verifier]) -> Verifier:
    """Checks the promise's signature by one of ``verifiers`` for log ``origin``; returns
    the key that signed it. PromiseError when no trusted key has its key ID, or the
    signature does not verify (the promise was forged or altered)."""
    candidates = [v for v in verifiers if v.key_id == promise.key_id and type(v) is Verifier]
    if not candidates:
        raise PromiseError(
            f"the promise is signed by key {promise.key_id:08x}, which is not a trusted key "
            f"of log {origin}"
        )
    message = promise_message(
        origin, promise.index, promise.timestamp_ms, promise.max_merge_delay_s, promise.leaf_hash
    )
    for verifier in candidates:
        if verifier.verify(message, promise.signature):
            return verifier
    raise PromiseError(
        f"the promise for entry {promise.index} has a bad signature: it was not made by "
        f"log {origin}, or was altered"
    )


@dataclass(frozen=True)
class PromiseVerdict:
    """Whether a (signature-checked) promise was kept, given what the log shows now."""

    state: str
    """"kept": in the signed tree, unchanged; "pending": not yet, but within the MMD;
    "late": not in the signed tree after the MMD; "changed": the entry at that number is
    not the one promised."""
    detail: str

    @property
    def is_broken(self) -> bool:
        return self.state in ("late", "changed")


def judge_promise(
    promise: EntryPromise,
    *,
    tree_size: int,
    leaf_hash: bytes | None,
    now_ms: int,
) -> PromiseVerdict:
    """Whether ``promise`` was kept by a log whose signed tree has ``tree_size`` entries,
    where ``leaf_hash`` is the hash of the entry now at the promised number (None when
    there is none). The caller proves that entry is in the signed tree."""
    index = promise.index
    if leaf_hash is not None and leaf_hash != promise.leaf_hash:
        return PromiseVerdict(
            "changed",
            f"entry {index} is not the entry the log promised: its leaf hash is "
            f"{leaf_hash.hex()}, the promise is for {promise.leaf_hash.hex()}",
        )
    if index < tree_size:
        if leaf_hash is None:
            return PromiseVerdict("changed", f"entry {index} is missing from the log")
        return PromiseVerdict("kept", f"entry {index} is in the signed log, as promised")
    if promise.is_due(now_ms):
        return PromiseVerdict(
            "late",
            f"entry {index} was promised at {promise.promised_at:%Y-%m-%dT%H:%M:%SZ} to be in "
            f"the signed log within {promise.max_merge_delay_s} seconds, but the log's "
            f"latest checkpoint covers only {tree_size} entries: the promise was broken",
        )
    return PromiseVerdict(
        "pending",
        f"entry {index} is not yet in the signed log; the promise allows until "
        f"{promise.due_at:%Y-%m-%dT%H:%M:%SZ}",
    )
