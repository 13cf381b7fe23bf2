"""The household benchmark's population and its floor: bench/household-support.rules.yaml
worked out by hand in NumPy.

Only NumPy is imported here (and by bench/household_openfisca.py, which reuses the
amounts), so the OpenFisca comparison can run in a virtual environment of its own, with
an older openfisca-core and without Civitas.

A population is two sets of columns: one row per household (``weekly_council_tax``,
``capital``) and one per person (``household``, the 0-based row of their household;
``role``; ``age``, ``weekly_income``, ``is_student``, ``is_disabled``, ``is_blind``),
people sorted by household, about 2.5 people per household.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

Columns = dict[str, np.ndarray]

ROLES = ("claimant", "partner", "child", "non_dependant")
CLAIMANT, PARTNER, CHILD, NON_DEPENDANT = range(len(ROLES))

# The amounts in force on the benchmark's date, as in household-support.rules.yaml (pence).
PERSONAL_ALLOWANCE_SINGLE, PERSONAL_ALLOWANCE_COUPLE = 9555, 15015
CHILD_ALLOWANCE, CHILD_LIMIT, FAMILY_PREMIUM = 8790, 2, 1956
DISABILITY_PREMIUM_SINGLE, DISABILITY_PREMIUM_COUPLE = 4485, 6400
CAPITAL_UPPER_LIMIT = 1_600_000
TAPER_RATE, MAXIMUM_REDUCTION_SHARE = 0.2, 0.8
ND_INCOME_LOWER, ND_INCOME_MIDDLE, ND_INCOME_HIGHER = 23_600, 41_000, 51_200
ND_BANDS = ("band_1", "band_2", "band_3", "band_4")
ND_DEDUCTION_BY_BAND = (505, 1015, 1280, 1530)
ADULT_AGE = 18

OUTPUTS = ("eligible", "weekly_reduction")


def _choice(rng: np.random.Generator, rows: int, options: Mapping[int, float]) -> np.ndarray:
    weights = np.array(list(options.values()), dtype=np.float64)
    return np.array(list(options))[rng.choice(len(options), size=rows, p=weights / weights.sum())]


def generate(rng: np.random.Generator, households: int) -> tuple[Columns, Columns]:
    """A deterministic synthetic population (invented distributions, not survey data):
    a claimant in every household, a partner in 40%, 0 to 4 children, 0 to 2
    non-dependants (some under 18 or students), about 2.5 people a household."""
    partners = (rng.random(households) < 0.4).astype(np.int64)
    children = _choice(rng, households, {0: 55, 1: 18, 2: 15, 3: 8, 4: 4})
    non_dependants = _choice(rng, households, {0: 80, 1: 15, 2: 5})
    sizes = 1 + partners + children + non_dependants
    household = np.repeat(np.arange(households), sizes)
    people = len(household)
    starts = np.cumsum(sizes) - sizes
    position = np.arange(people) - starts[household]
    # Within a household: the claimant, then the partner, the children, the non-dependants.
    after_partner = position - partners[household]
    role = np.where(
        position == 0,
        CLAIMANT,
        np.where(
            after_partner <= 0,
            PARTNER,
            np.where(after_partner <= children[household], CHILD, NON_DEPENDANT),
        ),
    )
    adult_age = rng.integers(18, 66, people)
    age = np.where(
        role == CHILD,
        rng.integers(0, 18, people),
        np.where(role == NON_DEPENDANT, rng.integers(16, 80, people), adult_age),
    )
    earns = (role != CHILD) & (rng.random(people) < 0.7)
    income = np.where(earns, np.clip(rng.lognormal(np.log(30_000), 0.7, people), 0, 1_000_000), 0)
    has_capital = rng.random(households) < 0.4
    capital = np.where(has_capital, rng.lognormal(np.log(400_000), 1.0, households), 0)
    group = {
        "weekly_council_tax": _choice(
            rng,
            households,
            {2600: 25, 3000: 20, 3450: 20, 3900: 15, 4750: 10, 5600: 5, 6500: 3, 7800: 2},
        ),
        "capital": np.clip(capital, 0, 100_000_000).astype(np.int64),
    }
    members = {
        "household": household,
        "role": role,
        "age": age,
        "weekly_income": income.astype(np.int64),
        "is_student": (role == NON_DEPENDANT) & (rng.random(people) < 0.2),
        "is_disabled": rng.random(people) < 0.08,
        "is_blind": (role == CLAIMANT) & (rng.random(people) < 0.02),
    }
    return group, members


def first_members(household: np.ndarray) -> np.ndarray:
    """Where each household's people start (people sorted by household)."""
    return np.flatnonzero(np.r_[True, household[1:] != household[:-1]])


def _round(x: np.ndarray) -> np.ndarray:
    """Halves away from zero, as the rules round; every amount here is positive."""
    return np.floor(x + 0.5).astype(np.int64)


def _any(owner: np.ndarray, held: np.ndarray, households: int) -> np.ndarray:
    result = np.zeros(households, dtype=np.bool_)
    result[owner[held]] = True
    return result


def by_hand(group: Mapping[str, np.ndarray], members: Mapping[str, np.ndarray],
            starts: np.ndarray) -> Columns:  # fmt: skip
    """The floor: the rule set's outputs written by hand in NumPy, people sorted by
    household and ``starts`` (``first_members``) worked out beforehand, as the engine's are.
    Written for speed: sums with ``add.reduceat``; counts and "anyone" from the people for
    whom the condition holds (a third of the cost of a reduceat)."""
    households = len(starts)
    owner, role, age = members["household"], members["role"], members["age"]
    income = members["weekly_income"]
    applicant_blind = _any(owner, (role == CLAIMANT) & members["is_blind"], households)
    has_partner = _any(owner, role == PARTNER, households)
    children = np.bincount(owner[role == CHILD], minlength=households)
    band = (
        (income >= ND_INCOME_LOWER).astype(np.int64)
        + (income >= ND_INCOME_MIDDLE)
        + (income >= ND_INCOME_HIGHER)
    )
    exempt = (age < ADULT_AGE) | members["is_student"] | applicant_blind[owner]
    deduction = np.where((role == NON_DEPENDANT) & ~exempt, np.array(ND_DEDUCTION_BY_BAND)[band], 0)
    non_dependant_deductions = np.add.reduceat(deduction, starts)
    applicable = (
        np.where(has_partner, PERSONAL_ALLOWANCE_COUPLE, PERSONAL_ALLOWANCE_SINGLE)
        + np.minimum(children, CHILD_LIMIT) * CHILD_ALLOWANCE
        + np.where(children > 0, FAMILY_PREMIUM, 0)
        + np.where(
            _any(owner, members["is_disabled"], households),
            np.where(has_partner, DISABILITY_PREMIUM_COUPLE, DISABILITY_PREMIUM_SINGLE),
            0,
        )
    )
    household_income = np.add.reduceat(np.where(role <= PARTNER, income, 0), starts)
    taper = _round(np.maximum(0, household_income - applicable) * TAPER_RATE)
    maximum = np.maximum(
        0, _round(group["weekly_council_tax"] * MAXIMUM_REDUCTION_SHARE) - non_dependant_deductions
    )
    weekly = np.where(group["capital"] <= CAPITAL_UPPER_LIMIT, np.maximum(0, maximum - taper), 0)
    return {"eligible": weekly > 0, "weekly_reduction": weekly}
