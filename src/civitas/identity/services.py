"""Signing staff in: a password, then a time-based code from their authenticator app."""

from typing import Any

from django.contrib.auth import authenticate
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from civitas.identity.models import Membership, Organisation, StaffUser
from civitas.identity.permissions import OrganisationRef
from civitas.platform.audit import record_audit_event


def ensure_organisation(*, slug: str, name: str) -> OrganisationRef:
    """Registers an organisation, or renames it; its slug never changes once used."""
    organisation, created = Organisation.objects.get_or_create(slug=slug, defaults={"name": name})
    if not created and organisation.name != name:
        organisation.name = name
        organisation.save(update_fields=["name"])
    return OrganisationRef(id=organisation.pk, slug=organisation.slug, name=organisation.name)


def find_organisation(slug: str) -> OrganisationRef | None:
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        return None
    return OrganisationRef(id=organisation.pk, slug=organisation.slug, name=organisation.name)


def check_password(*, request: Any, email: str, password: str) -> StaffUser | None:
    user = authenticate(request, username=email.strip().lower(), password=password)
    record_audit_event(
        action="staff.password_checked",
        object_type="staff",
        object_id=str(user.pk) if user else "",
        actor_type="staff",
        actor_id=str(user.pk) if user else "",
        details={"outcome": "ok" if user else "failed"},
    )
    return user


def find_totp_device(user: StaffUser) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def verify_code(*, user: StaffUser, code: str) -> TOTPDevice | None:
    """The user's device if the code is right; a code is accepted once only."""
    device = find_totp_device(user)
    verified = bool(device and device.verify_token(code.strip().replace(" ", "")))
    record_audit_event(
        action="staff.code_checked",
        object_type="staff",
        object_id=str(user.pk),
        actor_type="staff",
        actor_id=str(user.pk),
        details={"outcome": "ok" if verified else "failed"},
    )
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
