"""Suppression made consistent across a calendar year (decision 0059, amendment): the
months, quarters and year of one service, published so that no hidden count can be
worked out from the counts shown in *any* of them.

Periods nest: a quarter is its three months, a year its four quarters or twelve months.
A count hidden in one month but shown in its quarter and the other two months comes back
by subtraction. So every count of every published period of the year is a cell in one
system of linear equations (the categories of a table add up to its total; the months add
up to their quarter and to the year, the quarters to the year; a few counts equal each
other), and a hidden cell is safe only when that system and the cells shown leave it
undetermined: its unit vector is not in the row space of the equations restricted to the
hidden cells.

Published figures never change once out. The year is replayed month by month as each
month ends: at the end of month k, month k is published (with its quarter at a quarter's
end, the year at the year's end), the periods published before are frozen as they were,
and only cells of the newly published periods may be hidden to keep the whole system
safe. Each step uses only the figures of periods that have ended by then, so replaying
to a later month gives every earlier period exactly as it was first published. Periods
not yet published are not in the system: nobody knows them.

Pure apart from `figures_for`, which the caller supplies (one call per published period).
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from civitas.insights.figures import ServiceFigures
from civitas.insights.periods import Period, period_containing
from civitas.insights.published import CellKey, PublishedFigures, cell_counts, publish
from civitas.insights.suppression import is_small

_TOLERANCE = 1e-9
_CHILDREN = {("quarter", "month"): 3, ("year", "month"): 12, ("year", "quarter"): 4}


@dataclass
class _Year:
    """The state of one year's publication, as the replay goes."""

    figures: dict[str, ServiceFigures] = field(default_factory=dict)
    withheld: dict[str, set[CellKey]] = field(default_factory=dict)
    published: dict[str, PublishedFigures] = field(default_factory=dict)
    order: list[Period] = field(default_factory=list)
    # Groups of equations already found safe: most of a year is unchanged from one
    # round to the next, and the linear algebra is the slow part.
    safe: set[frozenset[object]] = field(default_factory=set)


def published_year(
    year: int, *, today: date, figures_for: Callable[[Period], ServiceFigures]
) -> dict[str, PublishedFigures]:
    """Every period of `year` that has ended by `today` (months, quarters, the year), by
    label, as the public sees it."""
    state = _Year()
    for month in range(1, 13):
        month_period = period_containing("month", date(year, month, 1))
        if not month_period.has_ended(today):
            break
        new = [month_period]
        if month % 3 == 0:
            new.append(period_containing("quarter", month_period.start))
        if month == 12:
            new.append(period_containing("year", month_period.start))
        _publish_step(state, new, figures_for)
    return state.published


def _publish_step(
    state: _Year, new: list[Period], figures_for: Callable[[Period], ServiceFigures]
) -> None:
    for period in new:
        state.figures[period.label] = figures_for(period)
        state.withheld[period.label] = set()
        state.order.append(period)
    new_labels = {period.label for period in new}
    while True:
        for label in new_labels:
            state.published[label] = publish(
                state.figures[label], withhold=frozenset(state.withheld[label])
            )
        system = _System.of(state)
        leak = system.first_determined(state.safe)
        if leak is None:
            return
        extra = system.complement_for(leak, new_labels)
        if extra is None:
            # Every cell of the new periods is hidden already: cannot happen while the
            # frozen periods were safe, since the new equations then only tie new cells.
            raise AssertionError(f"cannot keep {leak} hidden")
        state.withheld[extra[0]].add(extra[1])


Cell = tuple[str, CellKey]  # (period label, cell key)


@dataclass
class _System:
    cells: list[Cell]
    values: dict[Cell, int]
    hidden: set[Cell]
    equations: list[dict[Cell, int]]

    @classmethod
    def of(cls, state: _Year) -> "_System":
        values: dict[Cell, int] = {}
        hidden: set[Cell] = set()
        keys_of: dict[str, list[CellKey]] = {}
        for label, published in state.published.items():
            counts = cell_counts(state.figures[label], published)
            keys_of[label] = list(counts)
            for key, (value, is_shown) in counts.items():
                values[(label, key)] = value
                if not is_shown:
                    hidden.add((label, key))
        equations: list[dict[Cell, int]] = []
        for label in state.published:
            equations.extend(_table_equations(label, keys_of[label], values))
        for parent in state.order:
            if parent.kind == "month":
                continue
            children_kind = ("month",) if parent.kind == "quarter" else ("month", "quarter")
            for kind in children_kind:
                children = [
                    p
                    for p in state.order
                    if p.kind == kind and parent.start <= p.start and p.end <= parent.end
                ]
                if len(children) != _CHILDREN[(parent.kind, kind)]:
                    continue
                keys = set(keys_of[parent.label]).union(*(keys_of[c.label] for c in children))
                for key in keys:
                    equation = {(parent.label, key): 1}
                    for child in children:
                        equation[(child.label, key)] = equation.get((child.label, key), 0) - 1
                    # A key missing from a period is a count of 0 that everyone knows.
                    for cell in equation:
                        values.setdefault(cell, 0)
                    equations.append(equation)
        return cls(sorted(values), values, hidden, equations)

    def first_determined(self, safe: set[frozenset[object]]) -> Cell | None:
        """A hidden cell that the equations and the shown cells give exactly, or None.
        `safe`: groups of equations known to determine none (read and added to)."""
        relevant = [e for e in self.equations if any(cell in self.hidden for cell in e)]
        for component in _components(relevant, self.hidden):
            signature = frozenset(
                frozenset(
                    (cell, coefficient, cell in self.hidden) for cell, coefficient in e.items()
                )
                for e in component
            )
            if signature in safe:
                continue
            found = _first_determined_in(component, self.hidden, self.values)
            if found is not None:
                return found
            safe.add(signature)
        return None

    def complement_for(self, leak: Cell, new_labels: set[str]) -> Cell | None:
        """One more cell to hide so that `leak` is no longer determined: the smallest
        shown non-zero cell of a new period on an equation of the leak, else on any
        equation with a hidden cell, else any shown cell of a new period."""

        def candidates(equations: Iterator[dict[Cell, int]]) -> list[Cell]:
            return sorted(
                {
                    cell
                    for equation in equations
                    for cell in equation
                    if cell[0] in new_labels and cell not in self.hidden and self.values[cell] != 0
                },
                key=lambda cell: (self.values[cell], cell),
            )

        for pool in (
            candidates(e for e in self.equations if leak in e),
            candidates(e for e in self.equations if any(c in self.hidden for c in e)),
            sorted(
                (c for c in self.cells if c[0] in new_labels and c not in self.hidden),
                key=lambda cell: (self.values[cell], cell),
            ),
        ):
            if pool:
                return pool[0]
        return None


def _table_equations(
    label: str, keys: list[CellKey], values: Mapping[Cell, int]
) -> Iterator[dict[Cell, int]]:
    """Within one period: each table's cells add up to its total, and counts that are the
    same number (decided, the service level's total) are equal."""
    tables: dict[str, list[CellKey]] = {}
    for key in keys:
        if key[1] != "total" and key[0] in ("channels", "satisfaction", "service_level"):
            tables.setdefault(key[0], []).append(key)
    for table, cells in tables.items():
        equation = {(label, (table, "total")): 1}
        for key in cells:
            equation[(label, key)] = -1
        yield equation
    first_page = [key for key in keys if key[0] == "reached"][:1]
    links: list[tuple[CellKey, tuple[CellKey, ...]]] = [
        (("count", "decided"), (("service_level", "total"),)),
        (("count", "decided"), (("time_to_decision", "count"),)),
        (("count", "submitted"), (("time_to_complete", "count"),)),
        (("count", "started"), (("count", "submitted"), ("count", "abandoned"))),
        *((("count", "started"), (page,)) for page in first_page),
    ]
    for whole, parts in links:
        # Counts that add up in this period: a reader may well guess they do.
        holds = (
            whole in keys
            and all(part in keys for part in parts)
            and values[(label, whole)] == sum(values[(label, part)] for part in parts)
        )
        if holds:
            yield {(label, whole): 1, **{(label, part): -1 for part in parts}}


def _components(equations: list[dict[Cell, int]], hidden: set[Cell]) -> list[list[dict[Cell, int]]]:
    """The equations in groups that share no hidden cell: each group solved on its own is
    far quicker than one matrix of the whole year."""
    parent: dict[Cell, Cell] = {}

    def root(cell: Cell) -> Cell:
        while parent.setdefault(cell, cell) != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for equation in equations:
        cells = [cell for cell in equation if cell in hidden]
        for cell in cells[1:]:
            parent[root(cell)] = root(cells[0])
    groups: dict[Cell, list[dict[Cell, int]]] = {}
    for equation in equations:
        first = next(cell for cell in equation if cell in hidden)
        groups.setdefault(root(first), []).append(equation)
    return [groups[key] for key in sorted(groups)]


def _first_determined_in(
    equations: list[dict[Cell, int]], all_hidden: set[Cell], values: Mapping[Cell, int]
) -> Cell | None:
    # numpy is imported at the first public figures, not when the views are (start-up).
    import numpy as np

    hidden = sorted({cell for equation in equations for cell in equation if cell in all_hidden})
    column = {cell: index for index, cell in enumerate(hidden)}
    matrix = np.zeros((len(equations), len(hidden)))
    for row, equation in enumerate(equations):
        for cell, coefficient in equation.items():
            if cell in column:
                matrix[row, column[cell]] = coefficient
    # A hidden cell is determined exactly when its unit vector lies in the row space of
    # the equations on hidden cells: when every solution of the homogeneous system is 0
    # at that cell, i.e. its row of a basis of the null space is zero.
    _, singular, vt = np.linalg.svd(matrix)
    rank = int((singular > _TOLERANCE * max(matrix.shape)).sum())
    null_space = vt[rank:].T
    for index, cell in enumerate(hidden):
        if null_space.shape[1] == 0 or np.abs(null_space[index]).max() < 1e-7:
            return cell
    # Two pages of one period's funnel, both hidden: their difference is the number who
    # left between them, and must not come out as 1 to 4 (rule 4) from the other periods.
    # It is determined exactly when the two rows of the null space are equal.
    pages = [(index, cell) for index, cell in enumerate(hidden) if cell[1][0] == "reached"]
    for position, (index, cell) in enumerate(pages):
        for other_index, other in pages[position + 1 :]:
            if other[0] != cell[0] or not is_small(abs(values[cell] - values[other])):
                continue
            if np.abs(null_space[index] - null_space[other_index]).max() < 1e-7:
                return cell
    return None
