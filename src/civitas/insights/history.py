"""Performance history from before Civitas: the daily counts a council brings from the
system a service moves off, imported so that its dashboards, its open data and its demand
forecast work from the first day (decision 0060).

A row is one count of one service on one day: (organisation slug, service slug, date,
channel, measure, key, count), written as the same daily counts the rollups write
(`DailyCount`, span "day"), with the month's row (span "month") kept equal to the sum of
its days. The counts in a file *replace* those of the same day, channel, measure and key
(a month's row moves by the difference), so importing a file twice gives the same
figures, and a corrected file put in again corrects them.

History ends before the first day of the current month: the rollups own the current
month onwards (the rollup of journeys adds to today's counts, and the rollup of cases
replaces the counts of the case measures from the month its cursor is in), so an
imported day there would be added to, or wiped. Moving the cases' cursor back
(`case_rollup.recount_cases_from`) into imported months replaces them with the counts
of the cases on the platform.

Every problem of a file is found before anything is written, each with its line; then
everything is written in one transaction, or nothing is.
"""

import csv
import datetime
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from django.db import connection, transaction
from django.utils import timezone

from civitas.catalogue.public import QuestionPage, ServiceNotFound, get_live_service
from civitas.insights.durations import bucket_of
from civitas.insights.events import HistoryImported
from civitas.insights.figures import CHANNELS, SATISFACTION_LEVELS
from civitas.insights.models import DailyCount
from civitas.insights.rollup import ADD_COUNTS
from civitas.platform.events import publish

COLUMNS: tuple[str, ...] = ("organisation", "service", "date", "channel", "measure", "key", "count")
MAX_ROWS = 2_000_000
MAX_FILE_BYTES = 512 * 1024 * 1024  # 2,000,000 rows of about 100 characters, and room
MAX_COUNT = 1_000_000_000
MAX_SECONDS = 20 * 365 * 24 * 3600  # a duration longer than twenty years is a typing slip
EARLIEST = datetime.date(2000, 1, 1)
MAX_PROBLEMS = 1000  # a file this wrong is the wrong file: the rest says no more

HISTORY_CHANNELS: tuple[str, ...] = (*CHANNELS, "api")
"""Where a count came from, as the rollups name it: `online` and `assisted` journeys, and
cases also by `api` and the channels staff key in (post, phone, in person)."""

PLAIN_MEASURES = ("started", "submitted", "abandoned", "case_decided", "case_within")
PAGE_MEASURES = ("reached", "error_page")  # keyed by the page's id
DURATION_MEASURES = ("completion", "decision_time")  # a duration in seconds, bucketed
MEASURES: tuple[str, ...] = (
    *PLAIN_MEASURES,
    *PAGE_MEASURES,
    "error_question",  # keyed by the question's id
    *DURATION_MEASURES,
    "case_submitted",  # keyed by the case's channel, as the rollup of cases keys it
    "satisfaction",  # keyed by the answer (figures.SATISFACTION_LEVELS), online only
)
CHECK_ANSWERS_PAGE = "check-answers"  # the rollup's name for the check answers page


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One count as a file gives it; `line` is where, for the problems."""

    organisation: str
    service: str
    date: str
    channel: str
    measure: str
    key: str
    count: str
    line: int = 0


@dataclass(frozen=True)
class Problem:
    line: int
    message: str


class HistoryInvalid(ValueError):
    """A file that cannot be imported: every problem found, each with its line."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s), the first: {problems[0].message}")
        self.problems = problems


@dataclass(frozen=True)
class ImportSummary:
    rows: int
    counts_written: int  # daily counts set (rows landing on the same count are one)
    services: tuple[str, ...]  # "organisation/service"
    first_day: datetime.date | None = None
    last_day: datetime.date | None = None
    dry_run: bool = False
    by_service: dict[str, int] = field(default_factory=dict)


CountKey = tuple[str, str, datetime.date, str, str, str]
"""(organisation, service, day, channel, measure, key): one DailyCount."""


def read_history_csv(stream: BinaryIO, *, max_rows: int = MAX_ROWS) -> list[HistoryRow]:
    """The rows of a CSV file with the header COLUMNS (in any order), UTF-8. Raises
    HistoryInvalid for a missing or unexpected column, a line that is not UTF-8, a row
    with too many or too few values, or more than `max_rows` rows."""
    problems: list[Problem] = []
    lines = _decoded_lines(stream, problems)
    reader = csv.reader(lines)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise HistoryInvalid([Problem(1, "the file is empty: it needs a header row")]) from None
    except csv.Error as error:
        raise HistoryInvalid([Problem(1, f"not CSV: {error}")]) from None
    header = [name.removeprefix("\ufeff") for name in header]
    missing = [name for name in COLUMNS if name not in header]
    extra = [name for name in header if name not in COLUMNS]
    if missing or extra or len(set(header)) != len(header):
        message = "the header must name the columns " + ",".join(COLUMNS)
        if missing:
            message += f"; missing: {', '.join(missing)}"
        if extra:
            message += f"; not known: {', '.join(extra)}"
        if len(set(header)) != len(header):
            message += "; a column is named twice"
        raise HistoryInvalid([*problems, Problem(1, message)])
    position = [header.index(name) for name in COLUMNS]
    rows: list[HistoryRow] = []
    try:
        for values in reader:
            line = reader.line_num
            if not values or values == [""]:
                continue
            if len(rows) >= max_rows:
                problems.append(Problem(line, f"more than {max_rows:,} rows: split the file"))
                break
            if len(values) != len(COLUMNS):
                problems.append(
                    Problem(line, f"{len(values)} values where the header has {len(COLUMNS)}")
                )
            else:
                organisation, service, date, channel, measure, key, count = (
                    values[p].strip() for p in position
                )
                # The same few names on every row: each kept once, not a million times.
                rows.append(
                    HistoryRow(
                        sys.intern(organisation),
                        sys.intern(service),
                        date,
                        sys.intern(channel),
                        sys.intern(measure),
                        sys.intern(key),
                        count,
                        line=line,
                    )
                )
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error as error:
        problems.append(Problem(reader.line_num, f"not CSV: {error}"))
    if problems:
        raise HistoryInvalid(sorted(problems, key=lambda problem: problem.line))
    return rows


def _decoded_lines(stream: BinaryIO, problems: list[Problem]) -> Iterator[str]:
    for number, raw in enumerate(stream, start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(number, "not UTF-8: save the file as UTF-8"))
            yield "\n"  # keeps the reader's line numbers those of the file


def import_history(
    rows: Iterable[HistoryRow],
    *,
    by: str = "cli",
    dry_run: bool = False,
    today: datetime.date | None = None,
) -> ImportSummary:
    """Checks every row, then (unless `dry_run`) sets the daily counts they give and
    moves each month's count by the difference, in one transaction, and audits the import
    of each service (`insights.history_imported`, by `by`). Raises HistoryInvalid, with
    every problem and its line, and writes nothing, when any row is wrong.

    Rows that land on the same count (two durations in one bucket, say) are added."""
    today = today or timezone.localdate()
    counts, problems, rows_read = _checked(rows, today)
    if problems:
        raise HistoryInvalid(problems)
    services = sorted({f"{org}/{slug}" for org, slug, *_ in counts})
    by_service = Counter(f"{org}/{slug}" for org, slug, *_ in counts)
    days = [day for _, _, day, *_ in counts]
    summary = ImportSummary(
        rows=rows_read,
        counts_written=len(counts),
        services=tuple(services),
        first_day=min(days, default=None),
        last_day=max(days, default=None),
        dry_run=dry_run,
        by_service=dict(by_service),
    )
    if dry_run or not counts:
        return summary
    with transaction.atomic():
        _write(counts)
        for name in services:
            organisation, slug = name.split("/", 1)
            own = [day for org, s, day, *_ in counts if org == organisation and s == slug]
            publish(
                HistoryImported(
                    organisation=organisation,
                    service_slug=slug,
                    by=by,
                    counts=by_service[name],
                    first_day=min(own).isoformat(),
                    last_day=max(own).isoformat(),
                )
            )
    return summary


@dataclass
class _Known:
    """What a live service's rows may name: its pages and questions."""

    pages: frozenset[str]
    questions: frozenset[str]


def _checked(
    rows: Iterable[HistoryRow], today: datetime.date
) -> tuple[Counter[CountKey], list[Problem], int]:
    first_of_month = today.replace(day=1)
    services: dict[tuple[str, str], _Known | None] = {}
    counts: Counter[CountKey] = Counter()
    problems: list[Problem] = []
    read = 0
    for row in rows:
        read += 1
        if len(problems) >= MAX_PROBLEMS:
            continue
        found = _problems_of(row, services, first_of_month)
        if found:
            problems.extend(Problem(row.line, message) for message in found)
            continue
        day = datetime.date.fromisoformat(row.date)
        key = row.key
        if row.measure in DURATION_MEASURES:
            key = str(bucket_of(int(row.key)))
        elif row.measure == "case_submitted" and not key:
            key = row.channel
        counts[(row.organisation, row.service, day, row.channel, row.measure, key)] += int(
            row.count
        )
    return counts, problems, read


def _problems_of(
    row: HistoryRow,
    services: dict[tuple[str, str], _Known | None],
    first_of_month: datetime.date,
) -> list[str]:
    problems: list[str] = []
    where = (row.organisation, row.service)
    if where not in services:
        services[where] = _known(*where)
    known = services[where]
    if known is None:
        problems.append(f"{_shown(row.organisation)} runs no live service {_shown(row.service)}")
    try:
        day = datetime.date.fromisoformat(row.date) if len(row.date) == 10 else None
    except ValueError:
        day = None
    if day is None:
        problems.append(f"the date {_shown(row.date)} is not a date like 2025-01-31")
    elif day < EARLIEST:
        problems.append(f"the date {row.date} is before {EARLIEST.isoformat()}")
    elif day >= first_of_month:
        problems.append(
            f"the date {row.date} is not before {first_of_month.isoformat()}: "
            "this month's counts and later ones are the platform's own"
        )
    if row.channel not in HISTORY_CHANNELS:
        problems.append(
            f"no channel {_shown(row.channel)}: use one of {', '.join(HISTORY_CHANNELS)}"
        )
    if not (row.count.isascii() and row.count.isdigit() and len(row.count) <= 10):
        problems.append(f"the count {_shown(row.count)} is not a whole number from 0")
    elif int(row.count) > MAX_COUNT:
        problems.append(f"the count {row.count} is more than {MAX_COUNT:,}")
    if row.measure not in MEASURES:
        problems.append(f"no measure {_shown(row.measure)}: use one of {', '.join(MEASURES)}")
    else:
        problems.extend(_key_problems(row, known))
    return problems


def _key_problems(row: HistoryRow, known: _Known | None) -> list[str]:
    measure, key = row.measure, row.key
    if measure in PLAIN_MEASURES:
        return [] if not key else [f"{measure} is counted with no key, not {_shown(key)}"]
    if measure in PAGE_MEASURES:
        if known is not None and key not in known.pages:
            return [f"the service has no page {_shown(key)}"]
        return []
    if measure == "error_question":
        if known is not None and key not in known.questions:
            return [f"the service has no question {_shown(key)}"]
        return []
    if measure in DURATION_MEASURES:
        if not (key.isascii() and key.isdigit() and len(key) <= 10) or int(key) > MAX_SECONDS:
            return [f"{measure} needs a duration in whole seconds as its key, not {_shown(key)}"]
        return []
    if measure == "case_submitted":
        if key and key != row.channel:
            return [f"case_submitted is keyed by its channel ({row.channel}), not {_shown(key)}"]
        return []
    # satisfaction
    problems = []
    if key not in SATISFACTION_LEVELS:
        problems.append(
            f"no satisfaction answer {_shown(key)}: use one of {', '.join(SATISFACTION_LEVELS)}"
        )
    if row.channel != "online":
        problems.append("satisfaction is asked online only: its channel is online")
    return problems


def _known(organisation: str, slug: str) -> _Known | None:
    try:
        service = get_live_service(organisation, slug)
    except ServiceNotFound:
        return None
    pages = {page.id for page in service.pages} | {CHECK_ANSWERS_PAGE}
    questions = {
        question.id
        for page in service.pages
        if isinstance(page, QuestionPage)
        for question in page.questions
    }
    return _Known(pages=frozenset(pages), questions=frozenset(questions))


def _shown(value: str) -> str:
    """A value from the file, quoted and cut short, for a message."""
    return repr(value if len(value) <= 40 else value[:40] + "…")


_SET = """
INSERT INTO insights_dailycount
    (organisation, service_slug, span, day, channel, measure, key, count)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (service_slug, organisation, span, day, channel, measure, key)
DO UPDATE SET count = excluded.count
"""


def _write(counts: Counter[CountKey]) -> None:
    """Sets the daily counts, and moves the monthly ones by what each day changed by."""
    existing = _existing(counts)
    days: list[tuple[str, str, str, datetime.date, str, str, str, int]] = []
    by_month: Counter[CountKey] = Counter()
    for (organisation, slug, day, channel, measure, key), count in counts.items():
        delta = count - existing.get((organisation, slug, day, channel, measure, key), 0)
        if delta or (organisation, slug, day, channel, measure, key) not in existing:
            days.append((organisation, slug, "day", day, channel, measure, key, count))
        if delta:
            by_month[(organisation, slug, day.replace(day=1), channel, measure, key)] += delta
    months = [
        (organisation, slug, "month", month, channel, measure, key, delta)
        for (organisation, slug, month, channel, measure, key), delta in by_month.items()
        if delta
    ]
    # Plain statements, not model instances: a quarter of a million Django objects cost
    # seconds, one statement sent many times a fraction of that.
    with connection.cursor() as cursor:
        if days:
            cursor.executemany(_SET, days)
        if months:
            cursor.executemany(ADD_COUNTS, months)


def _existing(counts: Counter[CountKey]) -> dict[CountKey, int]:
    """The daily counts the import sets that are there already: one query a service."""
    spans: dict[tuple[str, str], list[datetime.date]] = defaultdict(list)
    measures: dict[tuple[str, str], set[str]] = defaultdict(set)
    for organisation, slug, day, _, measure, _ in counts:
        spans[(organisation, slug)].append(day)
        measures[(organisation, slug)].add(measure)
    existing: dict[CountKey, int] = {}
    for (organisation, slug), days in spans.items():
        rows = DailyCount.objects.filter(
            organisation=organisation,
            service_slug=slug,
            span="day",
            day__gte=min(days),
            day__lte=max(days),
            measure__in=sorted(measures[(organisation, slug)]),
        ).values_list("day", "channel", "measure", "key", "count")
        for day, channel, measure, key, count in rows.iterator(chunk_size=5000):
            existing[(organisation, slug, day, channel, measure, key)] = count
    return existing
