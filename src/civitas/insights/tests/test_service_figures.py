"""The figures of one service over a period, from hand-built journey events and cases."""

import datetime

import pytest
from django.utils import timezone

from civitas.cases.tests.factories import CaseFactory
from civitas.insights.models import JourneyEvent
from civitas.insights.periods import parse_period
from civitas.insights.public import service_figures

pytestmark = pytest.mark.django_db

SLUG = "resident-parking-permit"
TODAY = datetime.date(2026, 12, 4)


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    zone = timezone.get_current_timezone()
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=zone
    )


def event(key: str, kind: str, when: datetime.datetime, **fields) -> JourneyEvent:
    values = {
        "organisation": "example-borough",
        "service_slug": SLUG,
        "channel": "online",
        "language": "en",
        "device": "desktop",
        "page": "",
        "question": "",
    } | fields
    return JourneyEvent.objects.create(journey_key=key, kind=kind, occurred_at=when, **values)


def test_it_counts_started_submitted_and_abandoned_journeys(parking_permit):
    event("a", "started", at("2026-11-02"))
    event("a", "submitted", at("2026-11-02", minute=10))
    event("b", "started", at("2026-11-03"))
    event("b", "abandoned", at("2026-11-03", hour=11))
    event("c", "started", at("2026-11-04"))
    event("c", "submitted", at("2026-11-04", minute=20))
    event("d", "started", at("2026-10-04"))  # another month

    figures = service_figures(
        SLUG, parse_period("2026-11", today=TODAY), organisation="example-borough"
    )

    assert (figures.started, figures.submitted, figures.abandoned) == (3, 2, 1)
    assert str(figures.completion_rate) == "0.6667"
    assert figures.time_to_complete.count == 2


def test_it_counts_cases_by_channel_with_assisted_ones(parking_permit):
    organisation = parking_permit.organisation_id
    for channel in ("online", "online", "assisted", "api"):
        CaseFactory(organisation_id=organisation, channel=channel, submitted_at=at("2026-11-10"))

    figures = service_figures(
        SLUG, parse_period("2026-11", today=TODAY), organisation="example-borough"
    )

    assert figures.transactions_by_channel == {"online": 3, "assisted": 1}
    assert str(figures.digital_take_up) == "0.7500"
