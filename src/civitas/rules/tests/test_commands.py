"""The command functions behind ``civitas rules validate|test|simulate``."""

from __future__ import annotations

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
    assert "parking-permit-fee.scenarios.yaml: 14 scenarios, 14 passed, 0 failed" in out
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
