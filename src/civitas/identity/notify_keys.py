"""API keys as GOV.UK Notify makes them: a kind within the one key model (docs/decisions/0043).

A Notify key reads `{key name}-{service id}-{secret}`, the service id and the secret both
UUIDs, because the official clients cut the key up at those places: the service id is the
JWT's `iss`, the secret signs it (HS256). The key never travels; each request carries a
token signed with it, so checking one needs the secret itself: it is kept encrypted, bound
to the key's row, never hashed. The key's owner is the organisation of its sending
service; identity keeps the service's id only, and never reads notify's tables.
"""

import re
import secrets
import time
import uuid
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from civitas.identity.api_keys import ApiKeyRef, secret_sha256
from civitas.identity.events import ApiKeyCreated
from civitas.identity.models import ApiKey, Membership, Organisation
from civitas.identity.services import api_key_ref, notify_keys_memory
from civitas.platform.events import publish

# Notify's names; "live" is what people call a normal key, and what the CLI takes.
NOTIFY_KEY_TYPES = ("normal", "team", "test")
KEY_TYPE_NAMES = {"live": "normal", "normal": "normal", "team": "team", "test": "test"}
# A sending service's keys, once looked up, are remembered by each process this long, so
# a client's calls do not each cost a query. The bound on revocation elsewhere: a key
# revoked in another process still opens for at most this long (as platform keys,
# docs/decisions/0034); the revoking process forgets at once.
NOTIFY_KEY_MEMORY_SECONDS = 1.0
NOTIFY_KEY_MEMORY_SIZE = 1000
_KEY_NAME = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class NotifyKey:
    """One of a sending service's Notify keys, with the secret that checks its tokens."""

    ref: ApiKeyRef
    secret: str

    @property
    def is_revoked(self) -> bool:
        return self.ref.revoked_at is not None


def key_name_in_key(name: str) -> str:
    """The key's name as it starts the key: lower case, runs of anything else as `_`."""
    return _KEY_NAME.sub("_", name.lower()).strip("_") or "key"


def create_notify_api_key(
    *, organisation_id: int, service_id: str, name: str, key_type: str, created_by: str
) -> tuple[ApiKeyRef, str]:
    """Makes a Notify key for the sending service and answers it with the whole key,
    `{name}-{service id}-{secret}`: the only time anyone sees it. ValueError for a bad
    name, key type or service id."""
    checked_type = KEY_TYPE_NAMES.get(key_type)
    if checked_type is None:
        raise ValueError("the key type must be live, team or test")
    name = " ".join(name.split())
    if not name or len(name) > 100:
        raise ValueError("the name must be 1 to 100 characters")
    try:
        service_uuid = uuid.UUID(str(service_id))
    except ValueError:
        raise ValueError("the sending service's id is not a UUID") from None
    organisation = Organisation.objects.get(pk=organisation_id)
    secret = str(uuid.uuid4())
    public_id = secrets.token_hex(6)
    with transaction.atomic():
        key = ApiKey(
            organisation=organisation,
            name=name,
            kind=ApiKey.Kind.NOTIFY,
            public_id=public_id,
            # The hash as for every key (it names the secret without showing it); tokens
            # are checked with the encrypted secret.
            secret_sha256=secret_sha256(secret),
            scopes=[],
            notify_service_id=service_uuid,
            notify_key_type=checked_type,
            notify_secret=secret,
            created_at=timezone.now(),
            created_by=created_by,
        )
        key.save(force_insert=True)
        publish(
            ApiKeyCreated(
                public_id=public_id,
                organisation=organisation.slug,
                by=created_by,
                name=name,
                scopes=(),
                kind=ApiKey.Kind.NOTIFY,
                sending_service=str(service_uuid),
                key_type=checked_type,
            )
        )
        transaction.on_commit(lambda: notify_keys_memory.pop(str(service_uuid), None))
    return api_key_ref(key), f"{key_name_in_key(name)}-{service_uuid}-{secret}"


def notify_keys_of(service_id: str) -> list[NotifyKey]:
    """Every Notify key of the sending service, revoked ones too (a token signed by a
    revoked key is told so), newest first; remembered for NOTIFY_KEY_MEMORY_SECONDS."""
    now = time.monotonic()
    remembered = notify_keys_memory.get(service_id)
    if remembered is not None and now - remembered[0] < NOTIFY_KEY_MEMORY_SECONDS:
        return remembered[1]  # type: ignore[return-value]
    try:
        service_uuid = uuid.UUID(service_id)
    except ValueError:
        return []
    keys = [
        NotifyKey(ref=api_key_ref(key), secret=key.notify_secret)
        for key in ApiKey.objects.select_related("organisation")
        .filter(kind=ApiKey.Kind.NOTIFY, notify_service_id=service_uuid)
        .order_by("-created_at", "-pk")
    ]
    if len(notify_keys_memory) >= NOTIFY_KEY_MEMORY_SIZE:
        notify_keys_memory.clear()
    notify_keys_memory[service_id] = (now, keys)
    return keys


def list_notify_api_keys(service_id: str) -> list[ApiKeyRef]:
    """The sending service's Notify keys, revoked ones too, oldest first; no secrets."""
    try:
        service_uuid = uuid.UUID(str(service_id))
    except ValueError:
        return []
    keys = ApiKey.objects.select_related("organisation").filter(
        kind=ApiKey.Kind.NOTIFY, notify_service_id=service_uuid
    )
    return [api_key_ref(key) for key in keys.order_by("created_at", "pk")]


def mark_notify_key_used(ref: ApiKeyRef) -> None:
    """Records that the key was used, at most once a minute per process."""
    now = timezone.now()
    if ref.last_used_at is None or (now - ref.last_used_at).total_seconds() >= 60:
        ApiKey.objects.filter(pk=ref.id).update(last_used_at=now)
        notify_keys_memory.pop(ref.notify_service_id, None)


def team_email_addresses(organisation_id: int) -> frozenset[str]:
    """Who a team key may send email to: the organisation's active staff, lower case.
    (Staff have no phone numbers on record, so a team key sends no text messages.)"""
    emails = (
        Membership.objects.filter(organisation_id=organisation_id, user__is_active=True)
        .values_list("user__email", flat=True)
        .distinct()
    )
    return frozenset(email.lower() for email in emails)
