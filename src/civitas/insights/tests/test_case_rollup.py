"""The cases' side of a service's figures, counted by day by the rollup of cases."""

import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from civitas.cases.tests.factories import CaseFactory
from civitas.insights.case_rollup import CASE_MEASURES
from civitas.insights.models import DailyCount
from civitas.insights.periods import parse_period
from civitas.insights.public import recount_cases_from, roll_up_cases, service_figures

SLUG = "resident-parking-permit"
TODAY = datetime.date(2026, 12, 4)
NOVEMBER = parse_period("2026-11", today=TODAY)
YEAR = parse_period("2026", today=TODAY)
NOW = datetime.datetime(2026, 12, 4, 12, tzinfo=datetime.UTC)
HOUR = 3600


def at(day: str, hour: int = 10) -> datetime.datetime:
    zone = timezone.get_current_timezone()
    return datetime.datetime.combine(
        datetime.date.fromisoformat(day), datetime.time(hour), tzinfo=zone
    )


def decided_case(permit, submitted: str, decided: str, *, hours: int, within=True, **fields):
    return CaseFactory(
        organisation_id=permit.organisation_id,
        status="approved",
        status_kind="closed-approved",
        submitted_at=at(submitted),
        decided_at=at(decided),
        decision_seconds=hours * HOUR,
        decided_within_service_level=within,
        **fields,
    )


def figures(period=NOVEMBER, **options):
    return service_figures(SLUG, period, organisation="example-borough", **options)


def case_rows():
    return sorted(
        DailyCount.objects.filter(measure__in=CASE_MEASURES).values_list(
            "span", "day", "channel", "measure", "key", "count"
        )
    )


def test_decisions_are_counted_by_day_with_their_time_and_service_level(parking_permit):
    decided_case(parking_permit, "2026-11-02", "2026-11-03", hours=24)
    decided_case(parking_permit, "2026-11-02", "2026-11-04", hours=48)
    decided_case(parking_permit, "2026-11-02", "2026-11-12", hours=240, within=False)

    roll_up_cases(now=NOW)
    result = figures()

    assert (result.decided, result.decided_within_service_level) == (3, 2)
    assert result.transactions_by_channel == {"online": 3}
    assert result.time_to_decision.count == 3
    # Read from the histogram: within a tenth of the true median, two days.
    assert abs(result.time_to_decision.median_seconds - 48 * HOUR) <= 4.8 * HOUR
    decided_by_week = {week.week_start: week.decided for week in result.weeks if week.decided}
    assert decided_by_week == {datetime.date(2026, 11, 2): 2, datetime.date(2026, 11, 9): 1}


def test_the_first_run_counts_every_case_since_the_first(parking_permit):
    decided_case(parking_permit, "2026-01-15", "2026-02-01", hours=400)
    decided_case(parking_permit, "2026-11-02", "2026-11-03", hours=24)

    roll_up_cases(now=NOW)

    assert figures(YEAR).decided == 2
    assert figures(YEAR).transactions_by_channel == {"online": 2}


def test_running_the_rollup_twice_gives_the_same_counts(parking_permit):
    decided_case(parking_permit, "2026-12-01", "2026-12-02", hours=24)
    CaseFactory(organisation_id=parking_permit.organisation_id, submitted_at=at("2026-12-03"))

    roll_up_cases(now=NOW)
    first = case_rows()
    roll_up_cases(now=NOW)

    assert case_rows() == first
    assert ("month", datetime.date(2026, 12, 1), "online", "case_submitted", "online", 2) in first


def test_a_case_decided_after_the_last_run_this_month_replaces_the_counts(parking_permit):
    case = CaseFactory(
        organisation_id=parking_permit.organisation_id, submitted_at=at("2026-12-01")
    )
    roll_up_cases(now=NOW)
    december = parse_period("2026-12", today=TODAY)
    assert figures(december).decided == 0

    case.decided_at, case.decision_seconds = at("2026-12-03"), 48 * HOUR
    case.decided_within_service_level, case.status_kind = True, "closed-approved"
    case.save()
    roll_up_cases(now=NOW)

    assert (figures(december).decided, figures(december).transactions_by_channel) == (
        1,
        {"online": 1},
    )


def test_an_earlier_month_is_counted_again_only_when_asked(parking_permit):
    decided_case(parking_permit, "2026-12-01", "2026-12-02", hours=24)
    roll_up_cases(now=NOW)
    decided_case(parking_permit, "2026-11-02", "2026-11-03", hours=24)  # imported late

    roll_up_cases(now=NOW)
    assert figures().decided == 0

    recount_cases_from(datetime.date(2026, 11, 20))
    roll_up_cases(now=NOW)
    assert figures().decided == 1


def test_the_command_counts_an_earlier_month_again(parking_permit):
    decided_case(parking_permit, "2026-12-01", "2026-12-02", hours=24)
    roll_up_cases(now=NOW)
    decided_case(parking_permit, "2026-11-02", "2026-11-03", hours=24)  # imported late
    out = io.StringIO()

    call_command("insights", "recount-cases", "--from", "2026-11-20", stdout=out)
    roll_up_cases(now=NOW)

    assert "counted again from 2026-11-01" in out.getvalue()
    assert figures().decided == 1


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("20/11/2026", "is not a date (YYYY-MM-DD)"),
        ("2026-02-30", "is not a date (YYYY-MM-DD)"),
        ("2026-11-20\x00", "is not a date (YYYY-MM-DD)"),
        ("9999-01-01", "is in the future"),
    ],
)
def test_the_command_refuses_a_day_that_is_not_one_or_is_to_come(db, day, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("insights", "recount-cases", "--from", day)


def test_cases_by_the_api_count_as_online_and_channels_filter_apart(parking_permit):
    for channel in ("online", "api", "assisted"):
        CaseFactory(
            organisation_id=parking_permit.organisation_id,
            channel=channel,
            submitted_at=at("2026-11-10"),
        )

    roll_up_cases(now=NOW)

    assert figures().transactions_by_channel == {"online": 2, "assisted": 1}
    assert figures(channel="assisted").transactions_by_channel == {"assisted": 1}


def test_no_cases_no_counts(db):
    assert roll_up_cases(now=NOW) == 0
    assert case_rows() == []


@pytest.mark.parametrize("hostile", ["", "x" * 200, "'; DROP TABLE cases_case; --"])
def test_a_case_of_an_unknown_service_is_counted_under_its_own_slug(parking_permit, hostile):
    CaseFactory(
        organisation_id=parking_permit.organisation_id,
        service_slug=hostile[:50],
        submitted_at=at("2026-11-10"),
    )

    roll_up_cases(now=NOW)

    assert figures().transactions_by_channel == {}
    assert DailyCount.objects.filter(service_slug=hostile[:50], span="day").count() == 1
