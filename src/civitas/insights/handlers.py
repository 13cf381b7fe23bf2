"""How insights hears of what happens in journeys. Wired in `civitas.wiring`."""

import dataclasses
import datetime
from typing import Protocol, cast

from civitas.insights.recording import Happened, device_of, record
from civitas.platform.events import DomainEvent, HandlerResults


class _JourneyActivity(Protocol):
    """The fields of the journeys' activity events (insights does not import journeys)."""

    kind: str
    organisation: str
    service: str
    journey_key: str
    channel: str
    language: str
    user_agent: str
    occurred_at: float
    page: str
    questions: tuple[str, ...]


def record_journey_activity(event: DomainEvent, results: HandlerResults) -> None:
    """Keeps a journey's event (started, page reached, answers refused, check answers
    reached, submitted) for the next batch: one row for each question refused. The user
    agent becomes a device class; nothing else of the request is kept."""
    activity = cast(_JourneyActivity, event)
    occurred_at = datetime.datetime.fromtimestamp(activity.occurred_at, tz=datetime.UTC)
    happened = Happened(
        kind=activity.kind,
        organisation=activity.organisation,
        service_slug=activity.service,
        journey_key=activity.journey_key,
        channel=activity.channel,
        language=activity.language,
        device=device_of(activity.user_agent),
        occurred_at=occurred_at,
        page=activity.page,
    )
    if activity.kind == "error":
        for question in activity.questions or ("",):
            record(dataclasses.replace(happened, question=question))
    else:
        record(happened)
