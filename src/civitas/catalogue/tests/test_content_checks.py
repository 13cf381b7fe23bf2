"""A definition's content is checked when it is published: Markdown that would not show as
written, a missing privacy section, a long label without a short row key and a message
placeholder that names nothing are each refused as file:line."""

import re

import pytest

from civitas.catalogue.definition import message_template_problems
from civitas.catalogue.model import derived_summary_label
from civitas.catalogue.tests.memory import parking_permit, service_from_yaml
from civitas.catalogue.tests.test_definitions import parse_file_from
from civitas.catalogue.tests.test_model import SMALL
from conftest import OTHER_COUNCIL_PERMIT, PARKING_PERMIT

# The English start page text of the parking permit, a Markdown block.
START_BODY = (
    "      You can apply if you live at an address in one of the borough's controlled parking "
    "zones.\n"
)


def _source() -> str:
    """A permit written in English only: each text is one line to change."""
    return OTHER_COUNCIL_PERMIT.read_text()


def _bilingual_source() -> str:
    return PARKING_PERMIT.read_text()


def _line_of(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def _problems(tmp_path, source: str, permit=OTHER_COUNCIL_PERMIT) -> list[str]:
    path = tmp_path / "resident-parking-permit" / "service.yaml"
    return [str(p).removeprefix(f"{path}:") for p in parse_file_from(source, tmp_path, permit)]


def test_the_example_services_markdown_is_rendered_once_into_the_model():
    model = parking_permit().model
    assert model.start.body_html.startswith('<p class="govuk-body">You can apply if you live')
    assert '<h2 class="govuk-heading-m">If you have a Blue Badge</h2>' in model.start.body_html
    assert "within 5 working days" in model.confirmation.next_steps_html
    assert model.privacy is not None
    assert model.privacy.retention.startswith("We keep your application for 2 years")
    assert model.fee_label == "Permit fee"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<script>alert(1)</script>", "raw HTML is not allowed: write Markdown"),
        ("[Pay](javascript:alert(1))", "link 'javascript:alert(1)' is not allowed"),
        ("![map](https://example.org/m.png)", "images are not allowed"),
        ("# Apply", "use ## or ### for a heading, not #"),
    ],
)
def test_hostile_markdown_on_the_start_page_is_refused_at_its_own_line(tmp_path, text, reason):
    source = _bilingual_source().replace(START_BODY, f"{START_BODY}\n      {text}\n", 1)
    problems = _problems(tmp_path, source, PARKING_PERMIT)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{_line_of(source, text)}: start.body.en: {reason}")


def test_hostile_markdown_in_a_plain_string_is_refused_where_the_string_starts(tmp_path):
    source = _source().replace(
        "  purpose: We use your answers", "  purpose: <b>Bold</b> We use your answers", 1
    )
    problems = _problems(tmp_path, source)
    line = _line_of(source, "<b>Bold</b>")
    assert problems == [f"{line}: privacy.purpose: raw HTML is not allowed: write Markdown"]


def test_an_exit_pages_markdown_is_checked(tmp_path):
    source = re.sub(
        r"    body:\n      - Your address is not in.*\n      - If you think.*\n",
        "    body: |\n      Your address is not in a zone.\n\n      Read [this](vbscript:x).\n",
        _source(),
        count=1,
    )
    problems = _problems(tmp_path, source)
    line = _line_of(source, "vbscript")
    assert problems == [
        f"{line}: pages[1].body: link 'vbscript:x' is not allowed: use http(s), mailto or a "
        "relative link"
    ]


def test_a_megabyte_of_markdown_is_refused_by_its_length_at_its_line(tmp_path):
    huge = "- " * 500_000
    source = _bilingual_source().replace(START_BODY, f"      {huge}\n", 1)
    problems = _problems(tmp_path, source, PARKING_PERMIT)
    assert len(problems) == 1, problems[:2]
    assert problems[0].startswith(f"{_line_of(_bilingual_source(), 'en: |')}: start.body")


def test_the_privacy_section_is_required(tmp_path):
    source = _source()
    start = source.index("privacy:\n")
    end = source.index("\nmessages:")
    problems = _problems(tmp_path, source[:start] + source[end + 1 :])
    assert problems == [
        f"{_line_of(source, 'schema_version')}: the file: 'privacy' is a required key"
    ]


def test_a_privacy_section_needs_its_retention(tmp_path):
    source = re.sub(r"  retention: .*\n", "", _source(), count=1)
    problems = _problems(tmp_path, source)
    assert len(problems) == 1, problems
    assert "'retention' is a required key" in problems[0]


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("What is your vehicle's registration number?", "Vehicle's registration number"),
        (
            "What is the postcode of the address where you live?",
            "Postcode of the address where you live",
        ),
        (
            "Enter your full name as it appears on your passport",
            "Full name as it appears on your passport",
        ),
        ("When do you want the permit to start?", "When do you want the permit to start?"),
    ],
)  # fmt: skip
def test_a_long_label_gets_a_short_row_key(label, key):
    assert derived_summary_label(label) == key


def test_a_long_label_that_cannot_be_shortened_needs_a_summary_label(tmp_path):
    label = "How many resident parking permits does your household already have?"
    source = _source().replace("      summary_label: Permits your household already has\n", "", 1)
    problems = _problems(tmp_path, source)
    assert problems == [
        f"{_line_of(source, label)}: the label is longer than 40 characters: give the question "
        "a summary_label, the short name check answers shows"
    ]


def test_a_message_may_use_the_services_answers_and_derived_values(tmp_path):
    source = _source().replace(
        "      Your reference is ((reference)).\n",
        "      Your reference is ((reference)), zone ((zone)), badge ((has blue badge)).\n",
        1,
    )
    assert _problems(tmp_path, source) == []


def test_a_message_may_use_the_services_computed_values(tmp_path):
    source = (
        _source()
        .replace(
            "\npages:\n",
            "\ncomputed:\n"
            '  fee_after_discount: rule("fee_pence")\n'
            "  days_to_start: {expression: 'days_between(today, start_date)', label: Days}\n"
            "\npages:\n",
            1,
        )
        .replace(
            "      Your reference is ((reference)).\n",
            "      Fee ((fee_after_discount)), in ((days to start)) days.\n",
            1,
        )
    )
    assert _problems(tmp_path, source) == []
    misspelt = source.replace("((days to start))", "((days_to_begin))", 1)
    [problem] = _problems(tmp_path, misspelt)
    assert problem.startswith(
        f"{_line_of(misspelt, '((days_to_begin))')}: messages.submitted.body, column 32: "
        "unknown placeholder '((days_to_begin))'"
    )


def test_a_placeholder_that_is_neither_a_field_nor_an_answer_is_refused_at_its_line(tmp_path):
    source = _source().replace(
        "      Your reference is ((reference)).\n", "      Dear ((first_name)),\n", 1
    )
    problems = _problems(tmp_path, source)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"{_line_of(source, 'Dear ((first_name))')}: messages.submitted.body, column 6: "
        "unknown placeholder '((first_name))': it is neither an answer of this service nor one of"
    )


def test_only_a_yes_no_answer_may_choose_optional_text():
    assert (
        message_template_problems(
            "((car??You have a car.))", answers={"car"}, yes_no_answers={"car"}
        )
        == []
    )
    [(_, _, reason)] = message_template_problems("((colour??Red.))", answers={"colour"})
    assert "needs a yes/no placeholder" in reason


def test_the_list_form_of_prose_still_works():
    model = service_from_yaml(SMALL).model
    assert model.declaration.text == ("It is true.",)
    assert model.declaration.text_html == '<p class="govuk-body">It is true.</p>\n'
    assert model.confirmation.next_steps == ()
    assert model.fee_label == ""


def test_a_registration_is_shown_spaced_as_on_its_plate():
    question = parking_permit().model.question("registration")
    shown = [question.display(v) for v in ("CU57ABC", "A123BCD", "ABC123D", "1234AB", "AB1")]
    assert shown == ["CU57 ABC", "A123 BCD", "ABC 123D", "1234 AB", "AB 1"]
