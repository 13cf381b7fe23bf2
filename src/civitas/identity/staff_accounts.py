"""Who is on an organisation's staff: invitations, setting up a second factor, leaving.

An administrator invites a person by email, with one role and any of the organisation's
teams. The email holds a single-use link that works for STAFF_INVITE_HOURS; only the
SHA-256 of its secret is stored. Following it, the person chooses a password (argon2,
Django's length and common-password rules) and is signed in with the password step only:
every staff page sends them on to set up an authenticator app, and nothing opens until
they confirm a code from it.

Taking someone off the staff raises their session generation, which ends every session of
theirs on its next request, whichever session engine stores it (decisions/0039).
"""

import base64
import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from civitas.identity.events import (
    SignedOutEverywhere,
    StaffDeactivated,
    StaffInviteAccepted,
    StaffInvited,
    TwoFactorSetUp,
)
from civitas.identity.models import (
    Membership,
    StaffInvite,
    StaffUser,
    Team,
    TeamMembership,
)
from civitas.identity.permissions import StaffContext
from civitas.platform.events import publish
from civitas.platform.input_guards import has_unsafe_characters
from civitas.platform.security_log import security_event

INVITE_PATH = "/staff/invite/"


class InviteInvalid(ValueError):
    """What an administrator entered cannot be an invitation; `errors` by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class InviteNotUsable(LookupError):
    """The link is unknown, used or expired: `reason` says which, for the security log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class InviteRef:
    id: int
    organisation_name: str
    email: str
    display_name: str
    role: str
    expires_at: datetime.datetime


@dataclass(frozen=True)
class StaffMemberRow:
    user_id: int
    display_name: str
    email: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]
    has_second_factor: bool


def _secret_sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invite_staff_member(
    *,
    staff: StaffContext,
    email: str,
    display_name: str,
    role: str,
    team_slugs: list[str],
) -> tuple[InviteRef, str]:
    """Invites a person to the acting organisation; answers the invite and its link.

    The caller must hold `staff.manage` (the view's permission check). Raises InviteInvalid
    for a bad address, name, role or team, or an address that already has an account.
    """
    email = email.strip().lower()
    display_name = display_name.strip()
    errors: dict[str, str] = {}
    try:
        validate_email(email)
        # The column's length (RFC 5321's limit on a path): PostgreSQL refuses a longer one.
        if len(email) > 254 or has_unsafe_characters(email):
            raise ValidationError("unsafe")
    except ValidationError:
        errors["email"] = "Enter an email address in the correct format, like name@example.gov.uk"
    if not display_name or len(display_name) > 100 or has_unsafe_characters(display_name):
        errors["display_name"] = "Enter their name, in 100 characters or fewer"
    if role not in Membership.Role.values:
        errors["role"] = "Select a role"
    organisation_id = staff.organisation.id
    teams = list(Team.objects.filter(organisation_id=organisation_id, slug__in=team_slugs))
    if len(teams) != len(set(team_slugs)):
        errors["teams"] = "Select teams of your organisation only"
    if "email" not in errors and StaffUser.objects.filter(email=email).exists():
        # Someone with an account already is given a role by an operator, not invited:
        # an invitation sets a password, and must never set another person's.
        errors["email"] = "This person already has a staff account"
    if errors:
        raise InviteInvalid(errors)
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invite = StaffInvite.objects.create(
            organisation_id=organisation_id,
            email=email,
            display_name=display_name,
            role=role,
            team_slugs=sorted(team.slug for team in teams),
            secret_sha256=_secret_sha256(secret),
            invited_by_id=staff.user.pk,
            created_at=now,
            expires_at=now + datetime.timedelta(hours=settings.STAFF_INVITE_HOURS),
        )
        link = f"{settings.PUBLIC_BASE_URL}{INVITE_PATH}{secret}"
        publish(
            StaffInvited(
                invite_id=invite.pk,
                organisation=staff.organisation.slug,
                organisation_id=organisation_id,
                organisation_name=staff.organisation.name,
                by_user_id=str(staff.user.pk),
                role=role,
                teams=tuple(invite.team_slugs),
                email=email,
                display_name=display_name,
                link=link,
                expires_at_text=timezone.localtime(invite.expires_at).strftime(
                    "%-d %B %Y at %H:%M"
                ),
            )
        )
    return _invite_ref(invite), link


def _invite_ref(invite: StaffInvite) -> InviteRef:
    return InviteRef(
        id=invite.pk,
        organisation_name=invite.organisation.name,
        email=invite.email,
        display_name=invite.display_name,
        role=invite.role,
        expires_at=invite.expires_at,
    )


def _usable_invite(secret: str, *, lock: bool = False) -> StaffInvite:
    if not secret or len(secret) > 100:
        raise InviteNotUsable("unknown")
    invites = StaffInvite.objects.select_related("organisation")
    if lock:
        invites = invites.select_for_update()
    invite = invites.filter(secret_sha256=_secret_sha256(secret)).first()
    if invite is None:
        raise InviteNotUsable("unknown")
    if invite.accepted_at is not None:
        raise InviteNotUsable("used")
    if invite.expires_at <= timezone.now():
        raise InviteNotUsable("expired")
    return invite


def find_usable_invite(secret: str) -> InviteRef:
    """The invitation this link's secret opens; raises InviteNotUsable (and writes a
    security record) when it is unknown, used or expired."""
    try:
        return _invite_ref(_usable_invite(secret))
    except InviteNotUsable as refusal:
        _log_refused_invite(secret, refusal.reason)
        raise


def _log_refused_invite(secret: str, reason: str) -> None:
    # The hash's head names the link without being able to open it.
    security_event("token.refused", reason=f"invite_{reason}", token=_secret_sha256(secret)[:12])


def accept_invite(*, secret: str, password: str) -> StaffUser:
    """Makes the account the invitation is for, with this password, its role and teams.

    Raises InviteNotUsable (unknown, used, expired; a second acceptance racing the first
    waits on its lock and finds it used), and ValidationError for a password Django's
    validators refuse. The account has no second factor yet.
    """
    with transaction.atomic():
        try:
            invite = _usable_invite(secret, lock=True)
        except InviteNotUsable as refusal:
            _log_refused_invite(secret, refusal.reason)
            raise
        candidate = StaffUser(email=invite.email, display_name=invite.display_name)
        password_validation.validate_password(password, user=candidate)
        try:
            with transaction.atomic():
                user = StaffUser.objects.create_user(
                    invite.email, password, display_name=invite.display_name
                )
        except IntegrityError:
            raise InviteNotUsable("account_exists") from None
        Membership.objects.create(
            user=user, organisation_id=invite.organisation_id, role=invite.role
        )
        for team in Team.objects.filter(
            organisation_id=invite.organisation_id, slug__in=invite.team_slugs
        ):
            TeamMembership.objects.create(team=team, user=user)
        invite.accepted_at = timezone.now()
        invite.user = user
        invite.save(update_fields=["accepted_at", "user"])
        publish(
            StaffInviteAccepted(
                invite_id=invite.pk, organisation=invite.organisation.slug, user_id=str(user.pk)
            )
        )
    return user


def has_second_factor(user: StaffUser) -> bool:
    return bool(TOTPDevice.objects.filter(user=user, confirmed=True).exists())


def pending_totp_device(user: StaffUser) -> TOTPDevice:
    """The authenticator the person is setting up: made once, kept until confirmed, so the
    QR code does not change under them if they reload the page."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=user, name="authenticator", defaults={"confirmed": False}
    )
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    """The key as authenticator apps take it typed in: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def confirm_totp_device(*, user: StaffUser, code: str) -> TOTPDevice | None:
    """Confirms the person's new authenticator with a code from it; None if the code is
    wrong. A person who has one confirmed already cannot set up another this way."""
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, name="authenticator", confirmed=False)
            .first()
        )
        if device is None or has_second_factor(user):
            security_event("two_factor.refused", reason="nothing_to_set_up", staff=user.pk)
            return None
        if not device.verify_token(code.strip().replace(" ", "")):
            security_event("two_factor.refused", reason="wrong_code", staff=user.pk)
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        publish(TwoFactorSetUp(user_id=str(user.pk)))
    return device


def list_staff_members(organisation_id: int) -> list[StaffMemberRow]:
    """The organisation's staff with their roles and teams there, by name."""
    memberships = Membership.objects.filter(organisation_id=organisation_id).select_related("user")
    roles: dict[int, list[str]] = {}
    users: dict[int, StaffUser] = {}
    for membership in memberships:
        roles.setdefault(membership.user_id, []).append(membership.role)
        users[membership.user_id] = membership.user
    teams: dict[int, list[str]] = {}
    for user_id, name in TeamMembership.objects.filter(
        team__organisation_id=organisation_id, user_id__in=users
    ).values_list("user_id", "team__name"):
        teams.setdefault(user_id, []).append(name)
    verified = set(
        TOTPDevice.objects.filter(user_id__in=users, confirmed=True).values_list(
            "user_id", flat=True
        )
    )
    return sorted(
        (
            StaffMemberRow(
                user_id=user.pk,
                display_name=user.display_name,
                email=user.email,
                roles=tuple(sorted(roles[user.pk])),
                teams=tuple(sorted(teams.get(user.pk, []))),
                has_second_factor=user.pk in verified,
            )
            for user in users.values()
        ),
        key=lambda row: (row.display_name.lower(), row.user_id),
    )


def end_all_sessions(user_id: int) -> None:
    """Ends every session of the person, on every device and either session engine, from
    their next request on."""
    StaffUser.objects.filter(pk=user_id).update(session_generation=F("session_generation") + 1)


def deactivate_staff_member(*, staff: StaffContext, user_id: int) -> bool:
    """Takes a person off the acting organisation's staff: their roles and teams there go,
    every session of theirs ends, and an account left with no organisation is closed.

    False when the person is not on this organisation's staff:
    another organisation's people are not found from here. Nobody deactivates themselves.
    """
    organisation_id = staff.organisation.id
    if user_id == staff.user.pk:
        return False
    with transaction.atomic():
        user = StaffUser.objects.select_for_update().filter(pk=user_id).first()
        memberships = Membership.objects.filter(user_id=user_id, organisation_id=organisation_id)
        if user is None or not memberships.exists():
            # The page answers 404, which the security log records with who asked.
            return False
        memberships.delete()
        TeamMembership.objects.filter(
            user_id=user_id, team__organisation_id=organisation_id
        ).delete()
        account_closed = not Membership.objects.filter(user_id=user_id).exists()
        if account_closed:
            user.is_active = False
        user.session_generation += 1
        user.save(update_fields=["is_active", "session_generation"])
        publish(
            StaffDeactivated(
                organisation=staff.organisation.slug,
                user_id=str(user_id),
                by_user_id=str(staff.user.pk),
                account_closed=account_closed,
            )
        )
    return True


def sign_out_everywhere(user: StaffUser) -> None:
    """Ends every session of the person, this one included."""
    with transaction.atomic():
        end_all_sessions(user.pk)
        publish(SignedOutEverywhere(user_id=str(user.pk)))
