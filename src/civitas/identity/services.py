"""Signing staff in: a password, then a time-based code from their authenticator app.

Both steps are rate limited before any checking, so a flood of guesses costs neither a
password hash (argon2: most of a second of a core) nor a chance to guess. Failures go to the
security log (`civitas.platform.security_log`), naming the account and the address only by
keyed pseudonyms.
"""

import dataclasses
import datetime
import hmac
import time

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from civitas.identity.api_keys import (
    ApiKeyRef,
    new_secret,
    secret_from_authorization,
    secret_sha256,
    validate_scope,
)
from civitas.identity.events import (
    ApiKeyCreated,
    ApiKeyRevoked,
    FieldKeyRotationStarted,
    PasswordChecked,
    SecurityCodeChecked,
    SingleSignOnChecked,
)
from civitas.identity.models import ApiKey, Membership, Organisation, StaffUser
from civitas.identity.permissions import OrganisationRef
from civitas.platform import ratelimit
from civitas.platform.client_address import client_address
from civitas.platform.events import publish
from civitas.platform.key_rotation import start_key_rotation
from civitas.platform.models import KeyRotation
from civitas.platform.pseudonyms import pseudonym
from civitas.platform.security_log import security_event


def ensure_organisation(
    *, slug: str, name: str, requires_welsh: bool | None = None
) -> OrganisationRef:
    """Registers an organisation, or renames it; its slug never changes once used.
    `requires_welsh`, when given, says whether its services must be written in Welsh too."""
    organisation, created = Organisation.objects.get_or_create(
        slug=slug, defaults={"name": name, "requires_welsh": bool(requires_welsh)}
    )
    changed = []
    if not created and organisation.name != name:
        organisation.name = name
        changed.append("name")
    if requires_welsh is not None and organisation.requires_welsh != requires_welsh:
        organisation.requires_welsh = requires_welsh
        changed.append("requires_welsh")
    if changed:
        organisation.save(update_fields=changed)
    return OrganisationRef(id=organisation.pk, slug=organisation.slug, name=organisation.name)


def organisation_requires_welsh(slug: str) -> bool:
    """Whether the organisation `slug` must offer its services in Welsh (False for one not
    registered: publishing refuses that for its own reason)."""
    return Organisation.objects.filter(slug=slug, requires_welsh=True).exists()


def find_organisation(slug: str) -> OrganisationRef | None:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        return None
    return OrganisationRef(id=organisation.pk, slug=organisation.slug, name=organisation.name)


def find_organisation_by_id(organisation_id: int) -> OrganisationRef | None:
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return None
    return OrganisationRef(id=organisation.pk, slug=organisation.slug, name=organisation.name)


class TooManyAttempts(Exception):
    """Refused before checking: too many attempts in this window."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many attempts; try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


def check_password(*, request: HttpRequest, email: str, password: str) -> StaffUser | None:
    """The staff member with this email and password, or None.

    Raises TooManyAttempts, without hashing, when the account or the client's address has
    had too many attempts. Every attempt counts, right or wrong: the count has to be taken
    before the hash, so that parallel guesses cannot slip past it.
    """
    account = email.strip().lower()
    source = client_address(request)
    references: dict[str, str | int | None] = {
        "account": pseudonym("account", account),
        "source": pseudonym("source", source),
    }
    refusals = [
        verdict
        for verdict in (
            ratelimit.hit("sign-in.account", account, settings.SIGN_IN_RATE_PER_ACCOUNT),
            ratelimit.hit("sign-in.address", source, settings.SIGN_IN_RATE_PER_ADDRESS),
        )
        if not verdict.allowed
    ]
    if refusals:
        wait = max(verdict.retry_after_seconds for verdict in refusals)
        security_event("sign_in.locked_out", reason="too_many_attempts", wait_s=wait, **references)
        raise TooManyAttempts(wait)
    user = authenticate(request, username=account, password=password)
    publish(PasswordChecked(user_id=str(user.pk) if user else "", succeeded=user is not None))
    if user is None:
        security_event("sign_in.failed", reason="wrong_password", **references)
    return user


def staff_member_signed_on(*, organisation_id: int, email: str, verified: bool) -> StaffUser | None:
    """The active member of staff of the organisation whose provider vouched for this
    email address; None when it did not say the address is verified, or no member has it.
    Single sign-on finds staff; it never makes them (they are invited)."""
    address = email.strip().lower()
    user = None
    if verified and address:
        user = (
            StaffUser.objects.filter(
                email=address, is_active=True, memberships__organisation_id=organisation_id
            )
            .distinct()
            .first()
        )
    publish(SingleSignOnChecked(user_id=str(user.pk) if user else "", succeeded=user is not None))
    if user is None:
        security_event(
            "sign_in.failed", reason="single_sign_on_not_staff", organisation=organisation_id
        )
    return user


def set_single_sign_on(*, organisation: str, issuer: str, client_id: str) -> None:
    """Lets the organisation's staff sign in through its provider; blank issuer: not."""
    updated = Organisation.objects.filter(slug=organisation).update(
        sso_issuer=issuer.rstrip("/"), sso_client_id=client_id if issuer else ""
    )
    if not updated:
        raise UnknownOrganisation(organisation)


def find_totp_device(user: StaffUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def verify_code(*, user: StaffUser, code: str, source: str = "") -> TOTPDevice | None:
    """The user's device if the code is right; a code is accepted once only.

    Raises TooManyAttempts, without checking, after too many attempts in the window; the
    window is fixed, so a run of wrong codes holds the account back for one window at most.
    """
    references: dict[str, str | int | None] = {
        "staff": user.pk,
        "source": pseudonym("source", source),
    }
    verdict = ratelimit.hit("sign-in.code", str(user.pk), settings.SECURITY_CODE_RATE_PER_ACCOUNT)
    if not verdict.allowed:
        security_event(
            "sign_in.locked_out",
            reason="too_many_code_attempts",
            wait_s=verdict.retry_after_seconds,
            **references,
        )
        raise TooManyAttempts(verdict.retry_after_seconds)
    device = find_totp_device(user)
    verified = bool(device and device.verify_token(code.strip().replace(" ", "")))
    publish(SecurityCodeChecked(user_id=str(user.pk), succeeded=verified))
    if not verified:
        security_event("sign_in.failed", reason="wrong_security_code", **references)
    return device if verified else None


def ensure_staff_member(
    *,
    email: str,
    display_name: str,
    password: str,
    organisation_slug: str,
    organisation_name: str,
    role: str,
    totp_key_hex: str,
) -> StaffUser:
    """Creates or updates a staff member with one role and a TOTP device (for set-up)."""
    with transaction.atomic():
        organisation = ensure_organisation(slug=organisation_slug, name=organisation_name)
        user = StaffUser.objects.filter(email=email).first()
        if user is None:
            user = StaffUser.objects.create_user(email, password, display_name=display_name)
        Membership.objects.get_or_create(user=user, organisation_id=organisation.id, role=role)
        TOTPDevice.objects.update_or_create(
            user=user, name="authenticator", defaults={"key": totp_key_hex, "confirmed": True}
        )
    return user


# A key's last use is written at most this often, so a busy key does not write every call.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
# A live key, once found, is remembered by each process this long, so a client's calls do
# not each cost a query (docs/decisions/0034). The bound on revocation: a key revoked in
# another process is still taken here for at most this long; the revoking process forgets
# it at once. The secret is checked against the stored hash on every call.
API_KEY_MEMORY_SECONDS = 1.0
# Only keys that exist are remembered, so this is never reached by guessing; a safety net.
API_KEY_MEMORY_SIZE = 1000
_known_keys: dict[str, tuple[float, str, ApiKeyRef]] = {}


# A sending service's Notify keys, as each process last looked them up, by service id:
# (when, keys). Kept here beside `_known_keys`, so that revoking forgets both
# (civitas.identity.notify_keys reads and fills it).
notify_keys_memory: dict[str, tuple[float, object]] = {}


def forget_notify_keys(service_id: str) -> None:
    """Forgets what this process remembers of the service's Notify keys."""
    notify_keys_memory.pop(service_id, None)


class UnknownOrganisation(LookupError):
    """No organisation has this slug."""


def create_api_key(
    *, organisation_slug: str, name: str, scopes: list[str], created_by: str
) -> tuple[ApiKeyRef, str]:
    """Makes a key and answers it with its secret, which is never kept: this is the only
    time anyone sees it. Raises UnknownOrganisation, and InvalidScope for a bad scope."""
    checked = tuple(dict.fromkeys(validate_scope(scope) for scope in scopes))
    if not checked:
        raise ValueError("give the key at least one scope")
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("the name must be 1 to 100 characters")
    organisation = Organisation.objects.filter(slug=organisation_slug).first()
    if organisation is None:
        raise UnknownOrganisation(f"there is no organisation '{organisation_slug}'")
    public_id, secret = new_secret()
    with transaction.atomic():
        key = ApiKey.objects.create(
            organisation=organisation,
            name=name,
            public_id=public_id,
            secret_sha256=secret_sha256(secret),
            scopes=list(checked),
            created_at=timezone.now(),
            created_by=created_by,
        )
        publish(
            ApiKeyCreated(
                public_id=public_id,
                organisation=organisation.slug,
                by=created_by,
                name=name,
                scopes=checked,
            )
        )
    return api_key_ref(key), secret


def authenticate_api_key(authorization: str | None) -> ApiKeyRef | None:
    """The live key whose secret is in this `Authorization` header value, or None when the
    header is missing or malformed, or the key is unknown or revoked."""
    found = secret_from_authorization(authorization)
    if found is None:
        return None
    public_id, secret = found
    known = _live_key(public_id)
    if known is None:
        return None
    stored_sha256, ref = known
    # Compared in constant time, so the answer's timing tells nothing about the hash.
    if not hmac.compare_digest(stored_sha256, secret_sha256(secret)):
        return None
    now = timezone.now()
    if ref.last_used_at is None or now - ref.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=ref.id).update(last_used_at=now)
        ref = dataclasses.replace(ref, last_used_at=now)
        _known_keys[public_id] = (time.monotonic(), stored_sha256, ref)
    return ref


def _live_key(public_id: str) -> tuple[str, ApiKeyRef] | None:
    """The stored hash and the key with this public id, while it is not revoked:
    remembered for API_KEY_MEMORY_SECONDS, looked up otherwise."""
    now = time.monotonic()
    remembered = _known_keys.get(public_id)
    if remembered is not None and now - remembered[0] < API_KEY_MEMORY_SECONDS:
        return remembered[1], remembered[2]
    key = (
        ApiKey.objects.select_related("organisation")
        .filter(public_id=public_id, revoked_at__isnull=True, kind=ApiKey.Kind.PLATFORM)
        .first()
    )
    if key is None:
        _known_keys.pop(public_id, None)
        return None
    if len(_known_keys) >= API_KEY_MEMORY_SIZE:
        _known_keys.clear()
    ref = api_key_ref(key)
    _known_keys[public_id] = (now, key.secret_sha256, ref)
    return key.secret_sha256, ref


def forget_api_keys() -> None:
    """Forgets every key this process remembers: the next call of each looks it up."""
    _known_keys.clear()


def revoke_api_key(public_id: str, *, revoked_by: str) -> ApiKeyRef | None:
    """Revokes the key at once; None if there is no such key. Revoking twice keeps the
    first time."""
    with transaction.atomic():
        key = (
            ApiKey.objects.select_for_update()
            .select_related("organisation")
            .filter(public_id=public_id)
            .first()
        )
        if key is None:
            return None
        # Forgotten here at once (and again at commit, in case it was looked up since);
        # other processes forget it within API_KEY_MEMORY_SECONDS.
        _known_keys.pop(key.public_id, None)
        transaction.on_commit(lambda: _known_keys.pop(public_id, None))
        if key.notify_service_id is not None:
            forget_notify_keys(str(key.notify_service_id))
            service_id = str(key.notify_service_id)
            transaction.on_commit(lambda: forget_notify_keys(service_id))
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
            publish(
                ApiKeyRevoked(
                    public_id=key.public_id,
                    organisation=key.organisation.slug,
                    by=revoked_by,
                    kind=key.kind,
                    sending_service=str(key.notify_service_id or ""),
                )
            )
    return api_key_ref(key)


def list_api_keys(organisation_id: int) -> list[ApiKeyRef]:
    """The organisation's keys, revoked ones too, oldest first."""
    keys = ApiKey.objects.select_related("organisation").filter(organisation_id=organisation_id)
    return [api_key_ref(key) for key in keys.order_by("created_at", "pk")]


def api_key_ref(key: ApiKey) -> ApiKeyRef:
    organisation = key.organisation
    return ApiKeyRef(
        id=key.pk,
        public_id=key.public_id,
        name=key.name,
        organisation=OrganisationRef(
            id=organisation.pk, slug=organisation.slug, name=organisation.name
        ),
        scopes=tuple(key.scopes),
        created_at=key.created_at,
        created_by=key.created_by,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
        kind=key.kind,
        notify_service_id=str(key.notify_service_id or ""),
        notify_key_type=key.notify_key_type,
    )


def start_field_key_rotation(*, started_by: str) -> KeyRotation:
    """Starts (or carries on) re-sealing every encrypted field and file under the current
    field encryption key (platform.key_rotation), and audits it. Raises
    RotationNotNeeded when only one key is configured."""
    with transaction.atomic():
        rotation = start_key_rotation()
        publish(
            FieldKeyRotationStarted(
                key_id=rotation.key_id, steps=rotation.steps.count(), by=started_by
            )
        )
    return rotation
