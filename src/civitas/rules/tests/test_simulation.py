"""Policy simulation: vectorised results agree with decide, and bad files are named."""

from __future__ import annotations

import csv
import datetime
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from civitas.rules import datatypes as dt
from civitas.rules import vectorised
from civitas.rules.evaluate import decide
from civitas.rules.loader import load_rule_set
from civitas.rules.model import RuleSet
from civitas.rules.population import generate_columns, generate_population, write_population
from civitas.rules.simulation import (
    OverrideError,
    PopulationError,
    SimulationError,
    apply_overrides,
    parameter_values,
    parse_override,
    read_population,
    simulate,
)
from civitas.rules.tests.conftest import PARKING, RulesWriter
from civitas.rules.values import parse_text

APRIL_1 = datetime.date(2026, 4, 1)
ROWS = 20_000
SAMPLE = 1_000


def _row_inputs(rule_set: RuleSet, row: dict[str, str]) -> dict[str, Any]:
    return {
        name: parse_text(spec.vtype.kind, row[name])
        for name, spec in rule_set.inputs.items()
        if name in row
    }


def _assert_matches_decide(
    rule_set: RuleSet, population: Path, on: datetime.date, values: dict[str, np.ndarray]
) -> None:
    with open(population, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sample = np.random.default_rng(7).choice(len(rows), size=SAMPLE, replace=False)
    for index in sample:
        decision = decide(rule_set, _row_inputs(rule_set, rows[index]), on)
        for name, column in values.items():
            kind = rule_set.variables[name].vtype.kind
            (vectorised_value,) = vectorised.decode(rule_set, kind, column[index : index + 1])
            assert vectorised_value == decision.values[name], (
                f"row {index}: {name} is {vectorised_value!r} vectorised but "
                f"{decision.values[name]!r} from decide\n{decision.explain(name)}"
            )


@pytest.fixture(scope="module")
def parking_population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("populations") / "parking.csv"
    return generate_population("parking-permit-fee", ROWS, seed=1, path=path)


@pytest.fixture(scope="module")
def council_tax_population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("populations") / "council-tax.csv"
    return generate_population("council-tax-reduction-estimate", ROWS, seed=2, path=path)


@pytest.mark.parametrize("on", [datetime.date(2026, 3, 31), APRIL_1])
def test_parking_simulation_matches_decide_row_by_row(
    parking: RuleSet, parking_population: Path, on: datetime.date
) -> None:
    report = simulate(parking, parking_population, on)
    _assert_matches_decide(parking, parking_population, on, dict(report.baseline))


@pytest.mark.parametrize("on", [datetime.date(2026, 3, 31), APRIL_1])
def test_council_tax_simulation_matches_decide_row_by_row(
    council_tax: RuleSet, council_tax_population: Path, on: datetime.date
) -> None:
    report = simulate(council_tax, council_tax_population, on)
    _assert_matches_decide(council_tax, council_tax_population, on, dict(report.baseline))


def test_every_variable_matches_decide_for_every_language_feature(
    language: RuleSet, tmp_path: Path
) -> None:
    path = write_population(generate_columns(language, ROWS, seed=3), tmp_path / "lang.csv")
    on = datetime.date(2025, 6, 1)
    population = read_population(language, path)
    run = vectorised.VectorRun(
        population.columns,
        population.rows,
        vectorised.vector_parameters(language, parameter_values(language, on)),
        on,
    )
    values = vectorised.evaluate(language, run, list(language.variables))
    _assert_matches_decide(language, path, on, values)


def test_a_reform_matches_decide_on_the_reformed_rules(
    parking: RuleSet, parking_population: Path, tmp_path: Path
) -> None:
    report = simulate(parking, parking_population, APRIL_1, {"annual_fee_by_band[C]": "£150"})
    reformed = tmp_path / "reformed.rules.yaml"
    reformed.write_text(PARKING.read_text("utf-8").replace("C: 14000", "C: 15000"), "utf-8")
    _assert_matches_decide(
        load_rule_set(reformed), parking_population, APRIL_1, dict(report.reform)
    )


def test_raising_one_fee_makes_losers_but_changes_no_eligibility(
    parking: RuleSet, parking_population: Path
) -> None:
    report = simulate(parking, parking_population, APRIL_1, {"annual_fee_by_band[C]": 15000})
    eligible, fee = report.outputs
    assert eligible.changed == eligible.became_true == eligible.became_false == 0
    assert fee.decreased == 0
    assert fee.increased == fee.changed == fee.losers > 0
    assert fee.gainers == 0
    assert fee.total_change == fee.reform_total - fee.baseline_total  # type: ignore[operator]
    assert sum(bucket.count for bucket in fee.histogram) == fee.changed
    changes = report.reform["fee_pence"] - report.baseline["fee_pence"]
    assert fee.total_change == int(changes.sum())
    assert dict(fee.quantiles)["min"] == int(changes[changes != 0].min())
    assert report.changes == ("annual_fee_by_band[C] = £150 (was £140)",)


def test_a_harsher_taper_takes_some_households_out_of_entitlement(
    council_tax: RuleSet, council_tax_population: Path
) -> None:
    report = simulate(council_tax, council_tax_population, APRIL_1, {"taper_rate": "50%"})
    eligible = report.outputs[0]
    assert eligible.name == "eligible"
    assert eligible.became_false > 0
    assert eligible.became_true == 0
    assert eligible.losers == eligible.became_false
    weekly = report.outputs[1]
    assert weekly.increased == 0
    assert weekly.total_change < 0  # type: ignore[operator]


def test_the_report_renders_as_text_and_json(parking: RuleSet, parking_population: Path) -> None:
    report = simulate(parking, parking_population, APRIL_1, {"blue_badge_discount": "0.75"})
    text = report.render_text()
    assert f"{ROWS:,} rows, as on 1 April 2026" in text
    assert "blue_badge_discount = 0.75 (was 0.5)" in text
    assert "fee_pence: Fee to pay (lower is better for the citizen)" in text
    assert "distribution of the change:" in text
    data = json.loads(report.to_json())
    assert data["rows"] == ROWS
    assert data["rule_set"]["hash"] == parking.content_hash
    fee = data["outputs"][1]
    assert fee["name"] == "fee_pence"
    assert fee["gainers"] == fee["decreased"] > 0
    assert set(fee["quantiles"]) == {"min", "p10", "p25", "median", "p75", "p90", "max"}


def test_columns_for_inputs_with_defaults_may_be_left_out(parking: RuleSet, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text("co2_band,permit_months,permits_already_in_household\nC,12,0\nA,6,1\n", "utf-8")
    report = simulate(parking, path, APRIL_1)
    assert report.baseline["fee_pence"].tolist() == [14000, 3900 + 1950]


def test_spreadsheet_exports_with_a_byte_order_mark_and_crlf_are_read(
    parking: RuleSet, tmp_path: Path
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(
        b"\xef\xbb\xbfco2_band,permit_months,permits_already_in_household,has_blue_badge\r\n"
        b'"C",12,0,FALSE\r\nA,6,1,TRUE\r\n'
    )
    assert simulate(parking, path, APRIL_1).baseline["fee_pence"].tolist() == [14000, 2925]


def _population(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "population.csv"
    path.write_text(text, "utf-8")
    return path


HEADER = "co2_band,permit_months,permits_already_in_household,has_blue_badge\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "C,12,0,false\nC,12,0,false\nZ,12,0,false\n",
            "line 4, column 'co2_band': 'Z': co2_band must be one of electric, A",
        ),
        (
            "C,12,0,false\nC,twelve,0,false\n",
            "line 3, column 'permit_months': 'twelve' is not a whole number",
        ),
        (
            "C,9,0,false\n",
            "line 2, column 'permit_months': '9': permit_months must be one of 12, 6",
        ),
        (
            "C,12,0,false\nC,12,-1,false\n",
            "line 3, column 'permits_already_in_household': '-1': permits_already_in_household "
            "must be at least 0",
        ),
        (
            "C,12,0,false\nC,12,0,maybe\n",
            "line 3, column 'has_blue_badge': 'maybe' is not true or false",
        ),
        ("C,12,0,false\nC,12,0\n", "line 3: 3 values, but the header has 4 columns"),
        ("C,12,,false\n", "line 2, column 'permits_already_in_household': '' is not a whole"),
    ],
)
def test_a_bad_population_value_names_the_column_and_first_bad_line(
    parking: RuleSet, tmp_path: Path, body: str, message: str
) -> None:
    path = _population(tmp_path, HEADER + body)
    with pytest.raises(PopulationError) as caught:
        simulate(parking, path, APRIL_1)
    assert str(caught.value) == f"{path}: {message}" or message in str(caught.value)
    assert str(caught.value).startswith(f"{path}: line ")


def test_a_missing_column_is_named(parking: RuleSet, tmp_path: Path) -> None:
    path = _population(tmp_path, "co2_band,has_blue_badge\nC,false\n")
    with pytest.raises(
        PopulationError, match="missing columns 'permit_months', 'permits_already_in_household'"
    ):
        simulate(parking, path, APRIL_1)


def test_a_bad_date_column_is_named(language: RuleSet, tmp_path: Path) -> None:
    path = _population(
        tmp_path,
        "band,amount_pence,count,start_date\nlow,1,1,2020-01-01\nlow,1,1,2020-02-30\n",
    )
    with pytest.raises(PopulationError, match="line 3, column 'start_date': '2020-02-30'"):
        read_population(language, path)


def test_empty_and_missing_files_are_errors_not_tracebacks(
    parking: RuleSet, tmp_path: Path
) -> None:
    with pytest.raises(PopulationError, match="file not found"):
        read_population(parking, tmp_path / "absent.csv")
    with pytest.raises(PopulationError, match="the file is empty"):
        read_population(parking, _population(tmp_path, ""))


def test_division_by_zero_in_a_row_names_the_line(write_rules: RulesWriter, tmp_path: Path) -> None:
    rules = load_rule_set(
        write_rules(
            {
                "share": {"type": "money", "expression": "round(amount / count)"},
                "safe": {"type": "money", "expression": "count > 0 ? round(amount / count) : 0"},
            },
            outputs=["safe", "share"],
        )
    )
    path = _population(tmp_path, "amount,start,band,count\n10,2020-01-01,A,2\n10,2020-01-01,B,0\n")
    with pytest.raises(SimulationError, match="line 3: variable 'share': division by zero"):
        simulate(rules, path, APRIL_1)


def test_a_guarded_division_by_zero_is_not_an_error(
    write_rules: RulesWriter, tmp_path: Path
) -> None:
    rules = load_rule_set(
        write_rules(
            {"safe": {"type": "money", "expression": "count > 0 ? round(amount / count) : 0"}}
        )
    )
    path = _population(tmp_path, "amount,start,band,count\n10,2020-01-01,A,2\n9,2020-01-01,B,0\n")
    assert simulate(rules, path, APRIL_1).baseline["safe"].tolist() == [5, 0]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            {"anual_fee_by_band[C]": 1},
            "'anual_fee_by_band' is not a parameter of "
            "parking-permit-fee; did you mean 'annual_fee_by_band'?",
        ),
        (
            {"annual_fee_by_band": 1},
            "annual_fee_by_band is a table keyed by co2_band; set one "
            "entry with annual_fee_by_band[KEY]=VALUE",
        ),
        ({"annual_fee_by_band[H]": 1}, "annual_fee_by_band has no entry 'H'"),
        (
            {"annual_fee_by_band[C]": "140.00"},
            "annual_fee_by_band[C] must be a whole number of "
            "pence (like 14000) or pounds with a £ sign",
        ),
        ({"annual_fee_by_band[C]": 140.5}, "annual_fee_by_band[C] must be a whole number of pence"),
        ({"blue_badge_discount": "half"}, "blue_badge_discount must be a number"),
        ({"max_permits_per_household": "2.5"}, "max_permits_per_household must be a whole number"),
        ({"blue_badge_discount[A]": 1}, "blue_badge_discount is a single value, not a table"),
    ],
)
def test_overrides_are_type_checked_against_the_parameter(
    parking: RuleSet, override: dict[str, Any], message: str
) -> None:
    with pytest.raises(OverrideError) as caught:
        apply_overrides(parking, parameter_values(parking, APRIL_1), override)
    assert message in str(caught.value)


def test_overrides_are_parsed_from_name_equals_value() -> None:
    assert parse_override("taper_rate=0.65") == ("taper_rate", "0.65")
    assert parse_override(" fee[C] = £150 ") == ("fee[C]", "£150")
    with pytest.raises(OverrideError, match="expected PARAMETER=VALUE"):
        parse_override("taper_rate")


def test_overrides_accept_pounds_percentages_and_whole_tables(parking: RuleSet) -> None:
    values = parameter_values(parking, APRIL_1)
    changed, described = apply_overrides(
        parking,
        values,
        {
            'annual_fee_by_band["G"]': "£400",
            "blue_badge_discount": "60%",
            "surcharge_rate_by_position": {"second": 0.25, "third": "75%"},
        },
    )
    assert changed["annual_fee_by_band"]["G"] == 40000
    assert changed["blue_badge_discount"] == pytest.approx(0.6)
    assert changed["surcharge_rate_by_position"] == {"first": 0.0, "second": 0.25, "third": 0.75}
    assert values["annual_fee_by_band"]["G"] == 34500  # the baseline is untouched
    assert len(described) == 4


def test_simulating_a_date_the_rules_do_not_cover_is_refused(
    parking: RuleSet, parking_population: Path
) -> None:
    with pytest.raises(ValueError, match="annual_fee_by_band has no value"):
        simulate(parking, parking_population, datetime.date(2024, 1, 1))


def test_array_encoding_round_trips_enumerations_and_dates(language: RuleSet) -> None:
    codes = np.array([vectorised.encode(language, dt.ENUMERATION, v) for v in ("low", "high")])
    assert vectorised.decode(language, dt.ENUMERATION, codes) == ["low", "high"]
    day = datetime.date(2026, 4, 1)
    days = np.array([vectorised.encode(language, dt.DATE, day)])
    assert vectorised.decode(language, dt.DATE, days) == [day]
