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


def _council_tax_reduction(rng: np.random.Generator, rows: int) -> Columns:
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


GENERATORS: dict[str, Callable[[np.random.Generator, int], Columns]] = {
    "parking-permit-fee": _parking_permit_fee,
    "council-tax-reduction": _council_tax_reduction,
}


def generate_population(rule_set_name: str, rows: int, seed: int, path: str | Path) -> Path:
    """Write ``rows`` synthetic cases for the named rule set to the CSV file ``path``.

    Raises ``ValueError`` for a rule set without a generator (see ``GENERATORS``).
    """
    generator = GENERATORS.get(rule_set_name)
    if generator is None:
        raise ValueError(
            f"no population generator for {rule_set_name!r}; known: {', '.join(GENERATORS)}"
        )
    return write_population(generator(np.random.default_rng(seed), rows), path)


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
