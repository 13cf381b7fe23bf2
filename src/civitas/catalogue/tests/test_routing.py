"""`routing`: which team a case goes to, checked at load (file:line) and at publish (the
organisation's teams), and decided from the answers by cases.routing."""

import datetime
import textwrap

import pytest

from civitas.cases.routing import route_case
from civitas.catalogue.definition import DefinitionInvalid, parse_definition
from civitas.catalogue.services import publish_service_file
from civitas.catalogue.tests.memory import service_from_yaml
from civitas.catalogue.tests.test_model import SMALL
from civitas.identity.public import ensure_organisation, ensure_team

TODAY = datetime.date(2026, 12, 2)


def with_routing(routing: str) -> str:
    return textwrap.dedent(SMALL) + textwrap.dedent(routing)


ROUTED = with_routing(
    """
    routing:
      routes:
        - if: {answer: colour, equals: blue}
          team: blues
        - if: "colour == 'red'"
          team: reds
      default_team: everyone
    """
)


def _problems(source: str) -> list[str]:
    parsed = parse_definition(source, filename="service.yaml")
    return [str(problem) for problem in parsed.problems]


def _line(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("answers", "team"),
    [
        ({"colour": "blue"}, "blues"),
        ({"colour": "red"}, "reds"),
        ({"colour": "yellow"}, "everyone"),
        ({}, "everyone"),
    ],
)
def test_the_first_route_that_holds_wins_else_the_default_team(answers, team):
    model = service_from_yaml(ROUTED).model
    assert route_case(model, answers, today=TODAY) == team


def test_a_service_without_routing_routes_nowhere():
    assert route_case(service_from_yaml(SMALL).model, {"colour": "red"}, today=TODAY) is None


def test_a_route_on_an_unknown_answer_is_reported_at_its_line():
    source = with_routing(
        """
        routing:
          routes:
            - if: {answer: flavour, equals: mint}
              team: ices
          default_team: everyone
        """
    )
    assert _problems(source) == [
        f"service.yaml:{_line(source, 'flavour')}: unknown answer 'flavour'"
    ]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("flavour == 'mint'", "flavour"),
        ("colour ==", "character"),
        ("colour", "true or false"),
    ],
)
def test_a_bad_route_expression_is_reported_at_its_line(expression, message):
    source = with_routing(
        f"""
        routing:
          routes:
            - if: "{expression}"
              team: ices
          default_team: everyone
        """
    )
    problems = _problems(source)
    assert len(problems) == 1
    line = _line(source, 'if: "' + expression + '"')
    assert problems[0].startswith(f"service.yaml:{line}: ")
    assert message in problems[0]


def test_a_team_slug_that_is_not_a_slug_is_refused():
    source = with_routing("routing: {default_team: Not A Slug}\n")
    assert any("Not A Slug" in problem for problem in _problems(source))


@pytest.fixture
def routed_file(tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(ROUTED)
    return path


def test_publishing_fails_naming_the_line_of_each_team_the_organisation_lacks(db, routed_file):
    ensure_organisation(slug="example-borough", name="Example Borough Council")
    ensure_team(organisation="example-borough", slug="blues", name="Blues")
    with pytest.raises(DefinitionInvalid) as raised:
        publish_service_file(routed_file, published_by="test")
    assert [str(problem) for problem in raised.value.problems] == [
        f"{routed_file}:{_line(ROUTED, 'team: reds')}: example-borough has no team 'reds': "
        "create it with `civitas teams add example-borough reds --name ...` first",
        f"{routed_file}:{_line(ROUTED, 'default_team')}: example-borough has no team "
        "'everyone': create it with `civitas teams add example-borough everyone --name ...` "
        "first",
    ]


def test_publishing_succeeds_once_the_teams_exist(db, routed_file):
    ensure_organisation(slug="example-borough", name="Example Borough Council")
    for slug in ("blues", "reds", "everyone"):
        ensure_team(organisation="example-borough", slug=slug, name=slug.title())
    assert publish_service_file(routed_file, published_by="test").is_new
