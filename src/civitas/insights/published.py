"""A service's figures as one page, download or API answer shows them: every count as a
`Count` (shown, or hidden and why), every ratio worked out from the exact figures but
dropped where a count it comes from is hidden.

The public pages, the open data (JSON and CSV) and the staff dashboard are all drawn from
one `PublishedFigures`, so they cannot disagree: the public's with small numbers
suppressed (decision 0059), the service owner's exact (`suppressed=False`).
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from civitas.insights.figures import (
    DIGITAL_CHANNELS,
    SATISFIED_LEVELS,
    Durations,
    ServiceFigures,
)
from civitas.insights.periods import Period
from civitas.insights.suppression import (
    MIN_DURATIONS,
    Count,
    Group,
    ratio_if_shown,
    suppress_chain,
    suppress_count,
    suppress_group,
)


@dataclass(frozen=True)
class PublishedDurations:
    count: Count
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class PublishedStep:
    page: str
    title: str
    reached: Count
    validation_errors: Count


@dataclass(frozen=True)
class PublishedWeek:
    week_start: date
    started: Count
    submitted: Count
    decided: Count


@dataclass(frozen=True)
class PublishedFigures:
    service_slug: str
    service_name: str
    period: Period
    channel: str | None
    is_suppressed: bool
    started: Count
    submitted: Count
    abandoned: Count
    decided: Count
    completion_rate: Decimal | None
    digital_take_up: Decimal | None
    cost_per_transaction_pence: Decimal | None
    user_satisfaction: Decimal | None
    decided_within_service_level_rate: Decimal | None
    time_to_complete: PublishedDurations
    time_to_decision: PublishedDurations
    transactions_by_channel: Group
    cost_per_channel_pence: Mapping[str, int]
    satisfaction: Group
    service_level: Group  # decided within and outside the service level
    backlog_by_state: Group
    funnel: tuple[PublishedStep, ...]
    errors_by_question: Mapping[str, Count]
    weeks: tuple[PublishedWeek, ...]


CellKey = tuple[str, str]
"""A count of a published period, named by its table and row: ("count", "started"),
("channels", "post"), ("channels", "total"), ("reached", page id)..."""


def publish(
    figures: ServiceFigures,
    *,
    suppressed: bool = True,
    withhold: frozenset[CellKey] = frozenset(),
) -> PublishedFigures:
    """The figures as shown: suppressed for the public, exact for the service owner.
    `withhold`: counts withheld besides those the period's own tables hide, so that none
    can be worked out from the other periods of its year (`calendar_suppression`)."""
    if not suppressed:
        return _exact(figures)
    channels = _withhold_in(suppress_group(figures.transactions_by_channel), "channels", withhold)
    satisfaction = _withhold_in(suppress_group(figures.satisfaction), "satisfaction", withhold)
    service_level = _withhold_in(
        suppress_group(_service_level_cells(figures)), "service_level", withhold
    )
    # The backlog is a snapshot of now, not a count over the period: it changes with every
    # reading (two readings could be subtracted) and adds up over no period. Not public.
    backlog = Group({}, Count.withheld())
    # Counts shown in more than one table: hidden in all if any table hides them, or a
    # hidden one could be read from the other (decision 0059, "links between tables").
    started = suppress_count(figures.started)
    submitted = suppress_count(figures.submitted)
    if not channels.cells.get("online", Count.shown(0)).is_shown and figures.submitted == (
        figures.transactions_by_channel.get("online")
    ):
        submitted = Count.withheld()
    decided = suppress_count(figures.decided)
    if not service_level.total.is_shown:
        decided = Count.withheld()
    abandoned = suppress_count(figures.abandoned)
    started, submitted, abandoned, decided = (
        _withhold_one(count, ("count", name), withhold)
        for count, name in (
            (started, "started"),
            (submitted, "submitted"),
            (abandoned, "abandoned"),
            (decided, "decided"),
        )
    )
    # The anchors as the exact counts, shown or not: which pages are shown must not depend
    # on what other periods made this one withhold.
    anchors = [figures.started, figures.submitted]
    reached = suppress_chain({step.page: step.reached for step in figures.funnel}, anchors=anchors)
    return PublishedFigures(
        service_slug=figures.service_slug,
        service_name=figures.service_name,
        period=figures.period,
        channel=figures.channel,
        is_suppressed=True,
        started=started,
        submitted=submitted,
        abandoned=abandoned,
        decided=decided,
        completion_rate=ratio_if_shown(figures.completion_rate, started, submitted),
        digital_take_up=ratio_if_shown(
            figures.digital_take_up,
            channels.total,
            *(channels.cells[c] for c in DIGITAL_CHANNELS if c in channels.cells),
        ),
        cost_per_transaction_pence=ratio_if_shown(
            figures.cost_per_transaction_pence,
            *(
                count
                for name, count in channels.cells.items()
                if name in figures.cost_per_channel_pence
            ),
        ),
        user_satisfaction=ratio_if_shown(
            figures.user_satisfaction,
            satisfaction.total,
            *(
                satisfaction.cells[level]
                for level in SATISFIED_LEVELS
                if level in satisfaction.cells
            ),
        ),
        decided_within_service_level_rate=ratio_if_shown(
            figures.decided_within_service_level_rate,
            decided,
            *service_level.cells.values(),
        ),
        time_to_complete=_durations(
            figures.time_to_complete, ("time_to_complete", "count") in withhold
        ),
        time_to_decision=_durations(
            figures.time_to_decision, ("time_to_decision", "count") in withhold
        ),
        transactions_by_channel=channels,
        cost_per_channel_pence=dict(figures.cost_per_channel_pence),
        satisfaction=satisfaction,
        service_level=service_level,
        backlog_by_state=backlog,
        funnel=tuple(
            PublishedStep(
                page=step.page,
                title=step.title,
                reached=_withhold_one(reached[step.page], ("reached", step.page), withhold),
                validation_errors=_withhold_one(
                    suppress_count(step.validation_errors),
                    ("validation_errors", step.page),
                    withhold,
                ),
            )
            for step in figures.funnel
        ),
        # Errors by question add up to a page's errors in ways a reader cannot check: the
        # public is shown each page's errors only.
        errors_by_question={},
        # Not the weeks: each week is a period of its own, published with its own
        # suppression, and a week's count in two tables suppressed differently would give
        # a hidden one back (decision 0059).
        weeks=(),
    )


def _service_level_cells(figures: ServiceFigures) -> dict[str, int]:
    within = figures.decided_within_service_level
    return {"within": within, "outside": max(figures.decided - within, 0)}


def cell_counts(
    figures: ServiceFigures, published: PublishedFigures
) -> dict[CellKey, tuple[int, bool]]:
    """Every count of a period's public figures: its exact value, and whether it is shown."""
    cells: dict[CellKey, tuple[int, bool]] = {}
    for name in ("started", "submitted", "abandoned", "decided"):
        cells[("count", name)] = (getattr(figures, name), getattr(published, name).is_shown)
    for table, exact in (
        ("channels", figures.transactions_by_channel),
        ("satisfaction", figures.satisfaction),
        ("service_level", _service_level_cells(figures)),
    ):
        group: Group = getattr(
            published, "transactions_by_channel" if table == "channels" else table
        )
        for name, value in exact.items():
            cells[(table, name)] = (value, group.cells[name].is_shown)
        cells[(table, "total")] = (sum(exact.values()), group.total.is_shown)
    for step, shown in zip(figures.funnel, published.funnel, strict=True):
        cells[("reached", step.page)] = (step.reached, shown.reached.is_shown)
        cells[("validation_errors", step.page)] = (
            step.validation_errors,
            shown.validation_errors.is_shown,
        )
    cells[("time_to_complete", "count")] = (
        figures.time_to_complete.count,
        published.time_to_complete.count.is_shown,
    )
    cells[("time_to_decision", "count")] = (
        figures.time_to_decision.count,
        published.time_to_decision.count.is_shown,
    )
    return cells


def _withhold_one(count: Count, key: CellKey, withhold: frozenset[CellKey]) -> Count:
    return Count.withheld() if key in withhold and count.is_shown else count


def _withhold_in(group: Group, table: str, withhold: frozenset[CellKey]) -> Group:
    if not any(key[0] == table for key in withhold):
        return group
    return replace(
        group,
        cells={
            name: _withhold_one(count, (table, name), withhold)
            for name, count in group.cells.items()
        },
        total=_withhold_one(group.total, (table, "total"), withhold),
    )


def _durations(durations: Durations, is_withheld: bool = False) -> PublishedDurations:
    if is_withheld:
        return PublishedDurations(Count.withheld(), None, None)
    enough = durations.count >= MIN_DURATIONS
    return PublishedDurations(
        count=suppress_count(durations.count),
        median_seconds=durations.median_seconds if enough else None,
        p90_seconds=durations.p90_seconds if enough else None,
    )


def _all_shown(cells: Mapping[str, int]) -> Group:
    return Group(
        {name: Count.shown(value) for name, value in cells.items()},
        Count.shown(sum(cells.values())),
    )


def _exact(figures: ServiceFigures) -> PublishedFigures:
    return PublishedFigures(
        service_slug=figures.service_slug,
        service_name=figures.service_name,
        period=figures.period,
        channel=figures.channel,
        is_suppressed=False,
        started=Count.shown(figures.started),
        submitted=Count.shown(figures.submitted),
        abandoned=Count.shown(figures.abandoned),
        decided=Count.shown(figures.decided),
        completion_rate=figures.completion_rate,
        digital_take_up=figures.digital_take_up,
        cost_per_transaction_pence=figures.cost_per_transaction_pence,
        user_satisfaction=figures.user_satisfaction,
        decided_within_service_level_rate=figures.decided_within_service_level_rate,
        time_to_complete=PublishedDurations(
            Count.shown(figures.time_to_complete.count),
            figures.time_to_complete.median_seconds,
            figures.time_to_complete.p90_seconds,
        ),
        time_to_decision=PublishedDurations(
            Count.shown(figures.time_to_decision.count),
            figures.time_to_decision.median_seconds,
            figures.time_to_decision.p90_seconds,
        ),
        transactions_by_channel=_all_shown(figures.transactions_by_channel),
        cost_per_channel_pence=dict(figures.cost_per_channel_pence),
        satisfaction=_all_shown(figures.satisfaction),
        service_level=_all_shown(_service_level_cells(figures)),
        backlog_by_state=_all_shown(figures.backlog_by_state),
        funnel=tuple(
            PublishedStep(
                step.page,
                step.title,
                Count.shown(step.reached),
                Count.shown(step.validation_errors),
            )
            for step in figures.funnel
        ),
        errors_by_question={k: Count.shown(v) for k, v in figures.errors_by_question.items()},
        weeks=tuple(
            PublishedWeek(
                week.week_start,
                Count.shown(week.started),
                Count.shown(week.submitted),
                Count.shown(week.decided),
            )
            for week in figures.weeks
        ),
    )
