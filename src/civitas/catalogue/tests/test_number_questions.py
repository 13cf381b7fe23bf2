"""The number question type: cleaning, display, widget and API schema, without a database."""

import textwrap
from decimal import Decimal

import jsonschema
import pytest

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.questions import Cleaned, FieldError
from civitas.catalogue.tests.test_model import SMALL
from civitas.catalogue.tests.test_question_types import TODAY, question, render_widget


def clean(q, typed):
    return q.clean({"answer": typed}, today=TODAY)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("12", "12"),
        (" 007 ", "7"),
        ("1,000", "1000"),
        ("12,345,678", "12345678"),
        ("-3", "-3"),
        ("-0", "0"),
        ("4.0", "4"),
        ("4.00", "4"),
    ],
)
def test_a_whole_number_is_stored_as_its_canonical_text(typed, stored):
    assert clean(question("number"), typed) == Cleaned(stored)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("3.5", "3.50"), ("3", "3.00"), ("1,234.56", "1234.56"), ("-0.00", "0.00"), ("0.1", "0.10")],
)
def test_a_decimal_is_stored_to_its_decimal_places(typed, stored):
    assert clean(question("number", decimal=True), typed) == Cleaned(stored)


def test_decimal_places_can_be_set():
    q = question("number", decimal=True, decimal_places=3)
    assert clean(q, "1.125") == Cleaned("1.125")
    assert clean(q, "1.1255").error.message == "The answer must have 3 decimal places or fewer"


@pytest.mark.parametrize(
    "typed",
    [
        "1e400",
        "1E5",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        "inf",
        "٣",
        "１２",
        "²",
        "9" * 400,
        "1" * 16,
        "1,00",
        "1,0000",
        ",100",
        "1.",
        ".5",
        "+5",
        "−5",
        "1 000",
        "0x10",
        "12kg",
        "£12",
        "1_000",
        "--1",
        "1.2.3",
    ],
)
def test_anything_but_a_number_is_a_field_error_never_a_crash(typed):
    result = clean(question("number"), typed)
    assert result == Cleaned(None, FieldError("The answer must be a number", "answer"))


def test_fifteen_digits_are_a_number():
    assert clean(question("number"), "9" * 15) == Cleaned("9" * 15)
    assert clean(question("number"), "0" * 20 + "1") == Cleaned("1")


def test_nothing_typed_asks_for_a_number():
    assert clean(question("number"), " ").error == FieldError("Enter a number", "answer")


def test_a_fraction_where_a_whole_number_is_asked_for_says_so():
    assert clean(question("number"), "2.5").error.message == "The answer must be a whole number"


def test_numbers_outside_the_bounds_are_refused_in_govuk_wording():
    q = question("number", min=Decimal(5), max=Decimal(100))
    assert clean(q, "4").error.message == "The answer must be 5 or more"
    assert clean(q, "101").error.message == "The answer must be 100 or less"
    assert clean(q, "5") == Cleaned("5")
    assert clean(q, "100") == Cleaned("100")
    decimal = question("number", decimal=True, min=Decimal("0.5"), max=Decimal("2.5"))
    assert clean(decimal, "0.49").error.message == "The answer must be 0.5 or more"
    assert clean(decimal, "2.51").error.message == "The answer must be 2.5 or less"


def test_a_definition_words_its_own_errors_with_the_bounds():
    q = question(
        "number",
        min=Decimal(1),
        max=Decimal(10),
        error_messages={
            "required": "Enter how many children you have",
            "invalid": "Number of children must be a number",
            "not_whole": "Number of children must be a whole number",
            "too_small": "Number of children must be {min} or more",
            "too_large": "Number of children must be {max} or less",
        },
    )
    assert clean(q, "").error.message == "Enter how many children you have"
    assert clean(q, "two").error.message == "Number of children must be a number"
    assert clean(q, "1.5").error.message == "Number of children must be a whole number"
    assert clean(q, "0").error.message == "Number of children must be 1 or more"
    assert clean(q, "11").error.message == "Number of children must be 10 or less"
    braces = question("number", error_messages={"invalid": "Not {a number} {max_length}"})
    assert clean(braces, "x").error.message == "Not {a number} {max_length}"


def test_a_number_is_shown_with_its_prefix_and_suffix():
    assert question("number").display("12") == "12"
    assert question("number", suffix="kg").display("12") == "12 kg"
    assert question("number", prefix="£").display("12") == "£12"


def test_the_widget_asks_for_the_numeric_keypad_only_for_whole_numbers():
    whole = render_widget(question("number", suffix="kg"), {"answer": "12"})
    assert 'inputmode="numeric"' in whole
    assert '<div class="govuk-input__suffix" aria-hidden="true">kg</div>' in whole
    decimal = render_widget(question("number", decimal=True), {"answer": "1.5"})
    assert "inputmode" not in decimal
    assert "govuk-input__wrapper" not in decimal


@pytest.mark.parametrize(
    ("extra", "good", "bad"),
    [
        ({}, ["0", "-3", "12"], ["1.0", "01", "-0x", "1e3", ""]),
        ({"min": Decimal(0)}, ["0", "12"], ["-1"]),
        ({"decimal": True}, ["3.50", "-0.10"], ["3.5", "3"]),
        ({"decimal": True, "decimal_places": 1}, ["3.5"], ["3.50"]),
    ],
)
def test_the_api_schema_is_the_canonical_text(extra, good, bad):
    q = question("number", **extra)
    schema = q.answer_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for value in good:
        jsonschema.validate(value, schema)
        assert clean(q, value) == Cleaned(value)
    for value in bad:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(value, schema)


def test_the_api_schema_describes_the_bounds():
    q = question("number", min=Decimal(5), max=Decimal(100))
    assert q.answer_schema()["description"] == "a whole number, as text, at least 5 and at most 100"


def problems(*extra: str, kind: str = "number") -> list[str]:
    """What validating SMALL with one more question, of these extra lines, reports."""
    page = (
        "      - id: children\n"
        "        question:\n"
        "          id: children\n"
        f"          type: {kind}\n"
        "          label: How many children do you have?\n"
        + "".join(f"          {line}\n" for line in extra)
        + "      - id: email\n"
    )
    source = textwrap.dedent(SMALL.replace("      - id: email\n", page, 1))
    return [str(p) for p in parse_definition(source, filename="svc.yaml").problems]


def test_a_definition_with_number_keys_is_accepted():
    assert problems("min: 0", "max: 20", "suffix: children") == []
    assert problems("decimal: true", "decimal_places: 3", "prefix: '£'") == []


def test_min_more_than_max_is_refused_at_its_line():
    found = problems("min: 10", "max: 5")
    assert len(found) == 1
    assert found[0].endswith("min (10) is more than max (5)")
    line = int(found[0].split(":")[1])
    assert line == textwrap.dedent(SMALL).splitlines().index("  - id: email") + 6


def test_number_keys_on_another_type_are_refused():
    assert [p.split(": ", 1)[1] for p in problems("suffix: kg", kind="text")] == [
        "a text question has no suffix"
    ]


def test_the_schema_refuses_a_bound_that_is_not_a_number():
    assert problems("min: five")


def test_decimal_places_without_decimals_are_refused():
    assert [p.split(": ", 1)[1] for p in problems("decimal_places: 3")] == [
        "decimal_places needs decimal: true"
    ]
    assert problems("decimal: false", "decimal_places: 3")
