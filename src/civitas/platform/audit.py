"""The audit trail every state change appends to, in the same transaction."""

import datetime
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from django.db.models import Q
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
class AuditPage:
    events: list[AuditEvent]
    next_cursor: str | None


def list_organisation_audit_events(
    *, organisation: str, cursor: str | None = None, page_size: int = 50
) -> AuditPage:
    """One organisation's audit trail, newest first, a page at a time by key (the cursor
    is the last event's time and id), read by the audit_by_organisation index."""
    events = AuditEvent.objects.filter(organisation=organisation).order_by("-occurred_at", "-id")
    if cursor:
        when, _, event_id = cursor.partition("~")
        try:
            after = datetime.datetime.fromisoformat(when), uuid.UUID(event_id)
        except ValueError:
            after = None
        if after is not None:
            events = events.filter(
                Q(occurred_at__lt=after[0]) | Q(occurred_at=after[0], id__lt=after[1])
            )
    page = list(events[: page_size + 1])
    more = len(page) > page_size
    page = page[:page_size]
    last = page[-1] if page else None
    return AuditPage(
        events=page,
        next_cursor=f"{last.occurred_at.isoformat()}~{last.id}" if more and last else None,
    )


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


def iter_organisation_audit_events(
    *,
    organisation: str,
    start: datetime.datetime,
    end: datetime.datetime,
    batch_size: int = 500,
) -> Iterator[AuditEvent]:
    """One organisation's audit events from `start` up to (not including) `end`, oldest
    first, read in batches by key on (occurred_at, id) through the audit_by_organisation
    index: however many there are, only one batch is in memory at a time."""
    events = AuditEvent.objects.filter(
        organisation=organisation, occurred_at__gte=start, occurred_at__lt=end
    ).order_by("occurred_at", "id")
    after: tuple[datetime.datetime, uuid.UUID] | None = None
    while True:
        batch = events
        if after is not None:
            batch = batch.filter(
                Q(occurred_at__gt=after[0]) | Q(occurred_at=after[0], id__gt=after[1])
            )
        rows = list(batch[:batch_size])
        yield from rows
        if len(rows) < batch_size:
            return
        after = rows[-1].occurred_at, rows[-1].id
