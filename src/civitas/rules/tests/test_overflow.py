"""Integer and money arithmetic never wraps round: ``decide`` and ``simulate`` refuse the same
results outside ±2**53 with the same message, naming the variable (and the line)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest

from civitas.rules.evaluate import InputError, RuleEvaluationError, decide
from civitas.rules.loader import load_rule_set, validate_file
from civitas.rules.simulation import PopulationError, SimulationError, simulate
from civitas.rules.tests.conftest import RulesWriter
from civitas.rules.values import WHOLE_LIMIT

ON = datetime.date(2026, 5, 1)
HOSTILE_INPUTS = {
    "amount": {"type": "money"},
    "count": {"type": "integer"},
    "flag": {"type": "boolean", "default": False},
}
HOSTILE_PARAMETERS = {
    "rate": {"type": "number", "periods": [{"from": "2025-04-01", "value": 1e10}]},
}


def _population(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "population.csv"
    names = list(rows[0])
    lines = [",".join(names)] + [
        ",".join(str(row[n]).lower() if isinstance(row[n], bool) else str(row[n]) for n in names)
        for row in rows
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


SAFE = {"amount": 100, "count": 2, "flag": False}


@pytest.mark.parametrize(
    ("expression", "declared", "hostile", "shown"),
    [
        # int64 would wrap round to a negative number.
        ("amount * count", "money", {"amount": 2**40, "count": 2**30}, f"{2**70:,}"),
        # The sum fits int64 but not the range in which pence are exact.
        ("amount + amount", "money", {"amount": WHOLE_LIMIT - 1}, f"{2 * WHOLE_LIMIT - 2:,}"),
        ("count * count * count", "integer", {"count": 2**20}, f"{2**60:,}"),
        # A part-pence amount too large to round to whole pence.
        ("round(amount * rate)", "money", {"amount": 10**9}, "1e+19"),
        ("floor(count * rate)", "integer", {"count": 10**9}, "1e+19"),
        ("amount // 1e-9", "money", {"amount": 10**9}, "1e+18"),
        ("-(amount * count)", "money", {"amount": -(2**30), "count": 2**30}, f"{-(2**60):,}"),
    ],
)
def test_a_result_outside_the_whole_number_range_is_refused_the_same_way_by_both_paths(
    write_rules: RulesWriter,
    tmp_path: Path,
    expression: str,
    declared: str,
    hostile: dict[str, Any],
    shown: str,
) -> None:
    path = write_rules(
        {"result": {"type": declared, "expression": expression}},
        inputs=HOSTILE_INPUTS,
        parameters=HOSTILE_PARAMETERS,
    )
    assert validate_file(path) == []
    rule_set = load_rule_set(path)
    case = {**SAFE, **hostile}

    with pytest.raises(RuleEvaluationError) as decided:
        decide(rule_set, case, ON)
    population = _population(tmp_path, [SAFE, SAFE, case, SAFE])
    with pytest.raises(SimulationError) as simulated:
        simulate(rule_set, population, ON)

    assert f"comes to {shown}, beyond the largest whole number" in str(decided.value)
    assert str(decided.value).startswith("variable 'result': `")
    # Line 4: the header, two safe rows, then the hostile one.
    assert str(simulated.value) == f"{population}: line 4: {decided.value}"


@pytest.mark.parametrize(
    "expression",
    [
        "flag ? amount * count : 0",
        "flag ? round(amount * rate) : 0",
        "not flag or amount * count > 0",
    ],
)
def test_an_overflow_in_a_branch_not_taken_is_not_an_error(
    write_rules: RulesWriter, tmp_path: Path, expression: str
) -> None:
    declared = "boolean" if " or " in expression else "money"
    path = write_rules(
        {"result": {"type": declared, "expression": expression}},
        inputs=HOSTILE_INPUTS,
        parameters=HOSTILE_PARAMETERS,
    )
    rule_set = load_rule_set(path)
    case = {"amount": 2**40, "count": 2**30, "flag": False}
    expected = True if declared == "boolean" else 0
    assert decide(rule_set, case, ON).outputs == {"result": expected}
    report = simulate(rule_set, _population(tmp_path, [SAFE, case]), ON)
    assert report.baseline["result"].tolist() == [expected, expected]


def test_results_up_to_the_limit_are_exact_in_both_paths(
    write_rules: RulesWriter, tmp_path: Path
) -> None:
    path = write_rules(
        {"result": {"type": "money", "expression": "amount * count - 1"}},
        inputs=HOSTILE_INPUTS,
        parameters=HOSTILE_PARAMETERS,
    )
    rule_set = load_rule_set(path)
    case = {"amount": 2**26, "count": 2**27, "flag": False}
    assert decide(rule_set, case, ON).outputs == {"result": WHOLE_LIMIT - 1}
    report = simulate(rule_set, _population(tmp_path, [case]), ON)
    assert report.baseline["result"].tolist() == [WHOLE_LIMIT - 1]


def test_whole_number_inputs_outside_the_range_are_refused(
    write_rules: RulesWriter, tmp_path: Path
) -> None:
    path = write_rules(
        {"result": {"type": "money", "expression": "amount"}},
        inputs=HOSTILE_INPUTS,
        parameters=HOSTILE_PARAMETERS,
    )
    rule_set = load_rule_set(path)
    with pytest.raises(InputError) as decided:
        decide(rule_set, {**SAFE, "amount": WHOLE_LIMIT + 1}, ON)
    assert "must be between" in str(decided.value)
    population = _population(tmp_path, [SAFE, {**SAFE, "amount": 10**20}])
    with pytest.raises(PopulationError) as read:
        simulate(rule_set, population, ON)
    assert "line 3, column 'amount'" in str(read.value)
    assert "must be between" in str(read.value)


def test_a_whole_number_literal_outside_the_range_is_a_validation_problem(
    write_rules: RulesWriter,
) -> None:
    path = write_rules(
        {"result": {"type": "money", "expression": "amount + 99999999999999999999"}},
        inputs=HOSTILE_INPUTS,
    )
    (problem,) = validate_file(path)
    assert "99999999999999999999 is beyond the largest whole number" in problem.message


def test_declared_input_ranges_do_not_hide_an_overflow_from_a_parameters_value(
    write_rules: RulesWriter, tmp_path: Path
) -> None:
    """simulate skips the check where the inputs' declared ranges and the parameters'
    values prove a result small; a parameter set large enough must still be refused."""
    path = write_rules(
        {"result": {"type": "money", "expression": "amount * factor"}},
        inputs={"amount": {"type": "money", "minimum": 0, "maximum": 1000}},
        parameters={"factor": {"type": "integer", "periods": [{"from": "2025-04-01", "value": 3}]}},
    )
    rule_set = load_rule_set(path)
    population = _population(tmp_path, [{"amount": 1000}, {"amount": 7}])
    assert simulate(rule_set, population, ON).baseline["result"].tolist() == [3000, 21]
    with pytest.raises(SimulationError) as simulated:
        simulate(rule_set, population, ON, {"factor": str(10**15)})
    assert "line 2: variable 'result': `amount * factor` comes to 1,000,000,000,000,000,000" in (
        str(simulated.value)
    )
