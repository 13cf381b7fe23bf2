"""bench/household-support.rules.yaml written in OpenFisca, two ways, and timed.

- **for speed**: few variables (the inputs, then one formula for the weekly reduction and
  one for eligibility), each a handful of vectorised NumPy operations over the household's
  members (``household.members``, ``household.sum``/``any``, ``household.project``);
- **one variable per rule**: one OpenFisca variable for each variable of the rule set, on
  the Person or Household entity it belongs to, as an OpenFisca model is usually written.

``python -m bench.household_openfisca INPUTS.npz RESULTS_FOLDER ROUNDS`` runs both over the
population in INPUTS.npz (written by bench/rules.py) and writes each style's outputs
(``STYLE.npz``) and timings (``timings.json``), so the same code runs with whichever
openfisca-core the Python running it has: the one in requirements-bench.lock, or an older
release in a virtual environment of its own. Only NumPy and openfisca-core are imported.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from bench import household as h

PERIOD = "2026-05-01"
STYLES = ("speed", "per_rule")


def _parameters() -> dict:
    def value(amount: Any) -> dict:
        return {"values": {"2026-04-01": amount}}

    return {
        "personal_allowance_single": value(h.PERSONAL_ALLOWANCE_SINGLE),
        "personal_allowance_couple": value(h.PERSONAL_ALLOWANCE_COUPLE),
        "child_allowance": value(h.CHILD_ALLOWANCE),
        "child_limit": value(h.CHILD_LIMIT),
        "family_premium": value(h.FAMILY_PREMIUM),
        "disability_premium_single": value(h.DISABILITY_PREMIUM_SINGLE),
        "disability_premium_couple": value(h.DISABILITY_PREMIUM_COUPLE),
        "capital_upper_limit": value(h.CAPITAL_UPPER_LIMIT),
        "taper_rate": value(h.TAPER_RATE),
        "maximum_reduction_share": value(h.MAXIMUM_REDUCTION_SHARE),
        "non_dependant_income_lower": value(h.ND_INCOME_LOWER),
        "non_dependant_income_middle": value(h.ND_INCOME_MIDDLE),
        "non_dependant_income_higher": value(h.ND_INCOME_HIGHER),
        "non_dependant_deduction_by_band": {
            band: value(amount)
            for band, amount in zip(h.ND_BANDS, h.ND_DEDUCTION_BY_BAND, strict=True)
        },
    }


GROUP_INPUTS = (("weekly_council_tax", int), ("capital", int))
PERSON_INPUTS = (("age", int), ("weekly_income", int), ("is_student", bool),
                 ("is_disabled", bool), ("is_blind", bool))  # fmt: skip


def _round(x: Any) -> Any:
    return np.floor(x + 0.5).astype(np.int64)


class _System:
    """A tax-benefit system with a Person and a Household entity (roles as in the rule
    set), day-long periods, the inputs, and the formula variables ``variables`` adds."""

    def __init__(self, variables: Callable[[Any, Any, Any], list[tuple]]) -> None:
        from openfisca_core.entities import build_entity
        from openfisca_core.parameters import ParameterNode
        from openfisca_core.periods import DateUnit
        from openfisca_core.taxbenefitsystems import TaxBenefitSystem
        from openfisca_core.variables import Variable

        person = build_entity(key="person", plural="persons", label="Person", is_person=True)
        household = build_entity(
            key="household", plural="households", label="Household",
            roles=[{"key": "claimant", "max": 1}, {"key": "partner", "max": 1},
                   {"key": "child", "plural": "children"},
                   {"key": "non_dependant", "plural": "non_dependants"}],
        )  # fmt: skip
        self.system = TaxBenefitSystem([person, household])
        self.household = household
        inputs = [(n, t, person, None, {}) for n, t in PERSON_INPUTS]
        inputs += [(n, t, household, None, {}) for n, t in GROUP_INPUTS]
        for name, value_type, entity, formula, extra in inputs + variables(
            person, household, self.system
        ):
            attributes = {"value_type": value_type, "entity": entity, "label": name,
                          "definition_period": DateUnit.DAY, **extra}  # fmt: skip
            if formula is not None:
                attributes["formula"] = formula
            self.system.add_variable(type(name, (Variable,), attributes))
        self.system.parameters = ParameterNode("", data=_parameters())

    def run(self, group: dict[str, np.ndarray], members: dict[str, np.ndarray]) -> tuple:
        """(seconds to build the simulation, seconds to set the inputs and calculate the
        outputs, the outputs)."""
        from openfisca_core.simulations import SimulationBuilder

        started = time.perf_counter()
        builder = SimulationBuilder()
        builder.create_entities(self.system)
        people = len(members["household"])
        builder.declare_person_entity("person", np.arange(people))
        households = builder.declare_entity("household", np.arange(len(group["capital"])))
        builder.join_with_persons(households, members["household"], members["role"])
        simulation = builder.build(self.system)
        built = time.perf_counter()
        for name, _ in PERSON_INPUTS:
            simulation.set_input(name, PERIOD, members[name])
        for name, _ in GROUP_INPUTS:
            simulation.set_input(name, PERIOD, group[name])
        outputs = {name: simulation.calculate(name, PERIOD) for name in h.OUTPUTS}
        return built - started, time.perf_counter() - built, outputs


def speed_variables(person: Any, household: Any, system: Any) -> list[tuple]:
    """As someone would write it who knows OpenFisca and wants it fast."""
    deductions = np.array(h.ND_DEDUCTION_BY_BAND)

    def weekly_reduction(household: Any, period: Any, parameters: Any) -> Any:
        p = parameters(period)
        members = household.members
        age = members("age", period)
        income = members("weekly_income", period)
        claimant = members.has_role(household.entity.CLAIMANT)
        partner = members.has_role(household.entity.PARTNER)
        applicant_blind = household.any(claimant & members("is_blind", period))
        has_partner = household.any(partner)
        children = household.nb_persons(household.entity.CHILD)
        band = (
            (income >= p.non_dependant_income_lower).astype(np.int64)
            + (income >= p.non_dependant_income_middle)
            + (income >= p.non_dependant_income_higher)
        )
        exempt = (
            (age < h.ADULT_AGE) | members("is_student", period)
            | household.project(applicant_blind)
        )  # fmt: skip
        non_dependant = members.has_role(household.entity.NON_DEPENDANT)
        deduction = np.where(non_dependant & ~exempt, deductions[band], 0)
        applicable = (
            np.where(has_partner, p.personal_allowance_couple, p.personal_allowance_single)
            + np.minimum(children, p.child_limit) * p.child_allowance
            + np.where(children > 0, p.family_premium, 0)
            + np.where(
                household.any(members("is_disabled", period)),
                np.where(has_partner, p.disability_premium_couple, p.disability_premium_single),
                0,
            )
        )
        income_counted = household.sum(np.where(claimant | partner, income, 0))
        taper = _round(np.maximum(0, income_counted - applicable) * p.taper_rate)
        maximum = np.maximum(
            0,
            _round(household("weekly_council_tax", period) * p.maximum_reduction_share)
            - household.sum(deduction),
        )
        return np.where(
            household("capital", period) <= p.capital_upper_limit,
            np.maximum(0, maximum - taper),
            0,
        )

    def eligible(household: Any, period: Any, parameters: Any) -> Any:
        return household("weekly_reduction", period) > 0

    return [
        ("weekly_reduction", int, household, weekly_reduction, {}),
        ("eligible", bool, household, eligible, {}),
    ]


def per_rule_variables(person: Any, household: Any, system: Any) -> list[tuple]:
    """One OpenFisca variable for each of the rule set's variables, on its entity."""
    from openfisca_core.indexed_enums import Enum

    band_enum = Enum("NonDependantBand", [(b, b) for b in h.ND_BANDS])

    def f(entity: Any, body: Callable[..., Any]) -> Callable:
        def formula(population: Any, period: Any, parameters: Any) -> Any:
            return body(lambda name: population(name, period), parameters(period), population,
                        period)  # fmt: skip

        return formula

    def band(v: Any, p: Any, person: Any, period: Any) -> Any:
        income = v("weekly_income")
        return np.select(
            [income >= p.non_dependant_income_higher, income >= p.non_dependant_income_middle,
             income >= p.non_dependant_income_lower],
            [band_enum.band_4, band_enum.band_3, band_enum.band_2], band_enum.band_1,
        )  # fmt: skip

    def deduction(v: Any, p: Any, person: Any, period: Any) -> Any:
        # The general rule, then its exceptions: under 18, a student, a blind applicant.
        adult = v("age") >= h.ADULT_AGE
        student = v("is_student")
        return np.select(
            [~adult, adult & student,
             person.household("applicant_blind", period) & adult & ~student],
            [0, 0, 0], p.non_dependant_deduction_by_band[v("non_dependant_band")],
        )  # fmt: skip

    H = household  # the entity, named as OpenFisca's own models name it
    variables = [
        ("non_dependant_band", Enum, person, f(person, band),
         {"possible_values": band_enum, "default_value": band_enum.band_1}),
        ("non_dependant_deduction", int, person, f(person, deduction), {}),
        ("applicant_blind", bool, H, f(H, lambda v, p, hh, period: hh.any(
            hh.members.has_role(H.CLAIMANT) & hh.members("is_blind", period))), {}),
        ("has_partner", bool, H, f(H, lambda v, p, hh, period: hh.nb_persons(H.PARTNER) > 0),
         {}),
        ("children", int, H, f(H, lambda v, p, hh, period: hh.nb_persons(H.CHILD)), {}),
        ("personal_allowance", int, H, f(H, lambda v, p, hh, period: np.where(
            v("has_partner"), p.personal_allowance_couple, p.personal_allowance_single)), {}),
        ("child_allowances", int, H, f(H, lambda v, p, hh, period: np.minimum(
            v("children"), p.child_limit) * p.child_allowance), {}),
        ("family_premium_amount", int, H, f(H, lambda v, p, hh, period: np.where(
            v("children") > 0, p.family_premium, 0)), {}),
        ("disability_premium", int, H, f(H, lambda v, p, hh, period: np.where(
            hh.any(hh.members("is_disabled", period)),
            np.where(v("has_partner"), p.disability_premium_couple,
                     p.disability_premium_single), 0)), {}),
        ("applicable_amount", int, H, f(H, lambda v, p, hh, period: v("personal_allowance")
           + v("child_allowances") + v("family_premium_amount") + v("disability_premium")), {}),
        ("household_income", int, H, f(H, lambda v, p, hh, period: hh.sum(
            hh.members("weekly_income", period), role=H.CLAIMANT) + hh.sum(
            hh.members("weekly_income", period), role=H.PARTNER)), {}),
        ("taper_deduction", int, H, f(H, lambda v, p, hh, period: _round(np.maximum(
            0, v("household_income") - v("applicable_amount")) * p.taper_rate)), {}),
        ("non_dependant_deductions", int, H, f(H, lambda v, p, hh, period: hh.sum(
            hh.members("non_dependant_deduction", period), role=H.NON_DEPENDANT)), {}),
        ("maximum_reduction", int, H, f(H, lambda v, p, hh, period: np.maximum(
            0, _round(v("weekly_council_tax") * p.maximum_reduction_share)
            - v("non_dependant_deductions"))), {}),
        ("weekly_reduction", int, H, f(H, lambda v, p, hh, period: np.where(
            v("capital") <= p.capital_upper_limit,
            np.maximum(0, v("maximum_reduction") - v("taper_deduction")), 0)), {}),
        ("eligible", bool, H, f(H, lambda v, p, hh, period: v("weekly_reduction") > 0), {}),
    ]  # fmt: skip
    return variables


SYSTEMS = {"speed": speed_variables, "per_rule": per_rule_variables}


def main(inputs: Path, results: Path, rounds: int) -> None:
    loaded = np.load(inputs)
    group = {name: loaded[name] for name, _ in GROUP_INPUTS}
    members = {name: loaded[name] for name, _ in PERSON_INPUTS}
    members["household"] = loaded["household"]
    members["role"] = np.array(h.ROLES)[loaded["role"]]  # OpenFisca takes roles by key
    timings: dict[str, Any] = {"openfisca_core": version("openfisca-core"),
                               "numpy": np.__version__}  # fmt: skip
    for style in STYLES:
        system = _System(SYSTEMS[style])
        build, calculate = [], []
        for round_number in range(rounds):
            built, calculated, outputs = system.run(group, members)
            build.append(built)
            calculate.append(calculated)
            if round_number == 0:
                np.savez(results / f"{style}.npz", **outputs)
        timings[style] = {"build": build, "calculate": calculate}
    (results / "timings.json").write_text(json.dumps(timings))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
