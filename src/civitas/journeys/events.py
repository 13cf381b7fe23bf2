"""What happens to citizens' journeys, announced for the handlers in the wiring table."""

from dataclasses import dataclass
from typing import ClassVar

from civitas.platform.audit import AuditRecord
from civitas.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class AbandonedJourneysDeleted(DomainEvent):
    """The retention job deleted answers saved to come back to and never sent: how many,
    for which service, never whose or what they said."""

    organisation: str
    service: str
    count: int
    kept_days: int

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="journeys.abandoned_deleted",
            object_type="service",
            object_id=self.service,
            actor_type="system",
            organisation=self.organisation,
            details={
                "records": "abandoned_journeys",
                "count": self.count,
                "kept_days": self.kept_days,
            },
        )


@dataclass(frozen=True, kw_only=True)
class JourneyActivity:
    """What the events of a citizen's journey share, for the service's performance figures.

    Names the journey only by its random key, and pages and questions by their ids:
    never an answer, an account, a session or an address. The user agent is there to be
    sorted into a device class and dropped. Its handlers keep it in memory, to be written
    in batches: publishing it costs the page no statement of its own.
    """

    opens_no_transaction: ClassVar[bool] = True
    kind: ClassVar[str] = ""

    organisation: str
    service: str
    journey_key: str
    channel: str
    """`online`, or `assisted` when a member of staff is completing it for a caller."""
    language: str
    user_agent: str
    occurred_at: float
    """Seconds since the epoch."""
    page: str = ""
    questions: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class JourneyStarted(JourneyActivity, DomainEvent):
    """The citizen reached the first question page of a journey new to their session."""

    kind: ClassVar[str] = "started"


@dataclass(frozen=True, kw_only=True)
class JourneyPageReached(JourneyActivity, DomainEvent):
    """A page of the journey was shown (not again after a refused answer)."""

    kind: ClassVar[str] = "page"


@dataclass(frozen=True, kw_only=True)
class JourneyAnswersRefused(JourneyActivity, DomainEvent):
    """The answers to `questions` (their ids) on `page` were refused with an error."""

    kind: ClassVar[str] = "error"


@dataclass(frozen=True, kw_only=True)
class CheckAnswersReached(JourneyActivity, DomainEvent):
    kind: ClassVar[str] = "check_answers"


@dataclass(frozen=True, kw_only=True)
class JourneySubmitted(JourneyActivity, DomainEvent):
    """The journey's application was sent."""

    kind: ClassVar[str] = "submitted"
