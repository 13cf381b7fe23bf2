"""Rules as code in-process: single decisions and million-row simulations, against floors.

Measured in the same run on the same machine:

- **the parking permit fee and the Council Tax Reduction estimate** (services/rules/, one
  case a row): a single decision with its explanation against the same computation written
  by hand, in NumPy over a one-row population (the issue's floor) and in plain Python (a
  harder one), both checked to give `decide`'s outputs and sentences on 1,000 cases first;
  the outputs over 1,000,000 rows, vectorised, against the same formulas by hand in NumPy
  and as an OpenFisca tax-benefit system (all three must agree on every row); `simulate`
  end to end;
- **Council Tax Reduction** (services/rules/, the statutory scheme, a household of
  people): `decide` on the inputs of its first worked case, read from its scenarios file,
  so it keeps measuring whatever its inputs are;
- **a household means test** (bench/household-support.rules.yaml: per-person incomes and
  ages, non-dependant deductions with exceptions, a two-child limit, aggregations over
  1,000,000 households of about 2.5 people): `decide` on a household, checked against the
  NumPy floor on 1,000 households; the vectorised outputs against the same means test by
  hand in NumPy (bench/household.py), and against OpenFisca written for speed and in its
  one-variable-per-rule style (bench/household_openfisca.py), with the openfisca-core of
  requirements-bench.lock and with the older one of bench/openfisca-older.lock, installed
  into a throwaway virtual environment in the run's temporary folder (skipped, saying why,
  when it cannot be installed). Every version must agree with the rules on every household
  before anything is timed; `simulate` from the two CSV files end to end.

Ratios are times (ours / floor): 1.5 means 50% slower than the floor, 0.1 ten times faster.
The rules never touch the database, so they are measured once, on the SQLite pass.
OpenFisca is imported only here, in bench/household_openfisca.py, and in the processes
that run it. Alone: `.venv/bin/python -m bench.rules` (BENCH_RULES_ROWS=20000 for a quick
check of the machinery).
"""

from __future__ import annotations

import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from bench import household, household_openfisca
from civitas.rules.population import GENERATORS, write_population
from civitas.rules.public import RuleSet, decide, load_rule_set
from civitas.rules.scenarios import scenario_cases
from civitas.rules.simulation import (
    parameter_values,
    read_grouped_population,
    read_population,
    simulate,
)
from civitas.rules.vectorised import VectorRun, evaluate, vector_parameters

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "services" / "rules"
ON = datetime.date(2026, 5, 1)
APRIL_2026 = datetime.date(2026, 4, 1)
ROWS = int(os.environ.get("BENCH_RULES_ROWS", "1000000"))  # fewer for a quick check
CHECKED = 1_000  # households whose single decisions are checked against the floors
DECISIONS = 5_000  # single decisions timed per round
ROUNDS = 3
VECTOR_ROUNDS = 9  # the vectorised runs take milliseconds: more rounds steady the median
SEED = 20260401
GOAL_DECISION_P99_MS = 10.0
GOAL_VECTOR_RATIO = 3.0
GOAL_SIMULATE_SECONDS = 5.0

Values = dict[str, Any]
Sentences = list[str]


def _money(pence: int) -> str:
    """As GOV.UK writes money: whole pounds drop the pence (£12, £12.50)."""
    pounds, part = divmod(pence, 100)
    return f"£{pounds:,}" if part == 0 else f"£{pounds:,}.{part:02d}"


def _percent(rate: float) -> str:
    return f"{rate * 100:g}%"


def _round(x: Any) -> Any:
    """Halves away from zero, as the rules round; every amount here is positive."""
    return np.floor(x + 0.5).astype(np.int64) if isinstance(x, np.ndarray) else math.floor(x + 0.5)


# --- the parking permit fee, by hand ------------------------------------------------------

BANDS = ("electric", "A", "B", "C", "D", "E", "F", "G")
PARKING_TARIFFS = {
    # start of the period: (annual fee by band, six-month fee by band), in BANDS order
    datetime.date(2025, 4, 1): (
        (2500, 6000, 9000, 12000, 15000, 19000, 24000, 30000),
        (1400, 3300, 5000, 6600, 8300, 10500, 13200, 16500),
    ),
    APRIL_2026: (
        (3000, 7000, 10500, 14000, 17500, 22000, 27500, 34500),
        (1700, 3900, 5800, 7700, 9600, 12100, 15100, 19000),
    ),
}
POSITIONS = ("first", "second", "third")
SURCHARGE = (0.0, 0.5, 1.0)
BLUE_BADGE_DISCOUNT = 0.5
MAX_PERMITS = 3


def _parking_tariff(on: datetime.date) -> tuple[datetime.date, tuple, tuple]:
    start = APRIL_2026 if on >= APRIL_2026 else datetime.date(2025, 4, 1)
    annual, six = PARKING_TARIFFS[start]
    return start, annual, six


def parking_python(inputs: Mapping[str, Any], on: datetime.date) -> Values:
    _start, annual, six = _parking_tariff(on)
    band, months = BANDS.index(inputs["co2_band"]), inputs["permit_months"]
    held = inputs["permits_already_in_household"]
    eligible = inputs.get("address_in_zone", True) and held < MAX_PERMITS
    base = annual[band] if months == 12 else six[band]
    position = min(held, 2)
    surcharge = _round(base * SURCHARGE[position]) if SURCHARGE[position] > 0 else 0
    before = base + surcharge
    discount = _round(before * BLUE_BADGE_DISCOUNT) if inputs.get("has_blue_badge") else 0
    fee = before - discount if eligible else 0
    return {"eligible": eligible, "fee_pence": fee, "base": base, "position": position,
            "surcharge": surcharge, "discount": discount}  # fmt: skip


def parking_numpy(columns: Mapping[str, np.ndarray], on: datetime.date) -> dict[str, np.ndarray]:
    _start, annual, six = _parking_tariff(on)
    band, months = columns["band"], columns["permit_months"]
    held = columns["permits_already_in_household"]
    eligible = columns["address_in_zone"] & (held < MAX_PERMITS)
    base = np.where(months == 12, np.array(annual)[band], np.array(six)[band])
    position = np.minimum(held, 2)
    rate = np.array(SURCHARGE)[position]
    surcharge = np.where(rate > 0, _round(base * rate), 0)
    before = base + surcharge
    discount = np.where(columns["has_blue_badge"], _round(before * BLUE_BADGE_DISCOUNT), 0)
    fee = np.where(eligible, before - discount, 0)
    return {"eligible": eligible, "fee_pence": fee, "base": base, "position": position,
            "surcharge": surcharge, "discount": discount}  # fmt: skip


def parking_sentences(inputs: Mapping[str, Any], v: Values, on: datetime.date) -> Sentences:
    start = _parking_tariff(on)[0]
    held, in_zone = inputs["permits_already_in_household"], inputs.get("address_in_zone", True)
    said = []
    if in_zone:
        said.append("Your address is in a controlled parking zone.")
        if held < MAX_PERMITS:
            said.append(
                f"A household can have up to {MAX_PERMITS} resident permits, "
                f"and yours already has {held}."
            )
        else:
            said.append(
                f"Your household already has {held} permits, "
                f"and a household can have at most {MAX_PERMITS}."
            )
    else:
        said.append(
            "Your address is not in a controlled parking zone, so you cannot have a resident "
            "permit."
        )
    if not v["eligible"]:
        return [*said, "You cannot have a resident parking permit.", f"Fee to pay: {_money(0)}."]
    said.append("You can have a resident parking permit.")
    said.append(
        f"The fee for a {inputs['permit_months']}-month permit for a band {inputs['co2_band']} "
        f"vehicle from {start.day} {start:%B} {start.year} is {_money(v['base'])}."
    )
    if v["position"]:
        said.append(
            f"As this would be the {POSITIONS[v['position']]} permit in your household, a "
            f"surcharge of {_percent(SURCHARGE[v['position']])} ({_money(v['surcharge'])}) "
            "is added."
        )
    else:
        said.append("As this would be the first permit in your household, there is no surcharge.")
    if inputs.get("has_blue_badge"):
        said.append(
            f"As you hold a Blue Badge, the fee is reduced by {_percent(BLUE_BADGE_DISCOUNT)} "
            f"({_money(v['discount'])})."
        )
    said.append(f"Fee to pay: {_money(v['fee_pence'])}.")
    return said


def _band_numbers(bands: np.ndarray) -> np.ndarray:
    """CO2 bands as their positions in BANDS."""
    names, inverse = np.unique(bands, return_inverse=True)
    return np.array([BANDS.index(name) for name in names])[inverse]


def parking_numpy_columns(raw: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The hand-written version's own encoding of the inputs (not timed)."""
    columns = {k: v for k, v in raw.items() if k != "co2_band"}
    columns["band"] = _band_numbers(raw["co2_band"])
    return columns


# --- Council Tax Reduction, by hand -------------------------------------------------------

HOUSEHOLDS = ("single_under_25", "single_25_or_over", "lone_parent", "couple")
HOUSEHOLD_LABELS = ("single person under 25", "single person aged 25 or over", "lone parent",
                    "couple")  # fmt: skip
CTR_AMOUNTS = {
    # start: (personal allowance by household, child allowance, disability premium by
    # household, non-dependant deduction by band 1-4)
    datetime.date(2025, 4, 1): (
        (7290, 9205, 9205, 14465), 8466, (4320, 4320, 4320, 6165), (490, 985, 1240, 1485),
    ),
    APRIL_2026: (
        (7570, 9555, 9555, 15015), 8790, (4485, 4485, 4485, 6400), (505, 1015, 1280, 1530),
    ),
}  # fmt: skip
FAMILY_PREMIUM = 1956
PENSION_AGE = 66
CAPITAL_LOWER, CAPITAL_UPPER = 600_000, 1_600_000
TARIFF_STEP, TARIFF_PER_STEP = 25_000, 100
TAPER, MAXIMUM_SHARE = 0.2, 0.8
ND_LOWER, ND_MIDDLE, ND_HIGHER = 23_600, 41_000, 51_200


def _ctr_amounts(on: datetime.date) -> tuple:
    return CTR_AMOUNTS[APRIL_2026 if on >= APRIL_2026 else datetime.date(2025, 4, 1)]


def ctr_python(i: Mapping[str, Any], on: datetime.date) -> Values:
    allowances, per_child, disability, deductions = _ctr_amounts(on)
    age, children = i["claimant_age"], i.get("dependent_children", 0)
    capital = i.get("capital_pence", 0)
    working_age = age < PENSION_AGE
    capital_ok = capital <= CAPITAL_UPPER
    household = 3 if i.get("has_partner") else 2 if children > 0 else 0 if age < 25 else 1
    personal = allowances[household]
    child = children * per_child
    family = FAMILY_PREMIUM if children > 0 else 0
    disabled = disability[household] if i.get("disability_premium_applies") else 0
    applicable = personal + child + family + disabled
    tariff = (
        math.ceil((capital - CAPITAL_LOWER) / TARIFF_STEP) * TARIFF_PER_STEP
        if capital > CAPITAL_LOWER
        else 0
    )
    total = i["weekly_income_pence"] + tariff
    passported = bool(i.get("receives_passported_benefit"))
    above = not passported and total > applicable
    excess = total - applicable if above else 0
    taper = _round(excess * TAPER)
    nd_income = i.get("non_dependant_weekly_income_pence", 0)
    band = 3 if nd_income >= ND_HIGHER else 2 if nd_income >= ND_MIDDLE else (
        1 if nd_income >= ND_LOWER else 0)  # fmt: skip
    non_dependants = i.get("non_dependants", 0)
    each = deductions[band]
    nd_total = non_dependants * each if non_dependants > 0 else 0
    maximum = max(0, _round(i["weekly_council_tax_pence"] * MAXIMUM_SHARE) - nd_total)
    weekly = max(0, maximum - taper) if working_age and capital_ok else 0
    return {
        "eligible": weekly > 0, "weekly_reduction_pence": weekly,
        "annual_reduction_pence": _round(weekly * 365 / 7),
        "working_age": working_age, "capital_ok": capital_ok, "household": household,
        "personal": personal, "child": child, "family": family, "disabled": disabled,
        "applicable": applicable, "tariff": tariff, "total": total, "above": above,
        "excess": excess, "taper": taper, "each": each, "nd_total": nd_total,
        "maximum": maximum,
    }  # fmt: skip


def ctr_numpy(c: Mapping[str, np.ndarray], on: datetime.date) -> dict[str, np.ndarray]:
    allowances, per_child, disability, deductions = _ctr_amounts(on)
    age, children, capital = c["claimant_age"], c["dependent_children"], c["capital_pence"]
    working_age = age < PENSION_AGE
    capital_ok = capital <= CAPITAL_UPPER
    household = np.where(c["has_partner"], 3, np.where(children > 0, 2, np.where(age < 25, 0, 1)))
    personal = np.array(allowances)[household]
    child = children * per_child
    family = np.where(children > 0, FAMILY_PREMIUM, 0)
    disabled = np.where(c["disability_premium_applies"], np.array(disability)[household], 0)
    applicable = personal + child + family + disabled
    steps = np.ceil((capital - CAPITAL_LOWER) / TARIFF_STEP).astype(np.int64)
    tariff = np.where(capital > CAPITAL_LOWER, steps * TARIFF_PER_STEP, 0)
    total = c["weekly_income_pence"] + tariff
    above = ~c["receives_passported_benefit"] & (total > applicable)
    excess = np.where(above, total - applicable, 0)
    taper = _round(excess * TAPER)
    nd_income = c["non_dependant_weekly_income_pence"]
    band = (nd_income >= ND_LOWER).astype(np.int64) + (nd_income >= ND_MIDDLE) + (
        nd_income >= ND_HIGHER)  # fmt: skip
    each = np.array(deductions)[band]
    nd_total = np.where(c["non_dependants"] > 0, c["non_dependants"] * each, 0)
    maximum = np.maximum(0, _round(c["weekly_council_tax_pence"] * MAXIMUM_SHARE) - nd_total)
    weekly = np.where(working_age & capital_ok, np.maximum(0, maximum - taper), 0)
    return {
        "eligible": weekly > 0, "weekly_reduction_pence": weekly,
        "annual_reduction_pence": _round(weekly * 365 / 7),
        "working_age": working_age, "capital_ok": capital_ok, "household": household,
        "personal": personal, "child": child, "family": family, "disabled": disabled,
        "applicable": applicable, "tariff": tariff, "total": total, "above": above,
        "excess": excess, "taper": taper, "each": each, "nd_total": nd_total,
        "maximum": maximum,
    }  # fmt: skip


def ctr_sentences(i: Mapping[str, Any], v: Values, on: datetime.date) -> Sentences:
    capital = i.get("capital_pence", 0)
    said = []
    if not v["working_age"]:
        said.append(
            f"You are {i['claimant_age']}, which is state pension credit age or over; "
            "pensioners are assessed under the national pensioner scheme, not this one."
        )
    else:
        said.append(f"You are under {PENSION_AGE}, so the working-age scheme applies to you.")
        if v["capital_ok"]:
            said.append(
                f"Your capital of {_money(capital)} is not more than the limit of "
                f"{_money(CAPITAL_UPPER)}."
            )
        else:
            said.append(
                f"Your capital of {_money(capital)} is more than the limit of "
                f"{_money(CAPITAL_UPPER)}, so you cannot get a reduction."
            )
    if v["working_age"] and v["capital_ok"]:
        passported = bool(i.get("receives_passported_benefit"))
        if not passported:
            said.append(
                "Your applicable amount (what the scheme allows for your household's weekly "
                f"needs) is {_money(v['applicable'])}: a personal allowance of "
                f"{_money(v['personal'])} for a {HOUSEHOLD_LABELS[v['household']]}, "
                f"{_money(v['child'])} for {i.get('dependent_children', 0)} dependent "
                f"children, a family premium of {_money(v['family'])} and a disability premium "
                f"of {_money(v['disabled'])}."
            )
            if capital > CAPITAL_LOWER:
                said.append(
                    f"Because your capital is more than {_money(CAPITAL_LOWER)}, it is treated "
                    f"as giving you {_money(TARIFF_PER_STEP)} a week for each "
                    f"{_money(TARIFF_STEP)}, or part of {_money(TARIFF_STEP)}, above that: "
                    f"{_money(v['tariff'])} a week."
                )
        else:
            said.append(
                "As you get income-based Jobseeker's Allowance, income-related Employment and "
                "Support Allowance or Income Support, your income is treated as no more than "
                "your applicable amount."
            )
        if v["above"]:
            said.append(
                f"Your weekly income of {_money(v['total'])} is {_money(v['excess'])} more than "
                f"your applicable amount, so the reduction is cut by {_percent(TAPER)} of that "
                f"({_money(v['taper'])})."
            )
        else:
            said.append(
                "Your income is not more than your applicable amount, so nothing is taken off "
                "for income."
            )
        if i.get("non_dependants", 0) > 0:
            said.append(
                f"{_money(v['nd_total'])} a week is deducted for the {i['non_dependants']} "
                f"non-dependant adults who live with you ({_money(v['each'])} each, for a gross "
                f"income of {_money(i.get('non_dependant_weekly_income_pence', 0))} a week)."
            )
        said.append(
            f"The most you can get is {_percent(MAXIMUM_SHARE)} of your weekly council tax of "
            f"{_money(i['weekly_council_tax_pence'])}, less any non-dependant deductions: "
            f"{_money(v['maximum'])} a week."
        )
    said.append(f"Your Council Tax Reduction is {_money(v['weekly_reduction_pence'])} a week.")
    said.append(f"Over a full year that is {_money(v['annual_reduction_pence'])}.")
    said.append(
        "You are entitled to Council Tax Reduction."
        if v["eligible"]
        else "You are not entitled to Council Tax Reduction."
    )
    return said


# --- the same rules in OpenFisca ----------------------------------------------------------


def _periods(*values: Any, starts: tuple[str, ...] = ("2025-04-01", "2026-04-01")) -> dict:
    return {"values": dict(zip(starts, values, strict=False))}


def _keyed(keys: tuple[str, ...], *tables: tuple) -> dict:
    """A parameter keyed by an enumeration, one period per table."""
    return {key: _periods(*(table[n] for table in tables)) for n, key in enumerate(keys)}


def _system(variables: list[tuple], parameters: dict) -> Any:
    """An OpenFisca tax-benefit system: one entity, day-long periods (a decision's date)."""
    from openfisca_core.entities import build_entity
    from openfisca_core.parameters import ParameterNode
    from openfisca_core.periods import DateUnit
    from openfisca_core.taxbenefitsystems import TaxBenefitSystem
    from openfisca_core.variables import Variable

    household = build_entity(key="household", plural="households", label="Household",
                             is_person=True)  # fmt: skip
    system = TaxBenefitSystem([household])
    for name, value_type, formula, extra in variables:
        attributes = {"value_type": value_type, "entity": household, "label": name,
                      "definition_period": DateUnit.DAY, **extra}  # fmt: skip
        if formula is not None:
            attributes["formula"] = formula
        system.add_variable(type(name, (Variable,), attributes))
    system.parameters = ParameterNode("", data=parameters)
    return system


def f(expression: Callable[[Callable[[str], Any], Any], Any]) -> Callable:
    """An OpenFisca formula from ``expression(variable, parameters)``, for brevity below."""

    def formula(household: Any, period: Any, parameters: Any) -> Any:
        return expression(lambda name: household(name, period), parameters(period))

    return formula


def parking_openfisca() -> Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    from openfisca_core.indexed_enums import Enum

    band_enum = Enum("CO2Band", [(b, b) for b in BANDS])
    position_enum = Enum("PermitPosition", [(p, p) for p in POSITIONS])
    (annual_25, six_25), (annual_26, six_26) = PARKING_TARIFFS.values()

    variables = [
        ("co2_band", Enum, None, {"possible_values": band_enum, "default_value": band_enum.C}),
        ("permit_months", int, None, {}),
        ("permits_already_in_household", int, None, {}),
        ("has_blue_badge", bool, None, {}),
        ("address_in_zone", bool, None, {"default_value": True}),
        ("lives_in_zone", bool, f(lambda v, p: v("address_in_zone")), {}),
        ("within_household_limit", bool,
         f(lambda v, p: v("permits_already_in_household") < p.max_permits_per_household), {}),
        ("eligible", bool, f(lambda v, p: v("lives_in_zone") & v("within_household_limit")), {}),
        ("permit_position", Enum,
         f(lambda v, p: np.select([v("permits_already_in_household") == 0,
                                   v("permits_already_in_household") == 1],
                                  [position_enum.first, position_enum.second],
                                  position_enum.third)),
         {"possible_values": position_enum, "default_value": position_enum.first}),
        ("base_fee_pence", int,
         f(lambda v, p: np.where(v("permit_months") == 12, p.annual_fee_by_band[v("co2_band")],
                                 p.six_month_fee_by_band[v("co2_band")])), {}),
        ("surcharge_rate", float,
         f(lambda v, p: p.surcharge_rate_by_position[v("permit_position")]), {}),
        ("has_household_surcharge", bool, f(lambda v, p: v("surcharge_rate") > 0), {}),
        ("household_surcharge_pence", int,
         f(lambda v, p: np.where(v("has_household_surcharge"),
                                 _round(v("base_fee_pence") * v("surcharge_rate")), 0)), {}),
        ("fee_before_discount_pence", int,
         f(lambda v, p: v("base_fee_pence") + v("household_surcharge_pence")), {}),
        ("blue_badge_discount_applies", bool, f(lambda v, p: v("has_blue_badge")), {}),
        ("blue_badge_discount_pence", int,
         f(lambda v, p: np.where(v("blue_badge_discount_applies"),
                                 _round(v("fee_before_discount_pence") * p.blue_badge_discount),
                                 0)), {}),
        ("fee_pence", int,
         f(lambda v, p: np.where(v("eligible"), v("fee_before_discount_pence")
                                 - v("blue_badge_discount_pence"), 0)), {}),
    ]  # fmt: skip
    parameters = {
        "annual_fee_by_band": _keyed(BANDS, annual_25, annual_26),
        "six_month_fee_by_band": _keyed(BANDS, six_25, six_26),
        "surcharge_rate_by_position": _keyed(POSITIONS, SURCHARGE),
        "blue_badge_discount": _periods(BLUE_BADGE_DISCOUNT),
        "max_permits_per_household": _periods(MAX_PERMITS),
    }
    system = _system(variables, parameters)

    def run(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return _run_openfisca(system, raw, ("eligible", "fee_pence"))

    return run


def ctr_openfisca() -> Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]:
    from openfisca_core.indexed_enums import Enum

    household_enum = Enum("HouseholdType", [(h, h) for h in HOUSEHOLDS])
    band_enum = Enum("NonDependantBand", [(b, b) for b in ("band_1", "band_2", "band_3",
                                                          "band_4")])  # fmt: skip
    (allow_25, child_25, dis_25, ded_25), (allow_26, child_26, dis_26, ded_26) = (
        CTR_AMOUNTS.values()
    )

    inputs = [
        ("claimant_age", int, None, {}),
        ("has_partner", bool, None, {}),
        ("dependent_children", int, None, {}),
        ("disability_premium_applies", bool, None, {}),
        ("receives_passported_benefit", bool, None, {}),
        ("weekly_income_pence", int, None, {}),
        ("capital_pence", int, None, {}),
        ("weekly_council_tax_pence", int, None, {}),
        ("non_dependants", int, None, {}),
        ("non_dependant_weekly_income_pence", int, None, {}),
    ]
    variables = [
        ("working_age", bool, f(lambda v, p: v("claimant_age") < p.pension_age), {}),
        ("capital_within_limit", bool,
         f(lambda v, p: v("capital_pence") <= p.capital_upper_limit), {}),
        ("meets_conditions", bool,
         f(lambda v, p: v("working_age") & v("capital_within_limit")), {}),
        ("household_type", Enum,
         f(lambda v, p: np.select(
             [v("has_partner"), v("dependent_children") > 0, v("claimant_age") < 25],
             [household_enum.couple, household_enum.lone_parent, household_enum.single_under_25],
             household_enum.single_25_or_over)),
         {"possible_values": household_enum, "default_value": household_enum.couple}),
        ("personal_allowance_pence", int,
         f(lambda v, p: p.personal_allowance[v("household_type")]), {}),
        ("child_allowances_pence", int,
         f(lambda v, p: v("dependent_children") * p.child_allowance), {}),
        ("family_premium_pence", int,
         f(lambda v, p: np.where(v("dependent_children") > 0, p.family_premium, 0)), {}),
        ("disability_premium_pence", int,
         f(lambda v, p: np.where(v("disability_premium_applies"),
                                 p.disability_premium[v("household_type")], 0)), {}),
        ("applicable_amount_pence", int,
         f(lambda v, p: v("personal_allowance_pence") + v("child_allowances_pence")
           + v("family_premium_pence") + v("disability_premium_pence")), {}),
        ("has_tariff_income", bool,
         f(lambda v, p: v("capital_pence") > p.capital_lower_limit), {}),
        ("tariff_income_pence", int,
         f(lambda v, p: np.where(
             v("has_tariff_income"),
             np.ceil((v("capital_pence") - p.capital_lower_limit) / p.tariff_income_step)
             * p.tariff_income_per_step, 0)), {}),
        ("total_income_pence", int,
         f(lambda v, p: v("weekly_income_pence") + v("tariff_income_pence")), {}),
        ("passported", bool, f(lambda v, p: v("receives_passported_benefit")), {}),
        ("income_above_applicable_amount", bool,
         f(lambda v, p: ~v("passported")
           & (v("total_income_pence") > v("applicable_amount_pence"))), {}),
        ("excess_income_pence", int,
         f(lambda v, p: np.where(v("income_above_applicable_amount"),
                                 v("total_income_pence") - v("applicable_amount_pence"), 0)), {}),
        ("taper_deduction_pence", int,
         f(lambda v, p: _round(v("excess_income_pence") * p.taper_rate)), {}),
        ("non_dependant_band", Enum,
         f(lambda v, p: np.select(
             [v("non_dependant_weekly_income_pence") >= p.non_dependant_income_higher,
              v("non_dependant_weekly_income_pence") >= p.non_dependant_income_middle,
              v("non_dependant_weekly_income_pence") >= p.non_dependant_income_lower],
             [band_enum.band_4, band_enum.band_3, band_enum.band_2], band_enum.band_1)),
         {"possible_values": band_enum, "default_value": band_enum.band_1}),
        ("has_non_dependants", bool, f(lambda v, p: v("non_dependants") > 0), {}),
        ("non_dependant_deduction_each_pence", int,
         f(lambda v, p: p.non_dependant_deduction[v("non_dependant_band")]), {}),
        ("non_dependant_deductions_pence", int,
         f(lambda v, p: np.where(v("has_non_dependants"), v("non_dependants")
                                 * v("non_dependant_deduction_each_pence"), 0)), {}),
        ("maximum_reduction_pence", int,
         f(lambda v, p: np.maximum(0, _round(v("weekly_council_tax_pence")
                                             * p.maximum_reduction_share)
                                   - v("non_dependant_deductions_pence"))), {}),
        ("weekly_reduction_pence", int,
         f(lambda v, p: np.where(v("meets_conditions"), np.maximum(
             0, v("maximum_reduction_pence") - v("taper_deduction_pence")), 0)), {}),
        ("annual_reduction_pence", int,
         f(lambda v, p: _round(v("weekly_reduction_pence") * 365 / 7)), {}),
        ("eligible", bool, f(lambda v, p: v("weekly_reduction_pence") > 0), {}),
    ]  # fmt: skip
    parameters = {
        "personal_allowance": _keyed(HOUSEHOLDS, allow_25, allow_26),
        "child_allowance": _periods(child_25, child_26),
        "family_premium": _periods(FAMILY_PREMIUM),
        "disability_premium": _keyed(HOUSEHOLDS, dis_25, dis_26),
        "pension_age": _periods(PENSION_AGE),
        "capital_lower_limit": _periods(CAPITAL_LOWER),
        "capital_upper_limit": _periods(CAPITAL_UPPER),
        "tariff_income_step": _periods(TARIFF_STEP),
        "tariff_income_per_step": _periods(TARIFF_PER_STEP),
        "taper_rate": _periods(TAPER),
        "maximum_reduction_share": _periods(MAXIMUM_SHARE),
        "non_dependant_income_lower": _periods(ND_LOWER),
        "non_dependant_income_middle": _periods(ND_MIDDLE),
        "non_dependant_income_higher": _periods(ND_HIGHER),
        "non_dependant_deduction": _keyed(("band_1", "band_2", "band_3", "band_4"), ded_25,
                                          ded_26),
    }  # fmt: skip
    system = _system(inputs + variables, parameters)

    def run(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        outputs = ("eligible", "weekly_reduction_pence", "annual_reduction_pence")
        return _run_openfisca(system, raw, outputs)

    return run


def _run_openfisca(
    system: Any, raw: dict[str, np.ndarray], outputs: tuple[str, ...]
) -> dict[str, np.ndarray]:
    from openfisca_core.simulations import SimulationBuilder

    rows = len(next(iter(raw.values())))
    simulation = SimulationBuilder().build_default_simulation(system, count=rows)
    period = ON.isoformat()
    for name, values in raw.items():
        simulation.set_input(name, period, values)
    return {name: simulation.calculate(name, period) for name in outputs}


def openfisca_inputs(raw: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Enumerations as OpenFisca's own item indices (not timed: ours are read encoded)."""
    columns = dict(raw)
    if "co2_band" in columns:
        columns["co2_band"] = _band_numbers(raw["co2_band"])
    return columns


# --- running ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    label: str
    reform: str
    python: Callable[[Mapping[str, Any], datetime.date], Values]
    numpy: Callable[[Mapping[str, np.ndarray], datetime.date], dict[str, np.ndarray]]
    sentences: Callable[[Mapping[str, Any], Values, datetime.date], Sentences]
    numpy_columns: Callable[[Mapping[str, np.ndarray]], dict[str, np.ndarray]]
    openfisca: Callable[[], Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]]


CASES = (
    Case("parking-permit-fee", "parking fee", "annual_fee_by_band[C]=£150.00",
         parking_python, parking_numpy, parking_sentences, parking_numpy_columns,
         parking_openfisca),
    Case("council-tax-reduction-estimate", "CTR estimate", "taper_rate=25%", ctr_python,
         ctr_numpy, ctr_sentences, dict, ctr_openfisca),
)  # fmt: skip


def _python_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _households(raw: Mapping[str, np.ndarray], count: int) -> list[dict[str, Any]]:
    return [{k: _python_value(v[row]) for k, v in raw.items()} for row in range(count)]


def _one_row(inputs: Mapping[str, Any]) -> dict[str, np.ndarray]:
    return {k: np.array([v]) for k, v in inputs.items()}


def _seconds(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _check_single_decisions(case: Case, rule_set: RuleSet, households: list[dict]) -> None:
    """The hand-written floors must give decide's outputs and sentences, or they prove
    nothing about the cost of the same work."""
    for inputs in households:
        decision = decide(rule_set, inputs, ON)
        by_hand = case.python(inputs, ON)
        one_row = case.numpy(_one_row(case.numpy_columns(_one_row(inputs))), ON)
        for name, value in decision.outputs.items():
            assert by_hand[name] == value, (case.name, inputs, name, by_hand[name], value)
            assert one_row[name][0] == value, (case.name, inputs, name, one_row[name], value)
        said = case.sentences(inputs, by_hand, ON)
        assert said == list(decision.explanation), (inputs, said, decision.explanation)


def _time_decisions(work: Callable[[dict], Any], households: list[dict]) -> list[float]:
    times = []
    clock = time.perf_counter_ns
    for n in range(DECISIONS):
        inputs = households[n % len(households)]
        started = clock()
        work(inputs)
        times.append((clock() - started) / 1e6)
    return times


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_single_decisions(case: Case, rule_set: RuleSet, households: list[dict]) -> dict:
    _check_single_decisions(case, rule_set, households)

    def ours(inputs: dict) -> Any:
        return decide(rule_set, inputs, ON).explanation

    def numpy_floor(inputs: dict) -> Any:
        values = case.numpy(case.numpy_columns(_one_row(inputs)), ON)
        return case.sentences(inputs, {k: _python_value(v[0]) for k, v in values.items()}, ON)

    def python_floor(inputs: dict) -> Any:
        return case.sentences(inputs, case.python(inputs, ON), ON)

    samples: dict[str, list[float]] = {"ours": [], "numpy": [], "python": []}
    for _ in range(ROUNDS):  # interleaved, so drift on a shared machine hits all three
        for name, work in (("ours", ours), ("numpy", numpy_floor), ("python", python_floor)):
            samples[name] += _time_decisions(work, households)
    mean = {name: statistics.fmean(times) for name, times in samples.items()}
    p99 = {name: _percentile(times, 0.99) for name, times in samples.items()}
    return {
        "name": f"rules: {case.label}, decision + explanation",
        "value": round(1000 / mean["ours"]),
        "unit": "decisions/s",
        "floor": (
            f"hand-written NumPy on one row, same outputs and sentences: "
            f"{1000 / mean['numpy']:,.0f}/s"
        ),
        "ratio": round(mean["ours"] / mean["numpy"], 2),
        "goal": f"p99 < {GOAL_DECISION_P99_MS:g} ms; time <= {GOAL_VECTOR_RATIO:g}x NumPy",
        "p50_ms": round(_percentile(samples["ours"], 0.5), 3),
        "p99_ms": round(p99["ours"], 3),
        "p99_ratio": round(p99["ours"] / p99["numpy"], 2),
        "plain_python_per_s": round(1000 / mean["python"]),
        "ratio_to_plain_python": round(mean["ours"] / mean["python"], 2),
    }


def bench_population(case: Case, rule_set: RuleSet, raw: dict, csv: Path) -> list[dict]:
    population = read_population(rule_set, csv)
    outputs = list(rule_set.outputs)
    values = parameter_values(rule_set, ON)
    numpy_columns = case.numpy_columns(raw)
    openfisca_run = case.openfisca()
    openfisca_columns = openfisca_inputs(raw)

    def ours() -> dict[str, np.ndarray]:
        run = VectorRun(
            population.columns, population.rows, vector_parameters(rule_set, values), ON
        )
        return evaluate(rule_set, run, outputs)

    def by_hand() -> dict[str, np.ndarray]:
        return case.numpy(numpy_columns, ON)

    def openfisca() -> dict[str, np.ndarray]:
        return openfisca_run(openfisca_columns)

    results = {"ours": ours(), "numpy": by_hand(), "openfisca": openfisca()}
    for name in outputs:
        for other in ("numpy", "openfisca"):
            differ = int(np.count_nonzero(results[other][name] != results["ours"][name]))
            assert differ == 0, f"{case.name}: {other} differs from the rules on {differ} rows"

    # OpenFisca's rounds come after the others: the first large allocation after it has
    # freed its memory pays for fresh pages, which would be charged to whoever ran next.
    # Ours and NumPy's alternate which goes first, for the same reason.
    seconds: dict[str, list[float]] = {"ours": [], "numpy": [], "openfisca": []}
    for round_number in range(VECTOR_ROUNDS):
        pair = (("ours", ours), ("numpy", by_hand))
        for name, work in pair if round_number % 2 else reversed(pair):
            seconds[name].append(_seconds(work))
    for _ in range(ROUNDS):
        seconds["openfisca"].append(_seconds(openfisca))
    to_numpy = [o / n for o, n in zip(seconds["ours"], seconds["numpy"], strict=True)]
    ours_s = statistics.median(seconds["ours"])
    openfisca_s = statistics.median(seconds["openfisca"])

    simulated: list[float] = []
    for _ in range(2):
        report: Any = None

        def whole() -> None:
            nonlocal report
            report = simulate(rule_set, csv, ON, dict([case.reform.split("=", 1)]))

        simulated.append(_seconds(whole))
    simulate_s = min(simulated)
    rows = f"{ROWS / 1_000_000:g}M rows"
    return [
        {
            "name": f"rules: {case.label}, {rows} vectorised",
            "value": round(ours_s, 3),
            "unit": "s",
            "floor": (
                f"the same formulas hand-written in NumPy: "
                f"{statistics.median(seconds['numpy']):.3f} s"
            ),
            "ratio": round(statistics.median(to_numpy), 2),
            "goal": f"time <= {GOAL_VECTOR_RATIO:g}x NumPy",
            "rows_per_s": round(ROWS / ours_s),
        },
        {
            "name": f"rules: {case.label}, {rows} in OpenFisca",
            "value": round(openfisca_s, 3),
            "unit": "s",
            "floor": (
                "the same rules as an OpenFisca tax-benefit system "
                f"(openfisca-core {version('openfisca-core')})"
            ),
            "ratio": round(ours_s / openfisca_s, 3),
            "goal": "time < OpenFisca's (ratio < 1)",
            "times_faster": round(openfisca_s / ours_s, 1),
        },
        {
            "name": f"rules: {case.label}, {rows[:-5]}-row simulate from CSV",
            "value": round(simulate_s, 2),
            "unit": "s",
            "floor": "none: read the CSV, baseline, reform, report",
            "goal": f"< {GOAL_SIMULATE_SECONDS:g} s",
            "reform": case.reform,
            "rows_changed": report.rows_changed,
        },
    ]


# --- Council Tax Reduction: single decisions on its first worked case -------------------


def bench_first_scenario(name: str, label: str) -> dict:
    """``decide`` on the inputs of the rule set's first scenario, whatever its inputs are
    (read as ``civitas rules test`` reads them), so this keeps measuring while the rule set
    changes; there is no hand-written floor to keep in step."""
    rule_set, cases = scenario_cases(RULES / f"{name}.scenarios.yaml")
    case = cases[0]
    decide(rule_set, case.inputs, case.on)  # builds the rule set's programs, untimed
    times = []
    for _ in range(ROUNDS):
        times += _time_decisions(lambda inputs: decide(rule_set, inputs, case.on).explanation,
                                 [case.inputs])  # fmt: skip
    return {
        "name": f"rules: {label}, decision + explanation",
        "value": round(1000 / statistics.fmean(times)),
        "unit": "decisions/s",
        "floor": f"none: the inputs of its first scenario ({case.name!r})",
        "goal": f"p99 < {GOAL_DECISION_P99_MS:g} ms",
        "p50_ms": round(_percentile(times, 0.5), 3),
        "p99_ms": round(_percentile(times, 0.99), 3),
    }


# --- a household means test: entities and aggregations -----------------------------------

HOUSEHOLD_RULES = REPO / "bench" / "household-support.rules.yaml"
OLDER_OPENFISCA = REPO / "bench" / "openfisca-older.lock"
GOAL_HOUSEHOLD_RATIO = 2.0
OPENFISCA_ROUNDS = 3  # each a process of its own, for each release
HOUSEHOLD_REFORM = "taper_rate=0.25"


def _household_decisions(group: Mapping[str, np.ndarray], members: Mapping[str, np.ndarray],
                         starts: np.ndarray, count: int) -> list[dict[str, Any]]:  # fmt: skip
    """The first ``count`` households as ``decide`` takes them."""
    roles = np.array(household.ROLES)[members["role"]]
    per_person = ("age", "weekly_income", "is_student", "is_disabled", "is_blind")
    decisions = []
    for row in range(count):
        people = range(starts[row], starts[row + 1])
        decisions.append({
            **{name: _python_value(column[row]) for name, column in group.items()},
            "members": [{"role": str(roles[i]),
                         **{name: _python_value(members[name][i]) for name in per_person}}
                        for i in people],
        })  # fmt: skip
    return decisions


def _household_csvs(group: Mapping[str, np.ndarray], members: Mapping[str, np.ndarray],
                    folder: Path) -> tuple[Path, Path]:  # fmt: skip
    households = write_population(
        {"id": np.arange(len(group["capital"])), **group}, folder / "households.csv"
    )
    people = write_population(
        {**members, "role": np.array(household.ROLES)[members["role"]]}, folder / "members.csv"
    )
    return households, people


def _older_openfisca_python(folder: Path) -> tuple[Path | None, str]:
    """A throwaway virtual environment with the older openfisca-core of
    bench/openfisca-older.lock (from PyPI, cached by uv), or None and why not."""
    uv = Path(sys.executable).parent / "uv"
    venv = folder / "openfisca-older"
    python = venv / "bin" / "python"
    try:
        subprocess.run([str(uv), "venv", "--quiet", "--python", sys.executable, str(venv)],
                       check=True, capture_output=True, text=True, timeout=300)  # fmt: skip
        subprocess.run(
            [str(uv), "pip", "sync", "--quiet", "--python", str(python), str(OLDER_OPENFISCA)],
            check=True, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError) as error:
        detail = getattr(error, "stderr", "") or str(error)
        return None, f"could not install {OLDER_OPENFISCA.name}: {detail.strip()[-300:]}"
    return python, ""


def _openfisca_round(python: Path, inputs: Path, folder: Path) -> dict[str, Any]:
    """One round of both OpenFisca styles, run and timed by ``python`` (whose
    openfisca-core it is): each style's seconds and outputs."""
    folder.mkdir(exist_ok=True)
    subprocess.run(
        [str(python), "-m", "bench.household_openfisca", str(inputs), str(folder), "1"],
        check=True, cwd=REPO, timeout=1800, stdout=sys.stderr,
    )  # fmt: skip
    results: dict[str, Any] = json.loads((folder / "timings.json").read_text())
    for style in household_openfisca.STYLES:
        loaded = np.load(folder / f"{style}.npz")
        results[style]["outputs"] = {name: loaded[name] for name in loaded.files}
    return results


def bench_households(folder: Path) -> list[dict]:
    rule_set = load_rule_set(HOUSEHOLD_RULES)
    group, members = household.generate(np.random.default_rng(SEED), ROWS)
    people = len(members["household"])
    starts = household.first_members(members["household"])
    floor = household.by_hand(group, members, starts)

    # Single decisions: decide must agree with the floor on the first households.
    decisions = _household_decisions(group, members, np.r_[starts, people], CHECKED)
    for row, inputs in enumerate(decisions):
        decided = decide(rule_set, inputs, ON).outputs
        for name in household.OUTPUTS:
            assert decided[name] == floor[name][row], (row, name, decided[name], inputs)
    times = []
    for _ in range(ROUNDS):
        times += _time_decisions(lambda inputs: decide(rule_set, inputs, ON).explanation,
                                 decisions)  # fmt: skip

    households_csv, members_csv = _household_csvs(group, members, folder)
    population = read_grouped_population(rule_set, households_csv, members_csv)
    parameters = vector_parameters(rule_set, parameter_values(rule_set, ON))
    outputs = list(rule_set.outputs)

    def ours() -> dict[str, np.ndarray]:
        run = VectorRun(population.columns, population.rows, parameters, ON, population.members)
        return evaluate(rule_set, run, outputs)

    def by_hand() -> dict[str, np.ndarray]:
        return household.by_hand(group, members, starts)

    vectorised = ours()
    for name in outputs:
        differ = int(np.count_nonzero(vectorised[name] != floor[name]))
        assert differ == 0, f"household: NumPy differs from the rules on {differ} households"

    inputs = folder / "household-inputs.npz"
    np.savez(inputs, **group, **members)
    versions = {"current": (Path(sys.executable), "")}
    older, why_not = _older_openfisca_python(folder)
    versions["older"] = (older, why_not) if older else (None, why_not)
    # OpenFisca runs in processes of its own (an older release needs its own environment),
    # so its rounds cannot alternate with ours call by call: each of its rounds is compared
    # with our median of three runs just before it, and the ratio is the median over
    # rounds, which keeps a shared machine's drift out of the ratio.
    openfisca: dict[str, dict[str, Any]] = {}
    for _ in range(OPENFISCA_ROUNDS):
        for which, (python, _why_not) in versions.items():
            if python is None:
                continue
            just_before = statistics.median(_seconds(ours) for _ in range(3))
            result = _openfisca_round(python, inputs, folder / f"openfisca-{which}-results")
            release = result["openfisca_core"]
            kept = openfisca.setdefault(which, {"openfisca_core": release,
                                                "numpy": result["numpy"]})  # fmt: skip
            for style in household_openfisca.STYLES:
                for name in outputs:
                    theirs = result[style]["outputs"][name]
                    differ = int(np.count_nonzero(theirs != vectorised[name]))
                    assert differ == 0, (
                        f"household: OpenFisca {release} ({style}) differs from the rules on "
                        f"{differ} households"
                    )
                timed = kept.setdefault(style, {"build": [], "calculate": [], "ratio": []})
                timed["build"] += result[style]["build"]
                timed["calculate"] += result[style]["calculate"]
                timed["ratio"].append(just_before / result[style]["calculate"][0])

    seconds: dict[str, list[float]] = {"ours": [], "numpy": []}
    for round_number in range(VECTOR_ROUNDS):
        pair = (("ours", ours), ("numpy", by_hand))
        for name, work in pair if round_number % 2 else reversed(pair):
            seconds[name].append(_seconds(work))
    to_numpy = [o / n for o, n in zip(seconds["ours"], seconds["numpy"], strict=True)]
    ours_s = statistics.median(seconds["ours"])

    simulated = []
    for _ in range(2):
        started = time.perf_counter()
        report = simulate(rule_set, households_csv, ON, dict([HOUSEHOLD_REFORM.split("=", 1)]),
                          members_csv_path=members_csv)  # fmt: skip
        simulated.append(time.perf_counter() - started)

    size = f"{ROWS / 1_000_000:g}M households"
    rows = [
        {
            "name": "rules: household, decision + explanation",
            "value": round(1000 / statistics.fmean(times)),
            "unit": "decisions/s",
            "floor": f"none; the outputs agree with NumPy's on {CHECKED:,} households",
            "goal": f"p99 < {GOAL_DECISION_P99_MS:g} ms",
            "p50_ms": round(_percentile(times, 0.5), 3),
            "p99_ms": round(_percentile(times, 0.99), 3),
        },
        {
            "name": f"rules: household, {size} vectorised",
            "value": round(ours_s, 3),
            "unit": "s",
            "floor": (
                "the same means test hand-written in NumPy (reduceat over the members): "
                f"{statistics.median(seconds['numpy']):.3f} s"
            ),
            "ratio": round(statistics.median(to_numpy), 2),
            "goal": f"time <= {GOAL_HOUSEHOLD_RATIO:g}x NumPy",
            "people": people,
            "people_per_household": round(people / ROWS, 2),
        },
    ]
    styles = {"speed": "for speed", "per_rule": "per rule"}
    for which, (_, why_not) in versions.items():
        if which not in openfisca:
            print(f"household: the older openfisca-core is skipped: {why_not}", file=sys.stderr)
            rows.append({"name": "rules: household, older OpenFisca", "value": "skipped",
                         "unit": "", "floor": why_not, "goal": ""})  # fmt: skip
            continue
        result = openfisca[which]
        release = result["openfisca_core"]
        for style, label in styles.items():
            theirs = statistics.median(result[style]["calculate"])
            ratio = statistics.median(result[style]["ratio"])
            rows.append({
                "name": f"rules: household, OpenFisca {release} {label}",
                "value": round(theirs, 3),
                "unit": "s",
                "floor": (
                    f"set the inputs and calculate (NumPy {result['numpy']}); building the "
                    "simulation's entities first: "
                    f"{statistics.median(result[style]['build']):.3f} s"
                ),
                "ratio": round(ratio, 3),
                "goal": "time < OpenFisca's (ratio < 1)",
                "times_faster": round(1 / ratio, 1),
            })  # fmt: skip
    rows.append({
        "name": f"rules: household, {ROWS / 1_000_000:g}M simulate from CSVs",
        "value": round(min(simulated), 2),
        "unit": "s",
        "floor": "none: read both CSVs, baseline, reform, report",
        "goal": f"< {GOAL_SIMULATE_SECONDS:g} s",
        "reform": HOUSEHOLD_REFORM,
        "rows_changed": report.rows_changed,
    })  # fmt: skip
    return rows


def run(database_label: str) -> list[dict]:
    if database_label != "sqlite":
        return []  # the rules never touch the database: once is enough
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for case in CASES:
            rule_set = load_rule_set(RULES / f"{case.name}.rules.yaml")
            raw = GENERATORS[case.name](np.random.default_rng(SEED), ROWS)
            csv = write_population(raw, Path(folder) / f"{case.name}.csv")
            rows.append(bench_single_decisions(case, rule_set, _households(raw, CHECKED)))
            rows += bench_population(case, rule_set, raw, csv)
        rows.append(bench_first_scenario("council-tax-reduction", "CTR"))
        rows += bench_households(Path(folder))
    return rows


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civitas.settings")  # dates in sentences
    django.setup()
    for row in run("sqlite"):
        print(json.dumps(row))
