"""What happens to a case, announced for the handlers in the wiring table."""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from civitas.cases.workflow import Outcome
from civitas.catalogue.public import Service
from civitas.ledger.public import TextFingerprint
from civitas.platform.audit import AuditRecord
from civitas.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class ApplicationSubmitted(DomainEvent):
    """A citizen (or a client on their behalf) sent an application; it is now a case."""

    reference: str
    service: Service
    channel: str
    fee_pence: int | None
    contact_email: str = field(repr=False)
    answers: Mapping[str, object] = field(default_factory=dict, repr=False)
    """The case's answers, for the messages that use them (personal data: never logged)."""
    submitted_at: datetime.datetime | None = None
    """When the case was submitted: its messages' computed values are as of that day."""
    decision: Mapping[str, object] | None = field(default=None, repr=False)
    """The rules' decision recorded with the case, for computed values that use `rule()`."""
    language: str = "en"
    """The language the citizen applied in: the one their messages are written in."""
    api_key: str = ""
    """The public id of the API key that sent the application ("" for the pages)."""
    assisted_by: str = ""
    """The id of the member of staff who completed it for a caller ("" when nobody did)."""
    account_id: str = ""
    """The applicant's citizen account ("" for none): its contact preference is honoured."""
    awaiting_payment: bool = False
    """The case waits for its fee: it is logged and confirmed when the fee is paid."""

    def audit_record(self) -> AuditRecord:
        details = {"service": self.service_label, "channel": self.channel}
        if self.api_key:
            # Which system sent it on the citizen's behalf: the key's public id, which
            # `civitas keys list` shows, never its secret.
            details["api_key"] = self.api_key
        return AuditRecord(
            action="case.submitted",
            object_type="case",
            object_id=self.reference,
            # Assisted digital: the member of staff acted, on the caller's behalf.
            actor_type="staff" if self.assisted_by else "citizen",
            actor_id=self.assisted_by,
            organisation=self.service.organisation,
            details=details,
        )

    @property
    def service_label(self) -> str:
        return f"{self.service.slug}@{self.service.version}"


@dataclass(frozen=True, kw_only=True)
class CaseDecided(DomainEvent):
    """A caseworker approved or refused a case."""

    reference: str
    service: Service
    outcome: Outcome
    status: str
    """The workflow state the case moved to."""
    transition: str = ""
    """The workflow transition that decided it ("approve", "refuse" in the default)."""
    reason: str = field(repr=False)
    reason_fingerprint: TextFingerprint | None = field(repr=False)
    """The keyed fingerprint of the reason: the log keeps the HMAC, the applicant the key."""
    staff_user_id: str
    role: str
    """The role the member of staff decided in, as the public log records it."""
    contact_email: str = field(repr=False)
    answers: Mapping[str, object] = field(default_factory=dict, repr=False)
    """The case's answers, for the messages that use them (personal data: never logged)."""
    submitted_at: datetime.datetime | None = None
    """When the case was submitted: its messages' computed values are as of that day."""
    decision: Mapping[str, object] | None = field(default=None, repr=False)
    """The rules' decision recorded with the case, for computed values that use `rule()`."""
    fee_pence: int | None = None
    """The case's fee: a refusal's message can say whether it is refunded."""
    language: str = "en"
    """The language the citizen applied in: the one their messages are written in."""
    account_id: str = ""
    """The applicant's citizen account ("" for none): its contact preference is honoured."""

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.decided",
            object_type="case",
            object_id=self.reference,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.service.organisation,
            details={
                "outcome": self.outcome.value,
                "status": self.status,
                "transition": self.transition,
            },
        )


@dataclass(frozen=True, kw_only=True)
class CaseMoved(DomainEvent):
    """A case moved between workflow states without being decided: a member of staff
    asked for more information, say, or a timer or an event moved it."""

    reference: str
    organisation: str
    service: str
    """`slug@version`: the version whose workflow it followed."""
    transition: str
    from_status: str
    to_status: str
    staff_user_id: str = ""
    """Who moved it; "" when the platform did (`trigger` says why)."""
    trigger: str = "staff"
    """`staff`, `timer`, or the name of the event that moved it (`citizen_replied`)."""

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.moved",
            object_type="case",
            object_id=self.reference,
            actor_type="staff" if self.staff_user_id else "system",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={
                "transition": self.transition,
                "from": self.from_status,
                "to": self.to_status,
                "trigger": self.trigger,
                "service": self.service,
            },
        )


@dataclass(frozen=True, kw_only=True)
class PersonalDataViewed(DomainEvent):
    """A member of staff opened a case's answers."""

    reference: str
    organisation: str
    staff_user_id: str
    role: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.personal_data_viewed",
            object_type="case",
            object_id=self.reference,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
        )


@dataclass(frozen=True, kw_only=True)
class SensitiveAnswersShown(DomainEvent):
    """A member of staff pressed "Show" for a case's sensitive answers (health, income,
    identity documents). Names the questions shown, never their answers."""

    reference: str
    organisation: str
    staff_user_id: str
    role: str
    question_ids: tuple[str, ...]

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.sensitive_answers_shown",
            object_type="case",
            object_id=self.reference,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"questions": list(self.question_ids), "role": self.role},
        )


@dataclass(frozen=True, kw_only=True)
class CaseFileDownloaded(DomainEvent):
    """A member of staff downloaded a file sent with a case."""

    reference: str
    token: str
    organisation: str
    staff_user_id: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.file_downloaded",
            object_type="case",
            object_id=self.reference,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"file": self.token},
        )


@dataclass(frozen=True, kw_only=True)
class CaseAssigned(DomainEvent):
    """A case was given to a member of staff to work: taken by them (`how` is "self" or
    "next") or given by a team leader ("leader")."""

    reference: str
    organisation: str
    team: str
    assignee_user_id: str
    staff_user_id: str
    role: str
    how: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.assigned",
            object_type="case",
            object_id=self.reference,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={
                "assignee": self.assignee_user_id,
                "team": self.team,
                "how": self.how,
                "role": self.role,
            },
        )


@dataclass(frozen=True, kw_only=True)
class CasesSearched(DomainEvent):
    """A member of staff searched the organisation's cases by a person's details. The
    audit trail keeps what kind of search it was and how many cases it found, never what
    was typed: that is personal data."""

    kind: str
    found: int
    organisation: str
    staff_user_id: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="cases.searched",
            object_type="organisation",
            object_id=self.organisation,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"kind": self.kind, "found": self.found},
        )


@dataclass(frozen=True, kw_only=True)
class MessageSentToApplicant(DomainEvent):
    """A member of staff wrote to the applicant: a request for more information (made by
    a workflow transition) or a message of the case's thread. The text is never in it."""

    reference: str
    organisation: str
    kind: str
    """`request` or `message`."""
    staff_user_id: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.message_sent",
            object_type="case",
            object_id=self.reference,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"kind": self.kind},
        )


@dataclass(frozen=True, kw_only=True)
class ApplicantReplied(DomainEvent):
    """The applicant answered in the case's thread, from their application's page."""

    reference: str
    organisation: str
    files: int
    """How many files came with the reply."""

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.applicant_replied",
            object_type="case",
            object_id=self.reference,
            actor_type="citizen",
            organisation=self.organisation,
            details={"files": self.files},
        )


@dataclass(frozen=True, kw_only=True)
class CaseNoteAdded(DomainEvent):
    """A member of staff added a private note to a case. The audit trail says who and on
    which case, never what the note says."""

    reference: str
    organisation: str
    staff_user_id: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.note_added",
            object_type="case",
            object_id=self.reference,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
        )


@dataclass(frozen=True, kw_only=True)
class CaseLabelChanged(DomainEvent):
    """A member of staff put one of its service's labels on a case, or took it off."""

    reference: str
    organisation: str
    staff_user_id: str
    label: str
    added: bool

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.label_added" if self.added else "case.label_removed",
            object_type="case",
            object_id=self.reference,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"label": self.label},
        )


@dataclass(frozen=True, kw_only=True)
class _OpinionEvent(DomainEvent):
    """A request for another team's opinion on a case, asked or answered. The audit trail
    names the team and the request, never the question or the answer."""

    action: ClassVar[str]
    reference: str
    organisation: str
    team: str
    request: str
    staff_user_id: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action=self.action,
            object_type="case",
            object_id=self.reference,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"team": self.team, "request": self.request},
        )


@dataclass(frozen=True, kw_only=True)
class OpinionRequested(_OpinionEvent):
    """A caseworker asked another team of the organisation for its opinion on a case."""

    action = "case.opinion_requested"


@dataclass(frozen=True, kw_only=True)
class OpinionGiven(_OpinionEvent):
    """A member of the asked team answered a request for its opinion."""

    action = "case.opinion_given"


@dataclass(frozen=True, kw_only=True)
class CasesExported(DomainEvent):
    """A team leader downloaded a queue as CSV: which queue and filter, how many rows."""

    organisation: str
    staff_user_id: str
    queue: str
    filters: Mapping[str, str]
    rows: int

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="cases.exported",
            object_type="organisation",
            object_id=self.organisation,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"queue": self.queue, "filters": dict(self.filters), "rows": self.rows},
        )


@dataclass(frozen=True, kw_only=True)
class CaseRecordsErased(DomainEvent):
    """The retention job deleted or anonymised one kind of a closed case's records, its
    time being up. Says which kind and how many, never what they held."""

    reference: str
    organisation: str
    service: str
    kind: str
    """closed_cases, uploads, messages or payment_records (catalogue's RETENTION_KINDS)."""
    action: str
    """"deleted" or "anonymised"."""
    count: int
    kept_days: int

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="case.records_erased",
            object_type="case",
            object_id=self.reference,
            actor_type="system",
            organisation=self.organisation,
            details={
                "service": self.service,
                "records": self.kind,
                "action": self.action,
                "count": self.count,
                "kept_days": self.kept_days,
            },
        )
