"""What staff do to sign in and choose whom they act for, announced for the wiring table."""

from dataclasses import dataclass
from typing import ClassVar

from civitas.platform.audit import AuditRecord
from civitas.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class _SignInStepChecked(DomainEvent):
    """One step of signing in was checked; `user_id` is empty when no account matched."""

    action: ClassVar[str]
    user_id: str
    succeeded: bool

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action=self.action,
            object_type="staff",
            object_id=self.user_id,
            actor_type="staff",
            actor_id=self.user_id,
            details={"outcome": "ok" if self.succeeded else "failed"},
        )


@dataclass(frozen=True, kw_only=True)
class PasswordChecked(_SignInStepChecked):
    """Someone gave a staff password."""

    action = "staff.password_checked"


@dataclass(frozen=True, kw_only=True)
class SingleSignOnChecked(_SignInStepChecked):
    """Someone came back from their organisation's identity provider to sign in as staff."""

    action = "staff.single_sign_on_checked"


@dataclass(frozen=True, kw_only=True)
class SecurityCodeChecked(_SignInStepChecked):
    """A member of staff gave the code from their authenticator app."""

    action = "staff.code_checked"


@dataclass(frozen=True, kw_only=True)
class OrganisationChosen(DomainEvent):
    """A member of staff chose the organisation they act for."""

    user_id: str
    organisation: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="staff.organisation_chosen",
            object_type="staff",
            object_id=self.user_id,
            actor_type="staff",
            actor_id=self.user_id,
            organisation=self.organisation,
        )


@dataclass(frozen=True, kw_only=True)
class _ApiKeyChanged(DomainEvent):
    """An API key was made or revoked; the event never holds its secret."""

    action: ClassVar[str]
    public_id: str
    organisation: str
    by: str
    # "notify" for a GOV.UK Notify-style key, with the id of its sending service.
    kind: str = "platform"
    sending_service: str = ""

    def audit_record(self) -> AuditRecord:
        details = self.details()
        if self.kind != "platform":
            details = {**details, "kind": self.kind, "sending_service": self.sending_service}
        return AuditRecord(
            action=self.action,
            object_type="api_key",
            object_id=self.public_id,
            actor_type="operator",
            actor_id=self.by,
            organisation=self.organisation,
            details=details,
        )

    def details(self) -> dict[str, object]:
        return {}


@dataclass(frozen=True, kw_only=True)
class ApiKeyCreated(_ApiKeyChanged):
    """An API key was made for an organisation."""

    action = "api_key.created"
    name: str
    scopes: tuple[str, ...]
    # A Notify key's type: normal (live), team or test.
    key_type: str = ""

    def details(self) -> dict[str, object]:
        details: dict[str, object] = {"name": self.name, "scopes": list(self.scopes)}
        if self.key_type:
            details["key_type"] = self.key_type
        return details


@dataclass(frozen=True, kw_only=True)
class ApiKeyRevoked(_ApiKeyChanged):
    """An API key was revoked: it opens nothing from now on."""

    action = "api_key.revoked"


@dataclass(frozen=True, kw_only=True)
class TeamChanged(DomainEvent):
    """A team was made or renamed, or someone joined or left it. Who joined is kept by
    their id: the audit trail holds no email address."""

    action: str
    """`team.created`, `team.renamed`, `team.member_added` or `team.member_removed`."""
    organisation: str
    team: str
    by: str
    member_user_id: str = ""

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action=self.action,
            object_type="team",
            object_id=self.team,
            actor_type="operator",
            actor_id=self.by,
            organisation=self.organisation,
            details={"member": self.member_user_id} if self.member_user_id else {},
        )


@dataclass(frozen=True, kw_only=True)
class AuditTrailExported(DomainEvent):
    """An auditor downloaded the organisation's audit trail for a range of dates."""

    organisation: str
    staff_user_id: str
    start: str
    end: str
    """The first and last day asked for (ISO dates), both included."""
    rows: int

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="audit.exported",
            object_type="organisation",
            object_id=self.organisation,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"from": self.start, "to": self.end, "rows": self.rows},
        )


@dataclass(frozen=True, kw_only=True)
class AccountEmailDue(DomainEvent):
    """A citizen's account has an email to send: a link, or a notice about the account.

    Identity sits below notify, so it announces the email and notify's handler queues it
    in the same transaction. Never audited: it holds the address and, often, a link that
    opens the account.
    """

    idempotency_key: str
    account_id: str
    template: str
    to: str
    subject: str
    text: str
    html: str
    holds_secret: bool
    """The body holds a single-use link: erased from the outbox once sent."""


@dataclass(frozen=True, kw_only=True)
class FieldKeyRotationStarted(DomainEvent):
    """An operator started re-sealing everything under a new field encryption key. The
    key's id only: never the key."""

    key_id: str
    steps: int
    by: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="encryption_key.rotation_started",
            object_type="encryption_key",
            object_id=self.key_id,
            actor_type="operator",
            actor_id=self.by,
            details={"steps": self.steps},
        )


@dataclass(frozen=True, kw_only=True)
class StaffInvited(DomainEvent):
    """An administrator invited a person to join their organisation's staff.

    The event carries the invitation's address and link for the email handler only: the
    audit record keeps neither (the link opens the account; the address is personal data).
    """

    invite_id: int
    organisation: str
    organisation_id: int
    organisation_name: str
    by_user_id: str
    role: str
    teams: tuple[str, ...]
    email: str
    display_name: str
    link: str
    expires_at_text: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="staff.invited",
            object_type="staff_invite",
            object_id=str(self.invite_id),
            actor_type="staff",
            actor_id=self.by_user_id,
            organisation=self.organisation,
            details={"role": self.role, "teams": list(self.teams)},
        )


@dataclass(frozen=True, kw_only=True)
class StaffInviteAccepted(DomainEvent):
    """The invited person set their password: their account exists, without a second
    factor yet (they must set one up before any staff page opens)."""

    invite_id: int
    organisation: str
    user_id: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="staff.invite_accepted",
            object_type="staff_invite",
            object_id=str(self.invite_id),
            actor_type="staff",
            actor_id=self.user_id,
            organisation=self.organisation,
            details={"staff": self.user_id},
        )


@dataclass(frozen=True, kw_only=True)
class TwoFactorSetUp(DomainEvent):
    """A member of staff confirmed their authenticator app."""

    user_id: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="staff.two_factor_set_up",
            object_type="staff",
            object_id=self.user_id,
            actor_type="staff",
            actor_id=self.user_id,
        )


@dataclass(frozen=True, kw_only=True)
class StaffDeactivated(DomainEvent):
    """An administrator took a member of staff out of their organisation; every session
    of theirs ended at once. `account_closed`: they belonged to no other organisation, so
    their account can no longer sign in at all."""

    organisation: str
    user_id: str
    by_user_id: str
    account_closed: bool

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="staff.deactivated",
            object_type="staff",
            object_id=self.user_id,
            actor_type="staff",
            actor_id=self.by_user_id,
            organisation=self.organisation,
            details={"account_closed": self.account_closed},
        )


@dataclass(frozen=True, kw_only=True)
class SignedOutEverywhere(DomainEvent):
    """A member of staff ended every one of their sessions, on every device."""

    user_id: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="staff.signed_out_everywhere",
            object_type="staff",
            object_id=self.user_id,
            actor_type="staff",
            actor_id=self.user_id,
        )
