"""Shared fixtures: the real rule sets, the test fixtures folder, and a small-file writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from civitas.rules.loader import load_rule_set
from civitas.rules.model import RuleSet

REPOSITORY = Path(__file__).resolve().parents[4]
SERVICE_RULES = REPOSITORY / "services" / "rules"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
PARKING = SERVICE_RULES / "parking-permit-fee.rules.yaml"
# The service's estimate: one case a row, counts and totals of the household.
COUNCIL_TAX = SERVICE_RULES / "council-tax-reduction-estimate.rules.yaml"
# The working-age scheme person by person: a household of members.
COUNCIL_TAX_HOUSEHOLDS = SERVICE_RULES / "council-tax-reduction.rules.yaml"
INCOME_TAX = SERVICE_RULES / "income-tax.rules.yaml"
LANGUAGE = FIXTURES / "language.rules.yaml"


# The project's root conftest.py has autouse fixtures that need Django. The rules engine is
# pure Python and its tests also run without Django (``-p no:django``), so these same-named
# fixtures replace them for the tests in this folder.


@pytest.fixture(autouse=True)
def _fast_passwords() -> None:
    """No passwords are hashed here (replaces the root fixture that needs settings)."""


@pytest.fixture(autouse=True)
def _fresh_catalogue_cache() -> None:
    """No catalogue is used here (replaces the root fixture that needs the database)."""


@pytest.fixture(autouse=True)
def _fresh_ledger_memory() -> None:
    """No ledger is used here (replaces the root fixture that needs Django)."""


@pytest.fixture(scope="session")
def parking() -> RuleSet:
    return load_rule_set(PARKING)


@pytest.fixture(scope="session")
def council_tax() -> RuleSet:
    return load_rule_set(COUNCIL_TAX)


@pytest.fixture(scope="session")
def council_tax_households() -> RuleSet:
    return load_rule_set(COUNCIL_TAX_HOUSEHOLDS)


@pytest.fixture(scope="session")
def income_tax() -> RuleSet:
    return load_rule_set(INCOME_TAX)


@pytest.fixture(scope="session")
def language() -> RuleSet:
    return load_rule_set(LANGUAGE)


RulesWriter = Callable[..., Path]


@pytest.fixture
def write_rules(tmp_path: Path) -> RulesWriter:
    """Write a small rule set to a file: pass ``variables`` and optionally ``inputs`` and
    ``parameters`` (dicts as in YAML)."""

    def write(
        variables: dict[str, Any],
        inputs: dict[str, Any] | None = None,
        parameters: dict[str, Any] | None = None,
        name: str = "small",
        **extra: Any,
    ) -> Path:
        document: dict[str, Any] = {
            "metadata": {
                "name": name,
                "title": "A small rule set",
                "version": "1",
                "sources": [{"title": "Test"}],
            },
            "inputs": inputs
            if inputs is not None
            else {
                "amount": {"type": "money"},
                "start": {"type": "date"},
                "band": {"type": "enumeration", "values": ["A", "B", "C"]},
                "count": {"type": "integer"},
                "flag": {"type": "boolean", "default": False},
            },
            "variables": variables,
            **extra,
        }
        if parameters is not None:
            document["parameters"] = parameters
        path = tmp_path / f"{name}.rules.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return path

    return write


def marked_line(path: Path) -> int:
    """The line of a fixture marked ``# expected problem``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if "# expected problem" in line:
            return number
    raise AssertionError(f"{path} has no '# expected problem' marker")
