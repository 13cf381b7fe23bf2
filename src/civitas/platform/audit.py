"""The audit trail every state change appends to, in the same transaction."""

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from django.utils import timezone

from civitas.platform.models import AuditEvent


def record_audit_event(
    *,
    action: str,
    object_type: str,
    object_id: str,
    actor_type: str,
    actor_id: str = "",
    organisation: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        occurred_at=timezone.now(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        actor_type=actor_type,
        actor_id=actor_id,
        organisation=organisation,
        details=details or {},
    )


def list_audit_events(*, object_type: str, object_id: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type, object_id=object_id))


@dataclass(frozen=True)
class AuditRecord:
    """One line of the audit trail, as an event describes itself."""

    action: str
    object_type: str
    object_id: str
    actor_type: str
    actor_id: str = ""
    organisation: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Audited(Protocol):
    """An event that goes in the audit trail."""

    def audit_record(self) -> AuditRecord: ...
