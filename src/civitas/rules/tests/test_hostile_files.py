"""Hostile population and rule files: each is one clear ``file:line`` message, never a
traceback, in bounded time and memory. The files are generated here, not kept as fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

from civitas.cli import main
from civitas.rules.loader import validate_file
from civitas.rules.model import RuleSet
from civitas.rules.population import generate_population
from civitas.rules.simulation import MAX_LINE_BYTES, PopulationError, read_population
from civitas.rules.tests.conftest import PARKING

MIB = 1 << 20


def _civitas(*args: str | Path) -> int:
    try:
        main(["rules", *map(str, args)])
    except SystemExit as exit:
        return int(exit.code or 0)
    return 0


def _measured(code: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter; it prints a JSON object, to which the run's
    peak memory (MiB) is added. Fresh, so earlier tests do not count: the peak is the
    process's own high-water mark (VmHWM), which a new program starts afresh, where
    getrusage's maximum also counts what the parent held when it forked."""
    script = (
        "import json, time\n"
        "started = time.perf_counter()\n"
        f"{code}\n"
        "result['seconds'] = time.perf_counter() - started\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "result['peak_mib'] = int(status) / 1024\n"
        "print(json.dumps(result))\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    measured: dict[str, float] = json.loads(finished.stdout.strip().splitlines()[-1])
    return measured


@pytest.fixture
def population(tmp_path: Path) -> list[str]:
    """The lines of a small, valid parking population."""
    path = generate_population("parking-permit-fee", 5, 1, tmp_path / "valid.csv")
    return path.read_text(encoding="utf-8").splitlines()


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- population files ----------------------------------------------------------------


def test_a_row_with_an_extra_value_is_refused_naming_its_line(
    parking: RuleSet, tmp_path: Path, population: list[str]
) -> None:
    # Before: the columns shifted and address_in_zone was read as false.
    lines = [*population[:3], "true," + population[3], *population[4:]]
    path = _write(tmp_path / "extra.csv", lines)
    with pytest.raises(PopulationError) as caught:
        read_population(parking, path)
    assert str(caught.value) == f"{path}: line 4: 6 values, but the header has 5 columns"


def test_a_row_with_an_extra_quoted_value_is_refused_naming_its_line(
    parking: RuleSet, tmp_path: Path, population: list[str]
) -> None:
    lines = [*population[:2], population[2] + ',"a, b"', *population[3:]]
    path = _write(tmp_path / "quoted.csv", lines)
    with pytest.raises(PopulationError, match="line 3: 6 values, but the header has 5"):
        read_population(parking, path)


def test_a_header_without_rows_is_refused_without_a_numpy_warning(
    parking: RuleSet, tmp_path: Path, population: list[str]
) -> None:
    path = _write(tmp_path / "header-only.csv", population[:1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(PopulationError) as caught:
            read_population(parking, path)
    assert str(caught.value) == (
        f"{path}: the file has a header row but no rows; add one row per case"
    )


@pytest.mark.parametrize("where", ["header", "row"])
def test_a_line_past_the_length_cap_is_refused_naming_it(
    parking: RuleSet, tmp_path: Path, population: list[str], where: str
) -> None:
    long_cell = "x" * (MAX_LINE_BYTES + 1)
    lines = (
        [population[0] + long_cell, *population[1:]]
        if where == "header"
        else [*population[:2], long_cell, *population[2:]]
    )
    path = _write(tmp_path / "long.csv", lines)
    with pytest.raises(PopulationError) as caught:
        read_population(parking, path)
    line = 1 if where == "header" else 3
    assert str(caught.value).startswith(f"{path}: line {line}: the line is longer than 65,536")


def test_a_256_mib_line_is_refused_fast_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(b"co2_band,permit_months,permits_already_in_household\n")
        block = b"9" * MIB
        for _ in range(256):
            handle.write(block)
    measured = _measured(
        "from civitas.rules.loader import load_rule_set\n"
        "from civitas.rules.simulation import PopulationError, read_population\n"
        f"rules = load_rule_set({str(PARKING)!r})\n"
        "started = time.perf_counter()\n"
        "try:\n"
        f"    read_population(rules, {str(path)!r})\n"
        "except PopulationError as error:\n"
        "    result = {'message': str(error)}\n"
    )
    assert measured["message"].startswith(f"{path}: line 2: the line is longer than")
    assert measured["seconds"] < 1.0, measured
    assert measured["peak_mib"] < 250, measured  # the file is 256 MiB; before: 1.66 GB


def test_a_population_file_that_is_not_utf8_names_the_line_of_the_bad_bytes(
    parking: RuleSet, tmp_path: Path, population: list[str]
) -> None:
    path = tmp_path / "latin1.csv"
    text = "\n".join(population) + "\n"
    path.write_bytes(text.encode("utf-8") + "C,12,0,false,true,café\n".encode("latin-1"))
    with pytest.raises(PopulationError) as caught:
        read_population(parking, path)
    assert str(caught.value) == (
        f"{path}: line 7: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    )


def test_simulate_reports_a_hostile_population_with_status_1_and_no_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, population: list[str]
) -> None:
    path = _write(tmp_path / "extra.csv", [*population[:2], population[2] + ",1"])
    assert _civitas("simulate", PARKING, "--population", path, "--on", "2026-05-01") == 1
    captured = capsys.readouterr()
    assert captured.err == f"error: {path}: line 3: 6 values, but the header has 5 columns\n"


# --- rule files ------------------------------------------------------------------------


def _rules(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hostile.rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if text in line)


@pytest.mark.parametrize("written", ["2026-02-30", '"2026-02-30"'])
def test_an_impossible_date_in_a_rule_file_is_reported_at_its_line(
    tmp_path: Path, written: str
) -> None:
    text = PARKING.read_text(encoding="utf-8").replace(
        "- from: 2026-04-01", f"- from: {written}", 1
    )
    path = _rules(tmp_path, text)
    problems = validate_file(path)
    assert [(p.line, p.message) for p in problems] == [
        (_line_of(path, "2026-02-30"), "'2026-02-30' is not a real date")
    ]


def test_a_rule_file_that_is_not_utf8_names_the_line_of_the_bad_bytes(tmp_path: Path) -> None:
    text = PARKING.read_text(encoding="utf-8")
    path = tmp_path / "latin1.rules.yaml"
    path.write_bytes(
        text.replace("Blue Badge holders", "Blue Badge holders, café").encode("latin-1")
    )
    (problem,) = validate_file(path)
    assert problem.message == "not UTF-8 text (byte 0xe9); save the file as UTF-8"
    assert problem.line == _line_of(path, "caf")


def test_an_expression_of_500_terms_is_refused_with_a_limit_at_its_line(tmp_path: Path) -> None:
    terms = " + ".join(["base_fee_pence"] * 500)
    text = PARKING.read_text(encoding="utf-8").replace(
        "expression: base_fee_pence + household_surcharge_pence", f"expression: {terms}"
    )
    path = _rules(tmp_path, text)
    (problem,) = validate_file(path)
    assert problem.line == _line_of(path, "base_fee_pence + base_fee_pence")
    assert problem.message == (
        "fee_before_discount_pence: the expression is too long or nested too deeply (more "
        "than 100 operators); split it into named variables"
    )


def test_deeply_bracketed_expressions_are_refused_with_a_limit(tmp_path: Path) -> None:
    nested = "(" * 200 + "base_fee_pence" + ")" * 200
    text = PARKING.read_text(encoding="utf-8").replace(
        "expression: base_fee_pence + household_surcharge_pence", f"expression: {nested}"
    )
    (problem,) = validate_file(_rules(tmp_path, text))
    assert "nested too deeply (brackets more than 32 deep)" in problem.message


def _billion_laughs(levels: int, fanout: int, text: str) -> str:
    lines = [f'l0: &l0 "{text}"']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * fanout)}]")
    lines.append(f"metadata: *l{levels - 1}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("levels", "fanout", "text"),
    [(10, 9, "lol"), (4, 10, "x" * 100_000)],
    ids=["many values", "long text"],
)
def test_an_alias_bomb_is_refused_quickly_with_a_short_message(
    tmp_path: Path, levels: int, fanout: int, text: str
) -> None:
    path = _rules(tmp_path, _billion_laughs(levels, fanout, text))
    measured = _measured(
        "from civitas.rules.loader import validate_file\n"
        "started = time.perf_counter()\n"
        f"result = {{'problems': [str(p) for p in validate_file({str(path)!r})]}}\n"
    )
    assert measured["problems"] == [
        f"{path}:1: aliases expand the file by more than 100,000 characters and values; write "
        "the values out instead"
    ]
    assert measured["seconds"] < 2.0, measured
    assert measured["peak_mib"] < 250, measured


def test_an_alias_inside_the_value_it_names_is_refused(tmp_path: Path) -> None:
    (problem,) = validate_file(_rules(tmp_path, "metadata: &loop [1, *loop]\n"))
    assert problem.message == "an alias refers to the value that contains it"


def test_a_few_small_aliases_are_still_allowed(tmp_path: Path) -> None:
    document = yaml.safe_load(PARKING.read_text(encoding="utf-8"))
    parameters = document["parameters"]
    first, second = list(parameters)[:2]
    parameters[second]["source"] = parameters[first]["source"]  # the same object: an alias
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
    assert "*id001" in text
    assert validate_file(_rules(tmp_path, text)) == []
