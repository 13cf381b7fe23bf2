"""Deterministic synthetic populations for testing and benchmarking simulations.

``generate_population`` writes a CSV for one of the platform's rule sets with plausible
(invented, not survey-based) distributions; ``generate_columns`` makes a population for any
rule set by drawing each input uniformly within its declared type. The same seed always
gives the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from civitas.rules import datatypes as dt
from civitas.rules.model import RuleSet

Columns = dict[str, np.ndarray]


def _choice(rng: np.random.Generator, rows: int, options: Mapping[object, float]) -> np.ndarray:
    values = np.array(list(options))
    weights = np.array(list(options.values()), dtype=np.float64)
    return values[rng.choice(len(values), size=rows, p=weights / weights.sum())]


def _parking_permit_fee(rng: np.random.Generator, rows: int) -> Columns:
    return {
        "co2_band": _choice(
            rng, rows, {"electric": 12, "A": 10, "B": 10, "C": 18, "D": 20, "E": 15, "F": 9, "G": 6}
        ),
        "permit_months": _choice(rng, rows, {12: 75, 6: 25}),
        "permits_already_in_household": _choice(rng, rows, {0: 70, 1: 20, 2: 7, 3: 3}),
        "has_blue_badge": rng.random(rows) < 0.06,
        "address_in_zone": rng.random(rows) < 0.97,
    }


def _council_tax_reduction_estimate(rng: np.random.Generator, rows: int) -> Columns:
    non_dependants = _choice(rng, rows, {0: 80, 1: 15, 2: 5})
    has_capital = rng.random(rows) < 0.4
    capital = np.where(has_capital, rng.lognormal(np.log(400_000), 1.0, rows), 0)
    non_dep_income = np.where(non_dependants > 0, rng.lognormal(np.log(35_000), 0.5, rows), 0)
    return {
        "claimant_age": rng.integers(18, 76, rows),
        "has_partner": rng.random(rows) < 0.4,
        "dependent_children": _choice(rng, rows, {0: 55, 1: 18, 2: 15, 3: 8, 4: 4}),
        "disability_premium_applies": rng.random(rows) < 0.15,
        "receives_passported_benefit": rng.random(rows) < 0.2,
        "weekly_income_pence": np.clip(
            rng.lognormal(np.log(25_000), 0.6, rows), 0, 1_000_000
        ).astype(np.int64),
        "capital_pence": np.clip(capital, 0, 100_000_000).astype(np.int64),
        # Weekly council tax for bands A to H, roughly.
        "weekly_council_tax_pence": _choice(
            rng, rows, {2600: 25, 3000: 20, 3450: 20, 3900: 15, 4750: 10, 5600: 5, 6500: 3, 7800: 2}
        ),
        "non_dependants": non_dependants,
        "non_dependant_weekly_income_pence": np.clip(non_dep_income, 0, 1_000_000).astype(np.int64),
    }


_POPULATION_DAY = np.datetime64("2026-04-01")


def _money(values: np.ndarray, high: int = 1_000_000) -> np.ndarray:
    return np.clip(np.round(values), 0, high).astype(np.int64)


def _council_tax_reduction_households(
    rng: np.random.Generator, households: int
) -> tuple[Columns, Columns]:
    """Working-age households of about 2.6 people: an applicant, a partner in a third of
    them, children in half, and other adults in a fifth (invented, not survey data)."""
    partners = rng.random(households) < 0.35
    children = _choice(rng, households, {0: 50, 1: 20, 2: 17, 3: 9, 4: 4})
    others = _choice(rng, households, {0: 78, 1: 15, 2: 6, 3: 1})
    sizes = 1 + partners + children + others
    total = int(sizes.sum())
    household = np.repeat(np.arange(1, households + 1), sizes)
    # Each member's place within its household: the applicant, the partner, the children,
    # then the other adults.
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    place = np.arange(total) - starts
    first_child = 1 + np.repeat(partners, sizes)
    first_other = first_child + np.repeat(children, sizes)
    role = np.where(
        place == 0,
        "claimant",
        np.where(
            place < first_child,
            "partner",
            np.where(place < first_other, "dependant", "non_dependant"),
        ),
    )
    adult = (role == "claimant") | (role == "partner")
    is_child = role == "dependant"
    is_other = role == "non_dependant"

    age = np.where(
        adult,
        rng.integers(18, 67, total),
        np.where(is_child, rng.integers(0, 18, total), rng.integers(17, 80, total)),
    )
    born = _POPULATION_DAY - (age * 365 + rng.integers(1, 364, total)).astype("timedelta64[D]")

    benefit = np.where(
        adult,
        _choice(
            rng,
            total,
            {
                "none": 50,
                "universal_credit": 30,
                "esa_income_related": 8,
                "income_support": 4,
                "jsa_income_based": 3,
            },
        ),
        np.where(
            is_other,
            _choice(
                rng,
                total,
                {
                    "none": 75,
                    "universal_credit": 15,
                    "pension_credit": 5,
                    "jsa_income_based": 3,
                    "income_support": 2,
                },
            ),
            "none",
        ),
    )
    # The applicant's benefit decides the couple's; a partner gets the same one.
    claimant_benefit = np.repeat(benefit[place == 0], sizes)
    benefit = np.where(role == "partner", claimant_benefit, benefit)

    works = (~is_child | (age >= 16)) & (rng.random(total) < np.where(adult, 0.45, 0.6))
    hours = np.where(works, _choice(rng, total, {8: 10, 16: 20, 24: 20, 30: 15, 37: 35}), 0)
    earnings = np.where(works, _money(hours * rng.lognormal(np.log(1_200), 0.3, total)), 0)
    deductions = _money(np.maximum(0, earnings - 24_000) * 0.28)
    other_income = np.where(
        rng.random(total) < np.where(adult | is_other, 0.3, 0.0),
        _money(rng.lognormal(np.log(9_000), 0.5, total)),
        0,
    )
    capital = np.where(
        adult & (rng.random(total) < 0.3),
        _money(rng.lognormal(np.log(300_000), 1.0, total), 100_000_000),
        0,
    )
    disability = np.where(
        rng.random(total) < np.where(is_child, 0.05, 0.15),
        _choice(
            rng,
            total,
            {
                "dla_care_lowest": 10,
                "dla_care_middle": 10,
                "dla_care_highest": 8,
                "dla_mobility_only": 4,
                "pip_daily_living_standard": 30,
                "pip_daily_living_enhanced": 20,
                "pip_mobility_only": 15,
                "armed_forces_independence_payment": 0.5,
                "attendance_allowance": 2,
            },
        ),
        "none",
    )
    disability = np.where(
        is_child
        & np.isin(
            disability,
            [
                "pip_daily_living_standard",
                "pip_daily_living_enhanced",
                "pip_mobility_only",
                "attendance_allowance",
                "armed_forces_independence_payment",
            ],
        ),
        "dla_care_middle",
        disability,
    )
    # Two non-dependants in a household are a couple one time in three.
    other_place = place - first_other
    couple = np.repeat(others >= 2, sizes) & (rng.random(households) < 0.33).repeat(sizes)
    non_dependant_couple = np.where(is_other & couple & (other_place < 2), "first_couple", "none")

    members: Columns = {
        "household": household,
        "role": role,
        "date_of_birth": born,
        "earnings_pence": earnings,
        "earnings_deductions_pence": np.minimum(deductions, earnings),
        "other_income_pence": other_income,
        "hours_worked": hours,
        "capital_pence": capital,
        "benefit": benefit,
        "disability_benefit": disability,
        "blind": rng.random(total) < 0.005,
        "gets_carers_allowance": adult & (rng.random(total) < 0.05),
        "has_paid_carer": (disability != "none") & (rng.random(total) < 0.2),
        "student": (is_other & (age < 25) & (rng.random(total) < 0.3)) | (is_child & (age >= 16)),
        "two_child_limit_exception": is_child & (rng.random(total) < 0.03),
        "non_dependant_couple": non_dependant_couple,
    }

    on_universal_credit = benefit[place == 0] == "universal_credit"
    maximum = _money(rng.normal(18_000, 5_000, households), 500_000)
    family_earnings = np.bincount(household - 1, weights=np.where(adult, earnings, 0))
    award = _money(np.maximum(0, maximum - 0.55 * family_earnings), 500_000)
    with_children = children > 0
    households_columns: Columns = {
        "id": np.arange(1, households + 1),
        # Weekly council tax for bands A to H, roughly.
        "weekly_council_tax_pence": _choice(
            rng,
            households,
            {2600: 25, 3000: 20, 3450: 20, 3900: 15, 4750: 10, 5600: 5, 6500: 3, 7800: 2},
        ),
        "childcare_charges_pence": np.where(
            with_children & (rng.random(households) < 0.2),
            _money(rng.lognormal(np.log(12_000), 0.5, households), 100_000),
            0,
        ),
        "universal_credit_award_pence": np.where(on_universal_credit, award, 0),
        "universal_credit_maximum_amount_pence": np.where(on_universal_credit, maximum, 0),
    }
    return households_columns, members


GENERATORS: dict[str, Callable[[np.random.Generator, int], Columns]] = {
    "parking-permit-fee": _parking_permit_fee,
    "council-tax-reduction-estimate": _council_tax_reduction_estimate,
}
"""Generators for rule sets that decide one case a row."""

HOUSEHOLD_GENERATORS: dict[str, Callable[[np.random.Generator, int], tuple[Columns, Columns]]] = {
    "council-tax-reduction": _council_tax_reduction_households,
}
"""Generators for rule sets that decide for a household of members: a households table
(an ``id`` column and the household's inputs) and a members table (a ``household``
column naming the household's ``id``, the member's ``role`` and their inputs)."""


def generate_population(
    rule_set_name: str,
    rows: int,
    seed: int,
    path: str | Path,
    members_path: str | Path | None = None,
) -> Path:
    """Write ``rows`` synthetic cases for the named rule set to the CSV file ``path``.

    For a rule set over households, ``rows`` is the number of households, ``path`` the
    households table and ``members_path`` the members table (required). Raises
    ``ValueError`` for a rule set without a generator (see ``GENERATORS`` and
    ``HOUSEHOLD_GENERATORS``) or a household rule set without ``members_path``.
    """
    rng = np.random.default_rng(seed)
    household_generator = HOUSEHOLD_GENERATORS.get(rule_set_name)
    if household_generator is not None:
        if members_path is None:
            raise ValueError(
                f"{rule_set_name} decides for households of people: "
                "name a members file as well as the households file"
            )
        households, members = household_generator(rng, rows)
        write_population(members, members_path)
        return write_population(households, path)
    generator = GENERATORS.get(rule_set_name)
    if generator is None:
        known = ", ".join(sorted([*GENERATORS, *HOUSEHOLD_GENERATORS]))
        raise ValueError(f"no population generator for {rule_set_name!r}; known: {known}")
    return write_population(generator(rng, rows), path)


def generate_columns(rule_set: RuleSet, rows: int, seed: int) -> Columns:
    """Each input drawn uniformly within its declared type (integers and money within
    their minimum and maximum, or 0 to 100,000 when undeclared)."""
    rng = np.random.default_rng(seed)
    columns: Columns = {}
    for name, spec in rule_set.inputs.items():
        kind = spec.vtype.kind
        if spec.allowed is not None:
            columns[name] = np.array(spec.allowed)[rng.integers(0, len(spec.allowed), rows)]
        elif kind == dt.BOOLEAN:
            columns[name] = rng.random(rows) < 0.5
        elif kind in (dt.INTEGER, dt.MONEY):
            low = spec.minimum if spec.minimum is not None else 0
            high = spec.maximum if spec.maximum is not None else low + 100_000
            columns[name] = rng.integers(low, high + 1, rows)
        elif kind == dt.DATE:
            start = np.datetime64("2000-01-01")
            columns[name] = start + rng.integers(0, 365 * 40, rows).astype("timedelta64[D]")
    return columns


def write_population(columns: Mapping[str, np.ndarray], path: str | Path) -> Path:
    """Write columns (booleans, integers, text, dates) as a population CSV."""
    target = Path(path)
    texts = []
    for values in columns.values():
        if values.dtype == np.bool_:
            texts.append(np.where(values, "true", "false").tolist())
        else:
            texts.append(values.astype(str).tolist())
    with open(target, "w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(columns) + "\n")
        if texts and texts[0]:
            handle.write("\n".join(map(",".join, zip(*texts, strict=True))))
            handle.write("\n")
    return target
