"""Synthetic populations are deterministic and readable by the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from civitas.rules.model import RuleSet
from civitas.rules.population import generate_population
from civitas.rules.simulation import read_population


@pytest.mark.parametrize("name", ["parking-permit-fee", "council-tax-reduction-estimate"])
def test_the_same_seed_gives_the_same_file(name: str, tmp_path: Path) -> None:
    first = generate_population(name, 1_000, 42, tmp_path / "a.csv")
    second = generate_population(name, 1_000, 42, tmp_path / "b.csv")
    other = generate_population(name, 1_000, 43, tmp_path / "c.csv")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()


def test_generated_populations_fit_their_rule_sets(
    parking: RuleSet, council_tax: RuleSet, tmp_path: Path
) -> None:
    for rule_set in (parking, council_tax):
        path = generate_population(rule_set.name, 5_000, 1, tmp_path / f"{rule_set.name}.csv")
        population = read_population(rule_set, path)
        assert population.rows == 5_000
        assert set(population.columns) == set(rule_set.inputs)


def test_the_same_seed_gives_the_same_households_and_members(tmp_path: Path) -> None:
    def files(seed: int, name: str) -> tuple[bytes, bytes]:
        households, members = tmp_path / f"{name}-h.csv", tmp_path / f"{name}-m.csv"
        generate_population("council-tax-reduction", 500, seed, households, members)
        return households.read_bytes(), members.read_bytes()

    assert files(42, "a") == files(42, "b")
    assert files(42, "a") != files(43, "c")


def test_a_household_rule_set_needs_a_members_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="name a members file as well"):
        generate_population("council-tax-reduction", 10, 1, tmp_path / "h.csv")


def test_an_unknown_rule_set_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no population generator for 'dog-licence'"):
        generate_population("dog-licence", 10, 1, tmp_path / "x.csv")
