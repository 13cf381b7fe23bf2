"""What happens to citizens' journeys, announced for the handlers in the wiring table."""

from dataclasses import dataclass

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
