"""Assisted digital: a caseworker completes a service for a caller through the same journey;
the case records the assisted channel and who helped, and the audit trail names them.
A citizen cannot make their own application look assisted."""

from django.test import Client

from civitas.cases.models import Case
from civitas.journeys.tests.test_pages import URL, complete_questions
from civitas.platform.models import AuditEvent
from conftest import make_staff

KEY = "assisted:example-borough/resident-parking-permit"


def _send(client):
    return client.post(f"{URL}/check-answers/", {"version": "1", "confirm": "yes"})


def test_a_caseworker_applies_for_a_caller_and_the_case_says_who_helped(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    listing = client.get("/staff/assist/").content.decode()
    assert "Apply for a resident parking permit" in listing
    started = client.post("/staff/assist/resident-parking-permit/")
    assert started["Location"] == f"{URL}/"
    complete_questions(client)
    check = client.get(f"{URL}/check-answers/").content.decode()
    assert "You are applying for a caller" in check
    assert _send(client).status_code == 302

    case = Case.objects.get()
    assert (case.channel, case.assisted_by_id) == ("assisted", caseworker.pk)
    event = AuditEvent.objects.get(action="case.submitted")
    assert (event.actor_type, event.actor_id) == ("staff", str(caseworker.pk))
    assert event.details["channel"] == "assisted"
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert f"with the help of {caseworker.display_name}" in page
    assert "on the phone or in person" in page
    # The next application in this browser is not assisted unless started again.
    assert KEY not in client.session


def test_starting_for_a_caller_never_carries_on_someone_elses_answers(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    complete_questions(client)
    client.post("/staff/assist/resident-parking-permit/")
    assert client.get(f"{URL}/check-answers/")["Location"] != f"{URL}/check-answers/"


def test_a_citizen_cannot_mark_their_own_application_as_assisted(client, parking_permit):
    session = client.session
    session[KEY] = 1  # forged: no member of staff is signed in
    session.save()
    complete_questions(client)
    assert (
        "You are applying for a caller" not in client.get(f"{URL}/check-answers/").content.decode()
    )
    _send(client)
    case = Case.objects.get()
    assert (case.channel, case.assisted_by_id) == ("online", None)


def test_a_helper_who_may_no_longer_assist_when_sending_makes_an_online_application(
    client, parking_permit, caseworker, signed_in
):
    from civitas.identity.models import Membership

    signed_in(caseworker)
    client.post("/staff/assist/resident-parking-permit/")
    complete_questions(client)
    Membership.objects.filter(user=caseworker).delete()
    _send(client)
    assert Case.objects.get().channel == "online"


def test_only_staff_who_may_assist_can_start(client, parking_permit, signed_in):
    assert Client().get("/staff/assist/")["Location"].startswith("/staff/sign-in")
    signed_in(make_staff("owner@example.gov.uk", "service_owner"))
    assert client.get("/staff/assist/").status_code == 403
    assert client.post("/staff/assist/resident-parking-permit/").status_code == 403
    assert KEY not in client.session


def test_an_unknown_service_cannot_be_started(client, caseworker, signed_in):
    signed_in(caseworker)
    assert client.post("/staff/assist/no-such-service/").status_code == 404


def test_another_councils_caseworker_assists_only_with_their_own_service(
    client, parking_permit, other_council_permit, other_council_caseworker, signed_in
):
    signed_in(other_council_caseworker)
    listing = client.get("/staff/assist/").content.decode()
    assert listing.count("Apply for a resident parking permit") == 1
    client.post("/staff/assist/resident-parking-permit/")  # their own council's
    # Example Borough's journey in the same browser is not marked as theirs to assist.
    complete_questions(client)
    _send(client)
    assert Case.objects.get().channel == "online"
