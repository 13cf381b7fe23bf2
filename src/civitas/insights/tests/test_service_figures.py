"""The figures of one service over a period, from hand-built journey events (counted by
the rollup job) and cases."""

import datetime

import pytest
from django.utils import timezone

from civitas.cases.tests.factories import CaseFactory
from civitas.catalogue.public import ServiceNotFound
from civitas.insights.models import DailyCount, JourneyEvent, JourneyProgress
from civitas.insights.periods import parse_period
from civitas.insights.public import roll_up_cases, roll_up_journey_events, service_figures

SLUG = "resident-parking-permit"
TODAY = datetime.date(2026, 12, 4)
NOVEMBER = parse_period("2026-11", today=TODAY)
LATER = timezone.now() + datetime.timedelta(days=3650)
"""A `now` for the rollup long after every event: all are settled, all idle ones abandoned."""


def at(day: str, hour: int = 10, minute: int = 0) -> datetime.datetime:
    zone = timezone.get_current_timezone()
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=zone
    )


def event(key: str, kind: str, when: datetime.datetime, **fields) -> None:
    values = {
        "organisation": "example-borough",
        "service_slug": SLUG,
        "channel": "online",
        "language": "en",
        "device": "desktop",
        "page": "",
        "question": "",
    } | fields
    JourneyEvent.objects.create(
        journey_key=key, kind=kind, occurred_at=when, recorded_at=when, **values
    )


def journey(key: str, day: str, pages: list[str], *, submitted_after_minutes=None, **fields):
    """A journey through `pages` a minute apart, submitted after so many minutes, or not."""
    start = at(day)
    event(key, "started", start, page=pages[0], **fields)
    for minute, page in enumerate(pages):
        event(key, "page", start + datetime.timedelta(minutes=minute), page=page, **fields)
    if submitted_after_minutes is not None:
        event(key, "check_answers", start + datetime.timedelta(minutes=len(pages)), **fields)
        event(
            key, "submitted", start + datetime.timedelta(minutes=submitted_after_minutes), **fields
        )


def figures(**options):
    roll_up_journey_events(now=LATER)
    roll_up_journey_events(now=LATER)  # counts the abandoned journeys it found
    roll_up_cases(now=LATER)
    return service_figures(SLUG, NOVEMBER, organisation="example-borough", **options)


@pytest.fixture(autouse=True)
def _published(parking_permit):
    return parking_permit


def test_completion_rate_is_submitted_over_started_with_abandoned_journeys(db):
    journey("a", "2026-11-02", ["address", "vehicle"], submitted_after_minutes=10)
    journey("b", "2026-11-03", ["address"])  # left alone: abandoned
    journey("c", "2026-11-04", ["address", "vehicle"], submitted_after_minutes=20)
    journey("d", "2026-11-05", ["address", "vehicle"])  # abandoned on the vehicle page
    journey("e", "2026-10-04", ["address"], submitted_after_minutes=5)  # October

    result = figures()

    assert (result.started, result.submitted, result.abandoned) == (4, 2, 2)
    assert str(result.completion_rate) == "0.5000"
    funnel = {step.page: step.reached for step in result.funnel}
    assert (funnel["address"], funnel["vehicle"], funnel["emissions"]) == (4, 3, 0)
    assert JourneyProgress.objects.count() == 0


def test_time_to_complete_is_read_from_the_histogram_within_a_tenth(db):
    for number, minutes in enumerate([4, 6, 8, 10, 12, 14, 16, 18, 20, 60]):
        journey(f"j{number}", "2026-11-10", ["address"], submitted_after_minutes=minutes)

    spread = figures().time_to_complete

    assert spread.count == 10
    assert spread.median_seconds == pytest.approx(12 * 60, rel=0.1)
    assert spread.p90_seconds == pytest.approx(20 * 60, rel=0.1)


def test_a_page_reached_again_counts_once_in_the_funnel(db):
    journey("a", "2026-11-02", ["address", "vehicle", "address", "vehicle"])

    funnel = {step.page: step.reached for step in figures().funnel}

    assert (funnel["address"], funnel["vehicle"]) == (1, 1)


def test_validation_errors_are_counted_by_question_and_by_page(db):
    journey("a", "2026-11-02", ["address", "vehicle"])
    event("a", "error", at("2026-11-02", 10, 1), page="vehicle", question="registration")
    event("a", "error", at("2026-11-02", 10, 2), page="vehicle", question="registration")
    event("a", "error", at("2026-11-02", 10, 3), page="address", question="address")

    result = figures()

    assert result.errors_by_question == {"registration": 2, "address": 1}
    errors = {step.page: step.validation_errors for step in result.funnel}
    assert (errors["vehicle"], errors["address"]) == (2, 1)


def test_assisted_journeys_and_cases_count_apart_from_online_ones(parking_permit):
    journey("a", "2026-11-02", ["address"], submitted_after_minutes=5)
    journey("b", "2026-11-02", ["address"], submitted_after_minutes=5, channel="assisted")
    for channel in ("online", "online", "assisted", "api"):
        CaseFactory(
            organisation_id=parking_permit.organisation_id,
            channel=channel,
            submitted_at=at("2026-11-10"),
        )

    everything = figures()
    assisted = figures(channel="assisted")

    assert everything.transactions_by_channel == {"online": 3, "assisted": 1}
    assert str(everything.digital_take_up) == "0.7500"
    assert (everything.started, everything.submitted) == (2, 2)
    assert (assisted.started, assisted.submitted) == (1, 1)
    assert assisted.transactions_by_channel == {"assisted": 1}


def test_running_the_rollup_twice_gives_the_same_figures(db):
    journey("a", "2026-11-02", ["address", "vehicle"], submitted_after_minutes=10)
    journey("b", "2026-11-03", ["address"])
    first = figures()
    rows = sorted(DailyCount.objects.values_list("measure", "key", "count"))

    again = figures()

    assert again == first
    assert sorted(DailyCount.objects.values_list("measure", "key", "count")) == rows


def test_events_written_in_the_last_seconds_wait_for_the_next_run(db):
    now = timezone.now()
    event("a", "started", now, page="address")

    assert roll_up_journey_events(now=now).counted == 0
    assert roll_up_journey_events(now=now + datetime.timedelta(minutes=1)).counted == 1


def test_a_journey_is_abandoned_only_after_the_sessions_lifetime(db, settings):
    settings.JOURNEY_TIMEOUT_MINUTES = 30
    start = timezone.now() - datetime.timedelta(minutes=10)
    event("a", "started", start, page="address")
    event("a", "page", start, page="address")

    assert roll_up_journey_events(now=start + datetime.timedelta(minutes=29)).abandoned == 0
    assert roll_up_journey_events(now=start + datetime.timedelta(minutes=31)).abandoned == 1
    abandoned = JourneyEvent.objects.get(kind="abandoned")
    assert abandoned.page == "address"
    assert abandoned.occurred_at == start + datetime.timedelta(minutes=30)


def test_language_and_device_are_counted_for_each_journey_started(db):
    journey("a", "2026-11-02", ["address"], language="cy", device="mobile")
    journey("b", "2026-11-02", ["address"], language="en", device="tablet")

    roll_up_journey_events(now=LATER)

    counted = dict(
        DailyCount.objects.filter(measure__in=("language", "device")).values_list("key", "count")
    )
    assert counted == {"cy": 1, "en": 1, "mobile": 1, "tablet": 1}


def test_weeks_of_the_period_hold_their_own_starts_and_submissions(db):
    journey("a", "2026-11-02", ["address"], submitted_after_minutes=5)  # a Monday
    journey("b", "2026-11-10", ["address"])

    weeks = {week.week_start: week for week in figures().weeks}

    assert weeks[datetime.date(2026, 10, 26)].started == 0
    assert (
        weeks[datetime.date(2026, 11, 2)].started,
        weeks[datetime.date(2026, 11, 2)].submitted,
    ) == (1, 1)
    assert weeks[datetime.date(2026, 11, 9)].started == 1


def test_figures_of_an_organisation_that_does_not_run_the_service_are_refused(db):
    with pytest.raises(ServiceNotFound):
        service_figures(SLUG, NOVEMBER, organisation="sample-district")


def test_the_four_kpis_take_other_channels_costs_and_satisfaction_entered(db, parking_permit):
    from civitas.insights.models import ChannelCost, ChannelVolume, Feedback

    organisation_id = parking_permit.organisation_id
    CaseFactory.create_batch(3, organisation_id=organisation_id, submitted_at=at("2026-11-10"))
    for channel, transactions in (("post", 4), ("phone", 3)):
        ChannelVolume.objects.create(
            organisation_id=organisation_id,
            service_slug=SLUG,
            month=datetime.date(2026, 11, 1),
            channel=channel,
            transactions=transactions,
            entered_at=timezone.now(),
        )
    for channel, pence in (("online", 100), ("post", 800), ("phone", 500)):
        ChannelCost.objects.create(
            organisation_id=organisation_id,
            service_slug=SLUG,
            channel=channel,
            cost_pence=pence,
            set_at=timezone.now(),
        )
    for level in ("very_satisfied", "satisfied", "satisfied", "dissatisfied"):
        Feedback.objects.create(
            kind=Feedback.Kind.SATISFACTION,
            satisfaction=level,
            organisation_id=organisation_id,
            service_slug=SLUG,
            received_at=at("2026-11-12"),
        )

    result = figures()

    assert dict(result.transactions_by_channel) == {"online": 3, "post": 4, "phone": 3}
    assert str(result.digital_take_up) == "0.3000"
    # (3 x 100 + 4 x 800 + 3 x 500) / 10
    assert result.cost_per_transaction_pence == 500
    assert str(result.user_satisfaction) == "0.7500"
    assert figures(channel="online").transactions_by_channel == {"online": 3}
    assert figures(channel="post").satisfaction == {}
