"""The demand forecast: submissions a week to a service for the next twelve weeks, with an
80% band, and the caseworker hours they imply, so that team leaders can plan staff.

The model is Holt-Winters exponential smoothing from statsmodels (decision 0058): an
additive trend and, given two years or more of weeks, an additive yearly season (52
weeks). Its band comes from simulating the fitted model 1,000 times: the 10th and 90th
percentiles of each week. With less than two years there is no season to learn: the model
is trend only, damped, and says so in `Forecast.method`. With fewer than MIN_WEEKS weeks
there is no forecast at all, and `method` says that.

Fitting takes a fraction of a second, so a forecast is kept in the cache for the day it
was made for (`forecast_for`), not fitted per page view.
"""

import datetime
import logging
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Sum

from civitas.cases.public import mean_worked_hours
from civitas.identity.public import find_organisation_by_id
from civitas.insights.figures import Forecast, ForecastWeek
from civitas.insights.models import DailyCount

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

HORIZON_WEEKS = 12
SEASON_WEEKS = 52
HISTORY_WEEKS = 3 * SEASON_WEEKS  # what the model is fitted to, at most
MIN_WEEKS = 8
"""Fewer weeks than this give no forecast: a trend from a month or two is noise."""
SIMULATIONS = 1000
BAND = (10, 90)  # percentiles: an 80% interval
HOURS_FROM_DAYS = 365  # the time per case is the mean over cases decided in the last year
CACHE_SECONDS = 26 * 3600  # a day, and a margin: the key names the day


def forecast_for(
    service_slug: str, today: datetime.date, *, organisation_id: int | None = None
) -> Forecast | None:
    """The forecast for the twelve weeks from the Monday of `today`'s week, fitted to the
    complete weeks before it (`weekly_submissions`); None for a service with no
    submissions in the last three years. Cached for the day. A forecast whose `weeks` is
    empty says why in `method`."""
    key = f"insights:forecast:{organisation_id or ''}:{service_slug}:{today.isoformat()}"
    try:
        cached = cache.get(key)
    except Exception:
        logger.warning("forecast cache unavailable: fitting without it")
        cached = None
    if cached is not None:
        return cached if isinstance(cached, Forecast) else None
    forecast = _forecast_now(service_slug, today, organisation_id=organisation_id)
    try:
        # "none" is kept as well, so a service with no history is not asked again today.
        cache.set(key, forecast or "none", CACHE_SECONDS)
    except Exception:
        logger.warning("forecast cache unavailable: not kept")
    return forecast


def _forecast_now(
    service_slug: str, today: datetime.date, *, organisation_id: int | None
) -> Forecast | None:
    this_monday = today - datetime.timedelta(days=today.weekday())
    weeks = weekly_submissions(
        service_slug,
        start=this_monday - datetime.timedelta(weeks=HISTORY_WEEKS),
        end=this_monday,
        organisation_id=organisation_id,
    )
    history = _from_first_submission(list(weeks.values()))
    if not history:
        return None
    hours = mean_worked_hours(
        service_slug=service_slug,
        organisation_id=organisation_id,
        decided_since=today - datetime.timedelta(days=HOURS_FROM_DAYS),
    )
    return build_forecast(service_slug, history, first_week=this_monday, hours_per_case=hours)


def weekly_submissions(
    service_slug: str,
    *,
    start: datetime.date,
    end: datetime.date,
    organisation_id: int | None = None,
) -> dict[datetime.date, int]:
    """Cases submitted to the service each week from the Monday `start` (inclusive) to
    the Monday `end` (exclusive), 0 for none: from the daily counts of cases, which hold
    the cases on the platform (the rollup of cases, every two minutes) and the history
    imported from before it (history.py), so a service moved onto Civitas is forecast
    from its first day."""
    weeks = {start + datetime.timedelta(weeks=n): 0 for n in range(max(0, (end - start).days // 7))}
    counts = DailyCount.objects.filter(
        service_slug=service_slug,
        span="day",
        measure="case_submitted",
        day__gte=start,
        day__lt=end,
    )
    if organisation_id is not None:
        organisation = find_organisation_by_id(organisation_id)
        if organisation is None:
            return weeks
        counts = counts.filter(organisation=organisation.slug)
    for day, total in counts.values_list("day").annotate(total=Sum("count")).order_by():
        monday = day - datetime.timedelta(days=day.weekday())
        if monday in weeks:
            weeks[monday] += total
    return weeks


def build_forecast(
    service_slug: str,
    history: Sequence[float],
    *,
    first_week: datetime.date,
    hours_per_case: float | None,
    seed: int = 58,
) -> Forecast:
    """The forecast from `history` (submissions a week, oldest first, ending the week
    before `first_week`): pure, and the same for the same history and seed."""
    weeks_known = len(history)
    if weeks_known < MIN_WEEKS:
        return Forecast(
            service_slug=service_slug,
            weeks=(),
            hours_per_case=hours_per_case,
            based_on_weeks=weeks_known,
            method=(
                f"No forecast yet: {_weeks(weeks_known)} of applications so far, "
                f"and a forecast needs at least {MIN_WEEKS}."
            ),
        )
    seasonal = weeks_known >= 2 * SEASON_WEEKS
    predicted, low, high = _fit(history, seasonal=seasonal, seed=seed)
    if seasonal:
        method = (
            f"Seasonal (Holt-Winters, a trend and a yearly pattern), "
            f"from {_weeks(weeks_known)} of applications."
        )
    else:
        method = (
            f"Trend only, no seasonal pattern: {_weeks(weeks_known)} of applications, and a "
            f"yearly pattern needs two years ({2 * SEASON_WEEKS} weeks)."
        )
    return Forecast(
        service_slug=service_slug,
        weeks=tuple(
            ForecastWeek(
                week_start=first_week + datetime.timedelta(weeks=n),
                submissions=round(float(predicted[n]), 1),
                low=round(float(low[n]), 1),
                high=round(float(high[n]), 1),
                caseworker_hours=caseworker_hours(float(predicted[n]), hours_per_case),
            )
            for n in range(HORIZON_WEEKS)
        ),
        hours_per_case=None if hours_per_case is None else round(hours_per_case, 2),
        based_on_weeks=weeks_known,
        method=method,
    )


def caseworker_hours(submissions: float, hours_per_case: float | None) -> float | None:
    """The hours a week's cases take: submissions times the hours a case is worked."""
    if hours_per_case is None:
        return None
    return round(max(0.0, submissions) * hours_per_case, 1)


def _fit(
    history: Sequence[float], *, seasonal: bool, seed: int
) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    # Imported here: numpy and statsmodels take a second to import, and only the forecast
    # needs them (tests/architecture/test_start_up.py keeps them out of start-up).
    import numpy as np
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    series = np.asarray(history, dtype=float)

    options: dict[str, object] = {"trend": "add", "initialization_method": "estimated"}
    if seasonal:
        options |= {"seasonal": "add", "seasonal_periods": SEASON_WEEKS}
    else:
        options |= {"damped_trend": True}
    with warnings.catch_warnings():
        # A flat or very regular series converges with warnings, not errors: its forecast
        # is still the right one (flat), and the log is no place for optimiser chatter.
        warnings.simplefilter("ignore")
        fitted = ExponentialSmoothing(series, **options).fit()
        predicted = fitted.forecast(HORIZON_WEEKS)
        simulated = fitted.simulate(
            HORIZON_WEEKS,
            repetitions=SIMULATIONS,
            random_errors="bootstrap",
            rng=np.random.default_rng(seed),
        )
    low, high = np.percentile(np.asarray(simulated), BAND, axis=1)
    # Submissions are never negative; the band cannot lie either side of the line.
    predicted = np.clip(predicted, 0, None)
    return predicted, np.clip(np.minimum(low, predicted), 0, None), np.maximum(high, predicted)


def _from_first_submission(weeks: list[int]) -> list[int]:
    """The weeks from the first with any submission: before it the service did not exist
    (or was not on the platform), and its zeros would read as a trend."""
    for index, count in enumerate(weeks):
        if count:
            return weeks[index:]
    return []


def _weeks(count: int) -> str:
    return "1 week" if count == 1 else f"{count} weeks"
