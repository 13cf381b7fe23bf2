"""Cases move through their service version's workflow: only the transitions allowed from
where they are, to the roles named, once each, however many try at once."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from civitas.cases.models import Case
from civitas.cases.services import DecisionInvalid
from civitas.cases.tests.factories import CaseFactory
from civitas.cases.transitions import (
    CaseChanged,
    apply_automatic_transition,
    apply_due_timers,
    decide_case,
    make_transition,
)
from civitas.cases.workflow import Outcome, TransitionNotAllowed
from civitas.catalogue.public import DEFAULT_WORKFLOW, get_service_version
from civitas.notify.models import Message
from civitas.platform.models import AuditEvent
from conftest import acting, make_staff


def _case_of(service, **extra) -> Case:
    return CaseFactory(
        organisation_id=service.organisation_id,
        service_slug=service.slug,
        service_version=service.version,
        **extra,
    )


def _ask_for_information(case: Case, caseworker) -> Case:
    return make_transition(
        reference=case.reference,
        transition_id="request_information",
        reason="Send a copy of your V5C",
        staff=acting(caseworker),
    )


def test_a_caseworker_asks_for_more_information_and_the_case_waits_with_a_timer(
    parking_permit, caseworker
):
    case = _case_of(parking_permit)
    before = timezone.now()
    moved = _ask_for_information(case, caseworker)
    assert moved.status == "more_information_requested"
    assert moved.version == case.version + 1
    assert moved.decision_reason == "Send a copy of your V5C"
    assert moved.decided_at is None
    # The workflow's timer: 14 calendar days from entering the state.
    assert before + datetime.timedelta(days=14) <= moved.timer_due_at
    assert moved.timer_due_at <= timezone.now() + datetime.timedelta(days=14)
    event = AuditEvent.objects.get(action="case.moved")
    assert event.actor_id == str(caseworker.pk)
    assert event.details["transition"] == "request_information"
    assert event.details["to"] == "more_information_requested"
    assert "V5C" not in str(event.details), "a reason may be personal: never in the audit"


def test_a_transition_not_allowed_from_the_current_state_changes_nothing(
    parking_permit, caseworker
):
    case = _ask_for_information(_case_of(parking_permit), caseworker)
    with pytest.raises(TransitionNotAllowed, match="cannot be done to a case that is more"):
        decide_case(
            reference=case.reference, outcome=Outcome.APPROVE, reason="", staff=acting(caseworker)
        )
    assert Case.objects.get().status == "more_information_requested"
    assert Message.objects.filter(template="approved").count() == 0


def test_a_role_the_transition_does_not_name_is_refused(parking_permit, service_owner):
    case = _case_of(parking_permit)
    with pytest.raises(TransitionNotAllowed, match="Only a caseworker or a team leader"):
        _ask_for_information(case, service_owner)
    assert Case.objects.get().version == case.version


def test_an_unknown_transition_is_refused(parking_permit, caseworker):
    case = _case_of(parking_permit)
    with pytest.raises(TransitionNotAllowed, match="no such action"):
        make_transition(
            reference=case.reference, transition_id="reopen", reason="", staff=acting(caseworker)
        )


def test_refusing_the_permit_needs_its_declared_confirmation(parking_permit, caseworker):
    case = _case_of(parking_permit)
    with pytest.raises(DecisionInvalid, match="Select the box to confirm: I have checked"):
        decide_case(
            reference=case.reference,
            outcome=Outcome.REFUSE,
            reason="Not registered here",
            staff=acting(caseworker),
        )
    assert Case.objects.get().status == "submitted"
    decide_case(
        reference=case.reference,
        outcome=Outcome.REFUSE,
        reason="Not registered here",
        staff=acting(caseworker),
        confirmed=True,
    )
    assert Case.objects.get().status == "refused"


def test_a_form_drawn_before_the_case_moved_is_refused_and_nothing_is_applied_twice(
    parking_permit, caseworker
):
    case = _case_of(parking_permit)
    drawn_for = case.version
    decide_case(
        reference=case.reference, outcome=Outcome.APPROVE, reason="", staff=acting(caseworker)
    )
    with pytest.raises(CaseChanged, match="This case changed while you were looking at it"):
        make_transition(
            reference=case.reference,
            transition_id="approve",
            reason="",
            staff=acting(caseworker),
            expected_version=drawn_for,
        )
    assert AuditEvent.objects.filter(action="case.decided").count() == 1
    assert Message.objects.filter(template="approved").count() == 1


def test_a_case_that_moved_away_and_back_still_refuses_the_old_form(parking_permit, caseworker):
    case = _case_of(parking_permit)
    drawn_for = case.version
    _ask_for_information(case, caseworker)
    make_transition(
        reference=case.reference,
        transition_id="information_received",
        reason="",
        staff=acting(caseworker),
    )
    assert Case.objects.get().status == "submitted"
    with pytest.raises(CaseChanged):
        make_transition(
            reference=case.reference,
            transition_id="approve",
            reason="",
            staff=acting(caseworker),
            expected_version=drawn_for,
        )


@pytest.mark.django_db(transaction=True)
def test_two_caseworkers_deciding_at_once_make_one_decision(parking_permit, caseworker):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs two connections writing")
    case = _case_of(parking_permit)
    staff = acting(caseworker)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(transition_id: str, reason: str) -> None:
        start.wait()
        try:
            make_transition(
                reference=case.reference,
                transition_id=transition_id,
                reason=reason,
                staff=staff,
                confirmed=True,
                expected_version=case.version,
            )
            outcomes.append(transition_id)
        except CaseChanged:
            outcomes.append("changed")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=decide, args=("approve", "")),
        threading.Thread(target=decide, args=("refuse", "Not in a zone")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) in (["approve", "changed"], ["changed", "refuse"])
    decided = Case.objects.get()
    assert decided.version == case.version + 1
    assert decided.status == ("approved" if "approve" in outcomes else "refused")
    assert AuditEvent.objects.filter(action="case.decided").count() == 1
    # One decision email (an approval also schedules its expiry reminders, once).
    assert Message.objects.filter(template__in=["approved", "refused"]).count() == 1
    assert Message.objects.filter(template="permit-expiring").count() in (0, 2)


def test_the_timer_closes_a_case_left_waiting_once_its_days_have_passed(parking_permit, caseworker):
    case = _ask_for_information(_case_of(parking_permit), caseworker)
    entered = case.status_since
    assert apply_due_timers(now=entered + datetime.timedelta(days=13, hours=23)) == 0
    assert apply_due_timers(now=entered + datetime.timedelta(days=14, minutes=1)) == 1
    closed = Case.objects.get()
    assert closed.status == "closed_no_reply"
    assert closed.timer_due_at is None
    event = AuditEvent.objects.get(action="case.moved", details__trigger="timer")
    assert (event.actor_type, event.details["transition"]) == ("system", "close_without_reply")
    # At least once is safe: a second run, or a second worker, finds nothing to do.
    assert apply_due_timers(now=entered + datetime.timedelta(days=15)) == 0
    assert AuditEvent.objects.filter(details__trigger="timer").count() == 1


def test_two_workers_running_the_timer_on_the_same_snapshot_move_the_case_once(
    parking_permit, caseworker
):
    from civitas.cases.transitions import _apply_timer

    case = _ask_for_information(_case_of(parking_permit), caseworker)
    later = case.status_since + datetime.timedelta(days=15)
    first, second = Case.objects.get(), Case.objects.get()
    assert _apply_timer(first, later) is True
    assert _apply_timer(second, later) is False
    assert AuditEvent.objects.filter(details__trigger="timer").count() == 1


def test_a_case_answered_before_its_timer_is_not_closed(parking_permit, caseworker):
    case = _ask_for_information(_case_of(parking_permit), caseworker)
    assert apply_automatic_transition(case.reference, "citizen_replied") is True
    replied = Case.objects.get()
    assert (replied.status, replied.timer_due_at) == ("submitted", None)
    assert apply_due_timers(now=case.status_since + datetime.timedelta(days=30)) == 0
    # The event again, or one the state does not wait for, changes nothing.
    assert apply_automatic_transition(case.reference, "citizen_replied") is False
    assert apply_automatic_transition(case.reference, "payment_received") is False
    assert Case.objects.get().version == replied.version
    with pytest.raises(ValueError, match="unknown workflow event"):
        apply_automatic_transition(case.reference, "case_deleted")


def test_a_service_that_declares_no_workflow_keeps_the_default(other_council_permit):
    service = get_service_version(
        other_council_permit.organisation_id,
        other_council_permit.slug,
        other_council_permit.version,
    )
    assert service.model.workflow is DEFAULT_WORKFLOW
    user = make_staff("worker@sample-district.gov.uk", "caseworker", "sample-district")
    worker = acting(user, "sample-district")
    case = _case_of(other_council_permit)
    with pytest.raises(DecisionInvalid, match="Enter the reason"):
        decide_case(reference=case.reference, outcome=Outcome.REFUSE, reason="", staff=worker)
    decided = decide_case(
        reference=case.reference,
        outcome=Outcome.REFUSE,
        reason="Outside the district",
        staff=worker,
    )
    assert decided.status == "refused"
    assert Message.objects.filter(template="refused").count() == 1
