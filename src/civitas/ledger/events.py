"""What happens to the transparency log itself, announced for the wiring table."""

from dataclasses import dataclass

from django.conf import settings

from civitas.platform.audit import AuditRecord
from civitas.platform.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class LogFoundBroken(DomainEvent):
    """An integrity check failed: appends stopped for good. The reason names rows only."""

    reason: str

    def audit_record(self) -> AuditRecord:
        return AuditRecord(
            action="ledger.broken",
            object_type="ledger",
            object_id=str(settings.LEDGER_ORIGIN),
            actor_type="system",
            details={"reason": self.reason},
        )
