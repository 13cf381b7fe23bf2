"""A text in a definition is a string (English) or a mapping of language to string: `en`
required, `cy` (Welsh) optional. Each language's text is checked as the English is, and
the model carries both."""

import copy
import textwrap

import pytest
from django.utils import translation
from markupsafe import escape

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.tests.memory import service_from_yaml
from civitas.catalogue.tests.test_model import SMALL
from civitas.catalogue.texts import Text, english

LABEL = "label: Which colour?\n"


def _problems(source: str) -> list[str]:
    parsed = parse_definition(textwrap.dedent(source), filename="service.yaml")
    return [str(problem).removeprefix("service.yaml:") for problem in parsed.problems]


def _line_of(source: str, text: str) -> int:
    return next(n for n, line in enumerate(textwrap.dedent(source).splitlines(), 1) if text in line)


def _with_label(label: str) -> str:
    return SMALL.replace(LABEL, f"label: {label}\n", 1)


def test_a_definition_with_english_and_welsh_texts_is_read_into_texts_in_both():
    source = (
        _with_label("{en: 'Which colour?', cy: 'Pa liw?'}")
        .replace("{value: red, label: Red}", "{value: red, label: {en: Red, cy: Coch}}")
        .replace(
            "confirmation: {title: Done}",
            "confirmation: {title: Done, next_steps: {en: 'We **write**', cy: 'Byddwn **yn**'}}",
        )
        .replace(
            "submitted: {subject: Application received,",
            "submitted: {subject: {en: Application received, cy: Cais wedi dod i law},",
        )
    )
    model = service_from_yaml(source).model
    question = model.page("colour").questions[0]
    assert question.label == "Which colour?"
    assert isinstance(question.label, Text)
    assert question.label.in_language("cy") == "Pa liw?"
    assert question.summary_key.in_language("cy") == "Pa liw?"
    assert question.options[0].label.in_language("cy") == "Coch"
    assert model.messages["submitted"].subject == "Application received"
    assert model.messages["submitted"].subject.in_language("cy") == "Cais wedi dod i law"
    assert (
        model.confirmation.next_steps_html
        == '<p class="govuk-body">We <strong>write</strong></p>\n'
    )
    with translation.override("cy"):
        assert str(escape(question.label)) == "Pa liw?"
        assert "Byddwn <strong>yn</strong>" in escape(model.confirmation.next_steps_html)
    with translation.override("en"):
        assert str(escape(question.label)) == "Which colour?"


def test_a_text_with_no_welsh_shows_the_english_on_a_welsh_page():
    text = Text({"en": "Only <English>"})
    with translation.override("cy"):
        assert text.__html__() == "Only &lt;English&gt;"
    assert text.in_language("cy") == "Only <English>"


def test_a_text_keeps_its_translations_when_joined_formatted_or_copied():
    text = Text({"en": "Up to {max}", "cy": "Hyd at {max}"})
    assert (text + " (optional)").in_language("cy") == "Hyd at {max} (optional)"
    assert text.format(max=3).in_language("cy") == "Hyd at 3"
    assert copy.deepcopy(text).in_language("cy") == "Hyd at {max}"
    assert english({"en": "Hello", "cy": "Helo"}) == "Hello"
    assert english("Hello") == "Hello"


def test_a_text_cannot_be_changed():
    with pytest.raises(AttributeError):
        Text("Hello").translations = {}  # type: ignore[misc]


@pytest.mark.parametrize(
    ("label", "reason"),
    [
        ("{cy: 'Pa liw?'}", "pages[0].question.label: 'en' is a required key"),
        (
            "{en: 'Which colour?', fr: 'Quelle couleur ?'}",
            "unknown key 'fr' in pages[0].question.label (allowed: cy, en)",
        ),
        ("{en: 'Which colour?', cy: 3}", "pages[0].question.label.cy: 3 is not of type 'string'"),
        ("{en: ''}", "pages[0].question.label.en: '' should be non-empty"),
    ],
    ids=["without-english", "unknown-language", "not-a-string", "empty"],
)
def test_a_text_mapping_that_is_not_english_and_welsh_strings_is_refused_at_its_line(label, reason):
    source = _with_label(label)
    assert _problems(source) == [f"{_line_of(source, 'label: {')}: {reason}"]


def test_welsh_markdown_is_checked_as_the_english_is():
    source = SMALL.replace(
        "purpose: To decide your application.",
        "purpose: {en: To decide your application., cy: '<b>I benderfynu</b>'}",
    )
    assert _problems(source) == [
        f"{_line_of(source, 'purpose:')}: privacy.purpose.cy: raw HTML is not allowed: "
        "write Markdown"
    ]


def test_a_welsh_message_with_an_unknown_placeholder_is_refused_at_its_line():
    source = SMALL.replace(
        "submitted: {subject: Application received,",
        "submitted: {subject: {en: Application received, cy: 'Annwyl ((first_name))'},",
    )
    [problem] = _problems(source)
    assert problem.startswith(
        f"{_line_of(source, 'Annwyl')}: messages.submitted.subject.cy, column 8: "
        "unknown placeholder '((first_name))'"
    )


def test_a_long_welsh_label_needs_a_summary_label():
    source = _with_label(
        "{en: 'Which colour?', cy: 'Pa liw yw’r car yr ydych am gael trwydded barcio ar ei gyfer?'}"
    )
    [problem] = _problems(source)
    assert problem.startswith(
        f"{_line_of(source, 'label: {')}: the label is longer than 40 characters"
    )
    summarised = source.replace(
        "          options:\n",
        "          summary_label: {en: Colour, cy: Lliw}\n          options:\n",
        1,
    )
    assert _problems(summarised) == []
