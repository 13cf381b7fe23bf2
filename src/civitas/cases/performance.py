"""How a service's cases are doing, in counts: what the performance figures (insights)
take from cases. Grouped counts only, each read from an index that holds every column it
needs (models.py, `case_figures_*`); no case's answers or any person's details are read.
"""

import datetime
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import BooleanField, Count, F, Func, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.fields import DateField

from civitas.cases.models import Case
from civitas.catalogue.public import WAITING_FOR_CITIZEN, WAITING_FOR_PAYMENT

NOT_CLOSED_KINDS = ("open", WAITING_FOR_CITIZEN, WAITING_FOR_PAYMENT)
"""Named rather than "not closed", so the count reads the backlog index by them."""

# Written into the statement, not bound: a database uses a partial index only when it
# can see that the query's condition is the index's, and SQLite's planner cannot see
# through a bound parameter (nor can PostgreSQL's generic plans, were parameters bound
# on the server); the backlog then read every case of the organisation. The kinds are
# constants of ours, letters and hyphens only.
assert all(re.fullmatch(r"[a-z-]+", kind) for kind in NOT_CLOSED_KINDS)
_NOT_CLOSED = RawSQL(  # noqa: S611 (constants of ours, checked above)
    '"cases_case"."status_kind" IN ({})'.format(", ".join(f"'{k}'" for k in NOT_CLOSED_KINDS)),
    (),
    output_field=BooleanField(),
)


@dataclass(frozen=True)
class CaseCounts:
    """The cases of a service between two instants.

    `decision_hours` counts the decisions by their whole hours from submission (a
    histogram: its median and percentiles are worked out from it, never from rows);
    `*_by_day` are keyed by the date in UTC."""

    submitted_by_channel: Mapping[str, int] = field(default_factory=dict)
    decided: int = 0
    decided_within_service_level: int = 0
    decision_hours: Mapping[int, int] = field(default_factory=dict)
    submitted_by_day: Mapping[datetime.date, int] = field(default_factory=dict)
    decided_by_day: Mapping[datetime.date, int] = field(default_factory=dict)


class _UTCDate(Func):
    """The UTC date of a timestamp, by the database's own function: Django's TruncDate
    calls back into Python for each row on SQLite."""

    output_field = DateField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(compiler, connection, template="date(%(expressions)s)", **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return super().as_sql(
            compiler, connection, template="((%(expressions)s) AT TIME ZONE 'UTC')::date", **extra
        )


def case_counts(
    *,
    service_slug: str,
    start: datetime.datetime,
    end: datetime.datetime,
    organisation_ids: tuple[int, ...],
    channel: str | None = None,
) -> CaseCounts:
    """The counts of the cases of `service_slug` run by these organisations submitted,
    and decided, from `start` (inclusive) to `end` (exclusive); with `channel`, only the
    cases that came by it. Four grouped queries, none longer than a year has days or a
    year's decisions have distinct hours."""
    cases = _of_service(service_slug, organisation_ids, channel)
    submitted = cases.filter(submitted_at__gte=start, submitted_at__lt=end)
    by_channel: Counter[str] = Counter()
    submitted_by_day: Counter[datetime.date] = Counter()
    for case_channel, day, count in (
        submitted.annotate(day=_UTCDate("submitted_at"))
        .values_list("channel", "day")
        .annotate(count=Count("*"))
        .order_by()
    ):
        by_channel[case_channel] += count
        submitted_by_day[_as_date(day)] += count
    decided = cases.filter(decided_at__gte=start, decided_at__lt=end)
    decided_by_day = {
        _as_date(day): count
        for day, count in decided.annotate(day=_UTCDate("decided_at"))
        .values_list("day")
        .annotate(count=Count("*"))
        .values_list("day", "count")
        .order_by()
    }
    hours: Counter[int] = Counter()
    within = 0
    for hour, is_within, count in (
        decided.annotate(hour=F("decision_seconds") / 3600)
        .values_list("hour", "decided_within_service_level")
        .annotate(count=Count("*"))
        .order_by()
    ):
        if hour is not None:
            hours[int(hour)] += count
        if is_within:
            within += count
    return CaseCounts(
        submitted_by_channel=dict(by_channel),
        decided=sum(decided_by_day.values()),
        decided_within_service_level=within,
        decision_hours=dict(hours),
        submitted_by_day=dict(submitted_by_day),
        decided_by_day=decided_by_day,
    )


def backlog_by_state(
    *, service_slug: str, organisation_ids: tuple[int, ...], channel: str | None = None
) -> dict[str, int]:
    """How many of the service's cases are in each state that is not closed, now."""
    return dict(backlog_query(service_slug, organisation_ids, channel))


def backlog_query(
    service_slug: str, organisation_ids: tuple[int, ...], channel: str | None = None
) -> QuerySet[Case, tuple[str, int]]:
    """The query `backlog_by_state` runs: (state, count) rows."""
    return (
        _of_service(service_slug, organisation_ids, channel)
        .filter(_NOT_CLOSED)
        .values_list("status")
        .annotate(count=Count("*"))
        .values_list("status", "count")
        .order_by()
    )


@dataclass(frozen=True)
class CaseFacts:
    """What the daily rollup of cases (insights) counts of one case: no answers, no person."""

    organisation_id: int
    service_slug: str
    channel: str
    submitted_at: datetime.datetime
    decided_at: datetime.datetime | None
    decision_seconds: int | None
    decided_within_service_level: bool | None


_FACTS = (
    "organisation_id",
    "service_slug",
    "channel",
    "submitted_at",
    "decided_at",
    "decision_seconds",
    "decided_within_service_level",
)


def cases_submitted_between(
    start: datetime.datetime, end: datetime.datetime
) -> Iterator[CaseFacts]:
    """The cases submitted from `start` (inclusive) to `end` (exclusive), read by the
    `case_submitted_at` index, in chunks."""
    return _facts(submitted_at__gte=start, submitted_at__lt=end)


def cases_decided_between(start: datetime.datetime, end: datetime.datetime) -> Iterator[CaseFacts]:
    """The cases decided from `start` (inclusive) to `end` (exclusive), read by the
    `case_decided_at` index, in chunks."""
    return _facts(decided_at__gte=start, decided_at__lt=end)


def _facts(**between: datetime.datetime) -> Iterator[CaseFacts]:
    for row in Case.objects.filter(**between).values_list(*_FACTS).iterator(chunk_size=5000):
        yield CaseFacts(*row)


def first_case_submitted_at() -> datetime.datetime | None:
    """When the first case of all was submitted (None when there is none)."""
    return Case.objects.order_by("submitted_at").values_list("submitted_at", flat=True).first()


def _of_service(
    service_slug: str, organisation_ids: tuple[int, ...], channel: str | None
) -> QuerySet[Case]:
    cases = Case.objects.filter(service_slug=service_slug, organisation_id__in=organisation_ids)
    return cases if channel is None else cases.filter(channel=channel)


def _as_date(value: datetime.date | str) -> datetime.date:
    # SQLite's date() gives text.
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
