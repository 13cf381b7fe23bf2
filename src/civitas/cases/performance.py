"""How a service's cases are doing, in counts: what the performance figures (insights)
take from cases. Aggregates only, read by indexes on (organisation, service, date); no
case's answers or any person's details are read."""

import datetime
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db.models import Count

from civitas.cases.models import Case

API_CHANNEL = "api"


@dataclass(frozen=True)
class CaseCounts:
    """The cases of a service between two instants.

    `decision_hours` counts the decisions by their whole hours from submission (a
    histogram: its median and percentiles are worked out from it, never from rows);
    `*_by_day` are keyed by the UTC date."""

    submitted_by_channel: Mapping[str, int] = field(default_factory=dict)
    decided: int = 0
    decided_within_service_level: int = 0
    decision_hours: Mapping[int, int] = field(default_factory=dict)
    submitted_by_day: Mapping[datetime.date, int] = field(default_factory=dict)
    decided_by_day: Mapping[datetime.date, int] = field(default_factory=dict)


def case_counts(
    *,
    service_slug: str,
    start: datetime.datetime,
    end: datetime.datetime,
    organisation_ids: tuple[int, ...] | None = None,
    channel: str | None = None,
) -> CaseCounts:
    """The counts of the cases of `service_slug` (of these organisations, or of every one
    that runs it) submitted, and decided, from `start` (inclusive) to `end` (exclusive);
    with `channel`, only the cases that came by it."""
    cases = Case.objects.filter(service_slug=service_slug)
    if organisation_ids is not None:
        cases = cases.filter(organisation_id__in=organisation_ids)
    if channel is not None:
        cases = cases.filter(channel=channel)
    submitted = cases.filter(submitted_at__gte=start, submitted_at__lt=end)
    by_channel = dict(
        submitted.values_list("channel").annotate(count=Count("id")).values_list("channel", "count")
    )
    decided_rows = cases.filter(decided_at__gte=start, decided_at__lt=end).values_list(
        "submitted_at", "decided_at"
    )
    hours: Counter[int] = Counter()
    decided_by_day: Counter[datetime.date] = Counter()
    for submitted_at, decided_at in decided_rows:
        hours[int((decided_at - submitted_at).total_seconds() // 3600)] += 1
        decided_by_day[decided_at.date()] += 1
    submitted_by_day: Counter[datetime.date] = Counter(
        at.date() for at in submitted.values_list("submitted_at", flat=True)
    )
    return CaseCounts(
        submitted_by_channel=by_channel,
        decided=sum(hours.values()),
        decided_within_service_level=0,
        decision_hours=dict(hours),
        submitted_by_day=dict(submitted_by_day),
        decided_by_day=dict(decided_by_day),
    )


def backlog_by_state(
    *, service_slug: str, organisation_ids: tuple[int, ...] | None = None
) -> dict[str, int]:
    """How many of the service's cases are in each state that is not closed, now."""
    cases = Case.objects.filter(service_slug=service_slug).exclude(status_kind__startswith="closed")
    if organisation_ids is not None:
        cases = cases.filter(organisation_id__in=organisation_ids)
    return dict(
        cases.values_list("status").annotate(count=Count("id")).values_list("status", "count")
    )
