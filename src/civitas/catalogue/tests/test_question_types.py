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
    "national_insurance_number": "AB123456C",
    "phone": "+447700900982",
    "time": "14:30",
    "number": "12",
    "money": "1250",
    "yes_no": "no",
    "select": "b",
    "long_text": "It was parked across my drive",
    "checkboxes": ["a", "b"],
    "address": "Flat 1\n3 Station Road\nEastbury\nEB1 1AA",
    "file": "Zc1mJkI1Lx2m3PpJ8bTd7WqYv0aB_-9Q",
}
# Types whose input cannot be filled in again (a browser never lets a page choose a file).
NOT_REFILLED = {"file"}


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
        if kind not in NOT_REFILLED:
            assert f'value="{typed}"' in html or f">{typed}</textarea>" in html
    error = FieldError("Something is wrong", q.error_field)
    html = render_widget(q, fields, error)
    assert "Something is wrong" in html
    assert f'id="{q.error_field}"' in html  # where the error summary links
    # The API's schema of the answer is a valid JSON Schema that the stored answer meets.
    schema = q.answer_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(value, schema)
    assert schema["type"] == ("array" if isinstance(value, list) else "string")


def test_every_registered_type_has_a_sample_here():
    assert set(question_type_names()) == set(SAMPLES)
    assert all(type(kind).name in SAMPLES for kind in all_question_types())


@pytest.mark.parametrize(
    "kind",
    [
        "text",
        "email",
        "postcode",
        "vehicle_registration",
        "radios",
        "national_insurance_number",
        "phone",
        "time",
    ],
)
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
        "Enter a real postcode"
    )


def test_email_and_postcode_errors_are_govuks_unless_the_definition_words_them():
    email = question("email")
    assert email.clean({"answer": ""}, today=TODAY).error.message == "Enter an email address"
    assert email.clean({"answer": "name@"}, today=TODAY).error.message == (
        "Enter an email address in the correct format, like name@example.com"
    )
    assert question("postcode").clean({"answer": ""}, today=TODAY).error.message == (
        "Enter a postcode"
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
        (q,) = page.questions
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


def test_an_incomplete_date_says_which_part_is_missing():
    cleaned = question_type("date").clean(
        question("date"), {"answer-day": "3", "answer-month": "4"}, today=TODAY
    )
    assert cleaned.error == FieldError("The date must include a year", "answer-year")


def test_a_date_missing_two_parts_names_both_and_points_at_the_first():
    cleaned = question_type("date").clean(question("date"), {"answer-year": "2027"}, today=TODAY)
    assert cleaned.error == FieldError("The date must include a day and a month", "answer-day")


def test_a_definitions_error_message_with_braces_is_shown_as_written():
    braces = question("text", error_messages={"required": "Enter {a value} or {0} or {"})
    cleaned = question_type("text").clean(braces, {"answer": ""}, today=TODAY)
    assert cleaned.error is not None
    assert cleaned.error.message == "Enter {a value} or {0} or {"


def test_a_date_past_its_limit_names_the_limit():
    bounded = question("date", latest_days_from_today=92)
    fields = {"answer-day": "1", "answer-month": "1", "answer-year": "2030"}
    cleaned = question_type("date").clean(bounded, fields, today=TODAY)
    assert cleaned.error == FieldError(
        "The date must be on or before 24 February 2027", "answer-day"
    )


# A text question with a pattern.

PATTERNED = SMALL.replace(
    'question: {id: email, type: email, label: "Your email?"}',
    'question: {id: email, type: email, label: "Your email?"}\n'
    "      - id: member\n"
    "        question:\n"
    "          id: member\n"
    "          type: text\n"
    "          label: Your membership number?\n"
    "          pattern: PATTERN\n"
    "          error_messages: {invalid: Enter a membership number like AB1234}",
)


def patterned(pattern: str) -> str:
    return PATTERNED.replace("PATTERN", pattern)


def test_a_text_pattern_must_match_the_whole_answer():
    q = question(
        "text", pattern="[A-Z]{2}[0-9]{4}", error_messages={"invalid": "Enter a number like AB1234"}
    )
    assert q.clean({"answer": " AB1234 "}, today=TODAY) == Cleaned("AB1234")
    for typed in ["AB12345", "xAB1234", "ab1234", "AB\uff11\uff12\uff13\uff14", "AB 1234"]:
        result = q.clean({"answer": typed}, today=TODAY)
        assert result == Cleaned(None, FieldError("Enter a number like AB1234", "answer")), typed


def test_a_pattern_means_what_it_means_in_the_api_schema_where_digits_are_ascii():
    q = question("text", pattern=r"\d{4}\w")
    assert q.clean({"answer": "1234a"}, today=TODAY) == Cleaned("1234a")
    for typed in ["\u0661\u0662\u0663\u0664a", "1234\u00e9", "\uff11234a"]:
        assert q.clean({"answer": typed}, today=TODAY).error.message == "Enter a valid answer"


def test_a_text_pattern_checks_a_huge_answer_quickly_and_refuses_it():
    q = question("text", pattern="[a-z ]+", max_length=1000)
    assert q.clean({"answer": "a" * 1000}, today=TODAY) == Cleaned("a" * 1000)
    assert q.clean({"answer": "a" * 100_000}, today=TODAY).error.message == (
        "Your answer must be 1000 characters or fewer"
    )
    assert q.clean({"answer": "a\x07b"}, today=TODAY).error.message == error_message(
        q, "unsafe_characters"
    )


def test_the_api_schema_of_a_patterned_answer_carries_the_whole_answer_pattern():
    q = question("text", pattern="[A-Z]{2}[0-9]{4}|N/A")
    schema = q.answer_schema()
    assert schema == {"type": "string", "maxLength": 500, "pattern": "^(?:[A-Z]{2}[0-9]{4}|N/A)$"}
    jsonschema.validate("AB1234", schema)
    jsonschema.validate("N/A", schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate("AB1234N/A", schema)
    assert "pattern" not in question("text").answer_schema()


def _line_of(source: str, text: str) -> int:
    return next(n for n, line in enumerate(source.splitlines(), 1) if text in line)


def test_a_definition_with_a_good_pattern_is_read_into_the_question():
    service = service_from_yaml(patterned("'[A-Z]{2}[0-9]{4}'"))
    (q,) = service.page("member").questions
    assert q.pattern == "[A-Z]{2}[0-9]{4}"
    assert q.clean({"member": "AB12"}, today=TODAY).error.message == (
        "Enter a membership number like AB1234"
    )


@pytest.mark.parametrize(
    ("pattern", "problem"),
    [
        ("'([A-Z]+)+'", "repeats a part that itself repeats"),
        ("'(a*|b)*c'", "repeats a part that itself repeats"),
        ("'((ab)+c){2,}'", "repeats a part that itself repeats"),
        ("'(?:[0-9]{1,3}x)*'", "repeats a part that itself repeats"),
        ("'[A-Z'", "pattern does not compile: unterminated character set"),
        ("'a{2,1}'", "pattern does not compile"),
        ("'x?'", "matches an empty answer"),
    ],
)
def test_a_pattern_that_does_not_compile_or_could_take_too_long_is_refused_at_its_line(
    pattern, problem
):
    source = textwrap.dedent(patterned(pattern))
    [found] = parse_definition(source, filename="svc.yaml").problems
    assert str(found).startswith(f"svc.yaml:{_line_of(source, 'pattern:')}: ")
    assert problem in found.message


def test_only_a_text_question_takes_a_pattern():
    source = textwrap.dedent(patterned("'[0-9]+'")).replace("type: text", "type: postcode")
    [found] = parse_definition(source, filename="svc.yaml").problems
    assert str(found) == (
        f"svc.yaml:{_line_of(source, 'pattern:')}: a postcode question has no pattern"
    )


# National Insurance numbers.


@pytest.mark.parametrize(
    "typed", ["AB123456C", "AB 12 34 56 C", "ab 12 34 56 c", " Ab12 3456C ", "AB\u00a012 34 56 C"]
)
def test_a_national_insurance_number_is_stored_without_spaces_in_capitals(typed):
    q = question("national_insurance_number")
    assert q.clean({"answer": typed}, today=TODAY) == Cleaned("AB123456C")


def test_a_national_insurance_number_is_shown_in_pairs_as_on_the_card():
    q = question("national_insurance_number")
    assert q.display("AB123456C") == "AB 12 34 56 C"
    assert q.display("not one") == "not one"  # never a 500 on an odd stored value


@pytest.mark.parametrize(
    "typed",
    [
        "QQ 12 34 56 C",  # the documentation example: Q is never a prefix letter
        "DA 12 34 56 C",
        "FA123456C",
        "IA123456C",
        "UA123456C",
        "VA123456C",
        "AD123456C",
        "AO123456C",
        "AQ123456C",
        "AV123456C",
        "BG123456C",
        "GB123456C",
        "NK123456C",
        "KN123456C",
        "TN123456C",
        "NT123456C",
        "ZZ123456C",
        "AB123456E",  # suffix A to D only
        "AB123456",  # no suffix
        "AB12345C",
        "AB1234567C",
        "A1123456C",
        "AB 12-34-56 C",
        "AB\uff11\uff12\uff13\uff14\uff15\uff16C",  # full-width digits
        "AB\u0661\u0662\u0663\u0664\u0665\u0666C",  # Arabic-Indic digits
        "\ufb05123456C",  # a ligature that capitalises to "ST"
    ],
)
def test_a_national_insurance_number_hmrc_never_issues_is_refused(typed):
    q = question("national_insurance_number")
    assert q.clean({"answer": typed}, today=TODAY) == Cleaned(
        None, FieldError("Enter a National Insurance number in the correct format", "answer")
    )


def test_national_insurance_errors_are_govuks_unless_the_definition_words_them():
    q = question("national_insurance_number")
    assert q.clean({"answer": " "}, today=TODAY).error.message == (
        "Enter a National Insurance number"
    )
    assert q.clean({"answer": "A" * 10_000}, today=TODAY).error.message == (
        "Enter a National Insurance number in the correct format"
    )
    own = question("national_insurance_number", error_messages={"required": "Enter your NI number"})
    assert own.clean({}, today=TODAY).error.message == "Enter your NI number"


def test_the_national_insurance_input_is_govuks():
    html = render_widget(question("national_insurance_number"), {"answer": "AB 12 34 56 C"})
    assert 'class="govuk-input govuk-input--width-10 govuk-input--extra-letter-spacing' in html
    assert 'spellcheck="false"' in html
    assert "It&#39;s on your National Insurance card, benefit letter, payslip or P60." in html
    own = question("national_insurance_number", hint="For example, AB 12 34 56 C")
    assert "P60" not in render_widget(own, {})


def test_the_api_schema_of_a_national_insurance_number_is_its_stored_form():
    schema = question("national_insurance_number").answer_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate("AB123456C", schema)
    for refused in ["AB 12 34 56 C", "QQ123456C", "GB123456A", "ab123456c"]:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(refused, schema)


# Telephone numbers.

PHONE_INVALID = "Enter a telephone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("07912 345678", "+447912345678", "07912 345678"),
        ("07912-345-678", "+447912345678", "07912 345678"),
        ("(020) 7946 0000", "+442079460000", "020 7946 0000"),
        ("+44 (0)20 7946 0000", "+442079460000", "020 7946 0000"),
        ("0044 20 7946 0000", "+442079460000", "020 7946 0000"),
        ("+44 808 157 0192", "+448081570192", "0808 157 0192"),
        # Ofcom's drama range: possible, never valid; taken (see Phone's docstring).
        ("07700 900982", "+447700900982", "07700 900982"),
        # The Isle of Man shares +44.
        ("07624 123456", "+447624123456", "07624 123456"),
        # Digits in other scripts are read as the digits they are.
        ("\uff10\uff17\uff19\uff11\uff12 345678", "+447912345678", "07912 345678"),
    ],
)
def test_a_uk_phone_number_is_stored_in_e164_and_shown_as_written_in_the_uk(typed, stored, shown):
    q = question("phone")
    assert q.clean({"answer": typed}, today=TODAY) == Cleaned(stored)
    assert q.display(stored) == shown


@pytest.mark.parametrize(
    "typed",
    [
        "123",
        "07912 3456789012",
        "0800 FLOWERS",
        "07912 345678 ext 12",
        "+33 1 23 45 67 89",  # not the UK, and the question is not international
        "0033 1 23 45 67 89",
        "+",
        "1" * 400,
        "\u0660" * 11,
        "00000000000",
        "+44 0000 000000",
    ],
)
def test_a_phone_number_that_is_not_a_possible_uk_one_is_refused(typed):
    q = question("phone")
    assert q.clean({"answer": typed}, today=TODAY) == Cleaned(
        None, FieldError(PHONE_INVALID, "answer")
    )


def test_an_international_phone_question_takes_any_country_and_shows_it_internationally():
    q = question("phone", international=True)
    assert q.clean({"answer": "+33 1 23 45 67 89"}, today=TODAY) == Cleaned("+33123456789")
    assert q.display("+33123456789") == "+33 1 23 45 67 89"
    assert q.clean({"answer": "07912 345678"}, today=TODAY) == Cleaned("+447912345678")
    assert q.display("+447912345678") == "07912 345678"
    assert q.display("not a number") == "not a number"


def test_phone_errors_are_govuks_unless_the_definition_words_them():
    q = question("phone")
    assert q.clean({}, today=TODAY).error.message == "Enter a telephone number"
    assert q.clean({"answer": "0" * 600}, today=TODAY).error.message == PHONE_INVALID


def test_the_phone_input_is_a_tel_input_the_browser_can_fill():
    html = render_widget(question("phone"), {"answer": "07700 900982"})
    assert 'type="tel"' in html
    assert 'autocomplete="tel"' in html
    assert "govuk-input--width-20" in html
    own = render_widget(question("phone", autocomplete="tel-national"), {})
    assert 'autocomplete="tel-national"' in own


def test_the_api_schema_of_a_phone_number_is_e164_and_uk_unless_international():
    uk = question("phone").answer_schema()
    world = question("phone", international=True).answer_schema()
    for schema in (uk, world):
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.validate("+447700900982", schema)
    jsonschema.validate("+33123456789", world)
    for refused in ["+33123456789", "07700900982", "+44 7700 900982"]:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(refused, uk)


def test_only_a_phone_question_is_international():
    source = textwrap.dedent(patterned("'[0-9]+'")).replace(
        "pattern: '[0-9]+'", "international: true"
    )
    [found] = parse_definition(source, filename="svc.yaml").problems
    assert str(found) == (
        f"svc.yaml:{_line_of(source, 'international:')}: a text question has no international"
    )
    phone = source.replace("type: text", "type: phone")
    assert parse_definition(phone, filename="svc.yaml").problems == []


# Times of day.

TIME_INVALID = "Enter a time in the correct format, like 2:30pm or 14:30"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("14:30", "14:30"),
        ("2:30pm", "14:30"),
        ("2.30pm", "14:30"),
        ("2.30 p.m.", "14:30"),
        (" 2:30 PM ", "14:30"),
        ("2pm", "14:00"),
        ("9:05am", "09:05"),
        ("9:30", "09:30"),  # without am or pm, the 24-hour clock
        ("1430", "14:30"),
        ("00:00", "00:00"),
        ("12am", "00:00"),
        ("12:15am", "00:15"),
        ("12pm", "12:00"),
        ("midday", "12:00"),
        ("Noon", "12:00"),
        ("12 noon", "12:00"),
        ("midnight", "00:00"),
        ("23:59", "23:59"),
    ],
)
def test_a_time_is_read_as_people_write_it_and_stored_on_the_24_hour_clock(typed, stored):
    assert question("time").clean({"answer": typed}, today=TODAY) == Cleaned(stored)


@pytest.mark.parametrize(
    "typed",
    [
        "14",  # an hour alone needs am or pm
        "24:00",
        "13pm",
        "0am",
        "2:60",
        "14:30:00",
        "2:3pm",
        "half past two",
        "\u0662:\u0663\u0660pm",  # Arabic-Indic digits
        "\uff12:\uff13\uff10pm",  # full-width digits
        "2:30pm" * 80,
    ],
)
def test_a_time_that_cannot_be_read_is_refused(typed):
    assert question("time").clean({"answer": typed}, today=TODAY) == Cleaned(
        None, FieldError(TIME_INVALID, "answer")
    )


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("14:30", "2:30pm"),
        ("14:00", "2pm"),
        ("09:05", "9:05am"),
        ("00:30", "12:30am"),
        ("12:00", "midday"),
        ("00:00", "midnight"),
        ("12:01", "12:01pm"),
        ("not a time", "not a time"),
    ],
)
def test_a_time_is_shown_as_govuk_style_writes_it(stored, shown):
    assert question("time").display(stored) == shown


def test_time_errors_hint_and_api_schema():
    q = question("time")
    assert q.clean({}, today=TODAY).error.message == "Enter a time"
    html = render_widget(q, {"answer": "2:30pm"})
    assert "For example, 2:30pm or 14:30" in html
    assert "govuk-input--width-5" in html
    schema = q.answer_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate("00:00", schema)
    for refused in ["2:30pm", "24:00", "9:30", "14:30:00"]:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(refused, schema)
