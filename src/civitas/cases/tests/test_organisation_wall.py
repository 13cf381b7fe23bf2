"""Organisations are walled off from each other.

A caseworker of a second council, properly signed in with a second factor, must not be
able to list, open, decide or read the messages of the first council's cases: not by the
pages, not by a guessed URL, and without learning that the case exists.
"""

import json
import logging
import re

import pytest
from django.test import Client

from civitas.cases.models import Case
from civitas.cases.public import submit_application
from civitas.cases.services import CaseNotFound
from civitas.cases.transitions import decide_case
from civitas.cases.workflow import Outcome
from civitas.journeys.tests.test_api import valid_answers
from civitas.ledger.models import Entry
from civitas.notify.models import Message
from civitas.platform.models import AuditEvent
from civitas.platform.references import new_reference
from conftest import acting, current_code, make_staff

NONCE = re.compile(rb'nonce="[^"]*"')


@pytest.fixture
def borough_case(parking_permit, other_council_permit):
    """A case of Example Borough, with its confirmation email queued."""
    return submit_application(service=parking_permit, answers=valid_answers(), fee_pence=None)


@pytest.fixture
def intruder(client, other_council_caseworker, signed_in):
    signed_in(other_council_caseworker)
    return client


def _without_nonce(content: bytes) -> bytes:
    return NONCE.sub(b"", content)


def test_the_case_and_its_message_belong_to_the_services_organisation(borough_case):
    message = Message.objects.get(about=borough_case.reference)
    assert borough_case.organisation.slug == "example-borough"
    assert message.organisation.slug == "example-borough"
    event = AuditEvent.objects.get(action="case.submitted")
    assert event.organisation == "example-borough"


def test_another_councils_caseworker_does_not_see_the_case_in_the_list(intruder, borough_case):
    response = intruder.get("/staff/cases/")
    assert response.status_code == 200
    assert borough_case.reference.encode() not in response.content
    assert b"Sample District Council" in response.content


def test_another_councils_caseworker_gets_the_same_404_as_for_a_case_that_does_not_exist(
    intruder, borough_case
):
    theirs = intruder.get(f"/staff/cases/{borough_case.reference}/")
    nobodys = new_reference()  # well formed, and no case has it
    unknown = intruder.get(f"/staff/cases/{nobodys}/")
    assert theirs.status_code == unknown.status_code == 404
    # The same page but for the reference itself (in the language switch's return link).
    assert _without_nonce(theirs.content).replace(
        borough_case.reference.encode(), b"REF"
    ) == _without_nonce(unknown.content).replace(nobodys.encode(), b"REF")
    assert b"12 Station Road" not in theirs.content
    assert not AuditEvent.objects.filter(action="case.personal_data_viewed").exists()
    assert not Entry.objects.filter(kind="personal_data.viewed").exists()


def test_another_councils_caseworker_cannot_decide_the_case(intruder, borough_case):
    response = intruder.post(
        f"/staff/cases/{borough_case.reference}/",
        {
            "transition": "refuse",
            "reason-refuse": "Not one of ours",
            "confirm-refuse": "yes",
            "version": borough_case.version,
            "step": "confirm",
        },
    )
    assert response.status_code == 404
    borough_case.refresh_from_db()
    assert borough_case.status == "submitted"
    assert not Message.objects.filter(template="refused").exists()
    assert not Entry.objects.filter(kind="case.decided").exists()


def test_the_decision_service_refuses_a_case_of_another_organisation(
    borough_case, other_council_caseworker
):
    with pytest.raises(CaseNotFound):
        decide_case(
            reference=borough_case.reference,
            outcome=Outcome.APPROVE,
            reason="",
            staff=acting(other_council_caseworker, "sample-district"),
        )
    assert Case.objects.get(pk=borough_case.pk).status == "submitted"


def test_another_councils_caseworker_sees_none_of_the_messages(intruder, borough_case):
    message = Message.objects.get(about=borough_case.reference)
    listed = intruder.get("/staff/messages/")
    assert listed.status_code == 200
    assert borough_case.reference.encode() not in listed.content
    assert b"resident@example.com" not in listed.content
    opened = intruder.get(f"/staff/messages/{message.id}/")
    assert opened.status_code == 404
    assert b"resident@example.com" not in opened.content


def test_the_owning_councils_caseworker_sees_the_case_and_its_message(
    client, borough_case, caseworker, signed_in
):
    signed_in(caseworker)
    assert borough_case.reference.encode() in client.get("/staff/cases/").content
    page = client.get(f"/staff/cases/{borough_case.reference}/")
    assert page.status_code == 200
    assert b"12 Station Road" in page.content
    assert b"Example Borough Council" in page.content
    message = Message.objects.get(about=borough_case.reference)
    assert b"resident@example.com" in client.get(f"/staff/messages/{message.id}/").content
    assert client.get("/staff/messages/not-a-uuid/").status_code == 404


def test_someone_in_two_organisations_chooses_one_and_sees_only_its_cases(borough_case):
    make_staff("shared@example.gov.uk", "caseworker", "example-borough")
    person = make_staff("shared@example.gov.uk", "caseworker", "sample-district")
    client = Client()
    client.post("/staff/sign-in", {"email": person.email, "password": "correct-horse-battery"})
    response = client.post("/staff/sign-in/code", {"code": current_code(), "next": "/staff/cases/"})
    assert response.headers["Location"] == "/staff/organisation?next=%2Fstaff%2Fcases%2F"
    # No organisation chosen yet: no staff page answers.
    assert client.get("/staff/cases/").headers["Location"].startswith("/staff/organisation")

    chosen = client.post(
        "/staff/organisation", {"organisation": "example-borough", "next": "/staff/cases/"}
    )
    assert chosen.headers["Location"] == "/staff/cases/"
    assert client.get(f"/staff/cases/{borough_case.reference}/").status_code == 200

    client.post("/staff/organisation", {"organisation": "sample-district"})
    assert client.get(f"/staff/cases/{borough_case.reference}/").status_code == 404
    assert AuditEvent.objects.filter(action="staff.organisation_chosen").count() == 2


def test_nobody_can_choose_an_organisation_they_do_not_belong_to(
    intruder, borough_case, organisations
):
    response = intruder.post("/staff/organisation", {"organisation": "example-borough"})
    assert response.status_code == 400
    assert b"Select the organisation you are working for" in response.content
    assert intruder.get(f"/staff/cases/{borough_case.reference}/").status_code == 404


def test_a_removed_membership_stops_access_at_the_next_request(
    client, borough_case, caseworker, signed_in
):
    signed_in(caseworker)
    assert client.get("/staff/cases/").status_code == 200
    caseworker.memberships.all().delete()
    assert client.get("/staff/cases/").status_code == 403


def test_the_citizens_pages_name_the_organisation_that_runs_the_service(
    client, parking_permit, other_council_permit
):
    theirs = client.get("/services/sample-district/resident-parking-permit/")
    ours = client.get("/services/example-borough/resident-parking-permit/")
    assert b"Sample District Council" in theirs.content
    assert b"Example Borough Council" not in theirs.content
    assert b"Example Borough Council" in ours.content
    assert b"Sample District Council" not in ours.content


def test_a_service_named_without_its_organisation_offers_a_choice(
    client, parking_permit, other_council_permit
):
    response = client.get("/services/resident-parking-permit/")
    assert response.status_code == 200
    assert b'href="/services/example-borough/resident-parking-permit/"' in response.content
    assert b'href="/services/sample-district/resident-parking-permit/"' in response.content


def test_a_service_only_one_organisation_runs_is_found_without_its_organisation(
    client, parking_permit
):
    response = client.get("/services/resident-parking-permit/")
    assert response.headers["Location"] == "/services/example-borough/resident-parking-permit/"
    assert client.get("/services/no-such-service/").status_code == 404


def test_a_service_owner_cannot_read_emails(client, borough_case, service_owner, signed_in):
    signed_in(service_owner)
    assert client.get("/staff/cases/").status_code == 200
    assert client.get("/staff/messages/").status_code == 403
    message = Message.objects.get(about=borough_case.reference)
    assert client.get(f"/staff/messages/{message.id}/").status_code == 403


def test_an_administrator_reads_emails_but_not_cases(
    client, borough_case, administrator, signed_in
):
    signed_in(administrator)
    assert client.get("/staff/messages/").status_code == 200
    assert client.get("/staff/cases/").status_code == 403
    assert client.get(f"/staff/cases/{borough_case.reference}/").status_code == 403


@pytest.mark.parametrize("garbage", ["\x00", "example-borough\x00", "x" * 10_000, ""])
def test_the_organisation_chooser_answers_garbage_with_a_field_error(intruder, garbage):
    response = intruder.post("/staff/organisation", {"organisation": garbage})
    assert response.status_code == 400
    assert b'href="#organisation"' in response.content


def test_a_malformed_message_id_is_not_found(intruder, borough_case):
    assert intruder.get("/staff/messages/%00/").status_code == 404
    assert intruder.get("/staff/messages/" + "9" * 500 + "/").status_code == 404


def test_another_organisations_case_asked_for_by_staff_is_recorded_as_refused(
    intruder, other_council_caseworker, borough_case, caplog
):
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        response = intruder.get(f"/staff/cases/{borough_case.reference}/")
    assert response.status_code == 404
    assert [json.loads(r.getMessage()) for r in caplog.records if r.name == "civitas.security"] == [
        {
            "event": "access.refused",
            "reason": "not_found",
            "staff": other_council_caseworker.pk,
            "view": "cases:detail",
        }
    ]
