"""A service's `retention`: how long it keeps each kind of record, with the platform's
defaults, each mistake reported at its line."""

import pytest

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.model import Retention, ServiceDefinition
from conftest import OTHER_COUNCIL_PERMIT


def _with(retention: str) -> str:
    source = OTHER_COUNCIL_PERMIT.read_text()
    return source.replace("\nmessages:\n", f"\nretention:\n{retention}\nmessages:\n", 1)


def _parse(source: str):
    return parse_definition(source, filename="svc.yaml", base_dir=OTHER_COUNCIL_PERMIT.parent)


def _line_of(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def test_a_service_that_says_nothing_keeps_records_for_the_defaults():
    parsed = _parse(OTHER_COUNCIL_PERMIT.read_text())
    assert parsed.problems == []
    retention = ServiceDefinition.from_document(parsed.definition).retention
    assert retention == Retention()
    assert retention.closed_cases_days == 730
    assert retention.payment_records_days == 7 * 365
    assert retention.abandoned_journeys_days == 30


def test_periods_are_read_in_days_and_what_belongs_to_a_case_follows_it():
    parsed = _parse(_with("  closed_cases: 18 months\n  abandoned_journeys: 1 day"))
    assert parsed.problems == []
    retention = ServiceDefinition.from_document(parsed.definition).retention
    assert retention.closed_cases_days == 540
    assert retention.uploads_days == 540
    assert retention.messages_days == 540
    assert retention.abandoned_journeys_days == 1


@pytest.mark.parametrize(
    ("retention", "at", "message"),
    [
        ("  closed_cases: forever", "closed_cases: forever", "does not match"),
        ("  closed_cases: 0 days", "closed_cases: 0 days", "does not match"),
        ("  closed_cases: 2 fortnights", "2 fortnights", "does not match"),
        ("  closed_cases: 730", "closed_cases: 730", "is not of type 'string'"),
        ("  invoices: 2 years", "invoices", "invoices"),
        ("  closed_cases: 9999 years", "9999 years", "more than 100 years"),
        (
            "  closed_cases: 1 year\n  uploads: 2 years",
            "uploads: 2 years",
            "keep them no longer than closed_cases (1 year)",
        ),
        ("  messages: 3 years", "messages: 3 years", "no longer than closed_cases"),
        ("  payment_records: 5 years", "payment_records", "at least 6 years"),
        ("  abandoned_journeys: 6 months", "abandoned_journeys", "at most 90 days"),
    ],
)
def test_a_period_that_is_wrong_is_reported_at_its_line(retention, at, message):
    source = _with(retention)
    problems = [str(problem) for problem in _parse(source).problems]
    line = _line_of(source, at)
    assert any(p.startswith(f"svc.yaml:{line}:") and message in p for p in problems), problems
