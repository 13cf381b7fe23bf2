"""An API client that prefers it (`Prefer: respond-async`) is answered 202 Accepted as
soon as its application is checked and kept; a job makes the case under the reference it
was given, at least once and never twice (docs/decisions/0037)."""

import datetime
import json

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civitas.cases.models import Case
from civitas.journeys.models import AcceptedApplication
from civitas.journeys.submission import (
    record_accepted_application,
    record_waiting_accepted_applications,
)
from civitas.journeys.tests.test_api import URL, valid_answers
from civitas.journeys.tests.test_api_uploads import URL as UPLOADS_URL
from civitas.journeys.tests.test_api_uploads import application, send
from civitas.notify.models import Message
from civitas.platform.references import is_accepted_reference, normalise_reference
from conftest import SERVICES, publish_example, run_queued_jobs

ASYNC = {"Prefer": "respond-async"}


@pytest.fixture
def blue_badge(organisations):
    return publish_example(SERVICES / "blue-badge" / "service.yaml")


@pytest.fixture(autouse=True)
def no_recent_nudge(monkeypatch):
    """Each test begins as a web process that has not nudged the workers lately."""
    from civitas.journeys import submission

    monkeypatch.setattr(submission, "_nudged_at", 0.0)


def accept(client, headers, answers=None, extra=None):
    # The test's own transaction never commits: what the request runs after its commit
    # (the nudge that queues the job) is run once it answers, as it would be.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            URL,
            data=json.dumps(
                {"version": 1, "answers": answers or valid_answers(), "declaration": True}
            ),
            content_type="application/json",
            headers={**headers, **ASYNC, **(extra or {})},
        )


def status_of(client, reference, headers):
    return client.get(f"/api/v1/applications/{reference}", headers=headers)


def test_an_application_sent_preferring_async_is_accepted_with_its_reference_and_fee(
    client, parking_permit, api_headers
):
    response = accept(client, api_headers)
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "accepted"
    assert body["fee_pence"] == 7700
    assert body["fee_explanation"][-1] == "Fee to pay: £77."
    # The fee is paid online once the case is made, on the page the client is given now.
    assert body["payment"]["amount_due_pence"] == 7700
    assert body["payment"]["status"] == "waiting-for-payment"
    assert f"/pay/{body['reference']}/" in body["payment"]["pay_url"]
    assert response["Location"] == f"/api/v1/applications/{body['reference']}"
    assert response["Preference-Applied"] == "respond-async"
    assert normalise_reference(body["reference"]) == body["reference"]
    assert is_accepted_reference(body["reference"])
    # Kept, not yet a case: nothing a caseworker sees, no email.
    assert not Case.objects.exists()
    assert not Message.objects.exists()


def test_the_job_makes_the_case_the_client_was_told_of(
    client, parking_permit, api_headers, payments
):
    body = accept(client, api_headers).json()
    run_queued_jobs()
    case = Case.objects.get(reference=body["reference"])
    assert case.channel == "api"
    assert case.answers["zone"] == "A"  # derived when accepted, kept as checked
    assert case.fee_pence == body["fee_pence"]
    assert case.fee_decision["explanation"] == body["fee_explanation"]
    # It waits for its fee, paid on the page the client was given; confirmed once paid.
    assert case.status == "awaiting_payment"
    assert not Message.objects.filter(about=case.reference).exists()
    payments.pay(case.reference)
    assert Message.objects.filter(about=case.reference, template="submitted").count() == 1
    row = AcceptedApplication.objects.get(reference=body["reference"])
    assert row.recorded_at is not None
    assert row.answers is None  # the case holds them now


def test_the_case_counts_from_when_the_application_was_accepted(
    client, parking_permit, api_headers
):
    body = accept(client, api_headers).json()
    accepted_at = timezone.now() - datetime.timedelta(minutes=5)
    AcceptedApplication.objects.filter(reference=body["reference"]).update(accepted_at=accepted_at)
    run_queued_jobs()
    case = Case.objects.get(reference=body["reference"])
    assert case.submitted_at == accepted_at
    assert case.status_since == accepted_at


def test_the_status_says_accepted_until_the_case_is_made_then_where_it_stands(
    client, parking_permit, api_headers, api_key, payments
):
    reference = accept(client, api_headers).json()["reference"]
    reader = api_key(scopes=["read"])
    waiting = status_of(client, reference.lower().replace("-", ""), reader)
    assert waiting.status_code == 200, waiting.content
    assert waiting.json()["status"] == "accepted"
    assert waiting.json()["service"] == "resident-parking-permit"
    assert waiting.json()["status_label"]["en"] == "Accepted, being recorded"
    run_queued_jobs()
    made = status_of(client, reference, reader)
    assert made.json()["status"] == "awaiting_payment"
    payments.pay(reference)
    assert status_of(client, reference, reader).json()["status"] == "submitted"


def test_another_organisations_accepted_application_is_not_found(
    client, parking_permit, api_headers, api_key
):
    reference = accept(client, api_headers).json()["reference"]
    response = status_of(client, reference, api_key("sample-district", ["read"]))
    assert response.status_code == 404
    response = status_of(client, reference, api_key(scopes=["read:blue-badge"]))
    assert response.status_code == 404


def test_the_job_run_twice_makes_one_case(client, parking_permit, api_headers, payments):
    reference = accept(client, api_headers).json()["reference"]
    assert record_accepted_application(reference) is True
    assert record_accepted_application(reference) is False
    assert Case.objects.filter(reference=reference).count() == 1
    payments.pay(reference)
    assert Message.objects.filter(about=reference, template="submitted").count() == 1


def test_an_application_whose_job_was_lost_is_recorded_by_the_sweep(
    client, parking_permit, api_headers, settings
):
    from django_tasks_db.models import DBTaskResult

    reference = accept(client, api_headers).json()["reference"]
    DBTaskResult.objects.all().delete()  # the queue lost the job
    settings.ACCEPTED_APPLICATION_SWEEP_SECONDS = 0
    assert record_waiting_accepted_applications() == 1
    assert Case.objects.filter(reference=reference).exists()
    assert record_waiting_accepted_applications() == 0


def test_the_sweep_leaves_an_application_its_job_may_still_take(
    client, parking_permit, api_headers
):
    accept(client, api_headers)
    assert record_waiting_accepted_applications() == 0
    assert not Case.objects.exists()


def test_a_failing_recording_keeps_the_application_for_a_later_try(
    client, parking_permit, api_headers, monkeypatch
):
    from civitas.journeys import submission

    reference = accept(client, api_headers).json()["reference"]

    def database_gone(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(submission, "submit_application", database_gone)
    with pytest.raises(RuntimeError):
        record_accepted_application(reference)
    row = AcceptedApplication.objects.get(reference=reference)
    assert row.recorded_at is None
    assert row.answers is not None
    monkeypatch.undo()
    assert record_accepted_application(reference) is True
    assert Case.objects.filter(reference=reference).exists()


def test_an_application_whose_reference_a_case_already_has_is_held_not_lost(
    client, parking_permit, api_headers, caplog
):
    reference = accept(client, api_headers).json()["reference"]
    run_queued_jobs()
    # A second row under the same reference, as a case made before references were split
    # in two halves could have it.
    AcceptedApplication.objects.filter(reference=reference).update(
        reference="XXX-XXX-XXX", recorded_at=None
    )
    other = AcceptedApplication.objects.get(reference="XXX-XXX-XXX")
    Case.objects.filter(reference=reference).update(reference="XXX-XXX-XXX")
    other.answers = {"answers": valid_answers(), "fee_pence": 7700}
    other.save()
    assert record_accepted_application("XXX-XXX-XXX") is False
    other.refresh_from_db()
    assert other.held_reason == "its reference is taken by another case"
    assert other.answers is not None  # kept for an operator
    assert "XXX-XXX-XXX" in caplog.text


def test_invalid_answers_are_refused_at_once_and_nothing_is_kept(
    client, parking_permit, api_headers
):
    response = accept(client, api_headers, {**valid_answers(), "email": "not an address"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/answers/email"
    assert not AcceptedApplication.objects.exists()


def test_a_file_id_in_the_answers_is_refused_when_accepted_as_when_submitted(
    client, blue_badge, api_headers
):
    body = application(photo="Zc1mJkI1Lx2m3PpJ8bTd7WqYv0aB_-9Q")
    response = client.post(
        UPLOADS_URL,
        data=json.dumps(body),
        content_type="application/json",
        headers={**api_headers, **ASYNC},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["pointer"] == "#/answers/photo"
    assert not AcceptedApplication.objects.exists()


def test_an_application_with_files_is_made_a_case_at_once_whatever_it_prefers(
    client, blue_badge, api_headers
):
    # The files are checked and sealed with the case in the request; keeping them for a
    # job too would hold them twice.
    response = send(client, api_headers, HTTP_PREFER="respond-async")
    assert response.status_code == 201, response.content
    assert "Preference-Applied" not in response
    assert Case.objects.filter(reference=response.json()["reference"]).exists()


def test_a_retry_with_its_idempotency_key_gets_the_same_202(client, parking_permit, api_headers):
    first = accept(client, api_headers, extra={"Idempotency-Key": "one"})
    again = accept(client, api_headers, extra={"Idempotency-Key": "one"})
    assert again.status_code == 202
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["reference"] == first.json()["reference"]
    assert AcceptedApplication.objects.count() == 1


@pytest.mark.parametrize(
    "prefer",
    [
        "respond-async",
        "RESPOND-ASYNC",
        "wait=5, respond-async",
        "respond-async; x=1",
        "handling=lenient,respond-async",
    ],
)
def test_the_preference_is_read_as_rfc_7240_writes_it(client, parking_permit, api_headers, prefer):
    response = client.post(
        URL,
        data=json.dumps({"version": 1, "answers": valid_answers(), "declaration": True}),
        content_type="application/json",
        headers={**api_headers, "Prefer": prefer},
    )
    assert response.status_code == 202


@pytest.mark.parametrize("prefer", ["", "respond-asynchronously", "return=minimal", "wait=1"])
def test_without_the_preference_the_case_is_made_at_once(
    client, parking_permit, api_headers, prefer
):
    response = client.post(
        URL,
        data=json.dumps({"version": 1, "answers": valid_answers(), "declaration": True}),
        content_type="application/json",
        headers={**api_headers, "Prefer": prefer},
    )
    assert response.status_code == 201
    assert Case.objects.filter(reference=response.json()["reference"]).exists()


@pytest.mark.django_db(transaction=True)
def test_accepting_an_application_is_one_insert_and_at_most_one_job(
    client, parking_permit, api_headers
):
    from django_tasks_db.models import DBTaskResult

    assert accept(client, api_headers).status_code == 202  # the key is looked up once
    assert DBTaskResult.objects.count() == 1  # the nudge: a job that records what waits
    with CaptureQueriesContext(connection) as queries:
        assert accept(client, api_headers).status_code == 202
    statements = [query["sql"] for query in queries.captured_queries]
    # The application alone: no BEGIN, no COMMIT, no job of its own (the job queued
    # within NUDGE_SECONDS takes it, or the sweep), and no count against the key's rate
    # (the first call took a lease of it, decision 0067).
    assert len(statements) == 1, "\n".join(statements)
    assert statements[0].startswith("INSERT")
    assert "journeys_acceptedapplication" in statements[0]
    assert DBTaskResult.objects.count() == 1
    run_queued_jobs()
    assert Case.objects.count() == 2


@pytest.fixture
def redis_nudges(settings, monkeypatch):
    """Civitas as with Redis, the nudges it would put on the queue recorded instead: the
    statements and the nudges are what these tests count."""
    from civitas.journeys import tasks

    nudges = []

    class RedisQueue:
        enqueue = staticmethod(lambda: nudges.append(timezone.now()))

    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setattr(tasks, "record_waiting_applications_task", RedisQueue)
    return nudges


@pytest.mark.django_db(transaction=True)
def test_with_redis_accepting_is_one_statement_and_at_most_one_nudge(
    client, parking_permit, api_headers, redis_nudges, monkeypatch
):
    from civitas.journeys import submission

    assert accept(client, api_headers).status_code == 202
    monkeypatch.setattr(submission, "_nudged_at", 0.0)
    with CaptureQueriesContext(connection) as queries:
        accept(client, api_headers)
    statements = [query["sql"] for query in queries.captured_queries]
    application = [sql for sql in statements if "journeys_acceptedapplication" in sql]
    assert len(application) == 1
    assert application[0].startswith("INSERT")
    assert not any(sql.startswith(("BEGIN", "SAVEPOINT", "COMMIT")) for sql in statements)
    assert len(redis_nudges) == 2


@pytest.mark.django_db(transaction=True)
def test_with_redis_applications_close_together_share_one_nudge(
    client, parking_permit, api_headers, redis_nudges
):
    for _ in range(3):
        assert accept(client, api_headers).status_code == 202
    assert len(redis_nudges) == 1  # within NUDGE_SECONDS of each other
    # The job the nudge runs records all three.
    from civitas.journeys.tasks import DRAIN_SECONDS

    made = record_waiting_accepted_applications(waited_seconds=0, budget_seconds=DRAIN_SECONDS)
    assert made == 3
    assert Case.objects.count() == 3


def test_draining_stops_when_nothing_is_left_or_its_time_is_spent(
    client, parking_permit, api_headers
):
    for _ in range(2):
        accept(client, api_headers)
    AcceptedApplication.objects.update(accepted_at=timezone.now() - datetime.timedelta(hours=1))
    assert record_waiting_accepted_applications(waited_seconds=0, budget_seconds=0) == 2
    assert record_waiting_accepted_applications(waited_seconds=0, budget_seconds=60) == 0


def test_healthz_says_delayed_when_an_accepted_application_waits_too_long(
    client, parking_permit, api_headers
):
    from civitas.journeys.submission import check_accepted_applications

    reference = accept(client, api_headers).json()["reference"]
    assert check_accepted_applications().status == "ok"
    AcceptedApplication.objects.filter(reference=reference).update(
        accepted_at=timezone.now() - datetime.timedelta(minutes=10)
    )
    result = check_accepted_applications()
    assert result.status == "delayed"
    assert result.details["oldest_waiting_seconds"] >= 600
    response = client.get("/healthz")
    assert response.json()["accepted_applications"]["status"] == "delayed"


def test_healthz_says_held_while_an_application_waits_for_an_operator(
    client, parking_permit, api_headers
):
    from civitas.journeys.submission import check_accepted_applications

    reference = accept(client, api_headers).json()["reference"]
    AcceptedApplication.objects.filter(reference=reference).update(held_reason="test")
    assert check_accepted_applications().status == "held"
