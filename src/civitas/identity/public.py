"""What other domains may use from identity."""

from civitas.identity.events import OrganisationChosen, PasswordChecked, SecurityCodeChecked
from civitas.identity.permissions import (
    ANY_ROLE,
    OrganisationRef,
    StaffContext,
    StaffRequest,
    has_permission,
    staff_context_for,
    staff_member_required,
)
from civitas.identity.services import (
    ensure_organisation,
    ensure_staff_member,
    find_organisation,
    organisation_requires_welsh,
)

__all__ = [
    "ANY_ROLE",
    "OrganisationChosen",
    "OrganisationRef",
    "PasswordChecked",
    "SecurityCodeChecked",
    "StaffContext",
    "StaffRequest",
    "ensure_organisation",
    "ensure_staff_member",
    "find_organisation",
    "has_permission",
    "organisation_requires_welsh",
    "staff_context_for",
    "staff_member_required",
]
