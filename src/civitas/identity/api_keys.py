"""API keys as values: their scopes, and the shape of their secret (docs/decisions/0025).

A secret reads `civitas_<public id>_<random>`: the public id finds the key, the random
part (32 bytes) is what proves it. Only the SHA-256 of the whole secret is stored.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from civitas.identity.permissions import OrganisationRef

SECRET_PREFIX = "civitas"  # noqa: S105 - the name before a secret, not one
RANDOM_BYTES = 32
SCOPE_ACTIONS = ("submit", "read")
# A secret is 8 + 12 + 43 characters: anything much longer is not one, and is not hashed.
MAX_SECRET_LENGTH = 100

_SERVICE_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_SECRET = re.compile(rf"{SECRET_PREFIX}_([0-9a-f]{{12}})_[A-Za-z0-9_-]{{43}}")
_BEARER = re.compile(r"bearer +(\S+)", re.IGNORECASE)


class InvalidScope(ValueError):
    """A scope that is not `submit`, `read`, `submit:<service>` or `read:<service>`."""


def validate_scope(scope: str) -> str:
    """The scope, if it is one; InvalidScope, saying what a scope may be, otherwise."""
    action, _, service = scope.partition(":")
    if action in SCOPE_ACTIONS and (
        not _ or (len(service) <= 50 and _SERVICE_SLUG.fullmatch(service))
    ):
        return scope
    raise InvalidScope(
        f"'{scope}' is not a scope: use 'submit' or 'read' for every service of the "
        "organisation, or 'submit:<service>' or 'read:<service>' for one"
    )


@dataclass(frozen=True)
class ApiKeyRef:
    """An API key as the rest of the platform sees it: never with its secret."""

    id: int
    public_id: str
    name: str
    organisation: OrganisationRef
    scopes: tuple[str, ...]
    created_at: datetime
    created_by: str
    revoked_at: datetime | None
    last_used_at: datetime | None
    kind: str = "platform"
    # Notify keys only: the sending service's id, and "normal", "team" or "test".
    notify_service_id: str = ""
    notify_key_type: str = ""

    def allows(self, action: str, service_slug: str) -> bool:
        """Whether the key may `action` ("submit", "read") on this service of its
        organisation; the caller checks that the service is the key's organisation's."""
        return action in self.scopes or f"{action}:{service_slug}" in self.scopes


def new_secret() -> tuple[str, str]:
    """A fresh public id and the secret that carries it."""
    public_id = secrets.token_hex(6)
    return public_id, f"{SECRET_PREFIX}_{public_id}_{secrets.token_urlsafe(RANDOM_BYTES)}"


def secret_sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_from_authorization(header: str | None) -> tuple[str, str] | None:
    """The public id and the secret in an `Authorization: Bearer ...` value, or None when
    the value is missing or is not a secret of this shape."""
    if not header or len(header) > MAX_SECRET_LENGTH + 20:
        return None
    bearer = _BEARER.fullmatch(header.strip())
    if bearer is None:
        return None
    secret = bearer.group(1)
    found = _SECRET.fullmatch(secret)
    return (found.group(1), secret) if found else None
