"""The question types, one by one and all together: pure, no database."""

import datetime
import re
import textwrap
from collections.abc import Mapping
from typing import ClassVar

import jsonschema
import pytest
from django.template import engines

from civitas.catalogue.definition import parse_definition
from civitas.catalogue.model import Option, Question
from civitas.catalogue.questions import (
    Cleaned,
    FieldError,
    JSONSchema,
    TextLike,
    all_question_types,
    error_message,
    question_type,
    question_type_names,
    registered,
)
from civitas.catalogue.tests.memory import service_from_yaml
from civitas.catalogue.tests.test_model import SMALL

TODAY = datetime.date(2026, 11, 24)
OPTIONS = (Option("a", "Option A"), Option("b", "Option B", hint="The second"))
# A valid stored answer of every type: a new type adds its own here.
SAMPLES = {
    "text": "12 Station Road",
    "email": "name@example.com",
    "postcode": "SW1A 1AA",
    "vehicle_registration": "CU57ABC",
    "radios": "b",
    "date": "2027-01-02",
    "number": "12",
    "money": "1250",
    "yes_no": "no",
    "select": "b",
    "long_text": "It was parked across my drive",
}


def question(kind: str, **extra: object) -> Question:
    options = OPTIONS if question_type(kind).takes_options else ()
    return Question(id="answer", type=kind, label="The question?", options=options, **extra)


def render_widget(q: Question, fields: Mapping[str, str], error: FieldError | None = None) -> str:
    """The markup the question page draws the question with."""
    env = engines["jinja2"].env
    template = env.from_string(
        "{% import widget.template as components %}"
        "{{ components[widget.macro](**widget.arguments) }}"
    )
    return template.render(widget=q.widget(fields, error))


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_type_does_every_part(kind):
    q = question(kind)
    value = SAMPLES[kind]
    # A stored answer goes back into its fields, and those fields clean to the same answer.
    fields = q.fields_for(value)
    assert q.clean(fields, today=TODAY) == Cleaned(value)
    # Nothing given is the "required" error, linked to the type's field.
    assert q.clean({}, today=TODAY) == Cleaned(
        None, FieldError(error_message(q, "required"), q.error_field)
    )
    assert q.fields_for(None) == {}
    assert q.fields_for(12) == {}
    assert isinstance(q.display(value), str)
    assert q.display(None) == ""
    # The widget draws an input named after the answer's fields, holding what was typed.
    html = render_widget(q, fields)
    for name, typed in fields.items():
        assert re.search(rf'name="{re.escape(name)}"[^>]*', html), html
        assert f'value="{typed}"' in html or f">{typed}</textarea>" in html
    error = FieldError("Something is wrong", q.error_field)
    html = render_widget(q, fields, error)
    assert "Something is wrong" in html
    assert f'id="{q.error_field}"' in html  # where the error summary links
    # The API's schema of the answer is a valid JSON Schema that the stored answer meets.
    schema = q.answer_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(value, schema)
    assert schema["type"] == "string"


def test_every_registered_type_has_a_sample_here():
    assert set(question_type_names()) == set(SAMPLES)
    assert all(type(kind).name in SAMPLES for kind in all_question_types())


@pytest.mark.parametrize("kind", ["text", "email", "postcode", "vehicle_registration", "radios"])
@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("\u200b\u200d", "required"),
        ("12 Station\x00 Road", "unsafe_characters"),
        ("\ud800@example.com", "unsafe_characters"),
        ("x" * 501, "too_long"),
    ],
)
def test_input_nobody_types_is_refused_by_every_typed_question(kind, typed, error):
    q = question(kind)
    result = q.clean({"answer": typed}, today=TODAY)
    assert result.value is None
    assert result.error.message == error_message(q, error)
    assert result.error.field == "answer"


def test_too_long_counts_to_the_questions_own_limit():
    q = question("text", max_length=5, error_messages={"too_long": "At most {max_length}"})
    assert q.clean({"answer": "abcdef"}, today=TODAY).error.message == "At most 5"
    assert q.clean({"answer": " abcde "}, today=TODAY) == Cleaned("abcde")


def test_text_is_stored_without_surrounding_spaces():
    q = question("text")
    assert q.clean({"answer": "  Tŷ Ŵyn  "}, today=TODAY) == Cleaned("Tŷ Ŵyn")
    assert q.display("Tŷ Ŵyn") == "Tŷ Ŵyn"


def test_an_email_without_a_domain_is_refused():
    q = question("email", error_messages={"invalid": "Enter an email in the correct format"})
    result = q.clean({"answer": "name@"}, today=TODAY)
    assert result.error == FieldError("Enter an email in the correct format", "answer")


def test_a_postcode_is_stored_in_capitals_with_one_space():
    q = question("postcode")
    assert q.clean({"answer": " eb11aa "}, today=TODAY) == Cleaned("EB1 1AA")
    assert q.clean({"answer": "EB1  1AA"}, today=TODAY) == Cleaned("EB1 1AA")
    assert q.clean({"answer": "not a postcode"}, today=TODAY).error.message == (
        "Enter a valid answer"
    )


@pytest.mark.parametrize("registration", ["CU57ABC", "cu57 abc", "A123BCD", "ABC 123D", "1234 AB"])
def test_real_registration_formats_are_accepted(registration):
    result = question("vehicle_registration").clean({"answer": registration}, today=TODAY)
    assert result.error is None
    assert result.value == registration.replace(" ", "").upper()


@pytest.mark.parametrize("registration", ["", "!!!", "CU57ABCDEFG"])
def test_other_registrations_are_refused(registration):
    result = question("vehicle_registration").clean({"answer": registration}, today=TODAY)
    assert result.error is not None


def test_a_choice_is_stored_as_its_value_and_shown_as_its_label():
    q = question("radios")
    assert q.clean({"answer": "b"}, today=TODAY) == Cleaned("b")
    assert q.display("b") == "Option B"
    assert q.display("gone") == "gone"  # an option removed in a later version


def test_no_choice_is_a_field_error_but_a_value_never_offered_is_refused():
    q = question("radios", error_messages={"required": "Choose one"})
    nothing = q.clean({"answer": ""}, today=TODAY)
    assert nothing.error == FieldError("Choose one", "answer")
    forged = q.clean({"answer": "Z"}, today=TODAY)
    assert forged.error.message == "Choose one"  # what the API reports
    assert forged.error.refusal.title == "That answer is not one of the options"
    assert q.clean({"answer": " "}, today=TODAY).error.refusal is not None


def test_the_radios_widget_marks_the_chosen_option():
    html = render_widget(question("radios"), {"answer": "b"})
    assert re.search(r'value="b" checked', html)
    assert 'id="answer-2-item-hint"' in html


@pytest.mark.parametrize(
    ("parts", "field"),
    [
        (("", "", ""), "answer-day"),
        (("1", "", "2027"), "answer-month"),
        (("31", "2", "2027"), "answer-day"),
        (("1", "1", "27"), "answer-year"),
        (("1", "1", "9999999999"), "answer-year"),
        (("٣", "1", "2027"), "answer-day"),
    ],
)
def test_date_errors_point_at_the_part_to_fix(parts, field):
    day, month, year = parts
    fields = {"answer-day": day, "answer-month": month, "answer-year": year}
    assert question("date").clean(fields, today=TODAY).error.field == field


def test_a_date_is_stored_as_iso_and_shown_as_govuk_writes_it():
    q = question("date")
    fields = {"answer-day": " 2 ", "answer-month": "1", "answer-year": "2027"}
    assert q.clean(fields, today=TODAY) == Cleaned("2027-01-02")
    assert q.fields_for("2027-01-02") == {
        "answer-day": "2",
        "answer-month": "1",
        "answer-year": "2027",
    }
    assert q.display("2027-01-02") == "2 January 2027"


def test_a_date_outside_its_bounds_is_refused():
    q = question(
        "date",
        earliest_days_from_today=0,
        latest_days_from_today=92,
        error_messages={"too_early": "Too early", "too_late": "Too late"},
    )

    def cleaned(day: datetime.date) -> Cleaned:
        fields = {f"answer-{p}": str(getattr(day, p)) for p in ("day", "month", "year")}
        return q.clean(fields, today=TODAY)

    assert cleaned(TODAY - datetime.timedelta(days=1)).error == FieldError(
        "Too early", "answer-day"
    )
    assert cleaned(TODAY).value == TODAY.isoformat()
    assert cleaned(TODAY + datetime.timedelta(days=92)).error is None
    assert cleaned(TODAY + datetime.timedelta(days=93)).error == FieldError(
        "Too late", "answer-day"
    )


def test_an_api_value_that_is_not_a_date_is_a_date_to_correct():
    q = question("date")
    assert q.clean(q.fields_for("1 Jan 2027"), today=TODAY).error.field == "answer-day"
    assert q.clean(q.fields_for(""), today=TODAY).error.message == "Enter a valid answer"


def test_the_date_widget_marks_the_part_in_error():
    fields = {"answer-day": "1", "answer-month": "13", "answer-year": "2027"}
    html = render_widget(question("date"), fields, FieldError("Enter a real date", "answer-month"))
    marked = re.findall(r'id="answer-(\w+)" name="[^"]+" type="text"', html)
    errors = re.findall(r'govuk-input--error" id="answer-(\w+)"', html)
    assert marked == ["day", "month", "year"]
    assert errors == ["month"]


# A question type that exists only in this module, to show that a new type is one class.
class Colour(TextLike):
    """A colour as #RRGGBB, stored in capitals and shown with its name where it has one."""

    name = "colour"
    input_classes: ClassVar[str] = "govuk-input--width-10"
    NAMES: ClassVar[dict[str, str]] = {"#FF0000": "Red", "#0000FF": "Blue"}

    def clean_text(self, question: Question, text: str) -> Cleaned:
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", text):
            return Cleaned(None, FieldError(error_message(question, "invalid"), question.id))
        return Cleaned(text.upper())

    def display(self, question: Question, value: str) -> str:
        name = self.NAMES.get(value)
        return f"{name} ({value})" if name else value

    def answer_schema(self, question: Question) -> JSONSchema:
        return {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"}


WITH_A_COLOUR = SMALL.replace(
    "      - id: email\n",
    "      - id: favourite\n"
    "        question:\n"
    "          id: favourite\n"
    "          type: colour\n"
    "          label: Your favourite colour?\n"
    "          error_messages: {invalid: 'Enter a colour like #00FF00'}\n"
    "      - id: email\n",
)


def test_a_definition_cannot_use_a_type_that_is_not_registered():
    source = textwrap.dedent(WITH_A_COLOUR)
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "type: colour" in text)
    problems = parse_definition(source, filename="svc.yaml").problems
    known = ", ".join(question_type_names())
    assert [str(p) for p in problems] == [
        f"svc.yaml:{line}: unknown question type 'colour' (use one of {known})"
    ]


def test_a_question_that_needs_options_must_have_them_and_no_other_may():
    source = textwrap.dedent(SMALL)
    without = source.replace("type: radios", "type: text")
    assert [p.message for p in parse_definition(without, filename="svc.yaml").problems] == [
        "a text question has no options"
    ]
    needs = source.replace(
        "question: {id: email, type: email", "question: {id: email, type: radios"
    )
    assert [p.message for p in parse_definition(needs, filename="svc.yaml").problems] == [
        "a radios question needs options",
        "contact email 'email' must name an email question",
    ]


def test_a_new_question_type_is_one_class():
    from civitas.journeys import flow

    with registered(Colour):
        service = service_from_yaml(WITH_A_COLOUR)  # the definition's checks accept it
        page = service.page("favourite")
        q = page.question
        assert q.kind.name == "colour"
        # The journey cleans it, routes past it and shows it.
        bad = flow.clean_answer(service, page, {"favourite": "green"}, today=TODAY)
        assert bad.error == FieldError("Enter a colour like #00FF00", "favourite")
        good = flow.clean_answer(service, page, {"favourite": "#ff0000"}, today=TODAY)
        assert good.value == "#FF0000"
        answers = {"colour": "blue", "favourite": good.value}
        assert flow.route(service, answers).current == "email"
        assert q.display(good.value) == "Red (#FF0000)"
        assert 'class="govuk-input govuk-input--width-10"' in render_widget(q, {})
        # The API takes it as the pages do, and describes it.
        checked = flow.check_submission(
            service, {**answers, "favourite": "#ff0000", "email": "a@b.example"}, today=TODAY
        )
        assert checked.errors == {}
        assert checked.answers["favourite"] == "#FF0000"
        assert service.model.answers_schema()["properties"]["favourite"]["pattern"]
    assert "colour" not in question_type_names()


def test_a_type_is_registered_once():
    from civitas.catalogue.questions import register

    with registered(Colour), pytest.raises(ValueError, match="already registered"):
        register(Colour)
