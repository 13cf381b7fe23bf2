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

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action=self.action,
            object_type="api_key",
            object_id=self.public_id,
            actor_type="operator",
            actor_id=self.by,
            organisation=self.organisation,
            details=self.details(),
        )

    def details(self) -> dict[str, object]:
        return {}


@dataclass(frozen=True, kw_only=True)
class ApiKeyCreated(_ApiKeyChanged):
    """An API key was made for an organisation."""

    action = "api_key.created"
    name: str
    scopes: tuple[str, ...]

    def details(self) -> dict[str, object]:
        return {"name": self.name, "scopes": list(self.scopes)}


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
