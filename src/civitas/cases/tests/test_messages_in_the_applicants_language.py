"""Every message to an applicant is written in the language they applied in: the pages'
language, or the API's `language`; a decision made by English-speaking staff reaches a
Welsh applicant in Welsh. Sent over real SMTP."""

import json
import shutil
from pathlib import Path

import pytest
from django.utils import translation

from civitas.cases.messages import compose_message, fee_text
from civitas.cases.models import Case
from civitas.cases.transitions import decide_case
from civitas.cases.workflow import Outcome
from civitas.journeys.tests.test_api import valid_answers
from civitas.journeys.tests.test_pages import URL, complete_questions
from conftest import (
    acting,
    pay_from_check_answers,
    problem_errors,
    publish_example,
    run_queued_jobs,
)

SERVICES = Path(__file__).resolve().parents[4] / "services"
API = "/api/v1/services/example-borough/resident-parking-permit/applications"

WELSH_SUBMITTED = """  submitted:
    subject:
      en: "We have received your parking permit application ((reference))"
      cy: "Rydym wedi cael eich cais am drwydded barcio ((reference))"
    body:
      en: |
        We have your application for ((registration)), band ((co2_band)), from ((start_date)).
        The fee is ((fee)). ((organisation))
      cy: |
        Mae eich cais ar gyfer ((registration)) gennym, band ((co2_band)), o ((start_date)).
        Y ffi yw ((fee)). ((organisation))
  approved:
    subject:
      en: "Your parking permit application ((reference)) has been approved"
      cy: "Mae eich cais am drwydded barcio ((reference)) wedi'i gymeradwyo"
    body:
      en: "Your application has been approved. ((service_title)) ((reason))"
      cy: "Mae eich cais wedi'i gymeradwyo. ((service_title)) ((reason))"
"""


@pytest.fixture
def welsh_messages_permit(db, tmp_path):
    """The parking permit with its first two messages, one band and its title in Welsh."""
    shutil.copytree(SERVICES / "rules", tmp_path / "rules")
    folder = tmp_path / "resident-parking-permit"
    shutil.copytree(SERVICES / "resident-parking-permit", folder)
    path = folder / "service.yaml"
    source = path.read_text()
    start = source.index("  submitted:\n")
    end = source.index("  refused:\n")
    source = source[:start] + WELSH_SUBMITTED + source[end:]
    source = source.replace(
        '{value: B, label: "Band B: 101 to 110g/km"}',
        '{value: B, label: {en: "Band B: 101 to 110g/km", cy: "Band B: 101 i 110g/km"}}',
    ).replace(
        "title: Apply for a resident parking permit\n",
        "title: {en: Apply for a resident parking permit, cy: Gwneud cais am drwydded barcio}\n",
        1,
    )
    path.write_text(source)
    return publish_example(path)


def _text_of(email) -> str:
    return next(
        part.get_payload(decode=True).decode()
        for part in email.walk()
        if part.get_content_type() == "text/plain"
    )


def _html_of(email) -> str:
    return next(
        part.get_payload(decode=True).decode()
        for part in email.walk()
        if part.get_content_type() == "text/html"
    )


def _sent_with_subject(emails, start: str):
    [email] = [email for email in emails if email["Subject"].startswith(start)]
    return email


def test_an_application_made_on_welsh_pages_is_confirmed_in_welsh(
    client, welsh_messages_permit, smtp_inbox, payments
):
    assert client.get("/language/cy/?next=/").status_code == 302
    complete_questions(client)
    sent = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert pay_from_check_answers(client, sent).status_code == 302
    translation.activate("en")  # the worker sends in no particular language

    case = Case.objects.get()
    assert case.language == "cy"
    run_queued_jobs()
    # The confirmation, and the receipt for the fee.
    emails = smtp_inbox.wait_for(2)
    assert len(emails) == 2
    email = _sent_with_subject(emails, "Rydym wedi cael eich cais")
    assert email["Subject"] == f"Rydym wedi cael eich cais am drwydded barcio {case.reference}"
    text = _text_of(email)
    assert "Mae eich cais ar gyfer CU57 ABC gennym, band Band B: 101 i 110g/km" in text
    assert "Y ffi yw £105." in text
    assert "We have" not in text
    assert '<html lang="cy">' in _html_of(email)


def test_an_application_made_on_english_pages_is_confirmed_in_english(
    client, welsh_messages_permit, smtp_inbox, payments
):
    complete_questions(client)
    sent = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert pay_from_check_answers(client, sent).status_code == 302

    assert Case.objects.get().language == "en"
    run_queued_jobs()
    emails = smtp_inbox.wait_for(2)
    assert len(emails) == 2
    email = _sent_with_subject(emails, "We have received your parking permit application")
    assert "band Band B: 101 to 110g/km" in _text_of(email)


def test_an_api_application_in_welsh_is_confirmed_and_decided_in_welsh(
    client, welsh_messages_permit, smtp_inbox, caseworker, api_headers, payments
):
    body = {"version": 1, "declaration": True, "language": "cy", "answers": valid_answers()}
    response = client.post(
        API, json.dumps(body), content_type="application/json", headers=api_headers
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.language == "cy"
    payments.pay(case.reference)

    # A caseworker working in English decides it: the applicant still reads Welsh.
    decide_case(
        reference=case.reference, outcome=Outcome.APPROVE, reason="", staff=acting(caseworker)
    )
    run_queued_jobs()
    emails = smtp_inbox.wait_for(3)  # the confirmation, the receipt and the decision
    approved = next(e for e in emails if "gymeradwyo" in e["Subject"])
    assert "Mae eich cais wedi'i gymeradwyo. Gwneud cais am drwydded barcio" in _text_of(approved)
    assert any(e["Subject"].startswith("Rydym wedi cael eich cais") for e in emails)


def test_the_case_page_tells_the_caseworker_the_applicant_applied_in_welsh(
    client, welsh_messages_permit, caseworker, signed_in, api_headers
):
    for language in ("cy", "en"):
        body = {"version": 1, "declaration": True, "language": language}
        body["answers"] = valid_answers()
        response = client.post(
            API, json.dumps(body), content_type="application/json", headers=api_headers
        )
        assert response.status_code == 201
    welsh, english = Case.objects.get(language="cy"), Case.objects.get(language="en")

    signed_in(caseworker)

    welsh_page = client.get(f"/staff/cases/{welsh.reference}/").content.decode()
    english_page = client.get(f"/staff/cases/{english.reference}/").content.decode()
    assert "The applicant applied in Welsh" in welsh_page
    assert "applied in Welsh" not in english_page


def test_no_fee_is_written_in_the_applicants_language(welsh_messages_permit):
    fields = {"reference": "K7M-2QH-4XP", "fee": fee_text(None)}

    welsh = compose_message(welsh_messages_permit, "submitted", fields=fields, language="cy")
    english = compose_message(welsh_messages_permit, "submitted", fields=fields, language="en")

    assert "Y ffi yw dim ffi." in welsh.text
    assert "The fee is no fee." in english.text


@pytest.mark.parametrize("language", ["fr", "CY", "", None, ["cy"], {"cy": True}, 1])
def test_an_api_application_in_a_language_the_platform_does_not_write_is_refused(
    client, welsh_messages_permit, language, api_headers
):
    body = {"version": 1, "declaration": True, "language": language, "answers": valid_answers()}
    response = client.post(
        API, json.dumps(body), content_type="application/json", headers=api_headers
    )

    assert response.status_code == 400
    assert problem_errors(response) == {"language": "must be one of en, cy"}
    assert not Case.objects.exists()
