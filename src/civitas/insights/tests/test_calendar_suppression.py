"""Suppression across a calendar year: no hidden count of any published month, quarter or
year can be worked out from everything the public is shown, and what is published for a
period never changes as later periods end."""

import random
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitas.insights.calendar_suppression import published_year
from civitas.insights.figures import Durations, FunnelStep, ServiceFigures
from civitas.insights.periods import Period, period_containing
from civitas.insights.published import PublishedFigures, cell_counts

YEAR = 2025
YEAR_ENDED = date(2026, 1, 5)
CHANNELS = ("online", "assisted", "post")
LEVELS = ("satisfied", "neither", "dissatisfied")
PAGES = ("where-you-live", "your-vehicle", "check-answers")


LINKS = (
    (("count", "decided"), (("service_level", "total"),)),
    (("count", "decided"), (("time_to_decision", "count"),)),
    (("count", "submitted"), (("time_to_complete", "count"),)),
    (("count", "started"), (("count", "submitted"), ("count", "abandoned"))),
    (("count", "started"), (("reached", PAGES[0]),)),
)


def months(year: int = YEAR) -> list[Period]:
    return [period_containing("month", date(year, month, 1)) for month in range(1, 13)]


def monthly_figures(seed: int, *, small: bool = True) -> dict[str, dict[str, int]]:
    """Random exact counts per month; mostly small, so that much is suppressed."""
    rng = random.Random(seed)
    high = 12 if small else 200
    data = {}
    for month in months():
        counts = {f"channels.{c}": some(rng, high) for c in CHANNELS}
        counts |= {f"satisfaction.{s}": some(rng, high) for s in LEVELS}
        counts["decided"] = rng.randint(0, high)
        counts["within"] = rng.randint(0, counts["decided"])
        counts["started"] = rng.randint(0, 2 * high)
        counts["submitted"] = rng.randint(0, counts["started"])
        counts["abandoned"] = counts["started"] - counts["submitted"]
        counts["reached.where-you-live"] = counts["started"]
        counts["reached.your-vehicle"] = rng.randint(counts["submitted"], counts["started"])
        counts["reached.check-answers"] = max(
            counts["submitted"], counts["reached.your-vehicle"] - rng.randint(0, 6)
        )
        counts["errors.where-you-live"] = some(rng, high)
        counts["errors.your-vehicle"] = rng.choice([0, rng.randint(1, 4)])
        counts["errors.check-answers"] = some(rng, 3)
        data[month.label] = counts
    return data


def some(rng: random.Random, high: int) -> int:
    """Zero, small or anything up to `high`, a third of the time each."""
    return rng.choice([0, rng.randint(1, 4), rng.randint(0, high)])


def figures_from(data: dict[str, dict[str, int]]):
    """`figures_for` over monthly data: a quarter or year is the sum of its months."""

    def figures_for(period: Period) -> ServiceFigures:
        total: dict[str, int] = {}
        for month in months(period.start.year):
            if period.start <= month.start and month.end <= period.end:
                for name, value in data[month.label].items():
                    total[name] = total.get(name, 0) + value
        return ServiceFigures(
            service_slug="s",
            service_name="S",
            period=period,
            channel=None,
            started=total["started"],
            submitted=total["submitted"],
            abandoned=total["abandoned"],
            transactions_by_channel={c: total[f"channels.{c}"] for c in CHANNELS},
            satisfaction={s: total[f"satisfaction.{s}"] for s in LEVELS},
            time_to_complete=Durations(count=total["submitted"]),
            time_to_decision=Durations(count=total["decided"]),
            decided=total["decided"],
            decided_within_service_level=total["within"],
            funnel=tuple(
                FunnelStep(page, page, total[f"reached.{page}"], total[f"errors.{page}"])
                for page in PAGES
            ),
        )

    return figures_for


def determined_hidden_cells(
    published: dict[str, PublishedFigures], figures_for
) -> list[tuple[str, tuple[str, str]]]:
    """The attack: every count shown of every published period, every sum a reader knows
    (tables to totals, months to quarters and year, quarters to year) or may guess (the
    synthetic figures hold every link: decided is the durations' count, started is sent
    plus abandoned and the first page's count...), solved for the hidden counts. Returns
    those that come out exactly."""
    cells, hidden = {}, set()
    for label, figures in published.items():
        for key, (value, is_shown) in cell_counts(figures_for(figures.period), figures).items():
            cells[(label, key)] = value
            if not is_shown:
                hidden.add((label, key))
    equations = []
    for label in published:
        for table in ("channels", "satisfaction", "service_level"):
            keys = [k for (lab, k) in cells if lab == label and k[0] == table and k[1] != "total"]
            equations.append({(label, (table, "total")): 1, **{(label, k): -1 for k in keys}})
        for whole, parts in LINKS:
            equations.append({(label, whole): 1, **{(label, part): -1 for part in parts}})
    by_kind = {p.period.label: p.period for p in published.values()}
    for parent in by_kind.values():
        if parent.kind == "month":
            continue
        for kind in ("month", "quarter"):
            children = [
                p
                for p in by_kind.values()
                if p.kind == kind and parent.start <= p.start <= p.end <= parent.end
                if p != parent
            ]
            if not children or (parent.kind == "quarter" and kind == "quarter"):
                continue
            keys = {k for (lab, k) in cells if lab == parent.label}
            for key in keys:
                equations.append({(parent.label, key): 1, **{(c.label, key): -1 for c in children}})
    hidden_list = sorted(hidden)
    if not hidden_list:
        return []
    column = {cell: i for i, cell in enumerate(hidden_list)}
    rows = []
    for equation in equations:
        if any(cell in column for cell in equation):
            row = np.zeros(len(hidden_list))
            for cell, coefficient in equation.items():
                if cell in column:
                    row[column[cell]] = coefficient
            rows.append(row)
    if not rows:
        return []
    matrix = np.array(rows)
    # Determined exactly: the cell's unit vector is in the row space of the equations on
    # hidden cells, so projecting it onto that row space leaves it whole.
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    basis = vt[: int((singular > 1e-9).sum())].T  # orthonormal basis of the row space
    found = []
    for cell in hidden_list:
        unit = np.zeros(len(hidden_list))
        unit[column[cell]] = 1
        if np.linalg.norm(unit - basis @ (basis.T @ unit)) < 1e-7:
            found.append(cell)
    # The number who left between two pages of a period, both hidden: not 1 to 4.
    for cell in hidden_list:
        for other in hidden_list:
            if cell < other and cell[0] == other[0] and cell[1][0] == other[1][0] == "reached":
                if not 0 < abs(cells[cell] - cells[other]) < 5:
                    continue
                difference = np.zeros(len(hidden_list))
                difference[column[cell]], difference[column[other]] = 1, -1
                projected = basis @ (basis.T @ difference)
                if np.linalg.norm(difference - projected) < 1e-7:
                    found.append((cell, other))
    return found


@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10**6), months_ended=st.integers(1, 13))
def test_no_hidden_count_of_any_published_period_can_be_worked_out(seed, months_ended):
    figures_for = figures_from(monthly_figures(seed))
    today = date(YEAR, months_ended, 1) if months_ended <= 12 else YEAR_ENDED
    published = published_year(YEAR, today=today, figures_for=figures_for)
    assert determined_hidden_cells(published, figures_for) == []


def test_a_month_hidden_in_a_quarter_cannot_be_had_by_subtracting_the_others():
    data = monthly_figures(1, small=False)
    for month in ("2025-01", "2025-02", "2025-03"):
        data[month]["channels.post"] = 40
    data["2025-02"]["channels.post"] = 2  # fewer than 5: hidden in February
    figures_for = figures_from(data)
    published = published_year(YEAR, today=YEAR_ENDED, figures_for=figures_for)
    assert not published["2025-02"].transactions_by_channel.cells["post"].is_shown
    shown = [
        published[label].transactions_by_channel.cells["post"].is_shown
        for label in ("2025-01", "2025-03", "2025-Q1")
    ]
    assert not all(shown)
    assert determined_hidden_cells(published, figures_for) == []


@pytest.mark.parametrize("seed", range(6))
def test_what_is_published_for_a_period_never_changes_as_later_periods_end(seed):
    figures_for = figures_from(monthly_figures(seed))
    earlier: dict[str, PublishedFigures] = {}
    for months_ended in range(1, 14):
        today = date(YEAR, months_ended, 1) if months_ended <= 12 else YEAR_ENDED
        published = published_year(YEAR, today=today, figures_for=figures_for)
        for label, figures in earlier.items():
            assert published[label] == figures, label
        earlier = published
    assert set(earlier) == {p.label for p in months()} | {
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2025",
    }


def test_a_year_not_over_publishes_only_its_ended_months_and_quarters():
    figures_for = figures_from(monthly_figures(3))
    published = published_year(YEAR, today=date(YEAR, 5, 20), figures_for=figures_for)
    assert set(published) == {"2025-01", "2025-02", "2025-03", "2025-04", "2025-Q1"}


def test_a_busy_service_loses_nothing_to_the_other_periods():
    figures_for = figures_from(monthly_figures(5, small=False))
    data = monthly_figures(5, small=False)
    # Only counts that their own table hides are hidden: busy months have none small.
    for month in data.values():
        for name in month:
            month[name] = month[name] + 50 if month[name] < 5 else month[name]
    figures_for = figures_from(data)
    published = published_year(YEAR, today=YEAR_ENDED, figures_for=figures_for)
    for label, figures in published.items():
        assert all(c.is_shown for c in figures.transactions_by_channel.cells.values()), label
