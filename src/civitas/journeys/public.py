"""What other domains, and the wiring (`civitas.wiring`), may use from journeys. The
citizen's pages and the API are reached by URL; a case shows its answers through the
catalogue's question types. The wiring runs the sweeps of saved journeys and of uploads
nobody submitted, of the responses kept for retried API submissions, and of the
applications accepted through the API whose case is not made yet."""

from civitas.journeys.events import (
    AbandonedJourneysDeleted,
    CheckAnswersReached,
    JourneyAnswersRefused,
    JourneyPageReached,
    JourneyStarted,
    JourneySubmitted,
)
from civitas.journeys.idempotency import delete_expired_idempotency_keys
from civitas.journeys.saving import delete_abandoned_journeys, delete_expired_saved_journeys
from civitas.journeys.submission import (
    check_accepted_applications,
    record_waiting_accepted_applications,
)
from civitas.journeys.uploads import delete_abandoned_uploads, reseal_uploads, uploads_left

__all__ = [
    "AbandonedJourneysDeleted",
    "CheckAnswersReached",
    "JourneyAnswersRefused",
    "JourneyPageReached",
    "JourneyStarted",
    "JourneySubmitted",
    "check_accepted_applications",
    "delete_abandoned_journeys",
    "delete_abandoned_uploads",
    "delete_expired_idempotency_keys",
    "delete_expired_saved_journeys",
    "record_waiting_accepted_applications",
    "reseal_uploads",
    "uploads_left",
]
