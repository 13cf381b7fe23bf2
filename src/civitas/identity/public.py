"""What other domains may use from identity."""

from civitas.identity.account_sessions import (
    is_signed_in,
    signed_in_account,
    signed_in_account_id,
    start_account_session,
)
from civitas.identity.accounts import AccountRef, delete_ended_account_links
from civitas.identity.api_keys import ApiKeyRef, InvalidScope, validate_scope
from civitas.identity.events import (
    AccountEmailDue,
    ApiKeyCreated,
    ApiKeyRevoked,
    AuditTrailExported,
    OrganisationChosen,
    PasswordChecked,
    SecurityCodeChecked,
    SingleSignOnChecked,
    TeamChanged,
)
from civitas.identity.oidc_views import (
    identity_sign_in_url,
    meets_identity_level,
    signed_in_identity_level,
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
from civitas.identity.teams import (
    TeamInvalid,
    TeamMember,
    TeamRef,
    add_team_member,
    ensure_team,
    find_team,
    is_team_member,
    list_members_by_team,
    list_team_members,
    list_team_slugs,
    list_teams,
    list_teams_of,
    staff_names,
)

__all__ = [
    "ANY_ROLE",
    "AccountEmailDue",
    "AccountRef",
    "ApiKeyCreated",
    "ApiKeyRef",
    "ApiKeyRevoked",
    "AuditTrailExported",
    "InvalidScope",
    "OrganisationChosen",
    "OrganisationRef",
    "PasswordChecked",
    "SecurityCodeChecked",
    "SingleSignOnChecked",
    "StaffContext",
    "StaffRequest",
    "TeamChanged",
    "TeamInvalid",
    "TeamMember",
    "TeamRef",
    "UnknownOrganisation",
    "add_team_member",
    "authenticate_api_key",
    "create_api_key",
    "delete_ended_account_links",
    "ensure_organisation",
    "ensure_staff_member",
    "ensure_team",
    "find_organisation",
    "find_team",
    "has_permission",
<<<<<<< HEAD
    "is_signed_in",
=======
    "identity_sign_in_url",
>>>>>>> main
    "is_team_member",
    "list_api_keys",
    "list_members_by_team",
    "list_team_members",
    "list_team_slugs",
    "list_teams",
    "list_teams_of",
    "meets_identity_level",
    "organisation_requires_welsh",
    "revoke_api_key",
<<<<<<< HEAD
    "signed_in_account",
    "signed_in_account_id",
=======
    "signed_in_identity_level",
>>>>>>> main
    "staff_context_for",
    "staff_member_required",
    "staff_names",
    "start_account_session",
    "validate_scope",
]
