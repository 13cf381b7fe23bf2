"""What other domains may use from identity."""

from civitas.identity.api_keys import ApiKeyRef, InvalidScope, validate_scope
from civitas.identity.events import (
    ApiKeyCreated,
    ApiKeyRevoked,
    OrganisationChosen,
    PasswordChecked,
    SecurityCodeChecked,
)
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
    UnknownOrganisation,
    authenticate_api_key,
    create_api_key,
    ensure_organisation,
    ensure_staff_member,
    find_organisation,
    list_api_keys,
    organisation_requires_welsh,
    revoke_api_key,
)

__all__ = [
    "ANY_ROLE",
    "ApiKeyCreated",
    "ApiKeyRef",
    "ApiKeyRevoked",
    "InvalidScope",
    "OrganisationChosen",
    "OrganisationRef",
    "PasswordChecked",
    "SecurityCodeChecked",
    "StaffContext",
    "StaffRequest",
    "UnknownOrganisation",
    "authenticate_api_key",
    "create_api_key",
    "ensure_organisation",
    "ensure_staff_member",
    "find_organisation",
    "has_permission",
    "list_api_keys",
    "organisation_requires_welsh",
    "revoke_api_key",
    "staff_context_for",
    "staff_member_required",
    "validate_scope",
]
