"""What a citizen does in a journey, announced for the performance figures: started,
each page reached, answers refused (by question), check answers reached, submitted.

Announced, not recorded: journeys does not know who counts them (insights does, through
the wiring). Nothing is written here, and no transaction is opened: the handlers keep the
event in memory and write them in batches.
"""

import time

from django.http import HttpRequest

from civitas.catalogue.public import Service, active_language
from civitas.journeys.assisted import is_marked_assisted
from civitas.journeys.events import JourneyActivity
from civitas.journeys.sessions import Journey
from civitas.platform.events import DomainEvent, publish

USER_AGENT_MAX_CHARS = 512


def announce(
    request: HttpRequest,
    service: Service,
    journey: Journey,
    kind: type[JourneyActivity],
    *,
    page: str = "",
    questions: tuple[str, ...] = (),
) -> None:
    """Announces that this happened in `journey`; a staff preview's journey is not
    counted."""
    if service.is_preview:
        return
    event = kind(
        organisation=service.organisation,
        service=service.slug,
        journey_key=journey.key,
        channel="assisted" if is_marked_assisted(request, service) else "online",
        language=active_language(),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX_CHARS],
        occurred_at=time.time(),
        page=page,
        questions=questions,
    )
    # Each kind is also a DomainEvent (events.py): the base keeps their shared fields.
    assert isinstance(event, DomainEvent)
    publish(event)
