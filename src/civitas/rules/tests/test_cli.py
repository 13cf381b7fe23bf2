"""``civitas rules ...`` as a person types it: exit statuses, file:line output, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from civitas.cli import main
from civitas.rules.parser_tables import build_tables, shipped_tables
from civitas.rules.tests.conftest import (
    COUNCIL_TAX,
    COUNCIL_TAX_HOUSEHOLDS,
    FIXTURES,
    PARKING,
    SERVICE_RULES,
)


def civitas(*args: str | Path) -> int:
    """Runs the console command in this process; returns its exit status."""
    try:
        main(["rules", *map(str, args)])
    except SystemExit as exit:
        return int(exit.code or 0)
    return 0


def test_it_validates_the_real_rule_sets_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert civitas("validate", SERVICE_RULES) == 0
    assert capsys.readouterr().out.strip().endswith("8 files checked, 0 problems")


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("yaml-syntax-error.rules.yaml", "YAML syntax error"),
        ("unknown-variable.rules.yaml", "unknown name"),
        ("type-error.rules.yaml", "type error"),
        ("cycle.rules.yaml", "cycle"),
    ],
)
def test_it_reports_a_bad_rule_file_as_file_line_message_and_exits_1(
    capsys: pytest.CaptureFixture[str], fixture: str, message: str
) -> None:
    path = FIXTURES / fixture
    assert civitas("validate", path) == 1
    out = capsys.readouterr().out
    [line] = [line for line in out.splitlines() if line.startswith(f"{path}:")]
    file_line, _, text = line.partition(": ")
    assert file_line.rsplit(":", 1)[1].isdigit()
    assert message in text


def test_it_exits_1_when_a_scenario_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "wrong.scenarios.yaml"
    path.write_text(
        f"rules: {PARKING}\nscenarios:\n  - name: Wrong\n    on: 2026-04-01\n"
        "    inputs: {co2_band: C, permit_months: 12, permits_already_in_household: 0}\n"
        "    expect: {fee_pence: 1}\n",
        "utf-8",
    )
    assert civitas("test", path) == 1
    out = capsys.readouterr().out
    assert "fee_pence: expected £0.01, got £140" in out
    assert "1 failed" in out


def test_it_writes_a_population_and_simulates_a_reform_as_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    population = tmp_path / "households.csv"
    assert (
        civitas(
            "population", "council-tax-reduction-estimate", "--rows", "300", "--out", population
        )
        == 0
    )
    capsys.readouterr()
    status = civitas(
        "simulate",
        COUNCIL_TAX,
        "--population",
        population,
        "--on",
        "2026-04-01",
        "--set",
        "taper_rate=25%",
        "--set",
        "maximum_reduction_share=0.9",
        "--json",
    )
    assert status == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 300
    assert report["changes"] == [
        "taper_rate = 0.25 (was 0.2)",
        "maximum_reduction_share = 0.9 (was 0.8)",
    ]
    assert [o["name"] for o in report["outputs"]] == [
        "eligible",
        "weekly_reduction_pence",
        "annual_reduction_pence",
    ]


def test_it_writes_households_with_their_members_and_simulates_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    households, members = tmp_path / "households.csv", tmp_path / "members.csv"
    assert (
        civitas(
            "population", "council-tax-reduction", "--rows", "200",
            "--out", households, "--members-out", members,
        )
        == 0
    )  # fmt: skip
    assert "200 households of council-tax-reduction" in capsys.readouterr().out
    assert members.read_text(encoding="utf-8").startswith("household,role,date_of_birth,")
    status = civitas(
        "simulate", COUNCIL_TAX_HOUSEHOLDS, "--population", households, "--members", members,
        "--on", "2026-04-01", "--set", "maximum_reduction_share=100%", "--json",
    )  # fmt: skip
    assert status == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 200
    assert report["changes"] == ["maximum_reduction_share = 1 (was 0.8)"]


def test_a_household_population_without_a_members_file_is_refused(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "households.csv"
    assert civitas("population", "council-tax-reduction", "--rows", "5", "--out", out) == 1
    assert "--members-out: council-tax-reduction decides for households" in capsys.readouterr().err
    assert not out.exists()
    members = tmp_path / "members.csv"
    assert (
        civitas(
            "population", "parking-permit-fee", "--rows", "5", "--out", out,
            "--members-out", members,
        )
        == 1
    )  # fmt: skip
    assert "--members-out: parking-permit-fee has no members" in capsys.readouterr().err


def test_it_simulates_a_reform_as_a_table(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    population = tmp_path / "permits.csv"
    civitas("population", "parking-permit-fee", "--rows", "200", "--out", population)
    assert civitas(
        "simulate", PARKING, "--population", population, "--on", "2026-04-01",
        "--set", "annual_fee_by_band[C]=£150",
    ) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "reform: annual_fee_by_band[C] = £150 (was £140)" in out
    assert "fee_pence: Fee to pay" in out


def test_a_population_with_a_badly_typed_cell_names_the_column_and_row(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    population = tmp_path / "bad.csv"
    population.write_text(
        "co2_band,permit_months,permits_already_in_household\nC,12,0\nC,twelve,0\n", "utf-8"
    )
    assert civitas("simulate", PARKING, "--population", population, "--on", "2026-04-01") == 1
    err = capsys.readouterr().err
    assert f"{population}: line 3, column 'permit_months': 'twelve' is not a whole number" in err


def test_a_population_missing_a_column_names_the_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    population = tmp_path / "short.csv"
    population.write_text("co2_band,permit_months\nC,12\n", "utf-8")
    assert civitas("simulate", PARKING, "--population", population) == 1
    assert "missing column 'permits_already_in_household'" in capsys.readouterr().err


def test_the_installed_command_exits_1_without_a_traceback_on_a_bad_population(
    tmp_path: Path,
) -> None:
    population = tmp_path / "bad.csv"
    population.write_text("co2_band,permit_months,permits_already_in_household\nZ,12,0\n", "utf-8")
    command = [sys.executable, "-m", "civitas.cli", "rules", "simulate", str(PARKING)]
    result = subprocess.run(
        [*command, "--population", str(population), "--on", "2026-04-01"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "line 2, column 'co2_band'" in result.stderr
    assert result.stdout == ""


def test_the_rules_command_starts_without_loading_the_apps(tmp_path: Path) -> None:
    """``civitas rules`` needs no models, URLs or system checks: loading them was most of
    its three seconds of start-up."""
    population = tmp_path / "p.csv"
    script = (
        "import json, sys\n"
        "from django.apps import apps\n"
        "from civitas.cli import main\n"
        f"main(['rules', 'population', 'parking-permit-fee', '--rows', '10', '--out', "
        f"{str(population)!r}])\n"
        f"main(['rules', 'simulate', {str(PARKING)!r}, '--population', {str(population)!r}, "
        "'--on', '2026-05-01', '--json'])\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('civitas.') and not "
        "m.startswith(('civitas.rules', 'civitas.platform', 'civitas.cli', 'civitas.settings')))\n"
        "print(json.dumps({'apps_ready': apps.ready, 'loaded': loaded, "
        "'tables_module_removed': 'rule_engine.parser.parsetab' not in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    lines = result.stdout.strip().splitlines()
    assert json.loads(lines[-1]) == {
        "apps_ready": False,
        "loaded": [],
        "tables_module_removed": True,
    }
    report = json.loads("\n".join(lines[1:-1]))
    assert report["rows"] == 10


def test_the_rules_management_command_still_runs_under_django(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from django.core.management import call_command

    call_command("rules", "validate", str(SERVICE_RULES))
    assert capsys.readouterr().out.strip().endswith(" files checked, 0 problems")


def test_the_ready_made_parser_tables_match_the_installed_rule_engine() -> None:
    """ply would ignore stale tables and build its own (slowly); this says to regenerate
    them with ``python -m civitas.rules.parser_tables`` after upgrading rule-engine."""
    assert shipped_tables() == build_tables()


def test_it_explains_one_case_in_welsh_with_its_citations(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = civitas(
        "explain",
        PARKING,
        "--on",
        "2026-04-01",
        "--input",
        "co2_band=C",
        "--input",
        "permit_months=12",
        "--input",
        "permits_already_in_household=0",
        "--language",
        "cy",
    )
    assert status == 0
    out = capsys.readouterr().out
    assert "Y ffi am drwydded 12 mis ar gyfer cerbyd band C o 1 Ebrill 2026 ymlaen yw £140." in out
    assert "source: TMO 2025, art. 6(1)" in out


def test_the_installed_explain_command_exits_1_without_a_traceback_on_bad_json(
    tmp_path: Path,
) -> None:
    inputs = tmp_path / "case.json"
    inputs.write_text('{"co2_band": "C",', "utf-8")
    command = [sys.executable, "-m", "civitas.cli", "rules", "explain", str(PARKING)]
    result = subprocess.run(
        [*command, "--on", "2026-04-01", "--inputs", str(inputs)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert (
        result.stderr.strip()
        == f"{inputs}:1: not valid JSON: Expecting property name enclosed in double quotes"
    )
    assert result.stdout == ""
