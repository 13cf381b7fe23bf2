"""Figures built directly, for the pages' tests: what `service_figures` would return."""

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from civitas.insights.figures import (
    Durations,
    Forecast,
    ForecastWeek,
    FunnelStep,
    ServiceFigures,
    WeekPoint,
)
from civitas.insights.periods import Period, parse_period

TODAY = date(2026, 12, 4)


def a_period(text: str = "2026-11") -> Period:
    return parse_period(text, today=TODAY)


def busy_figures(**changes: Any) -> ServiceFigures:
    """A month of a busy service: every count well above the threshold."""
    period = changes.pop("period", a_period())
    figures = ServiceFigures(
        service_slug="resident-parking-permit",
        service_name="Apply for a resident parking permit",
        period=period,
        channel=None,
        started=1200,
        submitted=960,
        abandoned=180,
        transactions_by_channel={"online": 960, "assisted": 40, "post": 60, "phone": 100},
        cost_per_channel_pence={"online": 120, "assisted": 900, "post": 1200, "phone": 800},
        satisfaction={
            "very_satisfied": 300,
            "satisfied": 200,
            "neither": 60,
            "dissatisfied": 30,
            "very_dissatisfied": 10,
        },
        time_to_complete=Durations(count=960, median_seconds=420.0, p90_seconds=1260.0),
        time_to_decision=Durations(count=900, median_seconds=3 * 86400.0, p90_seconds=9 * 86400.0),
        decided=900,
        decided_within_service_level=850,
        backlog_by_state={"submitted": 40, "in_review": 25, "waiting_for_citizen": 12},
        funnel=(
            FunnelStep("where-you-live", "Where you live", 1200, 90),
            FunnelStep("your-vehicle", "Your vehicle", 1100, 140),
            FunnelStep("check-answers", "Check your answers", 980, 10),
        ),
        errors_by_question={"your-vehicle.registration": 120, "where-you-live.postcode": 90},
        weeks=tuple(
            WeekPoint(
                week_start=date(2026, 10, 26) + timedelta(weeks=index),
                started=240,
                submitted=192,
                decided=180,
            )
            for index in range(5)
        ),
    )
    return replace(figures, **changes)


def quiet_figures(**changes: Any) -> ServiceFigures:
    """A month of a small service: several counts under the threshold."""
    return busy_figures(
        started=30,
        submitted=21,
        abandoned=3,
        transactions_by_channel={"online": 21, "post": 2, "phone": 9},
        satisfaction={"very_satisfied": 8, "satisfied": 6, "neither": 1, "dissatisfied": 0},
        time_to_complete=Durations(count=21, median_seconds=400.0, p90_seconds=900.0),
        time_to_decision=Durations(count=8, median_seconds=86400.0, p90_seconds=86400.0 * 4),
        decided=19,
        decided_within_service_level=17,
        backlog_by_state={"submitted": 6, "in_review": 2},
        funnel=(
            FunnelStep("where-you-live", "Where you live", 30, 3),
            FunnelStep("your-vehicle", "Your vehicle", 27, 6),
            FunnelStep("check-answers", "Check your answers", 22, 0),
        ),
        weeks=(
            WeekPoint(date(2026, 10, 26), 6, 4, 3),
            WeekPoint(date(2026, 11, 2), 8, 6, 5),
            WeekPoint(date(2026, 11, 9), 7, 5, 5),
            WeekPoint(date(2026, 11, 16), 9, 6, 6),
        ),
        **changes,
    )


def a_forecast(service_slug: str = "resident-parking-permit") -> Forecast:
    start = date(2026, 12, 7)
    return Forecast(
        service_slug=service_slug,
        weeks=tuple(
            ForecastWeek(
                week_start=start + timedelta(weeks=index),
                submissions=200.0 + 5 * index,
                low=170.0 + 5 * index,
                high=230.0 + 5 * index,
                caseworker_hours=(200.0 + 5 * index) * 0.5,
            )
            for index in range(12)
        ),
        hours_per_case=0.5,
        based_on_weeks=104,
        method="seasonal, from 2 years of weeks",
    )
