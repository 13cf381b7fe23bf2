"""Performance figures at scale: a service's figures for a year over 10,000,000 journey
events and 1,000,000 cases, and what recording journey events costs the question page.

Events are seeded straight into the table (COPY on PostgreSQL, executemany on SQLite) as
journeys of the demo's live services over three years: started, pages reached in order,
some answers refused, check answers and submitted, or left to be found abandoned. They
are then counted by the rollup job itself (roll_up_journey_events, batch after batch, as
the workers would), whose rate is reported. Cases are seeded with the columns the figures
read (their answers are a placeholder that nothing here decrypts).

Rows reported:
- `insights: service figures for a year (service_figures)`: the median time of
  `service_figures(slug, year)` (what the dashboard page will draw from; the page is to be
  added beside it), as a ratio to one aggregate query over the events table in the same
  run (a count of the service's events in the year). Goal: under 100 ms.
- `insights: question page with journey events / without`: requests/s of the question
  page through Django's handler in this process, with the journey's events announced and
  recorded, over the same page with announcing switched off, in interleaved rounds.
  Goal: at least 0.95 (recording costs the page under 5% of its throughput).

`python -m bench --only insights [--events N --cases N]` runs it (BENCH_EVENTS,
BENCH_INSIGHT_CASES here) in databases of its own, dropped after it.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import time
from collections import Counter
from typing import Any

from django.db import connection, transaction

EVENTS = int(os.environ.get("BENCH_EVENTS", "10000000"))
CASES = int(os.environ.get("BENCH_INSIGHT_CASES", "1000000"))
CHUNK = 50_000
SAMPLE = int(os.environ.get("BENCH_ROLLUP_SAMPLE", "200000"))
"""The last events seeded, counted by the rollup job itself (its rate is reported); the
ones before are counted as they are made and written in bulk (`write_counts`)."""
SEED = 20261204
YEARS = 3
ROUNDS = 15
FLOOR_ROUNDS = 5
PAGE_ROUNDS = 7
PAGE_REQUESTS = 200
GOAL_MS = 100
GOAL_PAGE_RATIO = 0.95
MEASURED = ("example-borough", "resident-parking-permit")

EVENT_COLUMNS = (
    "occurred_at, recorded_at, organisation, service_slug, journey_key, kind, page, "
    "question, channel, language, device"
)
CASE_COLUMNS = (
    "reference, organisation_id, service_slug, service_version, status, status_kind, version, "
    "channel, language, answers, submitted_at, decided_at, decision_seconds, "
    "decided_within_service_level"
)
DEVICES = ("desktop", "mobile", "mobile", "tablet", "other")
COUNT_COLUMNS = "organisation, service_slug, span, day, channel, measure, key, count"


def _insert(table: str, columns: str, rows: list[tuple]) -> None:
    from bench.cases import _insert as insert

    insert(table, columns, rows)


def _services() -> list[tuple[str, str, int, list[str]]]:
    """(organisation, slug, organisation id, question page ids) of each live service, the
    measured one first."""
    from civitas.catalogue.public import QuestionPage, get_live_service, list_live_services

    found = []
    for live in list_live_services():
        service = get_live_service(live.organisation.slug, live.slug)
        pages = [page.id for page in service.pages if isinstance(page, QuestionPage)]
        if pages:
            found.append((live.organisation.slug, live.slug, live.organisation.id, pages))
    found.sort(key=lambda s: (s[0], s[1]) != MEASURED)
    assert (found[0][0], found[0][1]) == MEASURED, "the demo's parking permit is not live"
    return found


def _journey(rng: random.Random, service: tuple, start: datetime.datetime) -> list[tuple]:
    organisation, slug, _, pages = service
    key = f"{rng.getrandbits(128):032x}"
    channel = "assisted" if rng.random() < 0.05 else "online"
    language = "cy" if rng.random() < 0.1 else "en"
    device = rng.choice(DEVICES)
    reached = len(pages) if rng.random() < 0.7 else rng.randrange(1, len(pages) + 1)
    at = start
    rows = []

    def add(kind: str, page: str = "", question: str = "") -> None:
        rows.append(
            (at, at, organisation, slug, key, kind, page, question, channel, language, device)
        )

    add("started", pages[0])
    for page in pages[:reached]:
        add("page", page)
        if rng.random() < 0.1:
            add("error", page, page)
        at += datetime.timedelta(seconds=rng.randrange(5, 120))
    if reached == len(pages):
        add("check_answers")
        at += datetime.timedelta(seconds=rng.randrange(5, 60))
        add("submitted")
    return rows


def _count_journey(rows: list[tuple], counts: Counter, timeout: datetime.timedelta) -> None:
    """Adds to `counts` what the rollup job counts of one journey's events (rollup._count):
    the same keys, so the rows written in bulk are the ones the job would have written.
    A journey not submitted is counted abandoned when the session would have timed out."""
    from django.utils import timezone

    from civitas.insights.durations import bucket_of

    started_at = rows[0][0]
    for (
        occurred_at,
        _,
        organisation,
        slug,
        _,
        kind,
        page,
        question,
        channel,
        language,
        device,
    ) in rows:
        where = (organisation, slug, timezone.localdate(occurred_at), channel)
        if kind == "started":
            counts[(*where, "started", "")] += 1
            counts[(*where, "language", language)] += 1
            counts[(*where, "device", device)] += 1
        elif kind == "page":
            counts[(*where, "reached", page)] += 1
        elif kind == "check_answers":
            counts[(*where, "reached", "check-answers")] += 1
        elif kind == "error":
            counts[(*where, "error_page", page)] += 1
            counts[(*where, "error_question", question)] += 1
        elif kind == "submitted":
            counts[(*where, "submitted", "")] += 1
            seconds = (occurred_at - started_at).total_seconds()
            counts[(*where, "completion", str(bucket_of(seconds)))] += 1
    last = rows[-1]
    if last[5] != "submitted":
        day = timezone.localdate(last[0] + timeout)
        counts[(last[2], last[3], day, last[8], "abandoned", "")] += 1


def seed_events(services: list[tuple], now: datetime.datetime) -> tuple[float, int, Counter]:
    """Writes EVENTS events (to the journey's end: a few more); the seconds it took, the
    id of the last event before the last SAMPLE (left to the rollup job itself), and the
    counts of every event up to it."""
    from django.conf import settings

    timeout = datetime.timedelta(minutes=settings.JOURNEY_TIMEOUT_MINUTES)
    rng = random.Random(SEED)
    span = datetime.timedelta(days=365 * YEARS).total_seconds()
    started = time.perf_counter()
    written = 0
    counts: Counter = Counter()
    counted_up_to = 0
    while written < EVENTS:
        rows: list[tuple] = []
        is_counted_here = written < EVENTS - SAMPLE
        limit = EVENTS - SAMPLE if is_counted_here else EVENTS
        while len(rows) < CHUNK and written + len(rows) < limit:
            # The measured service has a third of the journeys.
            service = services[0] if rng.random() < 1 / 3 else rng.choice(services)
            start = now - datetime.timedelta(seconds=rng.random() * span + 3600)
            journey = _journey(rng, service, start)
            if is_counted_here:
                _count_journey(journey, counts, timeout)
            rows += journey
        with transaction.atomic():
            _insert("insights_journeyevent", EVENT_COLUMNS, rows)
        written += len(rows)
        if is_counted_here:
            counted_up_to = written
    _analyze("insights_journeyevent")
    return time.perf_counter() - started, counted_up_to, counts


def write_counts(counts: Counter, counted_up_to: int) -> tuple[float, int]:
    """Writes the counts of the events seeded up to `counted_up_to` in bulk (daily and
    monthly rows, as the rollup job makes them) and moves the job's cursor past those
    events; the seconds it took and the rows written."""
    from civitas.insights.models import JourneyEvent, RollupCursor
    from civitas.insights.rollup import CURSOR, daily_and_monthly_rows

    started = time.perf_counter()
    rows = daily_and_monthly_rows(counts)
    for first in range(0, len(rows), CHUNK):
        with transaction.atomic():
            _insert("insights_dailycount", COUNT_COLUMNS, rows[first : first + CHUNK])
    last_id = (
        JourneyEvent.objects.order_by("id").values_list("id", flat=True)[counted_up_to - 1]
        if counted_up_to
        else 0
    )
    RollupCursor.objects.update_or_create(name=CURSOR, defaults={"last_event_id": last_id})
    return time.perf_counter() - started, len(rows)


def seed_cases(services: list[tuple], now: datetime.datetime) -> float:
    rng = random.Random(SEED + 1)
    span = datetime.timedelta(days=365 * YEARS).total_seconds()
    started = time.perf_counter()
    for first in range(0, CASES, CHUNK):
        rows = []
        for number in range(first, min(CASES, first + CHUNK)):
            _, slug, organisation_id, _ = (
                services[0] if rng.random() < 1 / 3 else rng.choice(services)
            )
            submitted = now - datetime.timedelta(seconds=rng.random() * span)
            is_open = (now - submitted).days < 30 and rng.random() < 0.5
            seconds = int(rng.lognormvariate(12, 1))
            decided = None if is_open else submitted + datetime.timedelta(seconds=seconds)
            if decided is not None and decided > now:
                decided, is_open = None, True
            rows.append(
                (
                    f"BENCH{number:010d}",
                    organisation_id,
                    slug,
                    1,
                    "submitted" if is_open else "approved",
                    "open" if is_open else "closed-approved",
                    0,
                    "assisted" if rng.random() < 0.05 else "online",
                    "en",
                    "{}",
                    submitted,
                    decided,
                    None if decided is None else seconds,
                    None if decided is None else seconds < 10 * 86400,
                )
            )
        with transaction.atomic():
            _insert("cases_case", CASE_COLUMNS, rows)
    _analyze("cases_case")
    return time.perf_counter() - started


def roll_up_everything() -> tuple[float, int]:
    """Runs the rollup job over the events it has not counted (the sample), as the workers
    would; the seconds it took and the events it counted."""
    from django.utils import timezone

    from civitas.insights.public import roll_up_journey_events

    later = timezone.now() + datetime.timedelta(days=1)
    started = time.perf_counter()
    counted = 0
    while True:
        result = roll_up_journey_events(now=later)
        counted += result.counted
        if not result.counted and not result.abandoned:
            break
    _analyze("insights_dailycount")
    return time.perf_counter() - started, counted


def roll_up_all_cases() -> float:
    """The rollup of cases' first run, which counts every case (the backfill)."""
    from civitas.insights.public import roll_up_cases

    started = time.perf_counter()
    roll_up_cases()
    _analyze("insights_dailycount")
    return time.perf_counter() - started


def _analyze(table: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")
        else:
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def measure_figures(year: Any) -> dict[str, list[float]]:
    """Times in ms, in interleaved rounds, of the floor (one count over the events table),
    `service_figures` for the year, and the dashboard page for the year with its charts
    cached (warm) and not (cold: the chart cache emptied before the request)."""
    from django.core.cache import cache

    from civitas.insights import charts
    from civitas.insights.models import JourneyEvent
    from civitas.insights.public import service_figures

    organisation, slug = MEASURED
    start = datetime.datetime.combine(year.start, datetime.time(), tzinfo=datetime.UTC)
    end = datetime.datetime.combine(year.end, datetime.time(), tzinfo=datetime.UTC)
    client = _service_owner_client()
    url = f"/staff/performance/{slug}/?period={year.label}"
    assert client.get(url).status_code == 200
    times: dict[str, list[float]] = {"floor": [], "figures": [], "warm": [], "cold": []}

    def timed(name: str, work: Any) -> None:
        began = time.perf_counter()
        work()
        times[name].append((time.perf_counter() - began) * 1000)

    def page() -> None:
        assert client.get(url).status_code == 200

    for round_number in range(ROUNDS):
        if round_number < FLOOR_ROUNDS:
            timed(
                "floor",
                lambda: JourneyEvent.objects.filter(
                    service_slug=slug, occurred_at__gte=start, occurred_at__lt=end
                ).count(),
            )
        timed("figures", lambda: service_figures(slug, year, organisation=organisation))
        timed("warm", page)
        charts._cached.cache_clear()
        cache.clear()
        timed("cold", page)
    return times


def _service_owner_client() -> Any:
    import base64

    import pyotp
    from django.test import Client

    from civitas.identity.services import ensure_staff_member

    email, password, secret = (
        "owner@bench.example",
        "bench-owner-password",
        "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    )
    ensure_staff_member(
        email=email,
        display_name="Bench owner",
        password=password,
        organisation_slug=MEASURED[0],
        organisation_name="Example Borough Council",
        role="service_owner",
        totp_key_hex=base64.b32decode(secret).hex(),
    )
    client = Client()
    assert client.post("/staff/sign-in", {"email": email, "password": password}).status_code == 302
    for _ in range(3):
        response = client.post("/staff/sign-in/code", {"code": pyotp.TOTP(secret).now()})
        if response.status_code == 302:
            return client
        time.sleep(31)  # the code of this half-minute was used already: the next one
    raise AssertionError(f"signing in refused: {response.status_code}")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure_question_page() -> tuple[list[float], list[float]]:
    """Requests/s of the question page with events recorded and without, interleaved."""
    from django.test import Client

    from civitas.journeys import views

    organisation, slug = MEASURED
    page = f"/services/{organisation}/{slug}/vehicle/"
    client = Client()
    client.get(f"/services/{organisation}/{slug}/address/")
    client.post(
        f"/services/{organisation}/{slug}/address/",
        {
            "version": "1",
            "address-step": "manual",
            "address-line-1": "12 Station Road",
            "address-town": "Eastbury",
            "address-postcode": "EB1 1AA",
        },
    )
    assert client.get(page).status_code == 200
    announce = views.announce

    def rate() -> float:
        began = time.perf_counter()
        for _ in range(PAGE_REQUESTS):
            client.get(page)
        return PAGE_REQUESTS / (time.perf_counter() - began)

    with_events, without = [], []
    for _ in range(PAGE_ROUNDS):
        views.announce = announce
        with_events.append(rate())
        views.announce = lambda *args, **kwargs: None
        without.append(rate())
    views.announce = announce
    return with_events, without


def _refuse_unless_a_benchmark_database() -> None:
    name = str(connection.settings_dict["NAME"])
    if "bench" not in name:
        raise SystemExit(f"bench.insights fills tables of {name!r}, not a benchmark database")


def run(database_label: str) -> list[dict]:
    from django.utils import timezone

    from civitas.insights.periods import parse_period

    _refuse_unless_a_benchmark_database()
    now = timezone.now().replace(microsecond=0)
    services = _services()
    seeded_events, counted_up_to, counts = seed_events(services, now)
    written_counts, count_rows = write_counts(counts, counted_up_to)
    del counts
    seeded_cases = seed_cases(services, now)
    rolled_up, counted = roll_up_everything()
    rolled_up_cases = roll_up_all_cases()
    year = parse_period(str(now.year), today=now.date())
    times = measure_figures(year)
    with_events, without = measure_question_page()
    floor_ms = statistics.median(times["floor"])
    page_ratio = statistics.median(w / o for w, o in zip(with_events, without, strict=True))
    setup = {
        "events": EVENTS,
        "cases": CASES,
        "seeded_events_in_s": round(seeded_events, 1),
        "counts_written_in_bulk": count_rows,
        "counts_written_in_s": round(written_counts, 1),
        "seeded_cases_in_s": round(seeded_cases, 1),
        "rolled_up_sample_events": counted,
        "rolled_up_per_s": round(counted / rolled_up) if rolled_up else None,
        "rolled_up_cases_in_s": round(rolled_up_cases, 1),
    }
    labels = {
        "figures": "service figures for a year (service_figures)",
        "warm": "dashboard page for a year, charts cached",
        "cold": "dashboard page for a year, charts drawn",
    }
    rows = []
    for name, label in labels.items():
        median = statistics.median(times[name])
        rows.append(
            {
                "name": f"insights: {label}",
                "value": round(median, 2),
                "unit": "ms",
                "floor": "one count over the events table (the service's events in the year)",
                "floor_ms": round(floor_ms, 2),
                "ratio": round(median / floor_ms, 4),
                "p90_ms": round(_percentile(times[name], 0.9), 2),
                "p90_ratio": round(_percentile(times[name], 0.9) / floor_ms, 4),
                "goal": f"< {GOAL_MS} ms",
                "met": median < GOAL_MS,
                **(setup if name == "figures" else {}),
            }
        )
    rows.append(
        {
            "name": "insights: question page with journey events / without",
            "value": round(statistics.median(with_events)),
            "unit": "req/s",
            "floor": "the same page, events not announced, same rounds",
            "floor_value": round(statistics.median(without)),
            "ratio": round(page_ratio, 3),
            "goal": f">= {GOAL_PAGE_RATIO}",
            "met": page_ratio >= GOAL_PAGE_RATIO,
        }
    )
    return rows


if __name__ == "__main__":
    import json

    for row in run(connection.vendor):
        print(json.dumps(row))
