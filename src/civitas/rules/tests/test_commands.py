"""The command functions behind ``civitas rules validate|test|simulate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Imported as a module: a bare `test_command` name would be collected by pytest.
from civitas.rules import commands
from civitas.rules.population import generate_population
from civitas.rules.tests.conftest import COUNCIL_TAX, FIXTURES, PARKING


def test_validate_prints_file_line_message_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    bad = FIXTURES / "type-error.rules.yaml"
    assert commands.validate_command([PARKING, bad]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:16: nonsense: type error in `fee + start`" in out
    assert "2 files checked, 1 problem" in out


def test_validate_reports_a_path_that_does_not_exist(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert commands.validate_command([tmp_path / "nope.rules.yaml"]) == 1
    assert "no such file or directory" in capsys.readouterr().err


def test_test_command_runs_the_scenarios_beside_a_rules_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert commands.test_command([PARKING, COUNCIL_TAX]) == 0
    out = capsys.readouterr().out
    assert "parking-permit-fee.scenarios.yaml: 16 scenarios, 16 passed, 0 failed" in out
    assert out.strip().splitlines()[-1].endswith("passed, 0 failed")


@pytest.mark.parametrize(
    ("on", "sets", "population_text", "message"),
    [
        ("2026-13-01", [], None, "--on: '2026-13-01' is not a date written YYYY-MM-DD"),
        ("2020-01-01", [], None, "--on: is 1 January 2020, when annual_fee_by_band has no value"),
        (
            "2026-04-01",
            ["taper_rate=0.5"],
            None,
            "'taper_rate' is not a parameter of parking-permit-fee",
        ),
        ("2026-04-01", ["blue_badge_discount=half"], None, "blue_badge_discount"),
        ("2026-04-01", ["blue_badge_discount"], None, "expected PARAMETER=VALUE"),
        ("2026-04-01", [], "co2_band\nC\n", "missing columns 'permit_months'"),
    ],
)
def test_simulate_reports_user_errors_without_a_traceback(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    on: str,
    sets: list[str],
    population_text: str | None,
    message: str,
) -> None:
    population = tmp_path / "p.csv"
    if population_text is None:
        generate_population("parking-permit-fee", 20, 1, population)
    else:
        population.write_text(population_text, "utf-8")
    assert commands.simulate_command(PARKING, population, on, sets, json_output=False) == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""


def test_simulate_with_invalid_rules_prints_the_problems(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = FIXTURES / "cycle.rules.yaml"
    assert commands.simulate_command(bad, tmp_path / "p.csv", None, [], json_output=False) == 1
    err = capsys.readouterr().err
    assert f"{bad}:11: variables depend on each other in a cycle" in err
    assert "cycle: first → third → second → first" in err


PERMIT_CASE = [
    "co2_band=electric",
    "permit_months=12",
    "permits_already_in_household=1",
    "has_blue_badge=yes",
]


def test_explain_lists_each_rule_used_with_its_working_and_citation(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert commands.explain_command(PARKING, "2026-04-01", None, PERMIT_CASE) == 0
    out = capsys.readouterr().out

    assert "as it applies on 1 April 2026" in out
    assert "  1. lives_in_zone: Address is in a controlled parking zone = yes" in out
    rules = [line.split(":")[0].strip() for line in out.splitlines() if ". " in line[:6]]
    assert rules[-1].endswith("fee_pence")
    assert "     working: round(£45 * 0.5) = £22.50" in out
    assert "     source: TMO 2025, art. 9(2)" in out
    assert '  annual_fee_by_band["electric"]: Annual (12-month) permit fee by CO2 band = £30' in out
    assert "     in force from 1 April 2026 until further notice" in out
    assert "     source: TMO 2025, Sch. 2 Pt 1 para 1" in out


def test_explain_decides_over_a_tax_year_and_names_the_period(
    capsys: pytest.CaptureFixture[str],
) -> None:
    income_tax = PARKING.parent / "income-tax.rules.yaml"
    case = ["non_savings_income=£110000", "residence=rest_of_uk"]
    assert commands.explain_command(income_tax, None, None, case, period="2025-26") == 0
    out = capsys.readouterr().out

    assert "over 6 April 2025 to 5 April 2026" in out
    assert "income_tax = £33,432" in out

    assert commands.explain_command(income_tax, None, None, case, period="2024-25") == 1
    assert (
        "--period: is 6 April 2024 to 5 April 2025, but the rules cover" in capsys.readouterr().err
    )
    assert commands.explain_command(income_tax, "2025-06-01", None, case, period="2025-26") == 1
    assert "not both" in capsys.readouterr().err


def test_explain_leaves_out_rules_the_outputs_did_not_depend_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    refused = ["co2_band=C", "permit_months=12", "permits_already_in_household=3"]
    assert commands.explain_command(PARKING, "2026-04-01", None, refused) == 0
    out = capsys.readouterr().out

    assert "within_household_limit" in out
    assert "base_fee_pence" not in out
    assert "annual_fee_by_band" not in out


def test_explain_in_welsh_shows_welsh_sentences_and_labels(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert commands.explain_command(PARKING, "2026-04-01", None, PERMIT_CASE, language="cy") == 0
    out = capsys.readouterr().out

    assert "Explained in Welsh (cy)" in out
    assert "  12. fee_pence: Ffi i'w thalu = £22.50" in out
    assert "     says: Gan mai hon fyddai'r ail drwydded yn eich aelwyd" in out


def test_explain_reads_inputs_from_a_json_file_and_writes_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inputs = tmp_path / "case.json"
    inputs.write_text(
        json.dumps({"co2_band": "C", "permit_months": 12, "permits_already_in_household": 0}),
        "utf-8",
    )
    assert commands.explain_command(PARKING, "2026-04-01", inputs, [], json_output=True) == 0
    record = json.loads(capsys.readouterr().out)

    assert record["outputs"] == {"eligible": True, "fee_pence": 14000}
    assert record["language"] == "en"
    assert [rule["name"] for rule in record["rules_used"]][-1] == "fee_pence"
    assert record["rules_used"][0]["source"]["reference"] == "TMO 2025, art. 4(1)"
    [fee] = [p for p in record["parameters"] if p["name"] == "annual_fee_by_band"]
    assert (fee["key"], fee["value"], fee["from"], fee["to"]) == ("C", 14000, "2026-04-01", None)
    assert fee["source"]["reference"] == "TMO 2025, Sch. 2 Pt 1 para 1"


@pytest.mark.parametrize(
    ("on", "json_text", "pairs", "language", "message"),
    [
        ("2026-04-01", None, ["colour=red"], "en", "input 'colour' is not an input of"),
        ("2026-04-01", None, ["co2_band=Z"], "en", "input 'co2_band' must be one of"),
        ("2026-04-01", None, ["co2_band"], "en", "--input: write NAME=VALUE, not 'co2_band'"),
        ("2026-04-01", None, ["co2_band=C"], "en", "input 'permit_months' is missing"),
        ("2026-04-01", "{not json", [], "en", ":1: not valid JSON"),
        ("2026-04-01", "[1, 2]", [], "en", "must be a JSON object of input names to values"),
        ("2020-01-01", None, PERMIT_CASE, "en", "--on: is 1 January 2020, but the rules cover"),
        ("1 April", None, PERMIT_CASE, "en", "--on: '1 April' is not a date written YYYY-MM-DD"),
        (None, None, PERMIT_CASE, "en", "give the date to decide the case on (--on"),
        ("2026-04-01", None, PERMIT_CASE, "fr", "--language: must be one of en, cy, not 'fr'"),
        ("2026-04-01", None, [], "en", "give the case's inputs with --inputs"),
    ],
)
def test_explain_reports_bad_input_in_one_line_and_exits_1(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    on: str | None,
    json_text: str | None,
    pairs: list[str],
    language: str,
    message: str,
) -> None:
    inputs = None
    if json_text is not None:
        inputs = tmp_path / "case.json"
        inputs.write_text(json_text, "utf-8")

    assert commands.explain_command(PARKING, on, inputs, pairs, language=language) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert message in line


def test_explain_reports_a_missing_inputs_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.json"
    assert commands.explain_command(PARKING, "2026-04-01", missing, []) == 1
    assert f"{missing}: cannot read the file" in capsys.readouterr().err
