"""The cases' side of the figures, counted by day: cases submitted (by channel), decided,
decided within the service level, and the time to a decision as a histogram, kept in the
same daily and monthly counts as the journeys' (DailyCount), so a year's figures read a
few hundred rows however many cases there are. A periodic job of every worker
(civitas.wiring).

Each run counts again, from the cases themselves, every day of the month it last ran in
up to today, and replaces those days' and months' counts (it never adds to them): run
twice, or by two workers at once (the cursor is locked), it gives the same counts. The
first run, with no cursor, counts every case since the first: the backfill.

Cases are submitted and decided now, so only the current month's counts move. A case
imported with an earlier date, or a decision undone in an earlier month, is counted
when the cursor is moved back (`recount_cases_from`).
"""

import datetime
from collections import Counter

from django.db import transaction
from django.utils import timezone

from civitas.cases.public import (
    CaseFacts,
    cases_decided_between,
    cases_submitted_between,
    first_case_submitted_at,
)
from civitas.identity.public import find_organisation_by_id
from civitas.insights.durations import bucket_of
from civitas.insights.models import DailyCount, RollupCursor

CURSOR = "cases"
CASE_MEASURES = ("case_submitted", "case_decided", "case_within", "decision_time")
"""`case_submitted` is keyed by the case's channel (also its `channel`), `decision_time`
by its histogram bucket (durations.bucket_of); the others by ""."""

CountKey = tuple[str, str, datetime.date, str, str, str]


def roll_up_cases(*, now: datetime.datetime | None = None) -> int:
    """Counts again the cases of every day from the first of the month the job last ran
    in (or of the first case's month) to today; how many days it counted."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        RollupCursor.objects.get_or_create(name=CURSOR)
        cursor = RollupCursor.objects.select_for_update().get(name=CURSOR)
        if cursor.last_event_id:
            since = datetime.date.fromordinal(cursor.last_event_id)
        else:
            first = first_case_submitted_at()
            if first is None:
                return 0
            since = timezone.localdate(first)
        since = min(since, today).replace(day=1)
        _replace_counts(since, today)
        cursor.last_event_id = today.toordinal()
        cursor.save(update_fields=["last_event_id"])
    return (today - since).days + 1


def recount_cases_from(day: datetime.date) -> None:
    """Makes the next run count the cases again from the month of `day`."""
    RollupCursor.objects.update_or_create(name=CURSOR, defaults={"last_event_id": day.toordinal()})


def _replace_counts(since: datetime.date, today: datetime.date) -> None:
    zone = timezone.get_current_timezone()
    start = datetime.datetime.combine(since, datetime.time(), tzinfo=zone)
    end = datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
    )
    slugs: dict[int, str] = {}

    def where(case: CaseFacts, at: datetime.datetime) -> tuple[str, str, datetime.date, str]:
        if case.organisation_id not in slugs:
            found = find_organisation_by_id(case.organisation_id)
            slugs[case.organisation_id] = found.slug if found else str(case.organisation_id)
        return (
            slugs[case.organisation_id],
            case.service_slug,
            timezone.localdate(at),
            case.channel,
        )

    counts: Counter[CountKey] = Counter()
    for case in cases_submitted_between(start, end):
        counts[(*where(case, case.submitted_at), "case_submitted", case.channel)] += 1
    for case in cases_decided_between(start, end):
        assert case.decided_at is not None
        place = where(case, case.decided_at)
        counts[(*place, "case_decided", "")] += 1
        if case.decided_within_service_level:
            counts[(*place, "case_within", "")] += 1
        if case.decision_seconds is not None:
            counts[(*place, "decision_time", str(bucket_of(case.decision_seconds)))] += 1
    by_month: Counter[CountKey] = Counter()
    for (organisation, slug, day, channel, measure, key), count in counts.items():
        by_month[(organisation, slug, day.replace(day=1), channel, measure, key)] += count

    DailyCount.objects.filter(
        measure__in=CASE_MEASURES, span__in=("day", "month"), day__gte=since, day__lte=today
    ).delete()
    DailyCount.objects.bulk_create(
        [
            DailyCount(
                organisation=organisation,
                service_slug=slug,
                span=span,
                day=day,
                channel=channel,
                measure=measure,
                key=key,
                count=count,
            )
            for span, spanned in (("day", counts), ("month", by_month))
            for (organisation, slug, day, channel, measure, key), count in spanned.items()
        ],
        batch_size=1000,
    )
