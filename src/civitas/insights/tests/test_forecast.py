"""The demand forecast: fitted to a synthetic series whose trend and seasonality are known,
it finds them; short histories say plainly what they can and cannot give."""

import datetime
import math
import random

import pytest
from django.core.cache import cache
from django.utils import timezone

from civitas.cases.tests.factories import CaseFactory
from civitas.insights.forecast import (
    HORIZON_WEEKS,
    MIN_WEEKS,
    build_forecast,
    caseworker_hours,
    forecast_for,
)
from civitas.insights.public import roll_up_cases
from civitas.platform.models import AuditEvent

MONDAY = datetime.date(2026, 11, 30)
TREND_A_WEEK = 0.5
SEASON_AMPLITUDE = 20.0


def truth(week: int) -> float:
    """A level of 100 a week, rising by half an application a week, with a yearly swing
    of 20 either way."""
    return 100 + TREND_A_WEEK * week + SEASON_AMPLITUDE * math.sin(2 * math.pi * week / 52)


def synthetic(weeks: int, *, noise: float = 3.0, seed: int = 7) -> list[float]:
    draw = random.Random(seed)
    return [truth(week) + draw.gauss(0, noise) for week in range(weeks)]


def test_it_finds_a_known_trend_and_season_in_three_years_of_weeks():
    forecast = build_forecast("permits", synthetic(156), first_week=MONDAY, hours_per_case=None)
    assert forecast.method.startswith("Seasonal")
    assert forecast.based_on_weeks == 156
    assert len(forecast.weeks) == HORIZON_WEEKS
    expected = [truth(156 + n) for n in range(HORIZON_WEEKS)]
    errors = [
        abs(week.submissions - want) for week, want in zip(forecast.weeks, expected, strict=True)
    ]
    # The noise is 3 a week; a model that missed the season would be out by up to 20.
    assert max(errors) < 8
    assert sum(errors) / len(errors) < 4
    # It follows the season's rise over the twelve weeks, not a flat line.
    assert forecast.weeks[-1].submissions - forecast.weeks[0].submissions > 15
    inside = sum(
        week.low <= want <= week.high for week, want in zip(forecast.weeks, expected, strict=True)
    )
    assert inside >= 8  # an 80% band about the truth, give or take
    assert all(week.low <= week.submissions <= week.high for week in forecast.weeks)
    assert [week.week_start for week in forecast.weeks] == [
        MONDAY + datetime.timedelta(weeks=n) for n in range(HORIZON_WEEKS)
    ]


def test_less_than_two_years_gives_a_trend_without_a_season_and_says_so():
    forecast = build_forecast("permits", synthetic(60), first_week=MONDAY, hours_per_case=None)
    assert forecast.method.startswith("Trend only, no seasonal pattern: 60 weeks")
    assert len(forecast.weeks) == HORIZON_WEEKS


@pytest.mark.parametrize("weeks", [1, MIN_WEEKS - 1])
def test_a_very_short_history_gives_no_forecast_and_says_why(weeks):
    forecast = build_forecast("permits", [5] * weeks, first_week=MONDAY, hours_per_case=2.0)
    assert forecast.weeks == ()
    assert forecast.method.startswith("No forecast yet:")
    assert f"at least {MIN_WEEKS}" in forecast.method


def test_a_flat_series_forecasts_flat_and_never_below_zero():
    forecast = build_forecast("permits", [0, 0, 1] * 20, first_week=MONDAY, hours_per_case=None)
    assert all(week.low >= 0 and week.submissions >= 0 for week in forecast.weeks)
    steady = build_forecast("permits", [5.0] * 120, first_week=MONDAY, hours_per_case=None)
    assert {week.submissions for week in steady.weeks} == {5.0}


def test_the_hours_are_the_submissions_times_the_hours_a_case_is_worked():
    assert caseworker_hours(40.0, 1.5) == 60.0
    assert caseworker_hours(12.34, 2.0) == 24.7
    assert caseworker_hours(-1.0, 2.0) == 0.0
    assert caseworker_hours(40.0, None) is None
    forecast = build_forecast("permits", synthetic(156), first_week=MONDAY, hours_per_case=2.5)
    for week in forecast.weeks:
        assert week.caseworker_hours == pytest.approx(week.submissions * 2.5, abs=0.3)
    assert forecast.hours_per_case == 2.5


def test_the_same_history_gives_the_same_forecast():
    history = synthetic(120)
    first = build_forecast("permits", history, first_week=MONDAY, hours_per_case=None)
    assert build_forecast("permits", history, first_week=MONDAY, hours_per_case=None) == first


def test_a_services_forecast_is_made_from_its_counted_cases_and_kept_for_the_day(
    parking_permit, django_assert_num_queries
):
    cache.clear()
    organisation_id = parking_permit.organisation_id
    today = MONDAY + datetime.timedelta(days=2)
    for week in range(1, 11):
        for n in range(3 + week % 2):
            submitted = timezone.make_aware(
                datetime.datetime.combine(
                    MONDAY - datetime.timedelta(weeks=week, days=-n), datetime.time(10)
                )
            )
            CaseFactory(organisation_id=organisation_id, submitted_at=submitted)
    decided = CaseFactory(
        organisation_id=organisation_id,
        status="approved",
        decided_at=timezone.make_aware(datetime.datetime.combine(MONDAY, datetime.time(9))),
        submitted_at=timezone.make_aware(
            datetime.datetime.combine(MONDAY - datetime.timedelta(days=3), datetime.time(10))
        ),
    )
    AuditEvent.objects.create(
        occurred_at=decided.decided_at - datetime.timedelta(hours=2),
        action="case.personal_data_viewed",
        object_type="case",
        object_id=decided.reference,
        actor_type="staff",
    )
    # The forecast reads the daily counts of cases, as every other figure does.
    roll_up_cases(now=timezone.make_aware(datetime.datetime.combine(today, datetime.time(12))))
    forecast = forecast_for("resident-parking-permit", today)
    assert forecast is not None
    assert forecast.based_on_weeks == 10
    assert forecast.method.startswith("Trend only")
    assert forecast.weeks[0].week_start == MONDAY
    assert 2 < forecast.weeks[0].submissions < 5
    assert forecast.hours_per_case == pytest.approx(2.0)
    with django_assert_num_queries(0):
        assert forecast_for("resident-parking-permit", today) == forecast


def test_a_service_with_no_applications_has_no_forecast(db, django_assert_num_queries):
    cache.clear()
    assert forecast_for("no-such-service", MONDAY) is None
    with django_assert_num_queries(0):
        assert forecast_for("no-such-service", MONDAY) is None
