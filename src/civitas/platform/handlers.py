"""The kernel's own event handlers, wired to events in `civitas.wiring`."""

from civitas.platform.audit import Audited, record_audit_event
from civitas.platform.events import HandlerResults


def record_audit_trail(event: Audited, results: HandlerResults) -> None:
    """Appends the event to the audit trail, in the transaction that made the change."""
    record = event.audit_record()
    record_audit_event(
        action=record.action,
        object_type=record.object_type,
        object_id=record.object_id,
        actor_type=record.actor_type,
        actor_id=record.actor_id,
        organisation=record.organisation,
        details=record.details,
    )
