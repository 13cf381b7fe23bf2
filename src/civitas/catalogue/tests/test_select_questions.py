"""The select question type: a long list of options as a GOV.UK select."""

import pytest

from civitas.catalogue.questions import Cleaned, FieldError
from civitas.catalogue.tests.test_number_questions import problems
from civitas.catalogue.tests.test_question_types import TODAY, question, render_widget


def test_a_choice_is_stored_as_its_value_and_shown_as_its_label():
    q = question("select")
    assert q.clean({"answer": "a"}, today=TODAY) == Cleaned("a")
    assert q.display("a") == "Option A"
    assert q.display("gone") == "gone"


def test_the_blank_first_choice_is_nothing_chosen():
    q = question("select", error_messages={"required": "Select your council"})
    result = q.clean({"answer": ""}, today=TODAY)
    assert result.error == FieldError("Select your council", "answer")
    assert result.error.refusal is None


@pytest.mark.parametrize("forged", ["c", "Option A", "A", "a\x00", "٣"])
def test_a_value_never_offered_is_refused_as_radios_refuse_it(forged):
    result = question("select").clean({"answer": forged}, today=TODAY)
    assert result.value is None
    assert result.error.refusal.title == "That answer is not one of the options"


def test_the_widget_is_a_select_with_a_blank_first_choice_and_the_answer_selected():
    html = render_widget(question("select"), {"answer": "b"})
    options = html.split("<option")[1:]
    assert options[0].startswith(' value="">')
    assert '<option value="b" selected>Option B</option>' in html
    assert 'class="govuk-select"' in html


def test_the_api_schema_lists_the_option_values():
    assert question("select").answer_schema() == {"type": "string", "enum": ["a", "b"]}


def test_a_select_needs_options():
    assert [p.split(": ", 1)[1] for p in problems(kind="select")] == [
        "a select question needs options"
    ]
    assert problems("options: [{value: a, label: A}, {value: b, label: B}]", kind="select") == []
