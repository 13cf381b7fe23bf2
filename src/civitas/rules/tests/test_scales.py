"""Scales: marginal bands and bracket scales, checked, evaluated, explained and reformed
the same way by decide and by the vectorised path."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from civitas.rules import vectorised
from civitas.rules.evaluate import DecisionPeriod, decide
from civitas.rules.loader import load_rule_set, validate_file
from civitas.rules.model import RuleSet
from civitas.rules.scales import BandWorking, make_scale, parse_scale
from civitas.rules.simulation import (
    OverrideError,
    apply_overrides,
    parameter_values,
    simulate,
)
from civitas.rules.tests.conftest import FIXTURES, INCOME_TAX, RulesWriter

SCALES = FIXTURES / "scales.rules.yaml"
ON = datetime.date(2025, 6, 1)


@pytest.fixture(scope="module")
def scales() -> RuleSet:
    return load_rule_set(SCALES)


def _vector(rule_set: RuleSet, incomes: list[int], values: Any = None) -> dict[str, np.ndarray]:
    run = vectorised.VectorRun(
        {"income": np.array(incomes, dtype=np.int64)},
        len(incomes),
        vectorised.vector_parameters(rule_set, values or parameter_values(rule_set, ON)),
        ON,
    )
    return vectorised.evaluate(rule_set, run, list(rule_set.variables))


@pytest.mark.parametrize(
    ("income", "tax"),
    [
        (3000000, 348600),  # £30,000: £17,430 at 20%
        (6000000, 1143200),  # £60,000
        (11000000, 3343200),  # £110,000: allowance £7,570
        (15000000, 5370300),  # £150,000: no allowance
        (0, 0),
        (-100, 0),
    ],
)
def test_a_marginal_scale_taxes_each_slice_at_its_rate(
    scales: RuleSet, income: int, tax: int
) -> None:
    assert decide(scales, {"income": income}, ON)["tax"] == tax


def test_the_explanation_shows_the_working_band_by_band(scales: RuleSet) -> None:
    decision = decide(scales, {"income": 11000000}, ON)
    assert decision.explanation[0] == (
        "Tax on £102,430: £37,700 at 20%: £7,540; £64,730 at 40%: £25,892. In all: £33,432."
    )
    assert "band by band: £37,700 at 20%: £7,540" in decision.explain("tax")
    bands = decision.to_dict()["trace"]["tax"]["bands"]
    assert [band["rate"] for band in bands] == [0.2, 0.4]


@pytest.mark.parametrize(
    ("amount", "rate", "result", "written"),
    [
        (3770000, 0.2, 754000, "£37,700 at 20%: £7,540"),
        (282700, 0.19, 53713, "£2,827 at 19%: £537.13"),
        (1209400, 0.2, 241880, "£12,094 at 20%: £2,418.80"),
        (477000, 0.0875, 41737.5, "£4,770 at 8.75%: £417.375"),
        (1050, 0.1, 105, "£10.50 at 10%: £1.05"),
    ],
)
def test_a_band_writes_money_the_platform_way_keeping_only_the_pence_it_has(
    amount: int, rate: float, result: float, written: str
) -> None:
    band = BandWorking(start=0, end=None, amount=amount, rate=rate, result=result)
    assert band.describe("en") == written
    assert band.describe("cy") == written.replace(" at ", " ar ")


def test_marginal_on_top_of_another_amount_taxes_only_the_slice(scales: RuleSet) -> None:
    decision = decide(scales, {"income": 5004000}, ON)  # taxable £37,470: £230 below 40%
    assert decision["top_slice_tax"] == 4600 + 30800  # £230 at 20% and £770 at 40%
    assert "The next £1,000: £230 at 20%: £46; £770 at 40%: £308." in (decision.explanation)


@pytest.mark.parametrize(
    ("income", "rate", "charge"),
    [(0, 0.2, 0), (999999, 0.2, 0), (1000000, 0.2, 2500), (5000000, 0.2, 10000)],
)
def test_bracket_gives_the_rate_or_amount_of_the_one_bracket_the_base_falls_in(
    scales: RuleSet, income: int, rate: float, charge: int
) -> None:
    decision = decide(scales, {"income": income}, ON)
    assert decision["marginal_rate"] == rate
    assert decision["charge"] == charge


def test_the_bracket_changes_at_the_threshold_itself(scales: RuleSet) -> None:
    # Allowance £12,570: taxable £37,700 is the first penny taxed at 40%.
    assert decide(scales, {"income": 5026999}, ON)["marginal_rate"] == 0.2
    assert decide(scales, {"income": 5027000}, ON)["marginal_rate"] == 0.4


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=-(10**6), max_value=10**11), min_size=1, max_size=30))
def test_vectorised_scales_agree_with_decide_row_for_row(incomes: list[int]) -> None:
    rule_set = load_rule_set(SCALES)
    columns = _vector(rule_set, incomes)
    for row, income in enumerate(incomes):
        decision = decide(rule_set, {"income": income}, ON)
        for name, column in columns.items():
            kind = rule_set.variables[name].vtype.kind
            assert (
                vectorised.decode(rule_set, kind, column[row : row + 1])[0]
                == (decision.values[name])
            ), (name, income)


def test_a_scale_can_be_reformed_for_a_simulation(scales: RuleSet) -> None:
    values, described = apply_overrides(
        scales, parameter_values(scales, ON), {"bands": "0:20%, £37700:41%, £125140:45%"}
    )
    assert described == [
        "bands = 20% from £0; 41% from £37,700; 45% from £125,140 "
        "(was 20% from £0; 40% from £37,700; 45% from £125,140)"
    ]
    assert _vector(scales, [6000000], values)["tax"][0] == 754000 + 398930  # £9,730 at 41%


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"bands": "10:20%"}, "must start from 0"),
        ({"bands": "0:20%,0:40%"}, "strictly increase"),
        ({"bands": "0 20%"}, "FROM:RATE"),
        ({"bands[1]": "0.3"}, "is a scale"),
        ({"charge_bands": "0:£1,£10:x"}, "whole number of pence"),
    ],
)
def test_a_bad_scale_reform_is_refused_with_a_message(
    scales: RuleSet, override: dict[str, str], fragment: str
) -> None:
    with pytest.raises(OverrideError, match=fragment):
        apply_overrides(scales, parameter_values(scales, ON), override)


def _scale_rules(write_rules: RulesWriter, brackets: Any, scale: str = "marginal") -> Path:
    return write_rules(
        {"tax": {"type": "money", "expression": "floor(marginal(bands, amount))"}},
        parameters={
            "bands": {
                "type": "scale",
                "scale": scale,
                "periods": [{"from": "2025-04-06", "value": brackets}],
            }
        },
    )


@pytest.mark.parametrize(
    ("brackets", "fragment", "bracket_line"),
    [
        ([{"from": 100, "rate": 0.2}], "bracket 1: the first bracket must start from 0", 0),
        (
            [{"from": 0, "rate": 0.2}, {"from": 500, "rate": 0.4}, {"from": 500, "rate": 0.5}],
            "bracket 3: thresholds must strictly increase: 500 does not come after 500",
            2,
        ),
        ([{"from": 0, "amount": 100}], "a marginal scale gives rates, not amounts", 0),
        ([{"from": 0, "rate": 0.1, "amount": 3}], "either a 'rate' or an 'amount'", 0),
    ],
)
def test_bad_brackets_are_reported_at_the_bracket_at_fault(
    write_rules: RulesWriter, brackets: Any, fragment: str, bracket_line: int
) -> None:
    path = _scale_rules(write_rules, brackets)
    problems = validate_file(path)
    matching = [p for p in problems if fragment in p.message]
    assert matching, [str(p) for p in problems]
    lines = path.read_text().splitlines()
    starts = [number for number, line in enumerate(lines, 1) if line.lstrip().startswith("- from:")]
    # The first "- from:" line is the period's; the brackets follow it.
    assert matching[0].line == starts[bracket_line + 1], [str(p) for p in problems]


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("bands + 1", "bands is a scale; use it through marginal(bands, amount)"),
        ("floor(marginal(amount, amount))", "must be the name of a scale parameter"),
        ("floor(marginal(bands, count))", "a scale's thresholds are money"),
        ("floor(marginal(bands))", "marginal() is written marginal(scale, amount)"),
        ("marginal(bands, amount)", "may include a fraction"),
    ],
)
def test_scales_are_type_checked(write_rules: RulesWriter, expression: str, fragment: str) -> None:
    path = write_rules(
        {"tax": {"type": "money", "expression": expression}},
        parameters={
            "bands": {
                "type": "scale",
                "scale": "marginal",
                "periods": [{"from": "2025-04-06", "value": [{"from": 0, "rate": 0.2}]}],
            }
        },
    )
    problems = validate_file(path)
    assert any(fragment in p.message for p in problems), [str(p) for p in problems]


def test_marginal_needs_a_marginal_scale(write_rules: RulesWriter) -> None:
    path = _scale_rules(write_rules, [{"from": 0, "rate": 0.2}], scale="bracket")
    problems = validate_file(path)
    assert any("is a bracket scale" in p.message for p in problems), [str(p) for p in problems]


def test_a_scale_needs_its_kind(write_rules: RulesWriter) -> None:
    path = write_rules(
        {"tax": {"type": "money", "expression": "0"}},
        parameters={"bands": {"type": "scale", "periods": [{"from": "2025-04-06", "value": []}]}},
    )
    assert validate_file(path)


def test_bands_in_an_explanation_need_a_variable_that_uses_marginal(
    write_rules: RulesWriter,
) -> None:
    path = write_rules({"fee": {"type": "money", "expression": "amount", "explain": "{fee:bands}"}})
    problems = validate_file(path)
    assert any("does not" in p.message and "bands" in p.message for p in problems)


def test_scales_read_from_text_and_from_brackets_are_the_same() -> None:
    written = parse_scale("marginal", "0:20%, £37700:0.4", amounts=False)
    assert written == make_scale(
        "marginal", [{"from": 0, "rate": 0.2}, {"from": 3770000, "rate": 0.4}]
    )
    assert written.describe() == "20% from £0; 40% from £37,700"


def test_an_income_tax_reform_of_a_band_is_simulated_row_for_row_as_decide_gives_it(
    income_tax: RuleSet, tmp_path: Path
) -> None:
    rng = np.random.default_rng(11)
    rows = 2_000
    population = tmp_path / "taxpayers.csv"
    residence = rng.choice(["rest_of_uk", "scotland"], size=rows)
    wages = rng.integers(0, 25_000_000, size=rows)
    dividends = np.where(rng.random(rows) < 0.3, rng.integers(0, 5_000_000, size=rows), 0)
    lines = ["residence,non_savings_income,dividends"] + [
        f"{r},{w},{d}" for r, w, d in zip(residence, wages, dividends, strict=True)
    ]
    population.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = simulate(
        income_tax,
        population,
        datetime.date(2025, 4, 6),
        {"rest_of_uk_bands": "0:20%, £40000:40%, £125140:45%", "personal_allowance": "£13000"},
    )
    reformed_path = tmp_path / "income-tax.rules.yaml"
    reformed_path.write_text(
        INCOME_TAX.read_text("utf-8")
        .replace("{from: 3770000, rate: 0.40}", "{from: 4000000, rate: 0.40}")
        .replace("value: 1257000", "value: 1300000"),
        "utf-8",
    )
    reformed = load_rule_set(reformed_path)
    tax = report.outputs[0]
    assert tax.name == "income_tax"
    assert tax.gainers > 0
    assert tax.losers == 0
    for row in range(rows):
        inputs = {
            "residence": str(residence[row]),
            "non_savings_income": int(wages[row]),
            "dividends": int(dividends[row]),
        }
        before = decide(income_tax, inputs, period=DecisionPeriod.tax_year(2025))
        after = decide(reformed, inputs, period=DecisionPeriod.tax_year(2025))
        assert report.baseline["income_tax"][row] == before["income_tax"], inputs
        assert report.reform["income_tax"][row] == after["income_tax"], inputs


COUPLE = {
    "group": {
        "name": "couple",
        "member": "person",
        "roles": {"first": {"maximum": 1}, "second": {"maximum": 1}},
    },
    "inputs": {"income": {"type": "money", "entity": "person", "period": "year"}},
    "parameters": {
        "bands": {
            "type": "scale",
            "scale": "marginal",
            "periods": [
                {
                    "from": "2025-04-06",
                    "value": [{"from": 0, "rate": 0.1}, {"from": 100000, "rate": 0.3}],
                }
            ],
        }
    },
    "variables": {
        "tax": {
            "type": "money",
            "entity": "person",
            "period": "year",
            "expression": "floor(marginal(bands, income))",
            "explain": "Tax for {member}: {tax:bands}.",
        },
        "total_tax": {"type": "money", "period": "year", "expression": "sum(tax)"},
    },
}


def test_each_member_of_a_household_is_taxed_on_the_scale_and_explained_with_their_bands(
    tmp_path: Path,
) -> None:
    path = tmp_path / "couple.rules.yaml"
    document = {
        "metadata": {
            "name": "couple",
            "title": "Couple",
            "version": "1",
            "sources": [{"title": "T"}],
        },
        **COUPLE,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    rule_set = load_rule_set(path)
    members = [{"role": "first", "income": 150000}, {"role": "second", "income": 50000}]
    decision = decide(rule_set, {"members": members}, ON)
    assert decision["tax"] == (25000, 5000)  # £1,000 at 10% + £500 at 30%; £500 at 10%
    assert decision["total_tax"] == 30000
    assert "£1,000 at 10%: £100; £500 at 30%: £150" in " ".join(decision.explanation)
    assert "£500 at 10%: £50." in " ".join(decision.explanation)
    groups, people = tmp_path / "couples.csv", tmp_path / "people.csv"
    groups.write_text("id\nA\nB\n", encoding="utf-8")
    people.write_text(
        "household,role,income\nA,first,150000\nA,second,50000\nB,first,99999\n", encoding="utf-8"
    )
    report = simulate(rule_set, groups, ON, members_csv_path=people)
    assert list(report.baseline["total_tax"]) == [30000, 9999]
