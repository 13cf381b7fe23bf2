"""A case's history reads as sentences naming who did what, in the page's language."""

import datetime

from django.utils import timezone, translation

from civitas.cases.replies import reply_as_applicant
from civitas.cases.services import submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.cases.timeline import case_timeline
from civitas.cases.transitions import apply_due_timers, make_transition
from civitas.platform.models import AuditEvent
from conftest import acting


def _sentences(case, workflow) -> list[str]:
    return [entry.sentence for entry in case_timeline(case.reference, workflow)]


def test_a_cases_history_says_who_did_what_in_order(parking_permit, caseworker, client, signed_in):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=None)
    signed_in(caseworker)
    client.get(f"/staff/cases/{case.reference}/")
    make_transition(
        reference=case.reference,
        transition_id="request_information",
        reason="Send your V5C",
        staff=acting(caseworker),
    )
    reply_as_applicant(reference=case.reference, text="Sent by post")
    make_transition(
        reference=case.reference, transition_id="approve", reason="", staff=acting(caseworker)
    )
    workflow = parking_permit.model.workflow

    assert _sentences(case, workflow) == [
        "The applicant sent the application online",
        "Caseworker opened the application",
        "Caseworker chose “Ask for more information”",
        "Caseworker asked the applicant for more information",
        "The applicant replied",
        "The case moved to “Submitted” when the applicant replied",
        "Caseworker decided: Approved",
    ]
    page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Caseworker asked the applicant for more information" in page
    assert "The case moved to “Submitted” when the applicant replied" in page


def test_a_timer_move_and_an_unknown_action_still_read_as_something(parking_permit, caseworker):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=None)
    make_transition(
        reference=case.reference,
        transition_id="request_information",
        reason="Send your V5C",
        staff=acting(caseworker),
    )
    apply_due_timers(now=timezone.now() + datetime.timedelta(days=15))
    AuditEvent.objects.create(
        occurred_at=timezone.now() + datetime.timedelta(days=16),
        action="case.reopened",
        object_type="case",
        object_id=case.reference,
        actor_type="staff",
        actor_id="999999",
    )
    sentences = _sentences(case, parking_permit.model.workflow)
    assert sentences[-2] == "The case moved to “Closed: no reply”: its time ran out"
    assert sentences[-1] == "A member of staff: case.reopened"


def test_the_history_is_in_welsh_on_a_welsh_page(parking_permit, caseworker):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=None)
    make_transition(
        reference=case.reference, transition_id="approve", reason="", staff=acting(caseworker)
    )
    with translation.override("cy"):
        sentences = _sentences(case, parking_permit.model.workflow)
    assert sentences == [
        "Anfonodd yr ymgeisydd y cais ar-lein",
        "Penderfynodd Caseworker: Wedi'i gymeradwyo",
    ]
