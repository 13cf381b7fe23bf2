"""Caseworkers decide cases: one decision, with a reason to refuse, emailed and audited."""

import pytest

from civitas.cases.models import Case
from civitas.cases.services import DecisionInvalid
from civitas.cases.tests.factories import CaseFactory
from civitas.cases.transitions import decide_case
from civitas.cases.workflow import Outcome, TransitionNotAllowed
from civitas.identity.tests.factories import OrganisationFactory
from civitas.notify.models import Message
from civitas.platform.models import AuditEvent
from conftest import acting


def test_approving_a_case_emails_the_applicant_and_audits_the_caseworker(
    parking_permit, caseworker
):
    case = CaseFactory()
    decide_case(
        reference=case.reference, outcome=Outcome.APPROVE, reason="", staff=acting(caseworker)
    )
    case.refresh_from_db()
    assert case.status == "approved"
    assert case.decided_by == caseworker
    message = Message.objects.get(idempotency_key=f"case:{case.reference}:approved")
    assert message.recipient == "resident@example.com"
    event = AuditEvent.objects.get(action="case.decided")
    assert event.actor_id == str(caseworker.pk)
    assert "resident@example.com" not in str(event.details)


def test_refusing_needs_a_reason_which_is_sent_to_the_applicant(parking_permit, caseworker):
    case = CaseFactory()
    with pytest.raises(DecisionInvalid, match="Enter the reason"):
        decide_case(
            reference=case.reference,
            outcome=Outcome.REFUSE,
            confirmed=True,
            reason="  ",
            staff=acting(caseworker),
        )
    decide_case(
        reference=case.reference,
        outcome=Outcome.REFUSE,
        confirmed=True,
        reason="The vehicle is not registered at this address",
        staff=acting(caseworker),
    )
    message = Message.objects.get(idempotency_key=f"case:{case.reference}:refused")
    assert "The vehicle is not registered at this address" in message.body_text


def test_a_decided_case_cannot_be_decided_again(parking_permit, caseworker):
    case = CaseFactory(approved=True)
    with pytest.raises(TransitionNotAllowed):
        decide_case(
            reference=case.reference,
            outcome=Outcome.REFUSE,
            confirmed=True,
            reason="late",
            staff=acting(caseworker),
        )
    assert Message.objects.count() == 0


def test_the_case_page_needs_a_signed_in_verified_caseworker(
    client, parking_permit, caseworker, signed_in
):
    case = CaseFactory()
    response = client.get(f"/staff/cases/{case.reference}/")
    assert response.headers["Location"].startswith("/staff/sign-in")
    client.post("/staff/sign-in", {"email": caseworker.email, "password": "correct-horse-battery"})
    response = client.get(f"/staff/cases/{case.reference}/")
    assert response.headers["Location"].startswith("/staff/sign-in/code"), "MFA is required"


def test_an_outsider_with_no_role_is_refused(client, parking_permit, outsider):
    import base64

    import pyotp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    key = pyotp.random_base32()
    TOTPDevice.objects.create(
        user=outsider, name="a", confirmed=True, key=base64.b32decode(key).hex()
    )
    client.post("/staff/sign-in", {"email": outsider.email, "password": "correct-horse-battery"})
    client.post("/staff/sign-in/code", {"code": pyotp.TOTP(key).now()})
    case = CaseFactory()
    assert client.get(f"/staff/cases/{case.reference}/").status_code == 403
    assert client.get("/staff/cases/").status_code == 403


def test_a_service_owner_can_read_but_not_decide(client, parking_permit, service_owner, signed_in):
    signed_in(service_owner)
    case = CaseFactory()
    assert client.get(f"/staff/cases/{case.reference}/").status_code == 200
    response = client.post(
        f"/staff/cases/{case.reference}/",
        {"transition": "approve", "version": case.version, "step": "confirm"},
    )
    assert response.status_code == 403
    assert Case.objects.get().status == "submitted"


def test_viewing_a_case_is_audited(client, parking_permit, caseworker, signed_in):
    signed_in(caseworker)
    case = CaseFactory()
    client.get(f"/staff/cases/{case.reference}/")
    assert (
        AuditEvent.objects.filter(
            action="case.personal_data_viewed", object_id=case.reference
        ).count()
        == 1
    )


def test_a_case_drawn_again_by_its_forms_is_one_view_and_opening_it_again_another(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    page = f"/staff/cases/{case.reference}/"
    client.get(page)
    # A form error and the decision's preview draw the answers again: the same look.
    assert client.post(page, {"version": case.version}).status_code == 400
    client.post(page, {"transition": "approve", "version": case.version})
    views = AuditEvent.objects.filter(action="case.personal_data_viewed", object_id=case.reference)
    assert views.count() == 1
    client.get(page)
    assert views.count() == 2
    # A form posted long after the last opening records a view of its own.
    session = client.session
    session[f"cases:viewed:{case.reference}"] -= 31 * 60
    session.save()
    client.post(page, {"version": case.version})
    assert views.count() == 3


def test_deciding_on_the_page_with_no_outcome_shows_an_error(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    response = client.post(f"/staff/cases/{case.reference}/", {"version": case.version})
    assert response.status_code == 400
    assert b"Select what to do with the case" in response.content
    assert b"govuk-error-summary" in response.content


def test_an_unknown_case_is_a_404(client, parking_permit, caseworker, signed_in):
    signed_in(caseworker)
    assert client.get("/staff/cases/AAA-AAA-AAA/").status_code == 404


def test_the_case_list_is_paginated_by_key_in_a_fixed_number_of_queries(
    client, parking_permit, caseworker, signed_in, django_assert_max_num_queries
):
    from civitas.cases.queries import PAGE_SIZE, list_cases

    ours = CaseFactory.create_batch(PAGE_SIZE + 5)
    CaseFactory.create_batch(3, organisation=OrganisationFactory(other_council=True))
    organisation_id = ours[0].organisation_id
    with django_assert_max_num_queries(1):
        first = list_cases(organisation_id=organisation_id)
    assert len(first.cases) == PAGE_SIZE
    second = list_cases(organisation_id=organisation_id, cursor=first.next_cursor)
    assert len(second.cases) == 5
    assert second.next_cursor is None
    assert not {c.id for c in first.cases} & {c.id for c in second.cases}
    signed_in(caseworker)
    assert client.get("/staff/cases/?status=submitted").status_code == 200
    assert client.get(f"/staff/cases/?after={first.next_cursor}").status_code == 200
    assert client.get("/staff/cases/?after=garbage").status_code == 200
