"""The figures of a service over a period: one function that the dashboards, the public
performance pages and the open data all call, so that they cannot disagree."""

import datetime
from collections import Counter, defaultdict
from collections.abc import Mapping

from django.db.models import Sum

from civitas.cases.public import backlog_by_state
from civitas.catalogue.public import (
    QuestionPage,
    ServiceNotFound,
    get_live_service,
    list_live_services,
)
from civitas.insights.channels import ENTERED_CHANNELS, channel_costs_pence, channel_volumes
from civitas.insights.durations import durations_from_buckets
from civitas.insights.feedback import satisfaction_counts
from civitas.insights.figures import FunnelStep, ServiceFigures, WeekPoint
from civitas.insights.models import DailyCount
from civitas.insights.periods import Period

API_CHANNEL = "api"
"""Cases sent through the API come from software the public uses: counted as online."""


def service_figures(
    service_slug: str,
    period: Period,
    channel: str | None = None,
    *,
    organisation: str | None = None,
) -> ServiceFigures:
    """The figures of the service `service_slug` over `period`: of one organisation's
    service (`organisation`, its slug), or of every organisation that runs it; of one
    channel, or (None) of all. Raises ServiceNotFound when no organisation runs it live.
    """
    live = [
        service
        for service in list_live_services(slug=service_slug)
        if organisation is None or service.organisation.slug == organisation
    ]
    if not live:
        raise ServiceNotFound(f"{organisation or '*'}/{service_slug}")
    organisations = tuple(service.organisation.slug for service in live)
    organisation_ids = tuple(service.organisation.id for service in live)
    daily = DailyCount.objects.filter(
        service_slug=service_slug,
        span="day",
        day__gte=period.start,
        day__lt=period.end,
        organisation__in=organisations,
    )
    # Every period but a week is whole months: a dozen monthly rows a year, not hundreds.
    counts = (
        daily
        if period.kind == "week"
        else DailyCount.objects.filter(
            service_slug=service_slug,
            span="month",
            day__gte=period.start,
            day__lt=period.end,
            organisation__in=organisations,
        )
    )
    if channel is not None:
        counts, daily = counts.filter(channel=channel), daily.filter(channel=channel)
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    for measure, key, total in (
        counts.values_list("measure", "key").annotate(total=Sum("count")).order_by()
    ):
        totals[measure][key] = total
    by_week: dict[str, Counter[datetime.date]] = defaultdict(Counter)
    for measure, day, total in (
        daily.filter(measure__in=("started", "submitted", "case_decided"))
        .values_list("measure", "day")
        .annotate(total=Sum("count"))
        .order_by()
    ):
        by_week[measure][_week_start(day)] += total

    # The cases' side, counted by day by the rollup of cases (case_rollup.py).
    transactions: Counter[str] = Counter()
    for case_channel, count in totals["case_submitted"].items():
        transactions["online" if case_channel == API_CHANNEL else case_channel] += count
    transactions.update(
        _transactions_by_other_channels(service_slug, organisation_ids, period, channel)
    )

    return ServiceFigures(
        service_slug=service_slug,
        service_name=live[0].title,
        period=period,
        channel=channel,
        started=totals["started"].get("", 0),
        submitted=totals["submitted"].get("", 0),
        abandoned=totals["abandoned"].get("", 0),
        transactions_by_channel=dict(transactions),
        cost_per_channel_pence=_cost_per_channel_pence(service_slug, organisation_ids),
        satisfaction=_satisfaction(
            service_slug, organisation_ids, period, channel, imported=totals["satisfaction"]
        ),
        time_to_complete=durations_from_buckets(
            {int(bucket): total for bucket, total in totals["completion"].items()}
        ),
        time_to_decision=durations_from_buckets(
            {int(bucket): total for bucket, total in totals["decision_time"].items()}
        ),
        decided=totals["case_decided"].get("", 0),
        decided_within_service_level=totals["case_within"].get("", 0),
        backlog_by_state=backlog_by_state(
            service_slug=service_slug, organisation_ids=organisation_ids, channel=channel
        ),
        funnel=_funnel(
            live[0].organisation.slug, service_slug, totals["reached"], totals["error_page"]
        ),
        errors_by_question=dict(totals["error_question"]),
        weeks=tuple(
            WeekPoint(
                week_start=week,
                started=by_week["started"][week],
                submitted=by_week["submitted"][week],
                decided=by_week["case_decided"][week],
            )
            for week in _weeks(period)
        ),
    )


def _funnel(
    organisation: str, slug: str, reached: Mapping[str, int], errors: Mapping[str, int]
) -> tuple[FunnelStep, ...]:
    try:
        service = get_live_service(organisation, slug)
    except ServiceNotFound:
        return ()
    return tuple(
        FunnelStep(
            page=page.id,
            title=page.heading,
            reached=reached.get(page.id, 0),
            validation_errors=errors.get(page.id, 0),
        )
        for page in service.pages
        if isinstance(page, QuestionPage)
    )


def _week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def _weeks(period: Period) -> list[datetime.date]:
    """The Mondays of the ISO weeks that overlap the period."""
    weeks = []
    week = _week_start(period.start)
    while week < period.end:
        weeks.append(week)
        week += datetime.timedelta(weeks=1)
    return weeks


# What the service owner enters (other channels' volumes, costs) and what citizens answer
# after the confirmation page (satisfaction), summed over the organisations counted.


def _transactions_by_other_channels(
    service_slug: str, organisation_ids: tuple[int, ...], period: Period, channel: str | None
) -> Mapping[str, int]:
    """Transactions by post, phone and in person, as the service owners entered them."""
    if channel is not None and channel not in ENTERED_CHANNELS:
        return {}
    totals: Counter[str] = Counter()
    for organisation_id in organisation_ids:
        totals.update(
            channel_volumes(service_slug, period.start, period.end, organisation_id=organisation_id)
        )
    return {name: count for name, count in totals.items() if channel in (None, name)}


def _cost_per_channel_pence(
    service_slug: str, organisation_ids: tuple[int, ...]
) -> Mapping[str, int]:
    """The cost of one transaction by each channel, as the service owner entered it. Each
    organisation sets its own costs: across several, there is no one cost to show."""
    if len(organisation_ids) != 1:
        return {}
    return channel_costs_pence(service_slug, organisation_id=organisation_ids[0])


def _satisfaction(
    service_slug: str,
    organisation_ids: tuple[int, ...],
    period: Period,
    channel: str | None,
    *,
    imported: Mapping[str, int],
) -> Mapping[str, int]:
    """How many answers of each satisfaction level citizens gave: online journeys only
    end on the page that asks. The answers given before the service moved to Civitas are
    daily counts (`satisfaction`, by level: history.py), added to those of the feedback."""
    if channel not in (None, "online"):
        return {}
    totals: Counter[str] = Counter(imported)
    for organisation_id in organisation_ids:
        totals.update(
            satisfaction_counts(
                service_slug, period.start, period.end, organisation_id=organisation_id
            )
        )
    return dict(totals)
