"""Track your application: the reference, a one-time code emailed (over real SMTP) to the
address on the application, then where it stands, in the citizen's language. Nothing on
the way says whether a reference exists."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from civitas.cases.models import Case, TrackingCode
from civitas.cases.services import submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.platform.references import new_reference
from conftest import run_queued_jobs

START, CODE = "/applications/", "/applications/code/"


@pytest.fixture
def case(parking_permit) -> Case:
    return submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=None)


def _emailed_code(smtp_inbox, count: int = 1) -> str:
    run_queued_jobs()
    received = smtp_inbox.wait_for(count)[-1]
    text = next(
        part.get_payload(decode=True).decode()
        for part in received.walk()
        if part.get_content_type() == "text/plain"
    )
    return re.search(r"\b(\d{6})\b", text).group(1)


def _ask(client, reference: str):
    return client.post(START, {"reference": reference})


def test_a_citizen_sees_where_their_application_stands_with_the_emailed_code(
    client, case, smtp_inbox
):
    assert _ask(client, case.reference.lower()).headers["Location"] == CODE
    code = _emailed_code(smtp_inbox, 2)  # after the confirmation email
    assert smtp_inbox.messages[-1]["To"] == "resident@example.com"
    response = client.post(CODE, {"code": f" {code[:3]} {code[3:]} "})
    assert response.headers["Location"] == f"/applications/{case.reference}/"
    page = client.get(response.headers["Location"]).content.decode()
    assert "Apply for a resident parking permit" in page
    # The status is the label of the case's workflow state.
    assert "Submitted" in page
    assert "We received your application on" in page
    # The page shows no answer from the application.
    assert "resident@example.com" not in page
    assert "CU57" not in page


def test_a_decided_application_says_so(client, case, smtp_inbox):
    Case.objects.filter(pk=case.pk).update(status="approved", decided_at=timezone.now())
    _ask(client, case.reference)
    code = _emailed_code(smtp_inbox, 2)
    page = client.get(client.post(CODE, {"code": code}).headers["Location"]).content.decode()
    assert "Approved" in page
    assert "We approved your application on" in page


def test_an_application_waiting_for_the_citizen_says_what_state_it_is_in(client, case, smtp_inbox):
    Case.objects.filter(pk=case.pk).update(status="more_information_requested")
    _ask(client, case.reference)
    code = _emailed_code(smtp_inbox, 2)
    page = client.get(client.post(CODE, {"code": code}).headers["Location"]).content.decode()
    assert "More information requested" in page
    assert "We need something from you before we can go on." in page


def test_an_unknown_reference_is_answered_exactly_like_a_real_one(client, db, smtp_inbox):
    response = _ask(client, new_reference())
    assert response.headers["Location"] == CODE
    run_queued_jobs()
    assert smtp_inbox.messages == []
    wrong = client.post(CODE, {"code": "123456"})
    assert wrong.status_code == 400
    assert "The code is not right" in wrong.content.decode()


def test_a_wrong_code_is_refused_and_the_code_dies_after_its_tries(client, case, smtp_inbox):
    _ask(client, case.reference)
    code = _emailed_code(smtp_inbox, 2)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(5):
        response = client.post(CODE, {"code": wrong})
        assert response.status_code == 400
    response = client.post(CODE, {"code": code})
    assert response.status_code == 400
    assert "This code has expired. Ask for a new code" in response.content.decode()


def test_a_code_works_once_and_not_after_its_minutes(client, case, smtp_inbox):
    _ask(client, case.reference)
    code = _emailed_code(smtp_inbox, 2)
    assert client.post(CODE, {"code": code}).status_code == 302
    other = Client()
    _ask(other, case.reference)  # a new code is sent; the old one is spent anyway
    TrackingCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = other.post(CODE, {"code": _emailed_code(smtp_inbox, 3)})
    assert "This code has expired" in response.content.decode()


def test_the_progress_page_needs_a_code_spent_in_this_session(client, case):
    response = client.get(f"/applications/{case.reference}/")
    assert response.headers["Location"] == START
    assert client.get(CODE).headers["Location"] == START


def test_asking_for_too_many_codes_is_refused(client, case):
    for _ in range(3):
        assert _ask(client, case.reference).status_code == 302
    response = _ask(client, case.reference)
    assert response.status_code == 400
    assert "You have asked for too many codes" in response.content.decode()


def test_an_application_made_in_welsh_gets_its_code_in_welsh(client, case, smtp_inbox):
    Case.objects.filter(pk=case.pk).update(language="cy")
    _ask(client, case.reference)
    run_queued_jobs()
    email = smtp_inbox.wait_for(2)[-1]
    assert email["Subject"] == "Eich cod i weld eich cais"
    client.get("/language/cy/?next=/")
    code = _emailed_code(smtp_inbox, 2)
    page = client.get(client.post(CODE, {"code": code}).headers["Location"]).content.decode()
    assert "Gwneud cais am drwydded barcio i breswylwyr" in page
    assert "Rydym wedi cael eich cais" in page


def test_an_anonymous_application_has_no_one_to_send_a_code_to(client, parking_permit, smtp_inbox):
    answers = {**ANSWERS}
    answers.pop("email")
    case = submit_application(service=parking_permit, answers=answers, fee_pence=None)
    assert _ask(client, case.reference).headers["Location"] == CODE
    run_queued_jobs()
    assert not TrackingCode.objects.exists()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter your application reference"),
        ("not a reference", "Enter the reference as it is in your confirmation email"),
        ("K7M\x002QH4XP", "Enter the reference as it is in your confirmation email"),
        ("9" * 5000, "Enter the reference as it is in your confirmation email"),
    ],
)
def test_a_reference_that_is_not_one_is_the_govuk_error(client, db, typed, message):
    response = _ask(client, typed)
    assert response.status_code == 400
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert message in body


@pytest.mark.parametrize("typed", ["", "12345", "abcdef", "１２３４５６", "1234567", "\x00" * 6])
def test_a_code_that_is_not_six_numbers_is_the_govuk_error(client, case, typed):
    _ask(client, case.reference)
    response = client.post(CODE, {"code": typed})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()
