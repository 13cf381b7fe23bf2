"""What happens in insights that is audited: a service owner reading citizens' comments
or a service's figures (the public's performance pages and open data are not audited:
they are public), and the figures they enter (other channels' volumes, costs per
channel)."""

from collections.abc import Mapping
from dataclasses import dataclass, field

from civitas.platform.audit import AuditRecord
from civitas.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class FeedbackRead(DomainEvent):
    """A service owner read a page of the comments citizens left (scrubbed, but still what
    people wrote)."""

    organisation: str
    staff_user_id: str
    service_slug: str = ""  # "" for every service of the organisation

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="insights.feedback_read",
            object_type="feedback",
            object_id=self.service_slug or "all",
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
        )


@dataclass(frozen=True, kw_only=True)
class ChannelVolumesEntered(DomainEvent):
    """A service owner entered one month's transactions by post, phone and in person."""

    organisation: str
    staff_user_id: str
    service_slug: str
    month: str  # YYYY-MM
    volumes: Mapping[str, int] = field(default_factory=dict)

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="insights.channel_volumes_entered",
            object_type="service",
            object_id=self.service_slug,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"month": self.month, "volumes": dict(self.volumes)},
        )


@dataclass(frozen=True, kw_only=True)
class ChannelCostsSet(DomainEvent):
    """A service owner set what a transaction costs by each channel."""

    organisation: str
    staff_user_id: str
    service_slug: str
    costs_pence: Mapping[str, int] = field(default_factory=dict)

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="insights.channel_costs_set",
            object_type="service",
            object_id=self.service_slug,
            actor_type="staff",
            actor_id=self.staff_user_id,
            organisation=self.organisation,
            details={"costs_pence": dict(self.costs_pence)},
        )


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


@dataclass(frozen=True, kw_only=True)
class HistoryImported(DomainEvent):
    """An operator imported a service's daily counts from before Civitas (history.py)."""

    organisation: str
    service_slug: str
    by: str
    counts: int
    first_day: str  # YYYY-MM-DD
    last_day: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="insights.history_imported",
            object_type="service",
            object_id=self.service_slug,
            actor_type="operator",
            actor_id=self.by,
            organisation=self.organisation,
            details={"counts": self.counts, "from": self.first_day, "to": self.last_day},
        )
