"""The demo's performance history: two years and more of daily counts for every live
example service, as a council would bring them from the system it replaced, imported
through `import_history` (decision 0060), and a cost per channel and monthly volumes by
post, phone and in person. So the dashboards, the open data and the forecast have
something to show on a fresh demo.

Made up, but shaped like the real thing: busier on weekdays, a season of its own for
each service, a slow rise year on year, people dropping off page by page, decisions
around each service's service level. The same every time (a fixed seed per service),
and the import replaces what it set before: running the setup twice gives the same
figures.
"""

import datetime
import math
import random
import zlib
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from django.utils import timezone

from civitas.catalogue.public import QuestionPage, get_live_service, list_live_services
from civitas.insights.public import (
    HistoryRow,
    enter_channel_volumes,
    import_history,
    set_channel_costs,
)

HISTORY_MONTHS = 26
"""Over two years: the forecast finds a yearly season in 104 weeks or more."""
BY = "demo-setup"
WEEKDAY_SHARE = (1.25, 1.2, 1.15, 1.1, 1.0, 0.7, 0.6)  # Monday first
SATISFACTION_SHARES = {
    "very_satisfied": 0.42,
    "satisfied": 0.36,
    "neither": 0.1,
    "dissatisfied": 0.07,
    "very_dissatisfied": 0.05,
}


@dataclass(frozen=True)
class Profile:
    """How busy a service is and when: journeys started a day on average, and its peaks
    (day of the year, spread in days, height over the base)."""

    daily: float
    peaks: tuple[tuple[int, int, float], ...] = ()
    completion: float = 0.78  # of journeys started, the share submitted
    service_level_days: int = 10
    assisted: float = 0.08  # of cases, the share staff keyed in for a caller
    offline: float = 0.35  # post, phone and in person, against the cases online


PROFILES: dict[str, Profile] = {
    # Permits run out at the turn of the year, and new residents arrive in September.
    "resident-parking-permit": Profile(40, ((15, 20, 1.2), (250, 18, 0.8)), 0.82, 7),
    "bulky-waste-collection": Profile(25, ((105, 30, 0.9),), 0.85, 5, 0.05, 0.4),
    "street-party": Profile(4, ((150, 22, 3.0),), 0.7, 21, 0.03, 0.15),
    "register-to-vote": Profile(30, ((290, 30, 1.6), (120, 12, 0.6)), 0.8, 14, 0.04, 0.3),
    "blue-badge": Profile(12, ((20, 30, 0.25),), 0.7, 42, 0.15, 0.5),
    "council-tax-reduction": Profile(18, ((95, 20, 0.8),), 0.72, 14, 0.12, 0.45),
    "data-rights-request": Profile(3, (), 0.76, 30, 0.05, 0.3),
    "estimate-income-tax": Profile(15, ((20, 15, 1.5), (280, 20, 0.5)), 0.9, 3, 0.02, 0.1),
    # Potholes in winter, overgrown verges in summer.
    "report-a-problem": Profile(35, ((30, 35, 0.7), (200, 30, 0.5)), 0.86, 10, 0.1, 0.5),
}
DEFAULT_PROFILE = Profile(10, ((260, 30, 0.5),))
LEVELS, WEIGHTS = tuple(SATISFACTION_SHARES), tuple(SATISFACTION_SHARES.values())
COSTS_PENCE = {"online": 35, "assisted": 420, "post": 780, "phone": 520, "in_person": 1150}


def set_up_performance_history(
    organisations: Collection[str], *, today: datetime.date | None = None
) -> int:
    """Imports the history of every live service of `organisations` (slugs), and sets
    their channel costs and volumes; how many daily counts it set."""
    today = today or timezone.localdate()
    end = today.replace(day=1)  # history stops where the rollups' month starts
    start = _months_before(end, HISTORY_MONTHS)
    rows: list[HistoryRow] = []
    for service in list_live_services():
        if service.organisation.slug not in organisations:
            continue
        profile = PROFILES.get(service.slug, DEFAULT_PROFILE)
        seed = zlib.crc32(f"{service.organisation.slug}/{service.slug}".encode())
        rows.extend(
            _service_rows(service.organisation.slug, service.slug, profile, start, end, seed)
        )
        set_channel_costs(
            organisation_id=service.organisation.id,
            organisation=service.organisation.slug,
            staff_user_id=BY,
            service_slug=service.slug,
            costs_pence=COSTS_PENCE,
        )
        month = start
        while month < end:
            enter_channel_volumes(
                organisation_id=service.organisation.id,
                organisation=service.organisation.slug,
                staff_user_id=BY,
                service_slug=service.slug,
                month=month,
                volumes=_offline_volumes(profile, month, seed),
            )
            month = _months_before(month, -1)
    return import_history(rows, by=BY, today=today).counts_written


def _service_rows(
    organisation: str,
    slug: str,
    profile: Profile,
    start: datetime.date,
    end: datetime.date,
    seed: int,
) -> Iterator[HistoryRow]:
    draw = random.Random(seed)
    service = get_live_service(organisation, slug)
    pages = [page for page in service.pages if isinstance(page, QuestionPage)]
    # Where people slip up: the first question of two pages, one more than the other.
    tricky = [(page, share) for page, share in zip(pages[1::2], (0.06, 0.025), strict=False)]
    level_seconds = profile.service_level_days * 86400
    submitted_by_day: dict[datetime.date, int] = {}
    day = start
    while day < end:
        date = day.isoformat()

        def row(
            measure: str, count: int, key: str = "", channel: str = "online", date: str = date
        ) -> HistoryRow:
            return HistoryRow(organisation, slug, date, channel, measure, key, str(count))

        started = _noisy(draw, _expected(profile, day, start))
        submitted = _binomial(draw, started, profile.completion)
        assisted = _binomial(draw, submitted, profile.assisted)
        submitted_by_day[day] = submitted + assisted
        yield row("started", started)
        yield row("submitted", submitted)
        yield row("abandoned", max(0, started - submitted - draw.randint(0, 2)))
        # Each page keeps a little less of the journeys that began; the last keeps those
        # that went on to check their answers.
        for position, page in enumerate(pages):
            reached = round(started - (started - submitted) * position / max(1, len(pages)))
            yield row("reached", reached, page.id)
        yield row("reached", submitted, "check-answers")
        for page, share in tricky:
            errors = _binomial(draw, started, share)
            if errors and page.questions:
                yield row("error_page", errors, page.id)
                yield row("error_question", errors, page.questions[0].id)
        # Longer journeys take longer: about a minute a page, give or take.
        for minutes, share in ((0.5, 0.3), (1.0, 0.5), (2.5, 0.2)):
            seconds = round(minutes * 60 * (2 + len(pages)))
            yield row("completion", round(submitted * share), str(seconds))
        yield row("case_submitted", submitted, "online")
        yield row("case_submitted", assisted, "assisted", channel="assisted")
        # Decided cases are those submitted about half the service level ago.
        decided = submitted_by_day.get(
            day - datetime.timedelta(days=max(1, profile.service_level_days // 2)), 0
        )
        within = _binomial(draw, decided, 0.88)
        yield row("case_decided", decided)
        yield row("case_within", within)
        for level_share, share in ((0.35, 0.4), (0.75, within / decided - 0.4 if decided else 0.0)):
            yield row(
                "decision_time",
                round(decided * max(0.0, share)),
                str(round(level_share * level_seconds)),
            )
        yield row("decision_time", decided - within, str(round(1.4 * level_seconds)))
        answers = _binomial(draw, submitted, 0.3)
        chosen = Counter(draw.choices(LEVELS, WEIGHTS, k=answers))
        for level, count in sorted(chosen.items()):
            yield row("satisfaction", count, level)
        day += datetime.timedelta(days=1)


def _expected(profile: Profile, day: datetime.date, start: datetime.date) -> float:
    """Journeys started on `day`: the base, its season, its weekday, and a rise of a tenth
    a year."""
    season = 1.0
    for centre, spread, height in profile.peaks:
        # The distance round the year, so a January peak reaches back into December.
        distance = min(
            abs(day.timetuple().tm_yday - centre), 365 - abs(day.timetuple().tm_yday - centre)
        )
        season += height * math.exp(-((distance / spread) ** 2) / 2)
    trend = 1 + 0.1 * (day - start).days / 365
    return profile.daily * season * trend * WEEKDAY_SHARE[day.weekday()]


def _noisy(draw: random.Random, mean: float) -> int:
    return max(0, round(draw.gauss(mean, math.sqrt(mean) if mean > 0 else 0)))


def _binomial(draw: random.Random, trials: int, share: float) -> int:
    """About `share` of `trials`, spread as a binomial would be (a normal approximation)."""
    mean = trials * share
    spread = math.sqrt(max(0.0, mean * (1 - share)))
    return min(trials, max(0, round(draw.gauss(mean, spread))))


def _offline_volumes(profile: Profile, month: datetime.date, seed: int) -> dict[str, int]:
    """A month's transactions by post, phone and in person: a share of its online cases."""
    draw = random.Random(seed + month.toordinal())
    days = (_months_before(month, -1) - month).days
    middle = month + datetime.timedelta(days=14)
    online = (
        profile.daily
        * profile.completion
        * days
        * _expected(profile, middle, middle)
        / profile.daily
    )
    offline = online * profile.offline
    return {
        "phone": round(offline * 0.55 * draw.uniform(0.9, 1.1)),
        "post": round(offline * 0.25 * draw.uniform(0.9, 1.1)),
        "in_person": round(offline * 0.2 * draw.uniform(0.9, 1.1)),
    }


def _months_before(first: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` before the month of `first` (after, if negative)."""
    index = first.year * 12 + first.month - 1 - months
    return datetime.date(index // 12, index % 12 + 1, 1)
