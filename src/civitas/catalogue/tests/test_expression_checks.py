"""Expressions in a definition are parsed and type-checked when it is validated, and every
problem is reported at its line."""

import textwrap

import pytest

from civitas.catalogue.definition import parse_definition
from civitas.journeys.tests.test_logic import STREET_PARTY


def _problems(source: str) -> list[str]:
    parsed = parse_definition(textwrap.dedent(source), filename="svc.yaml", base_dir=None)
    return [str(problem) for problem in parsed.problems]


def _line(source: str, text: str) -> int:
    lines = textwrap.dedent(source).splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)


def test_the_street_party_definition_is_valid():
    assert _problems(STREET_PARTY) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (
            "vehicles > 20 and road_type != 'residential'",
            "vehicle > 20",
            "unknown name 'vehicle' (did you mean 'vehicles'?)",
        ),
        (
            "vehicles > 20 and road_type != 'residential'",
            "party_date > 20",
            "answer 'party_date' is not asked on or before this page",
        ),
        (
            "vehicles > 20 and road_type != 'residential'",
            "road_type == 'motorway'",
            'is never "motorway"',
        ),
        (
            "vehicles > 20 and road_type != 'residential'",
            "vehicles > > 20",
            "syntax error at '>' (at character 12)",
        ),
        (
            "vehicles > 20 and road_type != 'residential'",
            "vehicles + 1",
            "a condition must be true or false",
        ),
        (
            "vehicles > 20 and road_type != 'residential'",
            "vehicles.__class__",
            "attribute access (a.b) cannot be used here",
        ),
        (
            "vehicles > 20 and road_type != 'residential'",
            "__import__('os')",
            "unknown function '__import__'",
        ),
        (
            "vehicles > 20 and road_type != 'residential'",
            "__builtins__ > 1",
            "unknown name '__builtins__'",
        ),
        (
            "vehicles > 20 and road_type != 'residential'",
            "party_minutes > 3",
            "computed value 'party_minutes' uses answer 'end_time', which is not asked",
        ),
        ("end_time > start_time", "end_time > party_date", "cannot combine time with date"),
        ("end_time > start_time", "end_time > road_type", "cannot combine time with enumeration"),
        (
            "end_time > start_time",
            "road_type > 'main'",
            "compares numbers, amounts, dates or times",
        ),
        ("end_time > start_time", "end_time > 3", "cannot combine time with integer"),
        (
            "minutes_between(start_time, end_time)",
            "minutes_between(start_time, end_time) + later_value",
            "unknown name 'later_value'",
        ),
        (
            '"vehicles > 2 ? 5000 * vehicles : 0"',
            '"vehicles > 2 ? 5000 * vehicles : party_date"',
            "cannot combine integer with date",
        ),
        (
            '"vehicles > 2 ? 5000 * vehicles : 0"',
            "\"vehicles > 2 ? 5000 * vehicles : rule('fee')\"",
            "the rules decide no value called 'fee'",
        ),
    ],
)
def test_a_bad_expression_is_reported_at_its_line(old, new, problem):
    source = STREET_PARTY.replace(old, new, 1)
    line = _line(source, new)
    problems = _problems(source)
    assert any(p.startswith(f"svc.yaml:{line}:") and problem in p for p in problems), problems


def test_a_computed_value_may_not_use_one_defined_after_it():
    source = STREET_PARTY.replace(
        "party_minutes: minutes_between(start_time, end_time)",
        "party_minutes: minutes_between(start_time, end_time) + count_later\n"
        "      count_later: vehicles",
    )
    assert any(
        "computed value 'count_later' is defined after 'party_minutes'" in p
        for p in _problems(source)
    )


def test_a_computed_value_may_not_take_an_answers_name():
    source = STREET_PARTY.replace("party_minutes:", "vehicles:")
    line = _line(source, "vehicles: minutes_between")
    assert _problems(source) == [f"svc.yaml:{line}: 'vehicles' is already the name of an answer"]


def test_a_huge_expression_is_refused_by_the_schema():
    source = STREET_PARTY.replace("end_time > start_time", "vehicles + " * 100 + "1 > 0", 1)
    problems = _problems(source)
    assert any("is too long" in p for p in problems), problems


def test_a_deeply_nested_expression_is_refused():
    source = STREET_PARTY.replace(
        "end_time > start_time", "not " * 100 + "(end_time > start_time)", 1
    )
    problems = _problems(source)
    assert any("nested too deeply" in p for p in problems), problems


def test_the_structured_conditions_still_work_beside_expressions():
    assert "{answer: road_type, equals: main}" in STREET_PARTY
    source = STREET_PARTY.replace("{answer: road_type, equals: main}", "{answer: email, equals: a}")
    assert any("answer 'email' is not asked on or before this page" in p for p in _problems(source))


def test_show_if_may_only_use_answers_of_earlier_pages():
    own = STREET_PARTY.replace('show_if: "vehicles > 10"', 'show_if: "marshals > 1"')
    line = _line(own, 'show_if: "marshals > 1"')
    assert _problems(own) == [
        f"svc.yaml:{line}: answer 'marshals' is asked on this page, after show_if"
    ]
    later = STREET_PARTY.replace('show_if: "vehicles > 10"', 'show_if: "party_minutes > 1"')
    assert any("which is not asked before this page" in p for p in _problems(later))


def test_an_exit_page_has_no_show_if():
    source = STREET_PARTY.replace(
        "title: You need a different licence",
        "title: You need a different licence\n        show_if: 'true'",
    )
    assert _problems(source)


def test_a_computed_value_may_not_use_itself():
    source = STREET_PARTY.replace(
        "party_minutes: minutes_between(start_time, end_time)",
        "party_minutes: minutes_between(start_time, end_time) + party_minutes",
    )
    assert any("computed value 'party_minutes' cannot use itself" in p for p in _problems(source))
