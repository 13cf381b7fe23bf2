"""Periods: amounts declared per week, month or year are combined only through an explicit
conversion, and decisions can be made over a period, refused when a parameter changes in it."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from civitas.rules import vectorised
from civitas.rules.evaluate import DecisionPeriod, InputError, PeriodNotCovered, decide
from civitas.rules.loader import load_rule_set, validate_file
from civitas.rules.model import RuleSet
from civitas.rules.scenarios import run_scenarios
from civitas.rules.simulation import parameter_values
from civitas.rules.tests.conftest import RulesWriter

INPUTS = {
    "weekly_pay": {"type": "money", "period": "week"},
    "monthly_rent": {"type": "money", "period": "month"},
    "yearly_bonus": {"type": "money", "period": "year", "default": 0},
    "hours": {"type": "integer", "period": "week", "default": 0},
}


def _rules(write_rules: RulesWriter, variables: dict[str, Any], **extra: Any) -> Path:
    return write_rules(variables, inputs=INPUTS, **extra)


@pytest.mark.parametrize(
    "expression",
    [
        "weekly_pay + monthly_rent",
        "weekly_pay > yearly_bonus",
        "max(weekly_pay, yearly_bonus)",
        "flag_true ? weekly_pay : monthly_rent",
    ],
)
def test_amounts_of_different_periods_cannot_be_combined(
    write_rules: RulesWriter, expression: str
) -> None:
    path = _rules(
        write_rules,
        {
            "flag_true": {"type": "boolean", "expression": "true"},
            "total": {"type": "money", "period": "week", "expression": expression},
        },
    )
    problems = [p for p in validate_file(path) if "total" in p.message]
    assert problems, validate_file(path)
    assert "cannot combine an amount per" in problems[0].message
    assert "per_week(...), per_month(...) or per_year(...)" in problems[0].message
    text = path.read_text().splitlines()
    assert "expression" in text[problems[0].line - 1], problems[0]


def test_an_amount_stored_in_a_variable_of_another_period_must_be_converted(
    write_rules: RulesWriter,
) -> None:
    path = _rules(
        write_rules, {"yearly": {"type": "money", "period": "year", "expression": "weekly_pay"}}
    )
    (problem,) = validate_file(path)
    assert "is an amount per week, but yearly is declared per year" in problem.message
    assert "convert it with per_year(...)" in problem.message


def test_an_amount_with_a_period_needs_a_variable_that_says_so(write_rules: RulesWriter) -> None:
    path = _rules(write_rules, {"pay": {"type": "money", "expression": "weekly_pay * 2"}})
    (problem,) = validate_file(path)
    assert "declare `period: week` on pay" in problem.message


def test_a_period_is_only_for_amounts(write_rules: RulesWriter) -> None:
    path = write_rules(
        {"x": {"type": "boolean", "period": "week", "expression": "true"}},
        inputs={"a": {"type": "money"}},
    )
    assert any("only an amount or a number" in p.message for p in validate_file(path))


def test_converting_needs_an_amount_with_a_period(write_rules: RulesWriter) -> None:
    path = write_rules(
        {"x": {"type": "money", "period": "year", "expression": "per_year(a)"}},
        inputs={"a": {"type": "money"}},
    )
    assert any("has no period to convert from" in p.message for p in validate_file(path))


CONVERTED = {
    # A year is 52 weeks; a month is 52/12 weeks.
    "pay_a_year": {"type": "money", "period": "year", "expression": "per_year(weekly_pay)"},
    "rent_a_week": {
        "type": "money",
        "period": "week",
        "expression": "round(per_week(monthly_rent))",
    },
    "rent_a_year": {"type": "money", "period": "year", "expression": "per_year(monthly_rent)"},
    "pay_a_month": {
        "type": "money",
        "period": "month",
        "expression": "floor(per_month(weekly_pay))",
    },
    "left_a_week": {
        "type": "money",
        "period": "week",
        "expression": "weekly_pay - round(per_week(monthly_rent)) + round(per_week(yearly_bonus))",
    },
    "hours_a_year": {"type": "integer", "period": "year", "expression": "per_year(hours)"},
    "share_of_pay": {"type": "number", "expression": "rent_a_week / weekly_pay"},
}


@pytest.fixture
def converting(write_rules: RulesWriter) -> RuleSet:
    return load_rule_set(_rules(write_rules, CONVERTED))


def test_conversions_use_52_weeks_a_year_and_12_months(converting: RuleSet) -> None:
    decision = decide(
        converting,
        {"weekly_pay": 30000, "monthly_rent": 65000, "yearly_bonus": 52000, "hours": 10},
        datetime.date(2026, 1, 1),
    )
    assert decision["pay_a_year"] == 30000 * 52
    assert decision["rent_a_week"] == 15000  # 650 x 12 / 52 = 150
    assert decision["rent_a_year"] == 65000 * 12
    assert decision["pay_a_month"] == 130000  # 300 x 52 / 12 = 1,300
    assert decision["left_a_week"] == 30000 - 15000 + 1000
    assert decision["hours_a_year"] == 520
    assert decision["share_of_pay"] == 0.5


def test_conversions_agree_row_for_row_with_the_vectorised_path(converting: RuleSet) -> None:
    rows = [
        {"weekly_pay": 30000, "monthly_rent": 65000, "yearly_bonus": 52000, "hours": 10},
        {"weekly_pay": 12345, "monthly_rent": 77777, "yearly_bonus": 1, "hours": 0},
        {"weekly_pay": 1, "monthly_rent": 0, "yearly_bonus": 999999, "hours": 37},
    ]
    on = datetime.date(2026, 1, 1)
    run = vectorised.VectorRun(
        {name: np.array([row[name] for row in rows], dtype=np.int64) for name in INPUTS},
        len(rows),
        vectorised.vector_parameters(converting, parameter_values(converting, on)),
        on,
    )
    columns = vectorised.evaluate(converting, run, list(converting.variables))
    for index, row in enumerate(rows):
        decision = decide(converting, row, on)
        for name, column in columns.items():
            kind = converting.variables[name].vtype.kind
            assert (
                vectorised.decode(converting, kind, column[index : index + 1])[0]
                == (decision.values[name])
            ), name


def _changing(write_rules: RulesWriter) -> RuleSet:
    return load_rule_set(
        write_rules(
            {"fee_due": {"type": "money", "period": "year", "expression": "fee"}},
            inputs={},
            parameters={
                "fee": {
                    "type": "money",
                    "period": "year",
                    "periods": [
                        {"from": "2025-04-06", "to": "2025-12-31", "value": 100},
                        {"from": "2026-01-01", "to": "2027-04-05", "value": 200},
                    ],
                }
            },
        )
    )


def test_a_decision_over_a_period_uses_the_parameters_in_force_over_it(
    write_rules: RulesWriter,
) -> None:
    rule_set = _changing(write_rules)
    decision = decide(rule_set, {}, period=DecisionPeriod.tax_year(2026))
    assert decision["fee_due"] == 200
    assert decision.on == datetime.date(2026, 4, 6)
    assert decision.to_dict()["period"] == {"from": "2026-04-06", "to": "2027-04-05"}


def test_a_parameter_that_changes_within_the_period_is_refused_naming_it_and_the_date(
    write_rules: RulesWriter,
) -> None:
    rule_set = _changing(write_rules)
    with pytest.raises(PeriodNotCovered) as caught:
        decide(rule_set, {}, period=DecisionPeriod.tax_year(2025))
    assert caught.value.name == "period"
    assert "fee changes within it, on 1 January 2026 (2026-01-01)" in str(caught.value)
    # The week before the change is fine; the week across it is not.
    assert decide(rule_set, {}, period=DecisionPeriod.week_starting(datetime.date(2025, 12, 25)))
    with pytest.raises(PeriodNotCovered):
        decide(rule_set, {}, period=DecisionPeriod.week_starting(datetime.date(2025, 12, 26)))


def test_a_period_outside_the_rules_or_with_a_date_too_is_refused(
    write_rules: RulesWriter,
) -> None:
    rule_set = _changing(write_rules)
    with pytest.raises(PeriodNotCovered, match="the rules cover"):
        decide(rule_set, {}, period=DecisionPeriod.tax_year(2027))
    with pytest.raises(InputError, match="not both"):
        decide(
            rule_set,
            {},
            datetime.date(2026, 1, 1),
            period=DecisionPeriod.week_starting(datetime.date(2026, 1, 1)),
        )
    with pytest.raises(InputError, match="before it starts"):
        DecisionPeriod(datetime.date(2026, 1, 2), datetime.date(2026, 1, 1))


@pytest.mark.parametrize(
    ("period", "is_tax_year"),
    [
        ({"tax_year": "2025-26"}, True),
        ({"from": "2025-04-06", "to": "2026-04-05"}, True),
        ({"from": "2025-04-06", "to": "2026-04-04"}, False),
        ({"from": "2025-04-01", "to": "2026-03-31"}, False),
        ({"week_starting": "2025-04-06"}, False),
    ],
)
def test_a_period_knows_whether_it_is_one_whole_tax_year(
    period: dict[str, str], is_tax_year: bool
) -> None:
    assert DecisionPeriod.read(period).is_tax_year is is_tax_year


def test_scenarios_can_be_decided_over_a_period(write_rules: RulesWriter, tmp_path: Path) -> None:
    rules = write_rules(
        {"fee_due": {"type": "money", "period": "year", "expression": "fee"}},
        inputs={},
        parameters={
            "fee": {
                "type": "money",
                "periods": [
                    {"from": "2025-04-06", "to": "2025-12-31", "value": 100},
                    {"from": "2026-01-01", "to": "2027-04-05", "value": 200},
                ],
            }
        },
        name="changing",
    )
    cases = [
        {
            "name": "tax year",
            "period": {"tax_year": "2026-27"},
            "inputs": {},
            "expect": {"fee_due": 200},
        },
        {
            "name": "dates",
            "period": {"from": "2026-01-01", "to": "2026-01-31"},
            "inputs": {},
            "expect": {"fee_due": 200},
        },
        {
            "name": "week",
            "period": {"week_starting": "2025-04-07"},
            "inputs": {},
            "expect": {"fee_due": 100},
        },
        {
            "name": "across the change",
            "period": {"tax_year": "2025-26"},
            "inputs": {},
            "expect": {"fee_due": 100},
        },
    ]
    path = tmp_path / "changing.scenarios.yaml"
    path.write_text(yaml.safe_dump({"rules": rules.name, "scenarios": cases}), encoding="utf-8")
    report = run_scenarios(path)
    assert [case.passed for case in report.cases] == [True, True, True, False]
    assert "fee changes within it" in (report.cases[3].error or "")
