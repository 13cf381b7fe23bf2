"""The money question type: pounds and pence typed, whole pence stored, £12.50 shown."""

from decimal import Decimal

import jsonschema
import pytest

from civitas.catalogue.questions import Cleaned, FieldError
from civitas.catalogue.tests.test_number_questions import problems
from civitas.catalogue.tests.test_question_types import TODAY, question, render_widget
from civitas.catalogue.texts import Text

INVALID = "Enter an amount in pounds and pence, like 12.50"


def clean(q, typed):
    return q.clean({"answer": typed}, today=TODAY)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12.50", "1250"),
        ("12.5", "1250"),
        ("12", "1200"),
        ("£12.50", "1250"),
        ("£ 1,250.05", "125005"),
        ("0.07", "7"),
        ("0", "0"),
        (" 007.10 ", "710"),
    ],
)
def test_pounds_and_pence_are_stored_as_whole_pence(typed, stored):
    assert clean(question("money"), typed) == Cleaned(stored)


@pytest.mark.parametrize(
    "typed",
    [
        "12.505",
        "-5",
        "12p",
        "1e3",
        "NaN",
        "Infinity",
        "٣",
        "1,00",
        "12.",
        "£",
        "££1",
        "9" * 14,
        "9" * 400,
        "12,50",
        "GBP 12",
    ],
)
def test_anything_but_pounds_and_pence_is_a_field_error_never_a_crash(typed):
    assert clean(question("money"), typed) == Cleaned(None, FieldError(INVALID, "answer"))


def test_nothing_typed_asks_for_an_amount():
    assert clean(question("money"), "").error == FieldError(INVALID, "answer")


def test_bounds_are_in_pence_and_the_errors_show_pounds():
    q = question("money", min=Decimal(500), max=Decimal(10050))
    assert clean(q, "4.99").error.message == "The amount must be £5 or more"
    assert clean(q, "100.51").error.message == "The amount must be £100.50 or less"
    assert clean(q, "5") == Cleaned("500")
    custom = question("money", max=Decimal(100), error_messages={"too_large": "At most {max}"})
    assert clean(custom, "2").error.message == "At most £1"


def test_a_money_error_keeps_its_welsh_with_the_limit_filled_in_each_language():
    welsh = Text({"en": "Enter your savings, or 0", "cy": "Rhowch eich cynilion, neu 0"})
    limit = Text({"en": "At most {max}", "cy": "Dim mwy na {max}"})
    q = question("money", max=Decimal(100), error_messages={"required": welsh, "too_large": limit})
    assert clean(q, "").error.message.in_language("cy") == "Rhowch eich cynilion, neu 0"
    assert clean(q, "2").error.message.in_language("cy") == "Dim mwy na £1"
    default = clean(question("money", min=Decimal(500)), "1").error.message
    assert default.in_language("cy") == "Rhaid i'r swm fod yn £5 neu fwy"


def test_money_is_shown_as_govuk_writes_it():
    q = question("money")
    assert q.display("1250") == "£12.50"
    assert q.display("1200") == "£12"
    assert q.display("123456789") == "£1,234,567.89"


def test_a_stored_amount_is_shown_again_in_pounds_and_pence():
    assert question("money").fields_for("1250") == {"answer": "12.50"}
    assert question("money").fields_for("7") == {"answer": "0.07"}


def test_the_api_sends_pence_and_pounds_are_refused():
    q = question("money")
    assert q.clean(q.fields_for("1250"), today=TODAY) == Cleaned("1250")
    assert q.clean(q.fields_for("12.50"), today=TODAY).error.message == INVALID
    assert q.clean(q.fields_for("-100"), today=TODAY).error.message == INVALID
    schema = question("money", min=Decimal(0), max=Decimal(500)).answer_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate("1250", schema)
    for bad in ["12.50", "-1", "01", ""]:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(bad, schema)
    assert schema["description"] == "an amount in whole pence, as text, at least 0 and at most 500"


def test_the_widget_has_the_pound_prefix():
    html = render_widget(question("money"), {"answer": "12.50"})
    assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in html
    assert 'value="12.50"' in html


def test_a_definition_bounds_money_in_whole_pence():
    assert problems("min: 100", "max: 5000", kind="money") == []
    assert [p.split(": ", 1)[1] for p in problems("min: 1.5", kind="money")] == [
        "a money question's min is in whole pence"
    ]
    assert problems("min: 500", "max: 100", kind="money")[0].endswith(
        "min (500) is more than max (100)"
    )
    assert [p.split(": ", 1)[1] for p in problems("suffix: a week", kind="money")] == [
        "a money question has no suffix"
    ]
