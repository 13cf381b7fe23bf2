"""Small-number suppression: the figures as the public may see them, so that nobody can be
singled out (decision 0059).

Pure: plain values in, plain values out. The rules:

1. A count from 1 to 4 is not shown: it reads "fewer than 5". Zero is shown (it singles
   out nobody).
2. Counts that add up to a total are a *group* (the channels, the satisfaction answers,
   the backlog's states, decided within and outside the service level, each series of
   weeks). We assume anyone knows each group's total, so a group is published only when
   no hidden cell can be worked out exactly from the cells shown, the total, and what
   the labels say about the hidden ones ("fewer than 5": 1 to 4; "withheld": 5 or more,
   and no more than the smallest count shown). While that is not so, the smallest count
   shown is withheld too (complementary suppression). If no count is left to withhold,
   the whole group and its total are withheld.
3. A group whose total is from 1 to 4 is hidden whole, total and every cell, zeros too.
4. The funnel (how many reached each page) is a chain, not a group: the count of one page
   minus another's is the number who left in between. No two counts shown may differ by
   1 to 4, and no count shown may differ by 1 to 4 from the journeys started or sent, so
   a page's count is withheld where it would. A page's count from 5 to 9 is withheld too
   (were a 6 shown, a withheld count after it could only be 5).
5. A ratio (a rate, a share, a cost per transaction) is shown only when every count it
   is worked out from is shown: rate times total would give a hidden count back.
6. A median or 90th percentile is shown only over at least 10 durations, so that neither
   is one person's own time.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

THRESHOLD = 5
"""Counts from 1 to THRESHOLD - 1 are never shown."""

MIN_DURATIONS = 10

Reason = Literal["fewer_than_5", "withheld"]


@dataclass(frozen=True)
class Count:
    """A count as published: its value, or None and why it is not shown."""

    value: int | None
    reason: Reason | None = None

    @property
    def is_shown(self) -> bool:
        return self.value is not None

    @classmethod
    def shown(cls, value: int) -> "Count":
        return cls(value)

    @classmethod
    def fewer_than_5(cls) -> "Count":
        return cls(None, "fewer_than_5")

    @classmethod
    def withheld(cls) -> "Count":
        return cls(None, "withheld")


@dataclass(frozen=True)
class Group:
    cells: dict[str, Count]
    total: Count

    @property
    def is_whole(self) -> bool:
        return self.total.is_shown and all(cell.is_shown for cell in self.cells.values())


def is_small(count: int) -> bool:
    return 0 < count < THRESHOLD


def suppress_count(count: int) -> Count:
    """One count on its own (rule 1)."""
    return Count.fewer_than_5() if is_small(count) else Count.shown(count)


def suppress_group(cells: Mapping[str, int]) -> Group:
    """Counts that add up to a total, as published (rules 1 to 3)."""
    if any(value < 0 for value in cells.values()):
        raise ValueError("counts cannot be negative")
    total = sum(cells.values())
    if is_small(total):
        return Group({name: Count.fewer_than_5() for name in cells}, Count.fewer_than_5())
    hidden: dict[str, Reason] = {name: "fewer_than_5" for name, v in cells.items() if is_small(v)}
    if not hidden:
        return Group({name: Count.shown(v) for name, v in cells.items()}, Count.shown(total))
    # Exactly one count is withheld beside the small ones, whatever their values: were the
    # number withheld to depend on them, it would tell something of them (that the small
    # ones alone gave themselves away, all ones or all fours, say).
    order = {name: index for index, name in enumerate(cells)}
    candidates = sorted(
        (name for name, v in cells.items() if name not in hidden and v >= THRESHOLD),
        key=lambda name: (cells[name], order[name]),
    )
    if candidates:
        hidden[candidates[0]] = "withheld"
    if not is_safe(cells, hidden, total=total):
        return Group({name: Count.withheld() for name in cells}, Count.withheld())
    return Group(
        {
            name: Count(None, hidden[name]) if name in hidden else Count.shown(value)
            for name, value in cells.items()
        },
        Count.shown(total),
    )


def feasible_range(
    cells: Mapping[str, int], hidden: Mapping[str, Reason], name: str, *, total: int
) -> tuple[int, int]:
    """What someone who knows the total and the labels can tell of one hidden cell: the
    least and most it can be. Exact for sums of whole numbers with bounds on each."""
    bounds = _bounds(cells, hidden)
    hidden_sum = total - sum(v for n, v in cells.items() if n not in hidden)
    others_low = sum(bounds[n][0] for n in hidden if n != name)
    others_high = sum(bounds[n][1] for n in hidden if n != name)
    low, high = bounds[name]
    return max(low, hidden_sum - others_high), min(high, hidden_sum - others_low)


def is_safe(cells: Mapping[str, int], hidden: Mapping[str, Reason], *, total: int) -> bool:
    """True when every hidden cell could be at least two values."""
    for name in hidden:
        low, high = feasible_range(cells, hidden, name, total=total)
        if high <= low:
            return False
    return True


def _bounds(cells: Mapping[str, int], hidden: Mapping[str, Reason]) -> dict[str, tuple[int, int]]:
    bounds: dict[str, tuple[int, int]] = {}
    order = {name: index for index, name in enumerate(cells)}
    shown = [
        (value, order[name])
        for name, value in cells.items()
        if name not in hidden and value >= THRESHOLD
    ]
    for name, reason in hidden.items():
        if reason == "fewer_than_5":
            bounds[name] = (1, THRESHOLD - 1)
            continue
        # A withheld cell was the smallest of those not small, the first in the group's
        # order among equals: so it is below each count shown before it, and no more than
        # each count shown after it.
        high = sum(cells.values())
        for value, index in shown:
            high = min(high, value if order[name] < index else value - 1)
        bounds[name] = (THRESHOLD, high)
    return bounds


def suppress_chain(counts: Mapping[str, int], *, anchors: Iterable[int] = ()) -> dict[str, Count]:
    """Counts of the same people at successive steps (rule 4): a count is shown only if it
    is 0 or at least 10, and differs by 0 or by at least 5 from every other count shown
    and from each anchor (a count shown elsewhere that the steps could be subtracted
    from)."""
    shown: list[int] = [a for a in anchors]
    result: dict[str, Count] = {}
    for name, value in counts.items():
        if is_small(value):
            result[name] = Count.fewer_than_5()
        elif 0 < value < 2 * THRESHOLD or any(is_small(abs(value - other)) for other in shown):
            # From 5 to 9 too: below a count of 6, a withheld count could only be 5.
            result[name] = Count.withheld()
        else:
            shown.append(value)
            result[name] = Count.shown(value)
    return result


def ratio_if_shown(value: Decimal | None, *counts: Count) -> Decimal | None:
    """A ratio, or None when any count it comes from is hidden (rule 5)."""
    if value is None or not all(count.is_shown for count in counts):
        return None
    return value
