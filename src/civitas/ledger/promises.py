"""Giving each appended entry the log's signed promise, and checking stored promises.

The promise is signed with the log's newest signing key in the append itself and stored
in the entry's own INSERT, so it costs an append one Ed25519 signature (about 50 µs) and
no query. The integrator checks every entry it integrates against its stored promise: an
entry changed before it was integrated, however consistently, no longer matches what
the log signed, and the log stops (docs/ledger.md, "Failing closed"). The append also
stores a seal, a MAC keyed by a secret of the signing key, over the index, leaf hash and
promise: where the seal holds, the integrator need not sign again (decision 0062). See
promise.py for the format and decision 0056 for why the log key signs.
"""

from __future__ import annotations

import datetime
import functools
import hmac

from django.conf import settings

from civitas.ledger.keys import LogKeys
from civitas.ledger.note import Signer
from civitas.ledger.promise import (
    EntryPromise,
    PromiseError,
    decode_promise,
    make_promise,
    promise_message,
)

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MILLISECOND = datetime.timedelta(milliseconds=1)


def max_merge_delay_s() -> int:
    """How long after its append an entry is promised to be in a signed checkpoint."""
    return int(settings.LEDGER_MAX_MERGE_DELAY_SECONDS)


def timestamp_ms(moment: datetime.datetime) -> int:
    """Milliseconds since the Unix epoch, computed exactly (no float rounding)."""
    return (moment - _EPOCH) // _MILLISECOND


def issue_promise(keys: LogKeys, *, index: int, time_ms: int, leaf_hash: bytes) -> bytes:
    """The promise for a new entry, as stored (raw bytes; ``EntryPromise.encode`` for text)."""
    return make_promise(
        keys.signers[0],
        origin=keys.origin,
        index=index,
        timestamp_ms=time_ms,
        max_merge_delay_s=max_merge_delay_s(),
        leaf_hash=leaf_hash,
    ).to_bytes()


SEAL_BYTES = 16


def seal_entry(keys: LogKeys, *, index: int, leaf_hash: bytes, promise: bytes) -> bytes:
    """The entry's seal, stored beside its promise: a MAC of its index, leaf hash and
    promise under a secret derived from the log's newest signing key (decision 0062)."""
    return _seal(_seal_secret(keys.signers[0]), index, leaf_hash, promise)


def seal_holds(
    keys: LogKeys,
    *,
    index: int,
    leaf_hash: bytes,
    promise: bytes | memoryview | None,
    seal: bytes | memoryview | None,
) -> bool:
    """Whether the stored seal vouches for this index, leaf hash and stored promise: then
    the promise is the one the log signed for them, with no signature to check. False
    (check the promise itself) for no seal, or one of a key no longer signing."""
    if seal is None or promise is None:
        return False
    expected = bytes(seal)
    return any(
        hmac.compare_digest(_seal(_seal_secret(signer), index, leaf_hash, bytes(promise)), expected)
        for signer in keys.signers
    )


def _seal(secret: bytes, index: int, leaf_hash: bytes, promise: bytes) -> bytes:
    message = index.to_bytes(8, "big") + leaf_hash + promise
    return hmac.digest(secret, message, "sha256")[:SEAL_BYTES]


@functools.lru_cache(maxsize=8)
def _seal_secret(signer: Signer) -> bytes:
    return signer.derived_secret("ledger entry seal")


def stored_promise_problem(
    keys: LogKeys,
    *,
    index: int,
    leaf_hash: bytes,
    stored: bytes | memoryview | None,
    promises_from: int | None,
) -> str | None:
    """Why the stored promise of entry ``index`` does not vouch for its leaf, or None.

    A missing promise is a problem from the index where promises began on: deleting one
    must not be a way to change an entry unseen.
    """
    if stored is None:
        if promises_from is not None and index >= promises_from:
            return f"entry {index} has lost the promise the log signed when it was appended"
        return None
    try:
        promise = decode_promise(bytes(stored))
    except PromiseError as error:
        return f"entry {index}'s stored promise is unreadable ({error})"
    if promise.index != index or promise.leaf_hash != leaf_hash:
        return (
            f"entry {index} does not match the promise the log signed when it was appended: "
            "it was changed before it was integrated"
        )
    if not _signature_holds(keys, promise):
        return f"entry {index}'s stored promise has a bad signature: it was altered"
    return None


def _signature_holds(keys: LogKeys, promise: EntryPromise) -> bool:
    message = promise_message(
        keys.origin,
        promise.index,
        promise.timestamp_ms,
        promise.max_merge_delay_s,
        promise.leaf_hash,
    )
    for signer in keys.signers:
        if signer.key_id == promise.key_id:
            # Ed25519 signatures are deterministic (RFC 8032): signing again and comparing
            # is a full check, and three times faster than verifying in a batch of 10,000.
            return signer.sign(message) == promise.signature
    return any(
        verifier.key_id == promise.key_id and verifier.verify(message, promise.signature)
        for verifier in keys.verifiers
    )
