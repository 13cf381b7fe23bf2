"""Small-number suppression (decision 0059), with the attack it is there to stop: working
out a hidden count from the counts shown, the totals and the labels.

The exhaustive tests take the strongest attacker: one who knows the rules, tries every
table that could have been behind what was published, and keeps those that publish the
same. A hidden count is safe when those tables do not all agree on it."""

import itertools
from collections import defaultdict
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civitas.insights.suppression import (
    Count,
    Group,
    ratio_if_shown,
    suppress_chain,
    suppress_count,
    suppress_group,
)


def _published(group: Group) -> tuple:
    cells = tuple((name, cell.value, cell.reason) for name, cell in group.cells.items())
    # The total is known to the attacker whenever it is shown.
    return cells, group.total.value


def _disclosed_cells(size: int, largest_total: int) -> list[tuple]:
    """Every (table, cell) whose hidden value all tables publishing alike agree on."""
    seen: dict[tuple, list[tuple[int, ...]]] = defaultdict(list)
    for values in itertools.product(range(largest_total + 1), repeat=size):
        if sum(values) <= largest_total:
            group = suppress_group({f"cell{i}": v for i, v in enumerate(values)})
            seen[_published(group)].append(values)
    disclosed = []
    for (cells, total), tables in seen.items():
        if total is None and any(sum(t) == largest_total for t in tables):
            continue  # a hidden total's tables go beyond the ones enumerated
        for index, (_, value, _) in enumerate(cells):
            if value is None and len({table[index] for table in tables}) == 1:
                disclosed.append((tables[0], index))
    return disclosed


@pytest.mark.parametrize(("size", "largest_total"), [(2, 40), (3, 30), (4, 20), (5, 14)])
def test_no_hidden_count_in_a_group_can_be_worked_out_by_difference(size, largest_total):
    assert _disclosed_cells(size, largest_total) == []


def _disclosed_steps(length: int, largest: int) -> list[tuple]:
    seen: dict[tuple, list[tuple[int, ...]]] = defaultdict(list)
    for values in itertools.product(range(largest + 1), repeat=length):
        # People only drop out along a journey: each page reached by no more than the last.
        if all(a >= b for a, b in itertools.pairwise(values)):
            chain = suppress_chain({f"page{i}": v for i, v in enumerate(values)})
            seen[tuple((c.value, c.reason) for c in chain.values())].append(values)
    return [
        (tables[0], index)
        for published, tables in seen.items()
        for index, (value, _) in enumerate(published)
        if value is None and len({table[index] for table in tables}) == 1
    ]


@pytest.mark.parametrize(("length", "largest"), [(2, 30), (3, 24), (4, 16), (5, 12)])
def test_no_hidden_funnel_step_can_be_worked_out_from_the_steps_around_it(length, largest):
    assert _disclosed_steps(length, largest) == []


def _solutions(group: Group, cells: dict[str, int]) -> dict[str, set[int]]:
    """Every value each hidden cell can take, given the cells shown, the total and the
    labels only (1 to 4 for "fewer than 5"; at least 5 for "withheld")."""
    hidden = [name for name, cell in group.cells.items() if not cell.is_shown]
    remaining = sum(cells.values()) - sum(c.value or 0 for c in group.cells.values())
    ranges = [
        range(1, 5) if group.cells[name].reason == "fewer_than_5" else range(5, remaining + 1)
        for name in hidden
    ]
    possible: dict[str, set[int]] = {name: set() for name in hidden}
    for values in itertools.product(*ranges):
        if sum(values) == remaining:
            for name, value in zip(hidden, values, strict=True):
                possible[name].add(value)
    return possible


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=14), min_size=1, max_size=6))
def test_from_the_cells_shown_and_the_total_every_hidden_cell_could_be_two_values(values):
    cells = {f"cell{i}": v for i, v in enumerate(values)}
    group = suppress_group(cells)
    if not group.total.is_shown:
        return  # nothing to subtract from
    for name, possible in _solutions(group, cells).items():
        assert cells[name] in possible
        assert len(possible) >= 2, (cells, name)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=8), st.integers(0, 10_000), max_size=8))
def test_a_group_never_shows_a_count_from_1_to_4_and_its_shown_cells_are_exact(cells):
    group = suppress_group(cells)
    for name, cell in group.cells.items():
        if cell.is_shown:
            assert cell.value == cells[name]
            assert not 0 < cells[name] < 5
        else:
            assert cell.reason in ("fewer_than_5", "withheld")
            if cell.reason == "fewer_than_5":
                assert cells[name] < 5
    assert group.total.value in (None, sum(cells.values()))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 3000), max_size=10).map(lambda v: sorted(v, reverse=True)),
    st.lists(st.integers(0, 3000), max_size=2),
)
def test_no_two_funnel_counts_shown_differ_by_1_to_4(values, anchors):
    chain = suppress_chain({f"page{i}": v for i, v in enumerate(values)}, anchors=anchors)
    shown = [c.value for c in chain.values() if c.value is not None]
    for a, b in itertools.combinations(shown + anchors, 2):
        if a in shown or b in shown:
            assert not 0 < abs(a - b) < 5


def test_a_count_under_5_reads_fewer_than_5_and_zero_is_shown():
    assert suppress_count(3) == Count.fewer_than_5()
    assert suppress_count(0) == Count.shown(0)
    assert suppress_count(5) == Count.shown(5)


def test_one_small_channel_hides_the_smallest_other_channel_too():
    group = suppress_group({"online": 40, "post": 2, "phone": 9, "assisted": 0})
    assert group.cells == {
        "online": Count.shown(40),
        "post": Count.fewer_than_5(),
        "phone": Count.withheld(),
        "assisted": Count.shown(0),
    }
    assert group.total == Count.shown(51)


def test_a_group_with_a_total_under_5_is_hidden_whole():
    group = suppress_group({"within": 3, "outside": 0})
    assert group.cells == {"within": Count.fewer_than_5(), "outside": Count.fewer_than_5()}
    assert group.total == Count.fewer_than_5()


def test_a_group_that_no_withheld_count_can_protect_is_withheld_whole():
    # Four and four: with the total of 8 known, both would be 4.
    group = suppress_group({"within": 4, "outside": 4})
    assert group.total == Count.withheld()
    assert all(cell == Count.withheld() for cell in group.cells.values())


def test_a_group_without_small_counts_is_shown_as_it_is():
    group = suppress_group({"a": 5, "b": 0, "c": 100})
    assert group.is_whole


def test_it_refuses_negative_counts():
    with pytest.raises(ValueError, match="negative"):
        suppress_group({"a": -1})


def test_a_ratio_is_dropped_when_a_count_it_comes_from_is_hidden():
    assert ratio_if_shown(Decimal("0.5"), Count.shown(10), Count.fewer_than_5()) is None
    assert ratio_if_shown(Decimal("0.5"), Count.shown(10), Count.shown(20)) == Decimal("0.5")


def test_a_funnel_step_that_differs_from_a_shown_one_by_a_few_is_withheld():
    chain = suppress_chain({"a": 30, "b": 27, "c": 22}, anchors=[30])
    assert chain == {"a": Count.shown(30), "b": Count.withheld(), "c": Count.shown(22)}
