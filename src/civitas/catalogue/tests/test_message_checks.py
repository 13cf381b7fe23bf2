"""Messages are checked with the renderer that sends them: a mistake is refused at publish,
as file:line, and never met when a message is sent."""

import pytest

from civitas.catalogue.definition import (
    MESSAGE_FIELDS,
    MESSAGE_YES_NO_FIELDS,
    DefinitionInvalid,
    message_template_problems,
    parse_file,
)
from civitas.catalogue.models import ServiceVersion
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_definitions import copy_services
from conftest import OTHER_COUNCIL_PERMIT

BODY_LINE = "      Your reference is ((reference)).\n"
SUBJECT_LINE = '    subject: "We have received your parking permit application ((reference))"\n'


def _source() -> str:
    """A permit written in English only: each message text is one line to change."""
    return OTHER_COUNCIL_PERMIT.read_text()


def _line_of(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def _problems(tmp_path, source: str) -> list[str]:
    path = copy_services(tmp_path)
    path.write_text(source)
    return [str(problem) for problem in parse_file(path).problems]


MALFORMED = [
    ("Your reference is ((reference.", "'((' is not closed", 19),
    ("Your reference is (()).", "needs a name", 19),
    ("Your reference is ((  )).", "needs a name", 19),
    ("Your reference is ((??shown)).", "needs a name", 19),
    ("Your reference is ((reference.x)).", "'.' cannot be in a placeholder's name", 30),
    ("Your reference is ((0!r)).", "'!' cannot be in a placeholder's name", 22),
    ("Your reference is ((refer{ence})).", "'{' cannot be in a placeholder's name", 26),
    ("Your reference is ((ref((erence)))).", "cannot go inside another", 24),
    ("Your reference is ((has_fee??see ((fee)))).", "cannot go inside another", 34),
    ("Your reference is ((has_fee??(see below))).", "brackets cannot go inside", 30),
]


@pytest.mark.parametrize(("text", "reason", "column"), MALFORMED)
def test_a_malformed_body_is_refused_at_its_own_line(tmp_path, text, reason, column):
    source = _source().replace(BODY_LINE, f"      {text}\n", 1)
    line = _line_of(source, text)
    problems = _problems(tmp_path, source)
    assert len(problems) == 1, problems
    assert f":{line}: messages.submitted.body, column {column}: " in problems[0]
    assert reason in problems[0]


@pytest.mark.parametrize(("text", "reason", "column"), MALFORMED)
def test_a_malformed_subject_is_refused_at_its_line(tmp_path, text, reason, column):
    source = _source().replace(SUBJECT_LINE, f'    subject: "{text}"\n', 1)
    line = _line_of(source, text)
    problems = _problems(tmp_path, source)
    assert len(problems) == 1, problems
    assert f":{line}: messages.submitted.subject, column {column}: " in problems[0]
    assert reason in problems[0]


def test_a_folded_body_is_reported_where_it_starts_with_the_line_of_the_text(tmp_path):
    source = _source()
    approved = source[source.index("  approved:\n") : source.index("  refused:\n")]
    source = source.replace(
        approved,
        "  approved:\n"
        '    subject: "Approved ((reference))"\n'
        "    body: >\n"
        "      Your application\n"
        "      has been approved.\n"
        "\n"
        "      Your reference is ((reference.x)).\n",
    )
    problems = _problems(tmp_path, source)
    line = _line_of(source, "    body: >")
    assert problems == [
        f"{tmp_path}/resident-parking-permit/service.yaml:{line}: messages.approved.body, "
        "line 2 of the text, column 30: '.' cannot be in a placeholder's name: use letters, "
        "digits, spaces, '_' and '-'"
    ]


def test_an_unknown_placeholder_is_refused_naming_the_known_ones(tmp_path):
    source = _source().replace(BODY_LINE, "      Hello ((Name)), or {Name}.\n", 1)
    problems = _problems(tmp_path, source)
    known = ", ".join(f"(({name}))" for name in sorted(MESSAGE_FIELDS))
    line = _line_of(source, "Hello ((Name))")
    assert len(problems) == 1, problems
    assert problems[0].endswith(
        f":{line}: messages.submitted.body, column 7: unknown placeholder '((Name))': "
        f"it is neither an answer of this service nor one of {known}"
    )


@pytest.mark.parametrize("name", sorted(MESSAGE_FIELDS - MESSAGE_YES_NO_FIELDS))
def test_optional_text_needs_a_yes_no_placeholder(name):
    assert message_template_problems(f"((Reference))\n(({name}??Shown))") == [
        (
            2,
            1,
            f"'(({name}??...))' needs a yes/no placeholder: '{name}' is not one "
            "(use one of ((has_fee)), ((has_reason)))",
        )
    ]


@pytest.mark.parametrize("name", sorted(MESSAGE_YES_NO_FIELDS))
def test_optional_text_on_a_yes_no_placeholder_is_accepted(name):
    assert message_template_problems(f"(({name}??Shown)) and (({name}))") == []


@pytest.mark.parametrize(
    "text",
    [
        "Hello {Name}",
        "A lone { brace",
        "{0} and {reference.x} and {reference}",
        "}} {{",
        "What?? Really??",
        "(((reference))) and a (note)",
        "Closing )) alone",
        "((Service Title)), ((service-title)), ((SERVICE_TITLE))",
        "<b>((reference))</b> &amp;",
    ],
)
def test_text_the_old_checks_let_through_is_now_plain_text_or_a_known_placeholder(text):
    assert message_template_problems(text) == []


def test_a_definition_with_a_bad_message_is_not_published(tmp_path, organisations):
    path = copy_services(tmp_path)
    path.write_text(_source().replace(BODY_LINE, "      Your reference is ((reference).\n", 1))
    with pytest.raises(DefinitionInvalid, match="'\\(\\(' is not closed"):
        publish_service_file(path, published_by="test")
    assert not ServiceVersion.objects.exists()
