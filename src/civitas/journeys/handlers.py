"""How journeys' events reach the transparency log. Wired in `civitas.wiring`."""

from civitas.journeys.events import AbandonedJourneysDeleted
from civitas.ledger.public import EntryReceipt, record_entry
from civitas.platform.events import HandlerResults


def log_abandoned_journeys_deleted(
    event: AbandonedJourneysDeleted, results: HandlerResults
) -> EntryReceipt:
    return record_entry(
        kind="retention.applied",
        organisation=event.organisation,
        role="platform",
        payload={
            "service": event.service,
            "records": "abandoned_journeys",
            "action": "deleted",
            "count": event.count,
            "kept_days": event.kept_days,
        },
    )
