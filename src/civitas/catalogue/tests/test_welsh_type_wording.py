"""The question types' own wording (default errors and hints) has its Welsh, with the
same placeholders, and a Welsh page shows it with its values in Welsh too."""

import datetime
import re

import pytest

from civitas.catalogue.questions import DEFAULT_ERRORS, question_type, question_type_names
from civitas.catalogue.questions.address import ERRORS as ADDRESS_ERRORS
from civitas.catalogue.questions.address import NOT_AN_ADDRESS
from civitas.catalogue.questions.choice import NOT_AN_OPTION
from civitas.catalogue.questions.welsh import WELSH
from civitas.catalogue.tests.memory import service_from_yaml
from civitas.catalogue.texts import Text

PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _wording() -> set[str]:
    refusals = [NOT_AN_ADDRESS, NOT_AN_OPTION]
    wording = {*DEFAULT_ERRORS.values(), *ADDRESS_ERRORS.values()}
    wording.update(str(text) for refusal in refusals for text in (refusal.title, refusal.detail))
    for name in question_type_names():
        kind = question_type(name)
        wording.update(kind.default_errors.values())
        if kind.default_hint:
            wording.add(kind.default_hint)
    return wording


@pytest.mark.parametrize("english", sorted(_wording()))
def test_every_wording_of_the_question_types_has_its_welsh(english):
    assert english in WELSH, english
    assert sorted(PLACEHOLDER.findall(WELSH[english])) == sorted(PLACEHOLDER.findall(english))


def test_no_welsh_is_kept_for_wording_no_type_uses():
    assert set(WELSH) <= _wording()


DATES = """
    schema_version: 1
    slug: dates
    title: Dates
    organisation: example-borough
    start: {lead: Dates.}
    pages:
      - id: born
        question: {id: born, type: date, label: Date of birth, latest_days_from_today: 0}
      - id: email
        question: {id: email, type: email, label: Email}
    check_answers: {title: Check}
    declaration: {text: [True.], confirm: I confirm}
    confirmation: {title: Done}
    contact: {email: email}
    privacy: {purpose: P, lawful_basis: L, retention: R, contact: C}
    messages:
      submitted: {subject: S, body: B}
      approved: {subject: S, body: B}
      refused: {subject: S, body: B}
"""


def test_a_date_error_is_written_in_welsh_with_its_parts_and_its_date_in_welsh():
    from django.utils import translation

    question = service_from_yaml(DATES).model.page("born").questions[0]
    today = datetime.date(2026, 12, 1)
    with translation.override("cy"):
        late = question.clean(
            {"born-day": "1", "born-month": "1", "born-year": "2030"}, today=today
        ).error.message
        missing = question.clean({"born-month": "1"}, today=today).error.message

    assert isinstance(late, Text)
    assert late.in_language("cy") == "Rhaid i'r dyddiad fod ar 1 Rhagfyr 2026 neu cyn hynny"
    assert missing.in_language("cy") == "Rhaid i'r dyddiad gynnwys diwrnod a blwyddyn"
    assert missing.in_language("en") == "The date must include a day and a year"
