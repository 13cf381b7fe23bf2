"""Single decisions: values, explanations, traces and input errors."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from civitas.rules import public
from civitas.rules.evaluate import RuleEvaluationError, round_half_away
from civitas.rules.loader import load_rule_set
from civitas.rules.model import RuleSet
from civitas.rules.public import DateNotCovered, InputError, decide
from civitas.rules.tests.conftest import RulesWriter

MARCH_31 = datetime.date(2026, 3, 31)
APRIL_1 = datetime.date(2026, 4, 1)
BAND_C_ANNUAL = {"co2_band": "C", "permit_months": 12, "permits_already_in_household": 0}


def test_fee_table_changes_on_1_april(parking: RuleSet) -> None:
    assert decide(parking, BAND_C_ANNUAL, MARCH_31).outputs["fee_pence"] == 12000
    assert decide(parking, BAND_C_ANNUAL, APRIL_1).outputs["fee_pence"] == 14000


def test_explanation_says_which_tariff_applied_from_when(parking: RuleSet) -> None:
    decision = decide(parking, BAND_C_ANNUAL, APRIL_1)
    assert (
        "The fee for a 12-month permit for a band C vehicle from 1 April 2026 is £140."
        in decision.explanation
    )
    assert decision.explanation[-1] == "Fee to pay: £140."


def test_explanation_reads_in_order_from_conditions_to_the_amount(parking: RuleSet) -> None:
    decision = decide(
        parking,
        {**BAND_C_ANNUAL, "permits_already_in_household": 1, "has_blue_badge": True},
        APRIL_1,
    )
    assert decision.explanation == (
        "Your address is in a controlled parking zone.",
        "A household can have up to 3 resident permits, and yours already has 1.",
        "You can have a resident parking permit.",
        "The fee for a 12-month permit for a band C vehicle from 1 April 2026 is £140.",
        "As this would be the second permit in your household, a surcharge of 50% (£70) is added.",
        "As you hold a Blue Badge, the fee is reduced by 50% (£105).",
        "Fee to pay: £105.",
    )


def test_only_what_the_outcome_depended_on_is_explained(parking: RuleSet) -> None:
    decision = decide(parking, {**BAND_C_ANNUAL, "address_in_zone": False}, APRIL_1)
    assert decision.outputs == {"eligible": False, "fee_pence": 0}
    assert decision.explanation == (
        "Your address is not in a controlled parking zone, so you cannot have a resident permit.",
        "You cannot have a resident parking permit.",
        "Fee to pay: £0.",
    )
    # Every value is still computed and traced, marked as not relevant.
    assert decision.values["base_fee_pence"] == 14000
    assert decision.trace["base_fee_pence"].relevant is False
    assert decision.trace["lives_in_zone"].relevant is True


def test_the_trace_shows_conditions_working_and_parameters(parking: RuleSet) -> None:
    decision = decide(parking, {**BAND_C_ANNUAL, "permits_already_in_household": 1}, APRIL_1)
    surcharge = decision.trace["household_surcharge_pence"]
    assert surcharge.value == 7000
    assert surcharge.display == "£70"
    assert surcharge.expression == (
        "has_household_surcharge ? round(base_fee_pence * surcharge_rate) : 0"
    )
    assert surcharge.working == "round(£140 * 0.5) = £70"
    assert [(c.expression, c.value) for c in surcharge.conditions] == [
        ("has_household_surcharge", True)
    ]
    base = decision.trace["base_fee_pence"]
    assert [(c.expression, c.value) for c in base.conditions] == [("permit_months == 12", True)]
    (use,) = base.parameters
    assert (use.name, use.key, use.value) == ("annual_fee_by_band", "C", 14000)
    assert (use.period_from, use.period_to) == (APRIL_1, None)
    assert use.source is not None
    assert use.source.reference == "TMO 2025, Sch. 2 Pt 1 para 1"


def test_parameters_applied_list_each_value_with_its_period(parking: RuleSet) -> None:
    decision = decide(parking, BAND_C_ANNUAL, MARCH_31)
    described = [use.describe() for use in decision.parameters]
    assert 'annual_fee_by_band["C"] = £120 (in force from 1 April 2025 to 31 March 2026)' in (
        described
    )
    assert "max_permits_per_household = 3 (in force from 1 April 2025)" in described
    # The six-month table was not consulted for a 12-month permit.
    assert all(use.name != "six_month_fee_by_band" for use in decision.parameters)


def test_parameters_explain_themselves_in_the_trace(council_tax: RuleSet) -> None:
    decision = decide(
        council_tax,
        {"claimant_age": 30, "weekly_income_pence": 19555, "weekly_council_tax_pence": 3000},
        APRIL_1,
    )
    sentences = {use.reference: use.sentence for use in decision.parameters}
    assert sentences['personal_allowance["single_25_or_over"]'] == (
        "The personal allowance for a single person aged 25 or over is £95.55 a week from "
        "1 April 2026."
    )
    assert sentences["taper_rate"] == (
        "20% of weekly income above the applicable amount is taken off the maximum reduction."
    )
    assert sentences["pension_age"] is None
    assert "    The personal allowance for a single person aged 25 or over" in decision.explain(
        "personal_allowance_pence"
    )


def test_explain_gives_a_readable_account_of_one_variable(council_tax: RuleSet) -> None:
    decision = decide(
        council_tax,
        {
            "claimant_age": 30,
            "weekly_income_pence": 0,
            "capital_pence": 700000,
            "weekly_council_tax_pence": 3000,
        },
        APRIL_1,
    )
    text = decision.explain("tariff_income_pence")
    assert "Tariff income from capital (tariff_income_pence) = £4" in text
    assert "ceil((£7,000 - £6,000) / £250) * £1 = £4" in text
    assert "condition `has_tariff_income` held" in text
    assert "parameter tariff_income_step = £250 (in force from 1 April 2025)" in text


def test_council_tax_reduction_explains_the_means_test(council_tax: RuleSet) -> None:
    decision = decide(
        council_tax,
        {"claimant_age": 30, "weekly_income_pence": 19555, "weekly_council_tax_pence": 3000},
        APRIL_1,
    )
    assert decision.outputs == {
        "eligible": True,
        "weekly_reduction_pence": 400,
        "annual_reduction_pence": 20857,
    }
    assert decision.explanation[-3:] == (
        "Your Council Tax Reduction is £4 a week.",
        "Over a full year that is £208.57.",
        "You are entitled to Council Tax Reduction.",
    )


@pytest.mark.parametrize(
    ("inputs", "name", "fragment"),
    [
        ({"permit_months": 12, "permits_already_in_household": 0}, "co2_band", "is missing"),
        ({**BAND_C_ANNUAL, "co2_band": "Z"}, "co2_band", "must be one of electric, A, B"),
        ({**BAND_C_ANNUAL, "co2_band": 3}, "co2_band", "must be text"),
        ({**BAND_C_ANNUAL, "permit_months": 9}, "permit_months", "must be one of 12, 6"),
        ({**BAND_C_ANNUAL, "permit_months": "12"}, "permit_months", "must be a whole number"),
        ({**BAND_C_ANNUAL, "permit_months": 12.0}, "permit_months", "must be a whole number"),
        (
            {**BAND_C_ANNUAL, "permits_already_in_household": -1},
            "permits_already_in_household",
            "must be at least 0",
        ),
        ({**BAND_C_ANNUAL, "has_blue_badge": "yes"}, "has_blue_badge", "must be true or false"),
        ({**BAND_C_ANNUAL, "has_blue_badge": 1}, "has_blue_badge", "must be true or false"),
        ({**BAND_C_ANNUAL, "colour": "red"}, "colour", "is not an input of parking-permit-fee"),
    ],
)
def test_wrong_or_missing_inputs_raise_input_error_naming_the_input(
    parking: RuleSet, inputs: dict[str, Any], name: str, fragment: str
) -> None:
    with pytest.raises(InputError) as caught:
        decide(parking, inputs, APRIL_1)
    assert caught.value.name == name
    assert f"input '{name}'" in str(caught.value)
    assert fragment in str(caught.value)


def test_money_inputs_must_be_whole_pence(council_tax: RuleSet) -> None:
    with pytest.raises(InputError, match="weekly_income_pence' must be a whole number of pence"):
        decide(
            council_tax,
            {"claimant_age": 30, "weekly_income_pence": 100.5, "weekly_council_tax_pence": 3000},
            APRIL_1,
        )


def test_defaults_are_applied_and_recorded(parking: RuleSet) -> None:
    decision = decide(parking, BAND_C_ANNUAL, APRIL_1)
    assert decision.inputs["address_in_zone"] is True
    assert decision.inputs["has_blue_badge"] is False
    assert decision.defaults_applied == ("has_blue_badge", "address_in_zone")


def test_a_date_the_rules_do_not_cover_is_an_input_error_about_on(parking: RuleSet) -> None:
    with pytest.raises(DateNotCovered) as caught:
        decide(parking, BAND_C_ANNUAL, datetime.date(2025, 3, 31))
    assert caught.value.name == "on"
    assert "the rules cover 1 April 2025 onwards" in str(caught.value)


def test_on_must_be_a_date_not_a_datetime(parking: RuleSet) -> None:
    with pytest.raises(InputError, match="input 'on' must be a date"):
        decide(parking, BAND_C_ANNUAL, datetime.datetime(2026, 4, 1, 12, 0))


def test_decisions_are_deterministic_and_name_the_exact_rules(parking: RuleSet) -> None:
    first = decide(parking, BAND_C_ANNUAL, APRIL_1)
    second = decide(parking, dict(reversed(list(BAND_C_ANNUAL.items()))), APRIL_1)
    assert first == second
    assert first.to_dict() == second.to_dict()
    assert first.rule_set_hash == parking.content_hash
    assert len(first.rule_set_hash) == 64
    assert first.rule_set_version == "2026-04"


def test_the_decision_record_is_json(parking: RuleSet) -> None:
    record = json.loads(json.dumps(decide(parking, BAND_C_ANNUAL, APRIL_1).to_dict()))
    assert record["rule_set"]["name"] == "parking-permit-fee"
    assert record["on"] == "2026-04-01"
    assert record["outputs"] == {"eligible": True, "fee_pence": 14000}
    assert record["trace"]["base_fee_pence"]["parameters"][0]["from"] == "2026-04-01"


def test_a_record_without_the_trace_is_the_full_record_less_the_trace(parking: RuleSet) -> None:
    decision = decide(parking, BAND_C_ANNUAL, APRIL_1)
    full = decision.to_dict()
    del full["trace"]
    assert decision.to_dict(trace=False) == full


def test_the_trace_is_the_same_however_late_it_is_read(council_tax: RuleSet) -> None:
    inputs = {"claimant_age": 30, "weekly_income_pence": 30000, "weekly_council_tax_pence": 3000}
    early = decide(council_tax, inputs, APRIL_1)
    early_traces = dict(early.trace)
    late = decide(council_tax, inputs, APRIL_1)
    decide(council_tax, {**inputs, "claimant_age": 70}, APRIL_1)  # another run in between
    assert dict(late.trace) == early_traces
    assert list(late.trace) == list(council_tax.order)


def test_a_decision_can_be_read_like_a_mapping(parking: RuleSet) -> None:
    decision = decide(parking, BAND_C_ANNUAL, APRIL_1)
    assert decision["fee_pence"] == 14000
    assert decision["co2_band"] == "C"


def test_division_by_zero_names_the_variable(write_rules: RulesWriter) -> None:
    path = write_rules({"share": {"type": "money", "expression": "round(amount / count)"}})
    rules = load_rule_set(path)
    inputs = {"amount": 100, "start": "2026-01-01", "band": "A", "count": 0}
    with pytest.raises(RuleEvaluationError, match="variable 'share': division by zero"):
        decide(rules, inputs, APRIL_1)


def test_and_or_and_conditionals_only_evaluate_what_they_need(write_rules: RulesWriter) -> None:
    path = write_rules(
        {
            "safe": {"type": "boolean", "expression": "count > 0 and amount / count > 10"},
            "also_safe": {"type": "boolean", "expression": "count == 0 or amount / count > 10"},
            "guarded": {"type": "money", "expression": "count > 0 ? round(amount / count) : 0"},
        }
    )
    decision = decide(
        load_rule_set(path),
        {"amount": 100, "start": "2026-01-01", "band": "A", "count": 0},
        APRIL_1,
    )
    assert decision.values == {"safe": False, "also_safe": True, "guarded": 0}


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(2.5, 3), (-2.5, -3), (2.4999, 2), (0.5, 1), (-0.5, -1), (7, 7), (2800.0000000000005, 2800)],
)
def test_round_takes_halves_away_from_zero(value: float, rounded: int) -> None:
    assert round_half_away(value) == rounded


def test_dates_and_the_decision_date_can_be_used_in_rules(language: RuleSet) -> None:
    decision = decide(
        language,
        {"band": "low", "amount_pence": 12345, "count": 4, "start_date": "2020-01-01"},
        datetime.date(2026, 5, 1),
    )
    assert decision.values["started_before_cutoff"] is True
    assert decision.values["days_since_start"] == 2312
    assert decision.values["weeks_since_start"] == 330
    assert decision.values["later_date"] == datetime.date(2020, 6, 30)
    assert "You started on or before 30 June 2020." in decision.explanation
    assert (
        "£123.45 at 20% is £24.69, using the rate from 1 January 2026 (until further notice)."
        in decision.explanation
    )
    assert "The amount is medium and the band is the low band." in decision.explanation


def test_outputs_without_a_template_still_get_a_sentence(language: RuleSet) -> None:
    decision = decide(
        language,
        {"band": "mid", "amount_pence": 0, "count": 0, "start_date": "2020-01-01"},
        datetime.date(2025, 5, 1),
    )
    assert "Is extreme: no." in decision.explanation
    assert "Thirds: 0." in decision.explanation


def test_the_public_module_offers_what_other_components_need() -> None:
    names = ("load_rule_set", "load_rule_set_source", "read_input", "decide", "Decision")
    for name in (*names, "RuleSetInvalid", "InputError"):
        assert hasattr(public, name)


def test_rules_kept_as_text_load_like_the_file_and_report_against_the_name_given(
    parking: RuleSet,
) -> None:
    from civitas.rules.tests.conftest import PARKING

    source = PARKING.read_text(encoding="utf-8")
    loaded = public.load_rule_set_source(source, filename="permit@3:parking.rules.yaml")
    assert loaded.content_hash == parking.content_hash
    assert public.load_rule_set_source(source, filename="elsewhere") is loaded
    with pytest.raises(public.RuleSetInvalid) as raised:
        public.load_rule_set_source(source.replace("address_in_zone\n", "nope\n"), filename="x")
    assert str(raised.value.problems[0]).startswith("x:")


@pytest.mark.parametrize(
    ("name", "text", "value"),
    [
        ("has_blue_badge", "yes", True),
        ("has_blue_badge", "false", False),
        ("permits_already_in_household", "2", 2),
        ("co2_band", "electric", "electric"),
        ("permit_months", "6", 6),
    ],
)
def test_inputs_written_as_text_are_read_as_their_type(
    parking: RuleSet, name: str, text: str, value: Any
) -> None:
    assert public.read_input(parking, name, text) == value


@pytest.mark.parametrize(
    ("name", "text"),
    [("permit_months", "9"), ("permits_already_in_household", "-1"), ("co2_band", "Z")],
)
def test_text_an_input_cannot_take_is_an_input_error_naming_it(
    parking: RuleSet, name: str, text: str
) -> None:
    with pytest.raises(InputError) as raised:
        public.read_input(parking, name, text)
    assert raised.value.name == name
