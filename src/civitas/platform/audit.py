"""The audit trail every state change appends to, in the same transaction."""

from typing import Any

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
