"""The yes_no question type: GOV.UK's inline Yes and No radios, without options."""

import jsonschema
import pytest

from civitas.catalogue.questions import Cleaned, FieldError
from civitas.catalogue.tests.test_number_questions import problems
from civitas.catalogue.tests.test_question_types import TODAY, question, render_widget


def test_yes_or_no_is_stored_in_lower_case_and_shown_with_a_capital():
    q = question("yes_no")
    assert q.clean({"answer": "yes"}, today=TODAY) == Cleaned("yes")
    assert q.clean({"answer": "no"}, today=TODAY) == Cleaned("no")
    assert q.display("yes") == "Yes"
    assert q.display("no") == "No"


def test_nothing_chosen_is_a_field_error():
    q = question("yes_no", error_messages={"required": "Select yes if you have a car"})
    result = q.clean({}, today=TODAY)
    assert result.error == FieldError("Select yes if you have a car", "answer")
    assert result.error.refusal is None


@pytest.mark.parametrize("forged", ["YES", "true", "1", "maybe", "y\x00es", "x" * 1000])
def test_anything_but_yes_or_no_is_refused_as_never_offered(forged):
    result = question("yes_no").clean({"answer": forged}, today=TODAY)
    assert result.value is None
    assert result.error.refusal.title == "That answer is not one of the options"


def test_the_widget_is_inline_radios_for_yes_and_no():
    html = render_widget(question("yes_no"), {"answer": "no"})
    assert 'class="govuk-radios govuk-radios--inline"' in html
    assert 'value="yes">' in html
    assert 'value="no" checked' in html


def test_the_api_schema_is_yes_or_no():
    schema = question("yes_no").answer_schema()
    assert schema == {"type": "string", "enum": ["yes", "no"]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("Yes", schema)


def test_a_definition_gives_a_yes_no_question_no_options():
    assert problems(kind="yes_no") == []
    found = problems("options: [{value: a, label: A}, {value: b, label: B}]", kind="yes_no")
    assert [p.split(": ", 1)[1] for p in found] == ["a yes_no question has no options"]
