"""What other domains, and the wiring (`civitas.wiring`), may use from journeys. The
citizen's pages and the API are reached by URL; a case shows its answers through the
catalogue's question types. The wiring runs the sweeps of saved journeys and of uploads
nobody submitted, and of the responses kept for retried API submissions."""

from civitas.journeys.events import AbandonedJourneysDeleted
from civitas.journeys.idempotency import delete_expired_idempotency_keys
from civitas.journeys.saving import delete_abandoned_journeys, delete_expired_saved_journeys
from civitas.journeys.uploads import delete_abandoned_uploads, reseal_uploads, uploads_left

__all__ = [
    "AbandonedJourneysDeleted",
    "delete_abandoned_journeys",
    "delete_abandoned_uploads",
    "delete_expired_idempotency_keys",
    "delete_expired_saved_journeys",
    "reseal_uploads",
    "uploads_left",
]
