"""The counts of a service's cases that the performance figures read: submitted by
channel, decided with their times and service level, and the backlog by state."""

import datetime

from django.db import connection
from django.utils import timezone

from civitas.cases.models import Case
from civitas.cases.performance import backlog_by_state, backlog_query, case_counts
from civitas.cases.tests.factories import CaseFactory
from civitas.cases.transitions import decide_case
from civitas.cases.workflow import Outcome, ServiceLevel, decision_timing
from conftest import acting

NOW = datetime.datetime(2026, 11, 20, 12, tzinfo=datetime.UTC)
DAY = datetime.timedelta(days=1)


def test_a_decision_before_its_due_time_is_within_the_service_level():
    timing = decision_timing(
        submitted_at=NOW - 3 * DAY, clock=ServiceLevel(due_at=NOW + DAY), now=NOW
    )
    assert timing == {"decision_seconds": 3 * 86400, "decided_within_service_level": True}


def test_a_decision_after_its_due_time_is_not():
    timing = decision_timing(
        submitted_at=NOW - 9 * DAY, clock=ServiceLevel(due_at=NOW - DAY), now=NOW
    )
    assert timing["decided_within_service_level"] is False


def test_a_decision_while_the_clock_is_stopped_is_within_if_time_was_left():
    left = decision_timing(submitted_at=NOW - DAY, clock=ServiceLevel(left_seconds=60), now=NOW)
    none_left = decision_timing(submitted_at=NOW - DAY, clock=ServiceLevel(left_seconds=0), now=NOW)
    assert (left["decided_within_service_level"], none_left["decided_within_service_level"]) == (
        True,
        False,
    )


def test_a_service_without_a_level_has_no_answer_to_it():
    assert (
        decision_timing(submitted_at=NOW, clock=ServiceLevel(), now=NOW)[
            "decided_within_service_level"
        ]
        is None
    )


def test_a_caseworkers_decision_keeps_its_time_and_service_level(parking_permit, caseworker):
    submitted = timezone.now() - datetime.timedelta(hours=5)
    case = CaseFactory(
        organisation_id=parking_permit.organisation_id,
        service_version=parking_permit.version,
        submitted_at=submitted,
        due_at=timezone.now() + DAY,
    )
    decide_case(
        reference=case.reference, outcome=Outcome.APPROVE, reason="", staff=acting(caseworker)
    )

    case = Case.objects.get()
    assert 5 * 3600 <= case.decision_seconds < 5 * 3600 + 60
    assert case.decided_within_service_level is True


def test_counts_of_cases_by_channel_decision_hour_and_state(parking_permit):
    organisation = parking_permit.organisation_id
    for channel in ("online", "online", "assisted"):
        CaseFactory(organisation_id=organisation, channel=channel, submitted_at=NOW - 2 * DAY)
    for hours, within in ((2, True), (2, False), (30, True)):
        CaseFactory(
            organisation_id=organisation,
            submitted_at=NOW - 40 * DAY,
            status="approved",
            status_kind="closed-approved",
            decided_at=NOW - DAY,
            decision_seconds=hours * 3600 + 10,
            decided_within_service_level=within,
        )
    CaseFactory(organisation_id=organisation, submitted_at=NOW - 90 * DAY)  # long before

    counts = case_counts(
        service_slug="resident-parking-permit",
        start=NOW - 30 * DAY,
        end=NOW,
        organisation_ids=(organisation,),
    )

    assert counts.submitted_by_channel == {"online": 2, "assisted": 1}
    assert (counts.decided, counts.decided_within_service_level) == (3, 2)
    assert counts.decision_hours == {2: 2, 30: 1}
    assert counts.decided_by_day == {(NOW - DAY).date(): 3}
    assert sum(counts.submitted_by_day.values()) == 3
    assert backlog_by_state(
        service_slug="resident-parking-permit", organisation_ids=(organisation,)
    ) == {"submitted": 4}


def test_the_backlog_is_read_from_its_partial_index_not_from_every_case(parking_permit):
    """The backlog counts only the cases not closed: a few of a service's million. Its
    condition must reach the planner as the index's own, or every case is read."""
    organisation = parking_permit.organisation_id
    for _ in range(3):
        CaseFactory(organisation_id=organisation, status="approved", status_kind="closed-approved")
    CaseFactory(organisation_id=organisation)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        # Explained as it runs: with its parameters bound, not written into the text.
        plan = backlog_query("resident-parking-permit", (organisation,)).explain()
    counts = backlog_by_state(
        service_slug="resident-parking-permit", organisation_ids=(organisation,)
    )

    assert counts == {"submitted": 1}
    assert "case_figures_backlog" in plan
