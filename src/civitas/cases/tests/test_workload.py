"""The work a service's cases make: submissions a week, and the time a decided case was
worked (first opened by staff to decided, less the time it waited for the citizen)."""

import datetime

from django.utils import timezone

from civitas.cases.tests.factories import CaseFactory
from civitas.cases.workload import CaseSpan, mean_worked_hours, worked_seconds
from civitas.platform.models import AuditEvent

T0 = timezone.make_aware(datetime.datetime(2026, 11, 2, 9, 0))


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


def test_a_case_worked_without_waiting_counts_from_opened_to_decided():
    assert worked_seconds(CaseSpan(T0, T0 + hours(5))) == 5 * 3600


def test_time_waiting_for_the_citizen_is_taken_off():
    span = CaseSpan(T0, T0 + hours(10), waits=((T0 + hours(2), T0 + hours(6)),))
    assert worked_seconds(span) == 6 * 3600


def test_only_the_part_of_a_wait_inside_the_span_is_taken_off():
    # Waited for payment before anyone opened it, and was decided while still waiting.
    span = CaseSpan(
        T0,
        T0 + hours(10),
        waits=((T0 - hours(30), T0 + hours(1)), (T0 + hours(8), T0 + hours(20))),
    )
    assert worked_seconds(span) == 7 * 3600


def test_overlapping_waits_are_taken_off_once():
    span = CaseSpan(
        T0, T0 + hours(10), waits=((T0 + hours(1), T0 + hours(5)), (T0 + hours(3), T0 + hours(6)))
    )
    assert worked_seconds(span) == 5 * 3600


def test_a_case_decided_before_it_was_opened_counts_nothing():
    assert worked_seconds(CaseSpan(T0, T0 - hours(1))) == 0


def _event(reference, action, when, **details):
    AuditEvent.objects.create(
        occurred_at=when,
        action=action,
        object_type="case",
        object_id=reference,
        actor_type="staff",
        details=details,
    )


def test_the_mean_worked_hours_come_from_the_case_history(parking_permit):
    organisation_id = parking_permit.organisation_id
    # Opened at T0, asked for more information 2 hours in, the reply came 20 hours
    # later, decided 3 hours after that: 5 hours worked.
    first = CaseFactory(
        organisation_id=organisation_id, status="approved", decided_at=T0 + hours(25)
    )
    _event(first.reference, "case.personal_data_viewed", T0)
    _event(first.reference, "case.personal_data_viewed", T0 + hours(1))  # opened again
    _event(
        first.reference,
        "case.moved",
        T0 + hours(2),
        **{"from": "submitted", "to": "more_information_requested"},
    )
    _event(
        first.reference,
        "case.moved",
        T0 + hours(22),
        **{"from": "more_information_requested", "to": "submitted"},
    )
    # Opened and decided an hour later.
    second = CaseFactory(
        organisation_id=organisation_id, status="refused", decided_at=T0 + hours(1)
    )
    _event(second.reference, "case.personal_data_viewed", T0)
    # Decided without anyone opening it: no time to count.
    CaseFactory(organisation_id=organisation_id, status="approved", decided_at=T0)
    # Open still.
    CaseFactory(organisation_id=organisation_id)
    assert mean_worked_hours(service_slug="resident-parking-permit") == 3.0
    assert mean_worked_hours(service_slug="no-such-service") is None
    assert (
        mean_worked_hours(
            service_slug="resident-parking-permit", organisation_id=organisation_id + 1
        )
        is None
    )
