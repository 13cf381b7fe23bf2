"""The rollup job: journey events counted into daily counts, and journeys left alone past
the session's lifetime found abandoned. A periodic job of every worker (civitas.wiring).

Each batch of events is counted, and the cursor moved past it, in one transaction that
first locks the cursor: however many workers run the job, and however often, an event
is counted once (running it twice gives the same figures).
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from civitas.insights.durations import bucket_of
from civitas.insights.models import DailyCount, JourneyEvent, JourneyProgress, RollupCursor

CURSOR = "journey_events"
BATCH_SIZE = 5000
BATCHES_PER_RUN = 20
SETTLE_SECONDS = 30
"""Events written this recently are left for the next run: a batch written at the same
moment by another process may hold lower ids and not be committed yet."""

CountKey = tuple[str, str, datetime.date, str, str, str]
"""(organisation, service_slug, day, channel, measure, key): one DailyCount."""
ServiceDay = tuple[str, datetime.date]


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
        events = list(
            JourneyEvent.objects.filter(id__gt=cursor.last_event_id).order_by("id")[:BATCH_SIZE]
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


def _count(events: list[JourneyEvent]) -> Counter[CountKey]:
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


def _add_counts(counts: Counter[CountKey]) -> None:
    """Adds the counts to the daily counts: those that exist are updated, the others
    made (the caller holds the cursor's lock, so no other run adds at the same time)."""
    existing: dict[CountKey, DailyCount] = {}
    for chunk in _chunks(sorted({(k[1], k[2]) for k in counts}), 200):
        match = Q()
        for slug, day in chunk:
            match |= Q(service_slug=slug, day=day)
        for row in DailyCount.objects.filter(match):
            existing[
                (row.organisation, row.service_slug, row.day, row.channel, row.measure, row.key)
            ] = row
    changed, new = [], []
    for key, count in counts.items():
        row = existing.get(key)
        if row is None:
            organisation, slug, day, channel, measure, name = key
            new.append(
                DailyCount(
                    organisation=organisation,
                    service_slug=slug,
                    day=day,
                    channel=channel,
                    measure=measure,
                    key=name,
                    count=count,
                )
            )
        else:
            row.count += count
            changed.append(row)
    DailyCount.objects.bulk_update(changed, ["count"], batch_size=1000)
    DailyCount.objects.bulk_create(new, batch_size=1000)


def _chunks(
    items: list[tuple[str, datetime.date]], size: int
) -> Iterable[list[tuple[str, datetime.date]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
