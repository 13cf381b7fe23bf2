"""Checking the page structure of a definition: pages of several questions, optional
questions and checkboxes, each problem at its `file:line`."""

import textwrap

import pytest

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.model import NOT_GIVEN, Condition, Question, QuestionPage
from civitas.catalogue.tests.memory import service_from_yaml
from civitas.catalogue.tests.test_definitions import _valid_source, parse_file_from
from civitas.catalogue.tests.test_model import SMALL


def _with_pages(pages: str) -> str:
    return textwrap.dedent(SMALL).replace(
        "  - id: email\n", textwrap.indent(textwrap.dedent(pages), "  ") + "  - id: email\n", 1
    )


def _problems(source: str) -> list[str]:
    parsed = parse_definition(source, filename="svc.yaml")
    return [str(problem) for problem in parsed.problems]


def _line(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


GROUP = """\
- id: name
  title: What is your name?
  questions:
    - {id: first_name, type: text, label: First name}
    - {id: last_name, type: text, label: Last name, optional: true}
"""


def test_a_page_of_several_questions_is_read_with_its_title():
    model = service_from_yaml(_with_pages(GROUP)).model
    page = model.page("name")
    assert isinstance(page, QuestionPage)
    assert page.is_group
    assert page.heading == "What is your name?"
    assert page.answer_ids == ("first_name", "last_name")
    assert model.page_for_answer("last_name") is page
    assert model.question("last_name").optional
    assert [q.id for q in model.questions] == ["colour", "first_name", "last_name", "email"]


def test_a_one_question_page_is_headed_by_its_question():
    page = service_from_yaml(SMALL).model.page("colour")
    assert not page.is_group
    assert page.heading == "Which colour?"


def test_a_page_of_several_questions_needs_a_title():
    source = _with_pages(GROUP.replace("  title: What is your name?\n", ""))
    assert _problems(source) == [
        f"svc.yaml:{_line(source, '{id: first_name')}: "
        "a page of several questions needs a title: its heading"
    ]


def test_an_answer_id_used_on_two_pages_is_reported_at_the_second():
    source = _with_pages(
        GROUP + "- id: again\n  question: {id: first_name, type: text, label: Again}\n"
    )
    problems = _problems(source)
    assert problems == [
        f"svc.yaml:{_line(source, 'label: Again')}: question id 'first_name' is used twice"
    ]


def test_a_page_may_not_have_both_question_and_questions():
    source = _with_pages(GROUP + "  question: {id: other, type: text, label: Other?}\n")
    assert _problems(source), "a page with both is refused by the schema"


def test_a_group_page_cannot_derive():
    source = _with_pages(GROUP + "  derive: {zone: {lookup: zones}}\n")
    assert any("only a page of one question can derive values" in p for p in _problems(source))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("min_selected: 3", "min_selected (3) is more than the 2 options"),
        ("max_selected: 3", "max_selected (3) is more than the 2 options"),
        ("none_option: {value: cat, label: None}", "the none option's value is also an option"),
    ],
)
def test_checkbox_limits_and_the_none_option_are_checked(extra, message):
    source = _with_pages(
        f"""\
        - id: pets
          question:
            id: pets
            type: checkboxes
            label: Pets?
            options: [{{value: cat, label: Cat}}, {{value: dog, label: Dog}}]
            {extra}
        """
    )
    problems = _problems(source)
    assert any(message in p for p in problems), problems
    assert all(p.startswith("svc.yaml:") for p in problems)


def test_checkbox_keys_are_refused_on_other_types():
    source = _with_pages(
        "- id: age\n  question: {id: age, type: text, label: Age, max_selected: 2}\n"
    )
    assert any("a text question has no max_selected" in p for p in _problems(source))


def test_conditions_on_a_checkbox_answer_use_includes():
    source = _with_pages(
        """\
        - id: pets
          question:
            id: pets
            type: checkboxes
            label: Pets?
            options: [{value: cat, label: Cat}, {value: dog, label: Dog}]
          next:
            - {if: {answer: pets, equals: cat}, goto: email}
        """
    )
    assert any("is a list of choices: test it with includes" in p for p in _problems(source))
    wrong = SMALL.replace(
        "if: {answer: colour, equals: red}", "if: {answer: colour, includes: red}"
    )
    assert any("is not a checkboxes answer" in p for p in _problems(textwrap.dedent(wrong)))


def test_the_contact_email_may_be_optional_and_a_fee_cannot_come_from_an_optional_answer():
    source = textwrap.dedent(SMALL).replace(
        'label: "Your email?"}', 'label: "Your email?", optional: true}'
    )
    assert _problems(source) == []
    source = textwrap.dedent(SMALL).replace("type: radios", "type: radios\n      optional: true")
    assert any("answer 'colour' is optional: a fee needs it" in p for p in _problems(source))


def test_an_optional_answer_left_blank_is_shown_as_not_given():
    optional = Question(id="q", type="text", label="Nickname", optional=True)
    assert optional.shown_label == "Nickname (optional)"
    assert optional.display(None) == NOT_GIVEN
    assert optional.clean({"q": "  "}, today=None).value is None  # type: ignore[arg-type]
    assert Question(id="q", type="text", label="Name").display(None) == ""


def test_includes_holds_for_a_list_that_has_the_value():
    condition = Condition("pets", includes="dog")
    assert condition.holds({"pets": ["cat", "dog"]})
    assert not condition.holds({"pets": ["cat"]})
    assert not condition.holds({"pets": "dog"})
    assert not condition.holds({})


def test_fewest_more_than_most_is_reported():
    source = _with_pages(
        """\
        - id: pets
          question:
            id: pets
            type: checkboxes
            label: Pets?
            options: [{value: cat, label: Cat}, {value: dog, label: Dog}]
            min_selected: 2
            max_selected: 1
        """
    )
    assert any("min_selected (2) is more than max_selected" in p for p in _problems(source))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("      id: start_date\n", "      id: start_date\n      optional: true\n"),
            "'start_date' is optional: the rules need a date",
        ),
        (
            ("      id: co2_band\n", "      id: co2_band\n      optional: true\n"),
            "answer 'co2_band' is optional: a rule input needs an answer",
        ),
    ],
)
def test_the_rules_cannot_take_an_optional_answer(tmp_path, change, message):
    source = _valid_source().replace(*change)
    assert source != _valid_source()
    problems = [p.message for p in parse_file_from(source, tmp_path)]
    assert message in problems, problems


def test_an_address_question_needs_a_page_of_its_own():
    source = _with_pages(
        GROUP.replace("type: text, label: Last name", "type: address, label: Home")
    )
    assert any("an address question needs a page of its own" in p for p in _problems(source))
