"""Retention: a closed case's files, messages, personal data and payment record erased
when the service's periods are up, counted from its closing, each erasure in the audit
trail and the transparency log without anything it held. The job's clock is passed in."""

import datetime
import hashlib
import json
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from civitas.cases.files import FOLDER, SubmittedFile, store_case_files
from civitas.cases.models import Case, CaseFile, CaseSearchTerm
from civitas.cases.retention import apply_retention
from civitas.cases.services import submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.journeys.models import SavedJourney
from civitas.journeys.saving import delete_abandoned_journeys
from civitas.ledger.models import Entry
from civitas.notify.models import Message
from civitas.platform.files.store import new_file_token, sealed_file_path
from civitas.platform.models import AuditEvent

DAY = datetime.timedelta(days=1)


@pytest.fixture
def closed_case(parking_permit, payments, django_capture_on_commit_callbacks):
    """A permit application with a file, its fee paid and its sent confirmation email,
    approved and closed now. The permit keeps uploads 1 year, closed cases 2, payment
    records 7."""
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=10500)
    payments.pay(case.reference)
    case.refresh_from_db()
    store_case_files(
        case,
        [
            SubmittedFile(
                token=new_file_token(),
                answer_id="evidence",
                file_name="v5c.pdf",
                content_type="application/pdf",
                content=b"%PDF-1.4 vehicle log book",
            )
        ],
    )
    Message.objects.filter(about=case.reference).update(status="delivered")
    closed_at = timezone.now()
    case.status, case.status_kind, case.status_since = "approved", "closed-approved", closed_at
    case.decided_at, case.decision_reason = closed_at, "Approved"
    case.save()
    return Case.objects.get(pk=case.pk), closed_at


def _erasures(case: Case) -> list[dict]:
    return [
        event.details
        for event in AuditEvent.objects.filter(
            action="case.records_erased", object_id=case.reference
        ).order_by("occurred_at")
    ]


def _logged() -> list[dict]:
    return [
        json.loads(bytes(data))
        for data in Entry.objects.filter(kind="retention.applied")
        .order_by("index")
        .values_list("leaf_data", flat=True)
    ]


def _raw_answers(case: Case) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT answers FROM cases_case WHERE id = %s", [case.pk])
        return cursor.fetchone()[0]


def test_nothing_is_erased_before_its_time(closed_case, django_capture_on_commit_callbacks):
    case, closed_at = closed_case
    assert apply_retention(now=closed_at + 364 * DAY) == 0
    assert CaseFile.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).answers["email"] == "resident@example.com"
    assert _erasures(case) == []


def test_each_kind_goes_when_its_time_is_up_and_is_recorded_without_what_it_held(
    closed_case, django_capture_on_commit_callbacks
):
    case, closed_at = closed_case
    (case_file,) = CaseFile.objects.filter(case=case)
    path = sealed_file_path(FOLDER, case_file.token)
    assert path.exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert apply_retention(now=closed_at + 366 * DAY) == 1
    assert not CaseFile.objects.filter(case=case).exists()
    assert not path.exists()
    assert Case.objects.get(pk=case.pk).answers["email"] == "resident@example.com"
    assert _erasures(case) == [
        {
            "service": "resident-parking-permit",
            "records": "uploads",
            "action": "deleted",
            "count": 1,
            "kept_days": 365,
        }
    ]

    # Two years on: messages (their own period, as closed cases) and the personal data.
    apply_retention(now=closed_at + 731 * DAY)
    anonymised = Case.objects.get(pk=case.pk)
    assert anonymised.answers == {}
    assert anonymised.decision_reason is None
    assert anonymised.anonymised_at is not None
    assert anonymised.fee_pence == 10500  # the payment record stays
    assert "Station Road" not in _raw_answers(case)
    assert not CaseSearchTerm.objects.filter(case=case).exists()
    assert not Message.objects.filter(about=case.reference).exists()
    assert [(e["records"], e["action"]) for e in _erasures(case)] == [
        ("uploads", "deleted"),
        ("messages", "deleted"),
        ("closed_cases", "anonymised"),
    ]

    apply_retention(now=closed_at + (7 * 365 + 1) * DAY)
    erased = Case.objects.get(pk=case.pk)
    assert erased.fee_pence is None
    assert erased.payment_record_erased_at is not None
    assert erased.reference == case.reference  # what is not personal stays, for the counts
    assert erased.status == "approved"

    logged = _logged()
    assert [entry["payload"]["records"] for entry in logged] == [
        "uploads",
        "messages",
        "closed_cases",
        "payment_records",
    ]
    assert all(entry["role"] == "platform" for entry in logged)
    text = json.dumps(logged) + json.dumps(_erasures(case))
    for personal in ("resident@example.com", "Station Road", "EB1", "CU57ABC", "v5c"):
        assert personal not in text
    assert case.reference not in json.dumps(logged)  # the log names cases by keyed subject


def test_running_again_erases_nothing_more(closed_case, django_capture_on_commit_callbacks):
    case, closed_at = closed_case
    later = closed_at + 8 * 365 * DAY
    first = apply_retention(now=later)
    assert first > 0
    assert apply_retention(now=later) == 0
    assert len(_erasures(case)) == 4


def test_an_open_case_is_kept_however_old(parking_permit):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=10500)
    assert apply_retention(now=timezone.now() + 20 * 365 * DAY) == 0
    assert Case.objects.get(pk=case.pk).answers["zone"] == "A"


def test_a_case_of_a_service_that_keeps_longer_is_kept_longer(
    closed_case, organisations, django_capture_on_commit_callbacks
):
    from conftest import SERVICES, publish_example

    blue_badge = publish_example(SERVICES / "blue-badge" / "service.yaml")  # 3 years
    badge = submit_application(
        service=blue_badge, answers={"email": "holder@example.com"}, fee_pence=1000
    )
    _, closed_at = closed_case
    Case.objects.filter(pk=badge.pk).update(
        status="approved", status_kind="closed-approved", status_since=closed_at
    )
    apply_retention(now=closed_at + 731 * DAY)
    assert Case.objects.get(pk=badge.pk).anonymised_at is None
    assert Case.objects.get(reference=closed_case[0].reference).anonymised_at is not None
    apply_retention(now=closed_at + 1096 * DAY)
    assert Case.objects.get(pk=badge.pk).anonymised_at is not None


def test_answers_saved_and_never_sent_are_deleted_after_the_services_period(parking_permit):
    def saved(days_ago: int) -> SavedJourney:
        created = timezone.now() - days_ago * DAY
        return SavedJourney.objects.create(
            organisation_id=parking_permit.organisation_id,
            service_slug=parking_permit.slug,
            service_version=parking_permit.version,
            token_sha256=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
            answers={"email": "saver@example.com"},
            created_at=created,
            # A link that would still work: retention does not wait for it.
            expires_at=timezone.now() + 365 * DAY,
        )

    old, recent = saved(31), saved(29)
    assert delete_abandoned_journeys() == 1
    assert list(SavedJourney.objects.values_list("id", flat=True)) == [recent.id]
    (event,) = AuditEvent.objects.filter(action="journeys.abandoned_deleted")
    assert event.details == {"records": "abandoned_journeys", "count": 1, "kept_days": 30}
    (entry,) = _logged()
    assert entry["payload"]["count"] == 1
    assert entry["subject"] is None
    assert "saver" not in json.dumps(entry)
    assert old.id not in SavedJourney.objects.values_list("id", flat=True)


def test_each_organisation_s_service_keeps_its_own_periods(
    closed_case, other_council_permit, django_capture_on_commit_callbacks
):
    """Two councils run a service with the same slug: Example Borough keeps files a
    year, Sample District (which says nothing) as long as the case, two years."""
    ours, closed_at = closed_case
    theirs = submit_application(service=other_council_permit, answers=dict(ANSWERS), fee_pence=5000)
    store_case_files(
        theirs,
        [SubmittedFile(new_file_token(), "evidence", "v5c.pdf", "application/pdf", b"%PDF-1")],
    )
    theirs.status, theirs.status_kind, theirs.status_since = (
        "approved",
        "closed-approved",
        closed_at,
    )
    theirs.save()
    apply_retention(now=closed_at + 400 * DAY)
    assert not CaseFile.objects.filter(case=ours).exists()
    assert CaseFile.objects.filter(case=theirs).exists()


def test_a_case_closed_before_workflows_counts_from_its_decision(
    parking_permit, django_capture_on_commit_callbacks
):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=100)
    decided = timezone.now() - 3 * 365 * DAY
    case.status, case.status_kind, case.status_since = "approved", "closed-approved", None
    case.decided_at = decided
    case.save()
    apply_retention()
    assert Case.objects.get(pk=case.pk).anonymised_at is not None
