"""The rollup job: journey events counted into daily counts, and journeys left alone past
the session's lifetime found abandoned. A periodic job of every worker (civitas.wiring).

Each batch of events is counted, and the cursor moved past it, in one transaction that
first locks the cursor: however many workers run the job, and however often, an event
is counted once (running it twice gives the same figures).
"""

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from civitas.insights.durations import bucket_of
from civitas.insights.models import JourneyEvent, JourneyProgress, RollupCursor

CURSOR = "journey_events"
BATCH_SIZE = 5000
BATCHES_PER_RUN = 20
SETTLE_SECONDS = 30
"""Events written this recently are left for the next run: a batch written at the same
moment by another process may hold lower ids and not be committed yet."""

CountKey = tuple[str, str, datetime.date, str, str, str]
"""(organisation, service_slug, day, channel, measure, key): one DailyCount."""
EVENT_FIELDS = (
    "id",
    "occurred_at",
    "recorded_at",
    "organisation",
    "service_slug",
    "journey_key",
    "kind",
    "page",
    "question",
    "channel",
    "language",
    "device",
)


@dataclass(frozen=True)
class RollupResult:
    counted: int
    abandoned: int


def roll_up_journey_events(*, now: datetime.datetime | None = None) -> RollupResult:
    """Counts the events not yet counted (a bounded number of batches), then, once it has
    caught up, finds the journeys left alone for JOURNEY_TIMEOUT_MINUTES and records each
    as abandoned (counted on the next run)."""
    now = now or timezone.now()
    counted = 0
    for _ in range(BATCHES_PER_RUN):
        done, is_full = _count_batch(now)
        counted += done
        if not is_full:
            return RollupResult(counted=counted, abandoned=_mark_abandoned(now))
    return RollupResult(counted=counted, abandoned=0)


def _count_batch(now: datetime.datetime) -> tuple[int, bool]:
    settled = now - datetime.timedelta(seconds=SETTLE_SECONDS)
    with transaction.atomic():
        cursor = _locked_cursor()
        # Plain rows, not model instances: the job reads each event once.
        events: list[Any] = list(
            JourneyEvent.objects.filter(id__gt=cursor.last_event_id)
            .order_by("id")
            .values_list(*EVENT_FIELDS, named=True)[:BATCH_SIZE]
        )
        is_full = len(events) == BATCH_SIZE
        for position, event in enumerate(events):
            if event.recorded_at >= settled:
                events, is_full = events[:position], False
                break
        if not events:
            return 0, False
        counts = _count(events)
        _add_counts(counts)
        cursor.last_event_id = events[-1].id
        cursor.save(update_fields=["last_event_id"])
    return len(events), is_full


def _locked_cursor() -> RollupCursor:
    RollupCursor.objects.get_or_create(name=CURSOR)
    return RollupCursor.objects.select_for_update().get(name=CURSOR)


def _count(events: list[Any]) -> Counter[CountKey]:
    """The counts a batch adds, updating the progress of the journeys it touches."""
    keys = {event.journey_key for event in events}
    progress = {
        row.journey_key: row for row in JourneyProgress.objects.filter(journey_key__in=keys)
    }
    created: dict[str, JourneyProgress] = {}
    finished: set[str] = set()
    counts: Counter[CountKey] = Counter()
    for event in events:
        where = (
            event.organisation,
            event.service_slug,
            timezone.localdate(event.occurred_at),
            event.channel,
        )

        journey = progress.get(event.journey_key)
        if event.kind == "started":
            counts[(*where, "started", "")] += 1
            counts[(*where, "language", event.language)] += 1
            counts[(*where, "device", event.device)] += 1
            if journey is None:
                journey = JourneyProgress(
                    journey_key=event.journey_key,
                    organisation=event.organisation,
                    service_slug=event.service_slug,
                    channel=event.channel,
                    started_at=event.occurred_at,
                    last_active_at=event.occurred_at,
                )
                progress[event.journey_key] = created[event.journey_key] = journey
            continue
        if event.kind == "abandoned":
            counts[(*where, "abandoned", "")] += 1
            continue
        if event.kind in ("page", "check_answers"):
            page = event.page if event.kind == "page" else "check-answers"
            if journey is None or page not in journey.pages_reached.split():
                counts[(*where, "reached", page)] += 1
            if journey is not None:
                journey.pages_reached = f"{journey.pages_reached} {page}".strip()
                journey.last_page = page
        elif event.kind == "error":
            counts[(*where, "error_page", event.page)] += 1
            counts[(*where, "error_question", event.question)] += 1
        elif event.kind == "submitted":
            counts[(*where, "submitted", "")] += 1
            if journey is not None:
                seconds = (event.occurred_at - journey.started_at).total_seconds()
                counts[(*where, "completion", str(bucket_of(seconds)))] += 1
                finished.add(event.journey_key)
        if journey is not None and event.occurred_at > journey.last_active_at:
            journey.last_active_at = event.occurred_at
    _save_progress(progress, created, finished)
    return counts


def _save_progress(
    progress: dict[str, JourneyProgress], created: dict[str, JourneyProgress], finished: set[str]
) -> None:
    JourneyProgress.objects.filter(journey_key__in=finished).delete()
    JourneyProgress.objects.bulk_create(
        [row for key, row in created.items() if key not in finished], batch_size=1000
    )
    JourneyProgress.objects.bulk_update(
        [row for key, row in progress.items() if key not in created and key not in finished],
        ["last_active_at", "last_page", "pages_reached"],
        batch_size=1000,
    )


ADD_COUNTS = """
INSERT INTO insights_dailycount
    (organisation, service_slug, span, day, channel, measure, key, count)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (service_slug, organisation, span, day, channel, measure, key)
DO UPDATE SET count = insights_dailycount.count + excluded.count
"""
"""Adds a count to its row, or makes the row: on SQLite and PostgreSQL alike."""


def _add_counts(counts: Counter[CountKey]) -> None:
    """Adds the counts to the daily and the monthly counts, in one statement per row
    sent together (an upsert that adds, on SQLite and PostgreSQL alike)."""
    with connection.cursor() as cursor:
        cursor.executemany(ADD_COUNTS, daily_and_monthly_rows(counts))


def daily_and_monthly_rows(
    counts: Counter[CountKey],
) -> list[tuple[str, str, str, datetime.date, str, str, str, int]]:
    """The rows of ADD_COUNTS for these daily counts: each day's, and each month's sum."""
    by_month: Counter[CountKey] = Counter()
    for (organisation, slug, day, channel, measure, key), count in counts.items():
        by_month[(organisation, slug, day.replace(day=1), channel, measure, key)] += count
    return [
        (organisation, slug, span, day, channel, measure, key, count)
        for span, spanned in (("day", counts), ("month", by_month))
        for (organisation, slug, day, channel, measure, key), count in spanned.items()
    ]


def _mark_abandoned(now: datetime.datetime) -> int:
    """Records as abandoned the journeys with no activity for the session's lifetime
    (JOURNEY_TIMEOUT_MINUTES): by then the journey itself is gone. Dated when it timed out."""
    timeout = datetime.timedelta(minutes=settings.JOURNEY_TIMEOUT_MINUTES)
    with transaction.atomic():
        idle = list(
            JourneyProgress.objects.filter(last_active_at__lt=now - timeout)
            .order_by("last_active_at")
            .select_for_update(skip_locked=True)[:BATCH_SIZE]
        )
        if not idle:
            return 0
        JourneyEvent.objects.bulk_create(
            [
                JourneyEvent(
                    occurred_at=journey.last_active_at + timeout,
                    # Written in full here, under no other batch: counted by the next run.
                    recorded_at=journey.last_active_at + timeout,
                    organisation=journey.organisation,
                    service_slug=journey.service_slug,
                    journey_key=journey.journey_key,
                    kind="abandoned",
                    page=journey.last_page,
                    channel=journey.channel,
                    language="",
                    device="",
                )
                for journey in idle
            ],
            batch_size=1000,
        )
        JourneyProgress.objects.filter(journey_key__in=[j.journey_key for j in idle]).delete()
    return len(idle)
