"""Rules over a household of people: per-member values, aggregations and exceptions, the
same in single decisions and over a population."""

from __future__ import annotations

import csv
import datetime
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from civitas.rules import vectorised
from civitas.rules.evaluate import InputError, RuleEvaluationError, decide
from civitas.rules.loader import RuleSetInvalid, load_rule_set, validate_file
from civitas.rules.model import RuleSet
from civitas.rules.scenarios import run_scenarios, validate_scenarios_file
from civitas.rules.simulation import PopulationError, SimulationError, simulate
from civitas.rules.tests.conftest import FIXTURES, RulesWriter

HOUSEHOLD = FIXTURES / "household.rules.yaml"
ON = datetime.date(2026, 5, 1)
ROLES = ("claimant", "partner", "child", "non_dependant")
MEMBER_INPUTS = ("age", "weekly_income", "is_student")


@pytest.fixture(scope="module")
def household() -> RuleSet:
    return load_rule_set(HOUSEHOLD)


def _family(**extra: Any) -> dict[str, Any]:
    return {
        "weekly_rent": 10000,
        "members": [
            {"role": "claimant", "age": 40, "weekly_income": 20000},
            {"role": "child", "age": 3},
            {"role": "non_dependant", "age": 22, "weekly_income": 60000},
            {"role": "non_dependant", "age": 19, "is_student": True},
        ],
        **extra,
    }


def test_household_values_are_aggregated_over_its_members(household: RuleSet) -> None:
    decision = decide(household, _family(), ON)

    assert decision.outputs == {
        "award": 6000,  # £100 rent less one £40 deduction: the student's is excepted
        "children": 1,
        "young_child": True,
        "all_adults": False,
        "eldest": 40,
        "household_income": 80000,
        "largest_share": 2500,  # £100 shared by four people
    }
    assert decision.values["non_dependant_deduction"] == (1500, 1500, 4000, 0)


def test_explanation_names_only_the_members_the_outcome_depended_on(household: RuleSet) -> None:
    explanation = decide(household, _family(), ON).explanation

    assert explanation[:2] == (
        "We take off £40 a week for non-dependant 1, whose income is £600 a week.",
        "We take nothing off for non-dependant 2, who is a student.",
    )
    assert not any("the applicant" in sentence for sentence in explanation)


def test_the_exception_that_applied_is_cited_in_the_trace(household: RuleSet) -> None:
    decision = decide(household, _family(), ON)
    trace = decision.trace["non_dependant_deduction"]

    assert "non-dependant 2: 0 = £0" in trace.working
    assert "who is a student" in (trace.sentence or "")
    record = decision.to_dict()
    assert record["inputs"]["members"][3]["is_student"] is True
    assert record["values"]["non_dependant_deduction"] == [1500, 1500, 4000, 0]


def test_two_exceptions_that_both_apply_are_a_conflict_not_a_silent_choice(
    household: RuleSet, tmp_path: Path
) -> None:
    inputs = {
        "weekly_rent": 10000,
        "claimant_blind": True,
        "members": [
            {"role": "claimant", "age": 40},
            {"role": "non_dependant", "age": 19, "is_student": True},
        ],
    }
    with pytest.raises(RuleEvaluationError, match="student and blind_applicant both apply"):
        decide(household, inputs, ON)

    groups, members = _write_population(tmp_path, [inputs])
    with pytest.raises(SimulationError, match=r"line 2.*student and blind_applicant both apply"):
        simulate(household, groups, ON, members_csv_path=members)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"weekly_rent": 100}, "input 'members' must list the members of the household"),
        ({"weekly_rent": 100, "members": []}, "at least one"),
        ({"weekly_rent": 100, "members": [{"role": "child", "age": 3}]}, "at least 1 claimant"),
        (
            {"weekly_rent": 100, "members": [{"role": "claimant", "age": 30}] * 2},
            "at most 1 claimant",
        ),
        (
            {"weekly_rent": 100, "members": [{"role": "claimant", "age": 30, "rent": 1}]},
            "'members\\[0\\].rent' is not an input of each person",
        ),
        (
            {"weekly_rent": 100, "members": [{"role": "claimant", "age": "old"}]},
            "members\\[0\\].age",
        ),
        ({"weekly_rent": 100, "members": [{"role": "lodger", "age": 30}]}, "members\\[0\\].role"),
        ({"weekly_rent": 100, "members": [{"age": 30}]}, "'members\\[0\\].role' is missing"),
        ({"weekly_rent": 100, "members": ["claimant"]}, "members\\[0\\]"),
        ({"weekly_rent": 100, "age": 30, "members": [{"role": "claimant", "age": 1}]}, "'age'"),
    ],
)
def test_bad_members_are_refused_naming_the_member_and_input(
    household: RuleSet, inputs: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError, match=message):
        decide(household, inputs, ON)


def _random_households(count: int, seed: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    households = []
    for _ in range(count):
        members = [{"role": "claimant"}]
        if rng.random() < 0.5:
            members.append({"role": "partner"})
        members += [{"role": "child"} for _ in range(rng.integers(0, 4))]
        members += [{"role": "non_dependant"} for _ in range(rng.integers(0, 3))]
        for member in members:
            member["age"] = int(
                rng.integers(0, 17) if member["role"] == "child" else rng.integers(18, 90)
            )
            member["weekly_income"] = int(rng.choice([0, 10000, 49999, 50000, 90000]))
            member["is_student"] = bool(rng.random() < 0.2)
        households.append(
            {
                "weekly_rent": int(rng.integers(0, 30000)),
                "claimant_blind": bool(rng.random() < 0.1),
                "members": members,
            }
        )
    return households


def _write_population(tmp_path: Path, households: list[dict[str, Any]]) -> tuple[Path, Path]:
    groups, members = tmp_path / "households.csv", tmp_path / "members.csv"
    with open(groups, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "weekly_rent", "claimant_blind"])
        for index, house in enumerate(households):
            writer.writerow(
                [f"H{index}", house["weekly_rent"], str(house.get("claimant_blind", False)).lower()]
            )
    with open(members, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["household", "role", *MEMBER_INPUTS])
        # Members written in reverse: the file need not be sorted by household.
        for index, house in reversed(list(enumerate(households))):
            for member in house["members"]:
                writer.writerow(
                    [
                        f"H{index}",
                        member["role"],
                        member.get("age", 0),
                        member.get("weekly_income", 0),
                        str(member.get("is_student", False)).lower(),
                    ]
                )
    return groups, members


def test_vectorised_households_agree_with_single_decisions(
    household: RuleSet, tmp_path: Path
) -> None:
    households = [h for h in _random_households(600, seed=3) if not _conflicts(h)]
    groups, members = _write_population(tmp_path, households)

    report = simulate(household, groups, ON, {"higher_deduction": "£45"}, members_csv_path=members)

    assert report.rows == len(households)
    for index, inputs in enumerate(households):
        decision = decide(household, inputs, ON)
        for name in household.outputs:
            kind = household.variables[name].vtype.kind
            (value,) = vectorised.decode(household, kind, report.baseline[name][index : index + 1])
            assert value == decision.outputs[name], f"household {index}: {name}"
    changed = report.reform["award"] != report.baseline["award"]
    assert changed.any()


def _conflicts(household: dict[str, Any]) -> bool:
    return household["claimant_blind"] and any(m["is_student"] for m in household["members"])


def test_members_file_problems_are_named_by_file_and_line(
    household: RuleSet, tmp_path: Path
) -> None:
    groups, members = _write_population(tmp_path, _random_households(3, seed=1))
    with pytest.raises(PopulationError, match="give the members file"):
        simulate(household, groups, ON)

    lines = members.read_text().splitlines()
    members.write_text("\n".join([lines[0], "H9," + lines[1].split(",", 1)[1], *lines[2:]]) + "\n")
    with pytest.raises(PopulationError, match=r"members.csv: line 2, column 'household': 'H9'"):
        simulate(household, groups, ON, members_csv_path=members)

    members.write_text(
        "\n".join([lines[0], *[line for line in lines[1:] if not line.startswith("H1,")]]) + "\n"
    )
    with pytest.raises(PopulationError, match=r"households.csv: line 3: no member of this row"):
        simulate(household, groups, ON, members_csv_path=members)

    rows = groups.read_text().splitlines()
    groups.write_text("\n".join([rows[0], rows[1], rows[1], *rows[3:]]) + "\n")
    with pytest.raises(
        PopulationError, match="line 3, column 'id': 'H0' is already the id of line 2"
    ):
        simulate(household, groups, ON, members_csv_path=members)


def test_a_hostile_members_file_is_refused_naming_the_line(
    household: RuleSet, tmp_path: Path
) -> None:
    groups, members = _write_population(tmp_path, _random_households(3, seed=1))
    lines = members.read_text().splitlines()
    members.write_text("\n".join([*lines[:2], lines[2] + ",true", *lines[3:]]) + "\n")
    with pytest.raises(PopulationError, match=r"members.csv: line 3: 6 values, but the header"):
        simulate(household, groups, ON, members_csv_path=members)

    members.write_text(lines[0] + "\n")
    with pytest.raises(PopulationError, match=r"members.csv: the file has a header row but no"):
        simulate(household, groups, ON, members_csv_path=members)


def _household_rules(write_rules: RulesWriter, variables: dict[str, Any], **extra: Any) -> Path:
    return write_rules(
        variables,
        inputs={
            "rent": {"type": "money"},
            "age": {"type": "integer", "entity": "person"},
        },
        group={
            "name": "household",
            "member": "person",
            "roles": {"claimant": {"minimum": 1, "maximum": 1}, "other": {}},
        },
        **extra,
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        (
            {"oldest": {"type": "integer", "expression": "age"}},
            "has a value for each member, but oldest is one value",
        ),
        (
            {"total": {"type": "money", "expression": "sum(rent)"}},
            "sum\\(\\) adds up a value of each member",
        ),
        ({"n": {"type": "integer", "expression": "count(age)"}}, "count\\(\\) needs a condition"),
        (
            {
                "x": {
                    "type": "integer",
                    "entity": "household",
                    "expression": "max(age)",
                    "explain": "{age}",
                }
            },
            "age has a value for each member",
        ),
        (
            {"x": {"type": "integer", "expression": "max(age)", "explain": "{member}"}},
            "can only be used by a variable with a value for each member",
        ),
        ({"x": {"type": "integer", "entity": "pet", "expression": "1"}}, "entity 'pet' is neither"),
        ({"role": {"type": "integer", "expression": "1"}}, "'role' is built in"),
        (
            {
                "x": {
                    "type": "integer",
                    "expression": "1",
                    "exceptions": [{"name": "a", "when": "rent", "expression": "2"}],
                }
            },
            "the exception a applies `when` something is true or false",
        ),
        (
            {
                "x": {
                    "type": "integer",
                    "expression": "1",
                    "exceptions": [{"name": "a", "when": "rent > 0", "expression": "rent"}],
                }
            },
            "declared as integer",
        ),
    ],
)
def test_rules_that_mix_up_members_and_households_are_refused_with_a_line(
    write_rules: RulesWriter, variables: dict[str, Any], message: str
) -> None:
    path = _household_rules(write_rules, variables)
    problems = validate_file(path)
    assert problems, "expected a problem"
    assert any(p.line is not None for p in problems)
    assert any(re.search(message, p.message) for p in problems), problems


def test_an_output_is_one_value_for_the_household(write_rules: RulesWriter) -> None:
    path = _household_rules(
        write_rules,
        {"grown_up": {"type": "boolean", "entity": "person", "expression": "age >= 18"}},
        outputs=["grown_up"],
    )
    with pytest.raises(RuleSetInvalid, match="output 'grown_up' has a value for each member"):
        load_rule_set(path)


def test_members_need_a_group_declared(write_rules: RulesWriter) -> None:
    path = write_rules(
        {"x": {"type": "integer", "expression": "1"}},
        inputs={"age": {"type": "integer", "entity": "person"}},
    )
    with pytest.raises(RuleSetInvalid, match="needs a `group:` section"):
        load_rule_set(path)


def test_an_exception_applies_in_a_rule_set_without_a_group(write_rules: RulesWriter) -> None:
    path = write_rules(
        {
            "fee": {
                "type": "money",
                "expression": "amount",
                "explain": "The fee is {fee}.",
                "exceptions": [
                    {
                        "name": "band_c_free",
                        "when": 'band == "C"',
                        "expression": "0",
                        "explain": "Band C pays nothing.",
                        "source": {"reference": "para 9"},
                    }
                ],
            }
        }
    )
    rules = load_rule_set(path)
    inputs = {"amount": 500, "start": datetime.date(2026, 1, 1), "count": 1}

    assert decide(rules, {**inputs, "band": "A"}, ON).explanation == ("The fee is £5.",)
    free = decide(rules, {**inputs, "band": "C"}, ON)
    assert free.outputs["fee"] == 0
    assert free.explanation == ("Band C pays nothing.",)
    source = free.trace["fee"].source
    assert source is not None
    assert source.reference == "para 9"


def test_household_scenarios_run_with_members_and_per_member_expectations() -> None:
    report = run_scenarios(FIXTURES / "household.scenarios.yaml")
    assert report.passed, report.render()


def test_scenario_member_inputs_in_the_wrong_place_are_named_at_their_line(tmp_path: Path) -> None:
    (tmp_path / "household.rules.yaml").write_text(HOUSEHOLD.read_text(encoding="utf-8"))
    scenarios = tmp_path / "household.scenarios.yaml"
    scenarios.write_text(
        "scenarios:\n"
        "  - name: wrong places\n"
        "    on: 2026-05-01\n"
        "    inputs:\n"
        "      weekly_rent: 100\n"
        "      age: 40\n"
        "      members:\n"
        "        - {role: claimant, weekly_rent: 5}\n"
        "    expect: {award: 100}\n",
        encoding="utf-8",
    )
    problems = validate_scenarios_file(scenarios)
    assert [(p.line, p.message) for p in problems] == [
        (
            6,
            "'age' is not an input of household-support "
            "(it is an input of each member: give it under members)",
        ),
        (8, "'weekly_rent' is not an input of each person"),
    ]


SHORTCUTS = {
    "adults": ("integer", "count(age >= 18)"),
    "no_children": ("boolean", 'all(role != "child")'),
    "anyone_aged_19_to_30": ("boolean", "any(age in [19, 20, 21, 22, 23, 24, 25, 26, 27, 28])"),
    "claimant_or_partner": ("integer", 'count(role in ["claimant", "partner"])'),
    "halves": ("integer", "round(sum(age) / 2 - 30.5)"),
}


def test_counts_membership_and_rounding_are_the_same_vectorised_as_decided(
    tmp_path: Path,
) -> None:
    """The vectorised shortcuts (count, any and all from the members a condition holds
    for; `in` a short list by comparisons, a long one by isin; rounding in place) give
    decide's values, also where a condition holds for nobody or everybody and for halves
    either side of zero."""
    added = "".join(
        f"  {name}:\n    type: {kind}\n    expression: '{expression}'\n"
        for name, (kind, expression) in SHORTCUTS.items()
    )
    text = HOUSEHOLD.read_text(encoding="utf-8").replace(
        "\noutputs: [", f"{added}\noutputs: [{', '.join(SHORTCUTS)}, "
    )
    path = tmp_path / "shortcuts.rules.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_rule_set(path)
    households = [h for h in _random_households(300, seed=11) if not _conflicts(h)]
    households.append({"weekly_rent": 0, "members": [{"role": "claimant", "age": 61}]})
    groups, members = _write_population(tmp_path, households)

    report = simulate(rules, groups, ON, {}, members_csv_path=members)

    seen: dict[str, set[Any]] = {name: set() for name in SHORTCUTS}
    for index, inputs in enumerate(households):
        decision = decide(rules, inputs, ON)
        for name in SHORTCUTS:
            kind = rules.variables[name].vtype.kind
            (value,) = vectorised.decode(rules, kind, report.baseline[name][index : index + 1])
            assert value == decision.outputs[name], f"household {index}: {name}"
            seen[name].add(value)
    assert seen["no_children"] == {True, False}
    assert seen["anyone_aged_19_to_30"] == {True, False}
    assert min(seen["halves"]) < 0 < max(seen["halves"])
