"""The working-age Council Tax Reduction rule set: the calendar arithmetic its ages rest
on, the pension-age boundary, its explanations, and the same answers vectorised over a
synthetic population of households as one decision at a time."""

from __future__ import annotations

import calendar
import csv
import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from civitas.rules import datatypes as dt
from civitas.rules import vectorised
from civitas.rules.evaluate import decide
from civitas.rules.model import RuleSet
from civitas.rules.population import generate_population
from civitas.rules.simulation import simulate

APRIL_1 = datetime.date(2026, 4, 1)


def _alone(date_of_birth: datetime.date, **extra: Any) -> dict[str, Any]:
    return {
        "weekly_council_tax_pence": 3000,
        "members": [{"role": "claimant", "date_of_birth": date_of_birth.isoformat(), **extra}],
    }


def _months_between(born: datetime.date, on: datetime.date) -> int:
    """Whole months from ``born`` to ``on``; an anniversary on a day the month lacks falls
    on its last day."""
    months = 12 * (on.year - born.year) + on.month - born.month
    last_day = calendar.monthrange(on.year, on.month)[1]
    if on.day < born.day and on.day < last_day:
        months -= 1
    return months


def test_ages_are_whole_months_as_the_calendar_counts_them(
    council_tax_households: RuleSet,
) -> None:
    rng = np.random.default_rng(11)
    start = datetime.date(1930, 1, 1)
    cases = [
        (datetime.date(1960, 1, 31), datetime.date(2026, 2, 28)),  # 31st, short month
        (datetime.date(1964, 2, 29), datetime.date(2026, 2, 28)),  # leap day, common year
        (datetime.date(1964, 2, 29), datetime.date(2028, 2, 29)),  # leap day, leap year
        (datetime.date(2000, 3, 1), datetime.date(2026, 2, 28)),
        (datetime.date(1999, 12, 31), datetime.date(2026, 1, 1)),
    ]
    for _ in range(150):
        born = start + datetime.timedelta(days=int(rng.integers(0, 80 * 365)))
        on = datetime.date(2025, 4, 1) + datetime.timedelta(days=int(rng.integers(0, 5 * 365)))
        if born < on:
            cases.append((born, on))
    for born, on in cases:
        decision = decide(council_tax_households, _alone(born), on)
        expected = _months_between(born, on)
        assert decision.values["age_in_months"] == (expected,), (born, on)
        assert decision.values["age"] == (expected // 12,), (born, on)


@pytest.mark.parametrize("months_after_april", range(11))
def test_the_qualifying_age_rises_a_month_for_each_month_of_birth_from_april_1960(
    council_tax_households: RuleSet, months_after_april: int
) -> None:
    # Pensions Act 2014 s.26: born 6 April to 5 May 1960, 66 years and 1 month; each later
    # month of birth a month more, to 66 years and 11 months for 6 February to 5 March 1961.
    month = 4 + months_after_april
    first_born = datetime.date(1960 + (month - 1) // 12, (month - 1) % 12 + 1, 6)
    last_born = datetime.date(
        1960 + month // 12, month % 12 + 1, 5
    )  # the day before the next cohort
    qualifying_months = 792 + 1 + months_after_april
    for born in (first_born, last_born):
        total = born.month - 1 + qualifying_months
        year, month_index = born.year + total // 12, total % 12 + 1
        day = min(born.day, calendar.monthrange(year, month_index)[1])
        reached = datetime.date(year, month_index, day)
        before = decide(council_tax_households, _alone(born), reached - datetime.timedelta(1))
        on_the_day = decide(council_tax_households, _alone(born), reached)
        assert before.values["state_pension_credit_age_in_months"] == (qualifying_months,)
        assert before.values["working_age"] is True, (born, reached)
        assert on_the_day.values["working_age"] is False, (born, reached)


def test_a_partner_on_universal_credit_keeps_an_older_applicant_in_the_scheme(
    council_tax_households: RuleSet,
) -> None:
    inputs = _alone(datetime.date(1955, 1, 1))
    assert decide(council_tax_households, inputs, APRIL_1).values["working_age"] is False
    inputs["members"].append(
        {"role": "partner", "date_of_birth": "1980-01-01", "benefit": "universal_credit"}
    )
    assert decide(council_tax_households, inputs, APRIL_1).values["working_age"] is True


def test_the_explanation_names_each_non_dependant_and_the_exception_that_spared_one(
    council_tax_households: RuleSet,
) -> None:
    inputs = {
        "weekly_council_tax_pence": 4000,
        "members": [
            {"role": "claimant", "date_of_birth": "1970-01-01"},
            {
                "role": "non_dependant",
                "date_of_birth": "1995-01-01",
                "earnings_pence": 60000,
                "hours_worked": 40,
            },
            {"role": "non_dependant", "date_of_birth": "2004-01-01", "student": True},
        ],
    }
    decision = decide(council_tax_households, inputs, APRIL_1)
    assert (
        "The deduction for the non-dependant 1 is £15.30 a week, the top band for an income "
        "of £600 a week." in decision.explanation
    )
    assert (
        "No deduction is made for the non-dependant 2, who is under 18, a student, or on a "
        "benefit that exempts them." in decision.explanation
    )
    assert not any("the applicant is" in sentence for sentence in decision.explanation)
    assert decision.outputs["weekly_reduction_pence"] == 3200 - 1530


def test_the_two_child_limit_explains_which_child_has_no_allowance(
    council_tax_households: RuleSet,
) -> None:
    inputs = {
        "weekly_council_tax_pence": 3000,
        "members": [
            {"role": "claimant", "date_of_birth": "1990-01-01"},
            {"role": "dependant", "date_of_birth": "2021-01-01"},
            {"role": "dependant", "date_of_birth": "2018-01-01"},
            {"role": "dependant", "date_of_birth": "2019-01-01"},
        ],
    }
    decision = decide(council_tax_households, inputs, APRIL_1)
    assert decision.values["children_with_allowance"] == 2
    assert decision.values["child_allowance_withheld"] == (False, True, False, False)
    assert (
        "No child allowance is included for the child 1, a third or later child born on or "
        "after 6 April 2017, because of the two-child limit." in decision.explanation
    )


def _read(rule_set: RuleSet, name: str, text: str) -> Any:
    kind = rule_set.inputs[name].vtype.kind
    if kind == dt.BOOLEAN:
        return text == "true"
    if kind in (dt.INTEGER, dt.MONEY):
        return int(text)
    return text


def _households_from(rule_set: RuleSet, households: Path, members: Path) -> list[dict[str, Any]]:
    """Each household of the two CSV files as the inputs of one decision."""
    people: dict[str, list[dict[str, Any]]] = {}
    with open(members, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            group = row.pop("household")
            person = {
                name: _read(rule_set, name, text) for name, text in row.items() if name != "role"
            }
            people.setdefault(group, []).append({"role": row["role"], **person})
    with open(households, encoding="utf-8", newline="") as handle:
        return [
            {
                **{name: _read(rule_set, name, text) for name, text in row.items() if name != "id"},
                "members": people[row["id"]],
            }
            for row in csv.DictReader(handle)
        ]


def test_synthetic_households_fit_the_rule_set(
    council_tax_households: RuleSet, tmp_path: Path
) -> None:
    households = generate_population(
        "council-tax-reduction", 2_000, 5, tmp_path / "h.csv", tmp_path / "m.csv"
    )
    cases = _households_from(council_tax_households, households, tmp_path / "m.csv")
    group_inputs = {n for n, spec in council_tax_households.inputs.items() if not spec.per_member}
    member_inputs = set(council_tax_households.inputs) - group_inputs
    assert len(cases) == 2_000
    assert {name for name in cases[0] if name != "members"} == group_inputs
    assert set(cases[0]["members"][0]) == member_inputs | {"role"}
    sizes = [len(case["members"]) for case in cases]
    assert 2.3 < sum(sizes) / len(sizes) < 2.9
    assert all([m["role"] for m in case["members"]].count("claimant") == 1 for case in cases)


def test_simulated_households_agree_with_single_decisions(
    council_tax_households: RuleSet, tmp_path: Path
) -> None:
    households = generate_population(
        "council-tax-reduction", 400, 9, tmp_path / "h.csv", tmp_path / "m.csv"
    )
    report = simulate(
        council_tax_households,
        households,
        APRIL_1,
        {"taper_rate": "25%"},
        members_csv_path=tmp_path / "m.csv",
    )
    cases = _households_from(council_tax_households, households, tmp_path / "m.csv")
    assert report.rows == len(cases)
    for index, inputs in enumerate(cases):
        decision = decide(council_tax_households, inputs, APRIL_1)
        for name in council_tax_households.outputs:
            kind = council_tax_households.variables[name].vtype.kind
            (value,) = vectorised.decode(
                council_tax_households, kind, report.baseline[name][index : index + 1]
            )
            assert value == decision.outputs[name], f"household {index}: {name}"
    assert 0 < int(np.count_nonzero(report.baseline["eligible"])) < len(cases)
    assert (
        report.reform["weekly_reduction_pence"] <= report.baseline["weekly_reduction_pence"]
    ).all()
