"""Retried API submissions answered once (the IETF `Idempotency-Key` header).

A client that sends an application and loses the reply cannot know whether a case was
made. Sent again with the same `Idempotency-Key`, the request gets the first response,
and no second case. The same key with a different request is refused: it is a client's
mistake, and guessing which request it meant would be worse. Records are kept for
`IDEMPOTENCY_KEY_HOURS`, then swept.
"""

import datetime
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from civitas.journeys.models import IdempotentSubmission
from civitas.platform.jsontypes import JSONObject

# Printable ASCII, as a header value may safely carry; 255 at most, as the store keeps.
KEY = re.compile(r"[\x21-\x7e]{1,255}")


@dataclass(frozen=True)
class Replay:
    """What the first request with this key got, and whether this request is the same."""

    response: JSONObject
    same_request: bool
    status_code: int = 201


@dataclass(frozen=True)
class SentFileDigest:
    """A file part of a request, as its fingerprint takes it."""

    part: str
    file_name: str
    sha256: str


def is_valid_key(key: str) -> bool:
    return KEY.fullmatch(key) is not None


def request_fingerprint(body: bytes, files: Iterable[SentFileDigest] = ()) -> str:
    """What makes two requests the same: the application's JSON as sent, and the name,
    file name and content of each file sent beside it (multipart). Not the multipart
    boundary, which a client may draw anew for each try, nor the order of the parts. A
    request without files is the hash of its body, as it always was."""
    digest = hashlib.sha256(body).hexdigest()
    listed = sorted((file.part, file.file_name, file.sha256) for file in files)
    if not listed:
        return digest
    return hashlib.sha256(json.dumps([digest, listed]).encode()).hexdigest()


def find_replay(*, api_key_id: int, key: str, fingerprint: str) -> Replay | None:
    """The stored answer to an earlier request with this key, if one is kept."""
    earlier = IdempotentSubmission.objects.filter(
        api_key_id=api_key_id, key=key, created_at__gt=_oldest_kept()
    ).first()
    if earlier is None:
        return None
    return Replay(
        response=earlier.response,
        same_request=earlier.request_sha256 == fingerprint,
        status_code=earlier.status_code,
    )


def remember(
    *, api_key_id: int, key: str, fingerprint: str, response: JSONObject, status_code: int = 201
) -> None:
    """Keeps the response to this request (its body and status); call in the transaction
    that made the case, so that a second request racing the first fails on the unique key
    and rolls back its own case (IntegrityError, for the caller to answer with the first's
    response)."""
    IdempotentSubmission.objects.filter(
        api_key_id=api_key_id, key=key, created_at__lte=_oldest_kept()
    ).delete()
    IdempotentSubmission.objects.create(
        api_key_id=api_key_id,
        key=key,
        request_sha256=fingerprint,
        response=response,
        status_code=status_code,
        created_at=timezone.now(),
    )


def delete_expired_idempotency_keys() -> int:
    """The periodic sweep: responses older than IDEMPOTENCY_KEY_HOURS go."""
    deleted, _ = IdempotentSubmission.objects.filter(created_at__lte=_oldest_kept()).delete()
    return deleted


def _oldest_kept() -> datetime.datetime:
    return timezone.now() - datetime.timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)
