"""Scenario files: the real rule sets' worked cases, and how failures are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from civitas.rules.evaluate import decide
from civitas.rules.scenarios import run_scenarios, scenario_cases, validate_scenarios_file
from civitas.rules.tests.conftest import FIXTURES, PARKING, SERVICE_RULES

SCENARIO_FILES = sorted(SERVICE_RULES.glob("*.scenarios.yaml"))


def test_every_real_rule_set_has_scenarios() -> None:
    assert [p.name for p in SCENARIO_FILES] == [
        "council-tax-reduction-estimate.scenarios.yaml",
        "council-tax-reduction.scenarios.yaml",
        "income-tax.scenarios.yaml",
        "parking-permit-fee.scenarios.yaml",
    ]


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_scenarios_pass(path: Path) -> None:
    report = run_scenarios(path)
    assert report.passed, report.render()
    assert len(report.cases) >= 14


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_scenario_files_are_valid(path: Path) -> None:
    assert validate_scenarios_file(path) == []


def _scenarios(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "parking.scenarios.yaml"
    path.write_text(f"rules: {PARKING}\nscenarios:\n{body}", encoding="utf-8")
    return path


def test_a_failure_shows_expected_actual_and_the_explanation(tmp_path: Path) -> None:
    path = _scenarios(
        tmp_path,
        "  - name: Wrong fee\n"
        "    on: 2026-04-01\n"
        "    inputs: {co2_band: C, permit_months: 12, permits_already_in_household: 1}\n"
        "    expect: {fee_pence: '£140', eligible: true}\n",
    )
    report = run_scenarios(path)
    assert not report.passed
    (case,) = report.failed
    (mismatch,) = case.mismatches
    assert (mismatch.variable, mismatch.expected, mismatch.actual) == ("fee_pence", 14000, 21000)
    text = report.render()
    assert "FAIL Wrong fee" in text
    assert f"at {path}:3" in text
    assert "fee_pence: expected £140, got £210" in text
    assert "with these values: £210 - £0 = £210" in text
    assert "As this would be the second permit in your household" not in text  # not fee's own
    assert "Fee to pay: £210." in text


def test_explanation_text_that_is_missing_fails_the_case(tmp_path: Path) -> None:
    path = _scenarios(
        tmp_path,
        "  - name: Explains something else\n"
        "    on: 2026-04-01\n"
        "    inputs: {co2_band: C, permit_months: 12, permits_already_in_household: 0}\n"
        "    expect: {fee_pence: 14000}\n"
        "    explanation_includes: [The fee is waived.]\n",
    )
    report = run_scenarios(path)
    (case,) = report.failed
    assert case.missing_text == ("The fee is waived.",)
    assert "the explanation does not include: 'The fee is waived.'" in report.render()


def test_unknown_names_and_bad_values_are_problems_with_lines(tmp_path: Path) -> None:
    path = _scenarios(
        tmp_path,
        "  - name: Typos\n"
        "    on: 2026-04-01\n"
        "    inputs:\n"
        "      co2_bnd: C\n"
        "      permit_months: twelve\n"
        "    expect: {fee: 14000}\n",
    )
    problems = [str(p) for p in validate_scenarios_file(path)]
    assert problems == [
        f"{path}:6: 'co2_bnd' is not an input of parking-permit-fee",
        f"{path}:7: input 'permit_months' must be a whole number, not 'twelve'",
        f"{path}:8: 'fee' is not a variable of parking-permit-fee",
    ]
    report = run_scenarios(path)
    assert not report.passed
    assert report.cases[0].error is not None


def test_an_input_error_fails_the_case_with_the_message(tmp_path: Path) -> None:
    path = _scenarios(
        tmp_path,
        "  - name: Missing input\n"
        "    on: 2026-04-01\n"
        "    inputs: {co2_band: C, permit_months: 12}\n"
        "    expect: {fee_pence: 14000}\n",
    )
    (case,) = run_scenarios(path).failed
    assert case.error == "input 'permits_already_in_household' is missing"


def test_a_scenarios_file_with_the_wrong_shape_reports_the_line(tmp_path: Path) -> None:
    path = _scenarios(tmp_path, "  - name: No date\n    inputs: {}\n    expect: {fee_pence: 1}\n")
    (problem,) = run_scenarios(path).problems
    assert problem.line == 3
    assert "'on' is a required key" in problem.message


def test_the_on_key_is_not_read_as_yaml_true(tmp_path: Path) -> None:
    # YAML 1.1 reads a bare `on` as true; scenario files rely on it being the key "on".
    path = _scenarios(
        tmp_path,
        "  - name: Decided on a date\n"
        "    on: 2026-04-01\n"
        "    inputs: {co2_band: A, permit_months: 6, permits_already_in_household: 0}\n"
        "    expect: {fee_pence: 3900}\n",
    )
    assert run_scenarios(path).passed


def test_an_unquoted_yes_for_a_boolean_input_is_reported_at_its_line(tmp_path: Path) -> None:
    path = _scenarios(
        tmp_path,
        "  - name: A badge holder\n"
        "    on: 2026-04-01\n"
        "    inputs:\n"
        "      co2_band: A\n"
        "      permit_months: 6\n"
        "      permits_already_in_household: 0\n"
        "      has_blue_badge: yes\n"
        "    expect: {eligible: true}\n",
    )
    problems = validate_scenarios_file(path)
    assert [(p.line, p.message.split(" is read")[0]) for p in problems] == [(9, "unquoted 'yes'")]
    assert not run_scenarios(path).passed


def test_a_case_that_sets_an_input_twice_is_reported(tmp_path: Path) -> None:
    path = _scenarios(
        tmp_path,
        "  - name: Twice\n"
        "    on: 2026-04-01\n"
        "    inputs:\n"
        "      co2_band: A\n"
        "      co2_band: B\n"
        "      permit_months: 6\n"
        "      permits_already_in_household: 0\n"
        "    expect: {eligible: true}\n",
    )
    assert [str(p) for p in validate_scenarios_file(path)] == [
        f"{path}:7: duplicate key 'co2_band' (first on line 6)"
    ]


def test_scenario_cases_give_decide_the_inputs_the_scenarios_run_with() -> None:
    rule_set, cases = scenario_cases(FIXTURES / "household.scenarios.yaml")
    first = cases[0]
    assert first.name.startswith("A non-dependant student is not charged for")
    assert first.inputs["weekly_rent"] == 10000
    assert first.inputs["members"][1] == {"role": "non_dependant", "age": 22,
                                          "weekly_income": 60000}  # fmt: skip
    assert decide(rule_set, first.inputs, first.on)["award"] == 6000


def test_scenario_cases_of_a_file_with_problems_are_refused_with_its_lines(
    tmp_path: Path,
) -> None:
    path = _scenarios(
        tmp_path,
        "  - name: x\n    on: 2026-04-01\n    inputs: {co2_band: Z}\n    expect: {fee_pence: 0}\n",
    )
    with pytest.raises(ValueError, match=r"parking\.scenarios\.yaml:\d+: .*co2_band"):
        scenario_cases(path)
