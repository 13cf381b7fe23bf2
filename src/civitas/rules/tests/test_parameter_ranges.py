"""Parameters declare the range their values may take; values and overrides outside it are
refused (at validation with file:line, on the command line with a message and status 1)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from civitas.cli import main
from civitas.rules.loader import load_rule_set, validate_file
from civitas.rules.model import RuleSet
from civitas.rules.population import generate_population
from civitas.rules.simulation import OverrideError, apply_overrides, parameter_values
from civitas.rules.tests.conftest import COUNCIL_TAX, COUNCIL_TAX_HOUSEHOLDS, PARKING, RulesWriter

ON = datetime.date(2026, 5, 1)


def _rate(value: Any, **declared: Any) -> dict[str, Any]:
    return {
        "rate": {"type": "number", **declared, "periods": [{"from": "2025-04-01", "value": value}]}
    }


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


def test_a_period_value_above_the_maximum_is_reported_at_its_line(
    write_rules: RulesWriter,
) -> None:
    path = write_rules(
        {"share": {"type": "number", "expression": "rate"}},
        parameters=_rate(1.5, minimum=0, maximum=1),
    )
    (problem,) = validate_file(path)
    assert problem.line == _line_of(path, "value: 1.5")
    assert problem.message == "rate must be at most 100% (1), not 1.5"


def test_every_entry_of_a_table_is_checked_against_the_range(write_rules: RulesWriter) -> None:
    parameters = {
        "fee": {
            "type": "money",
            "keyed_by": "band",
            "minimum": 0,
            "periods": [{"from": "2025-04-01", "value": {"A": 100, "B": -5, "C": 300}}],
        }
    }
    path = write_rules({"f": {"type": "money", "expression": "fee[band]"}}, parameters=parameters)
    (problem,) = validate_file(path)
    assert problem.message == "fee[B] must be at least £0 (0 pence), not -5"


def test_a_minimum_above_the_maximum_is_reported(write_rules: RulesWriter) -> None:
    path = write_rules(
        {"share": {"type": "number", "expression": "rate"}},
        parameters=_rate(0.5, minimum=1, maximum=0),
    )
    (problem,) = validate_file(path)
    assert "minimum 1 is greater than maximum 0" in problem.message
    assert problem.line == _line_of(path, "minimum: 1")


@pytest.mark.parametrize(
    ("declared", "fragment"),
    [
        ({"type": "boolean", "minimum": 0}, "is not allowed"),
        ({"type": "money", "maximum": 0.5}, "0.5 is not of type 'integer'"),
    ],
)
def test_a_range_must_suit_the_parameters_type(
    tmp_path: Path, declared: dict[str, Any], fragment: str
) -> None:
    document = yaml.safe_load(PARKING.read_text(encoding="utf-8"))
    document["parameters"]["extra"] = {
        **declared,
        "periods": [{"from": "2025-04-01", "value": False if declared["type"] == "boolean" else 0}],
    }
    path = tmp_path / "ranged.rules.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    messages = [p.message for p in validate_file(path)]
    assert any(fragment in m for m in messages), messages


@pytest.mark.parametrize(
    "path", [PARKING, COUNCIL_TAX, COUNCIL_TAX_HOUSEHOLDS], ids=lambda p: p.name
)
def test_every_numeric_parameter_of_the_real_rule_sets_declares_a_range(path: Path) -> None:
    rule_set = load_rule_set(path)
    for spec in rule_set.parameters.values():
        if spec.value_kind not in ("integer", "money", "number"):
            continue
        assert spec.minimum is not None, spec.name
        if spec.value_kind == "number":
            assert (spec.minimum, spec.maximum) == (0, 1), spec.name


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"maximum_reduction_share": "1.5"},
            "maximum_reduction_share must be at most 100% (1), not 1.5",
        ),
        ({"taper_rate": "-0.5"}, "taper_rate must be at least 0% (0), not -0.5"),
        ({"taper_rate": "-50%"}, "taper_rate must be at least 0% (0), not -0.5"),
        ({"non_dependant_deduction[band_1]": "-1"}, "non_dependant_deduction[band_1] must be"),
    ],
)
def test_an_override_outside_the_parameters_range_is_refused(
    council_tax: RuleSet, override: dict[str, str], message: str
) -> None:
    with pytest.raises(OverrideError) as caught:
        apply_overrides(council_tax, parameter_values(council_tax, ON), override)
    assert message in str(caught.value)


def test_an_override_at_the_edge_of_the_range_is_accepted(council_tax: RuleSet) -> None:
    values, _ = apply_overrides(
        council_tax, parameter_values(council_tax, ON), {"maximum_reduction_share": "1"}
    )
    assert values["maximum_reduction_share"] == 1.0


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "maximum_reduction_share=1.5",
            "maximum_reduction_share must be at most 100% (1), not 1.5",
        ),
        ("taper_rate=-0.5", "taper_rate must be at least 0% (0), not -0.5"),
    ],
)
def test_simulate_refuses_an_out_of_range_override_with_status_1_and_no_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, setting: str, message: str
) -> None:
    population = generate_population("council-tax-reduction-estimate", 10, 1, tmp_path / "p.csv")
    try:
        main(
            [
                "rules",
                "simulate",
                str(COUNCIL_TAX),
                "--population",
                str(population),
                "--on",
                ON.isoformat(),
                "--set",
                setting,
            ]
        )
    except SystemExit as exit:
        status = exit.code
    else:
        status = 0
    captured = capsys.readouterr()
    assert status == 1
    assert captured.err.strip() == f"error: {message}"
    assert "Traceback" not in captured.out + captured.err
