"""What happens in insights that is audited: staff reading (or downloading) a service's
figures. The public's performance pages and open data are not audited: they are public."""

from dataclasses import dataclass

from civitas.platform.audit import AuditRecord
from civitas.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PerformanceViewed(DomainEvent):
    """A service owner read (or downloaded) a service's performance dashboard."""

    organisation: str
    staff_user_id: str
    service_slug: str
    period: str
    channel: str = ""
    download: bool = False

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="insights.performance_downloaded"
            if self.download
            else "insights.performance_viewed",
            object_type="service",
            object_id=self.service_slug,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"period": self.period, "channel": self.channel},
        )
