"""What cases put in the public transparency log, and what they refuse when it is broken."""

import hashlib
import json

import pytest
from django.db import connection
from django.utils import timezone

from civitas.cases.models import Case
from civitas.cases.public import submit_application
from civitas.cases.services import (
    DecisionNotLogged,
    case_subject,
)
from civitas.cases.tests.factories import ANSWERS, CaseFactory
from civitas.cases.transitions import decide_case
from civitas.cases.workflow import Outcome
from civitas.journeys.tests.test_api import valid_answers
from civitas.journeys.tests.test_pages import complete_questions
from civitas.ledger.models import Entry, Node
from civitas.ledger.public import LedgerUnavailable, text_hmac_sha256
from civitas.ledger.services import find_broken_reason, integrate_pending
from civitas.notify.models import Message
from conftest import acting, run_queued_jobs

pytestmark = pytest.mark.django_db


def logged(kind: str) -> list[dict]:
    return [
        json.loads(bytes(data))
        for data in Entry.objects.filter(kind=kind)
        .order_by("index")
        .values_list("leaf_data", flat=True)
    ]


def break_the_log() -> None:
    """What an intruder editing the tree's rows directly does; the worker then notices."""
    integrate_pending()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_node SET hash = %s", [b"\x00" * 32])
    integrate_pending()
    assert find_broken_reason()


def test_a_submission_is_logged_and_its_email_carries_the_entry(parking_permit, payments):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=13000)
    # An application that waits for its fee is not one yet: it is logged once paid.
    assert logged("case.submitted") == []
    payments.pay(case.reference)
    # Appended by the worker from the confirmation's outbox row, just before it is sent.
    assert logged("case.submitted") == []
    run_queued_jobs()
    [entry] = logged("case.submitted")
    assert entry["subject"] == case_subject(case.reference)
    assert entry["payload"] == {"service": "resident-parking-permit@1", "channel": "online"}
    assert case.reference not in json.dumps(entry)
    message = Message.objects.get(template="submitted")
    assert f"http://127.0.0.1:8000/ledger/entries/{entry['index']}/" in message.body_text
    assert message.late_fields is None
    assert message.personalisation["ledger_index"] == str(entry["index"])


def test_a_submission_without_an_address_is_logged_at_once(parking_permit):
    # Nobody to send a confirmation to: nothing for the worker to append the entry from.
    answers = {key: value for key, value in ANSWERS.items() if key != "email"}
    case = submit_application(service=parking_permit, answers=answers, fee_pence=None)
    [entry] = logged("case.submitted")
    assert entry["subject"] == case_subject(case.reference)
    assert not Message.objects.filter(template="submitted").exists()


def test_each_confirmation_is_logged_once_however_often_its_batch_is_sent(parking_permit):
    from civitas.notify.dispatch import claim_batch
    from civitas.notify.late_fields import fill_late_fields

    cases = [
        submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=None)
        for _ in range(3)
    ]
    claimed = claim_batch("email")
    fill_late_fields(claimed)
    # The worker died after appending, before handing the emails over: their lease runs
    # out, and the next worker sends them without appending again.
    Message.objects.update(retry_at=timezone.now())
    again = fill_late_fields(claim_batch("email"))
    assert len(again) == 3
    entries = logged("case.submitted")
    assert sorted(entry["subject"] for entry in entries) == sorted(
        case_subject(case.reference) for case in cases
    )
    # One batch: consecutive numbers, each in its own applicant's email.
    for message in again:
        [entry] = [e for e in entries if e["subject"] == case_subject(message.about)]
        assert f"/ledger/entries/{entry['index']}/" in message.body_text


def test_a_decision_is_logged_with_a_hash_of_the_reason_never_the_reason(
    parking_permit, caseworker
):
    case = CaseFactory()
    reason = "The vehicle is not registered at this address"
    decide_case(
        reference=case.reference,
        outcome=Outcome.REFUSE,
        confirmed=True,
        reason=reason,
        staff=acting(caseworker),
    )
    [entry] = logged("case.decided")
    assert entry["subject"] == case_subject(case.reference)
    assert (entry["organisation"], entry["role"]) == ("example-borough", "caseworker")
    assert entry["payload"]["outcome"] == "refuse"
    assert entry["payload"]["status"] == "refused"
    assert entry["payload"]["service"] == "resident-parking-permit@1"
    assert entry["payload"]["decided_by"].startswith("hmac-sha256:")
    assert "registered" not in json.dumps(entry)
    assert caseworker.email not in json.dumps(entry)
    message = Message.objects.get(template="refused")
    assert f"/ledger/entries/{entry['index']}/" in message.body_text
    # A link, which carries the log's signed promise for the entry to its page.
    assert f"/ledger/entries/{entry['index']}/?promise=" in message.body_html


def test_a_logged_reason_cannot_be_confirmed_by_hashing_a_guess(parking_permit, caseworker):
    case = CaseFactory()
    reason = "The vehicle is not registered at this address"
    decide_case(
        reference=case.reference,
        outcome=Outcome.REFUSE,
        confirmed=True,
        reason=reason,
        staff=acting(caseworker),
    )
    [entry] = logged("case.decided")
    fingerprint = entry["payload"]["reason_hmac_sha256"]
    assert "reason_sha256" not in entry["payload"]
    # A right guess, hashed as anyone could, matches nothing in the public entry.
    assert hashlib.sha256(reason.encode()).hexdigest() not in json.dumps(entry)
    # The applicant's email carries the one-off key that checks the reason they were given.
    body = Message.objects.get(idempotency_key=f"case:{case.reference}:refused").body_text
    key = body.split("use this key: ")[1].split()[0]
    assert text_hmac_sha256(reason, key) == fingerprint
    assert text_hmac_sha256("Some other reason", key) != fingerprint


def test_each_decision_gets_its_own_reason_key(parking_permit, caseworker):
    for case in CaseFactory.create_batch(2):
        decide_case(
            reference=case.reference,
            outcome=Outcome.REFUSE,
            confirmed=True,
            reason="Not in a zone",
            staff=acting(caseworker),
        )
    fingerprints = {entry["payload"]["reason_hmac_sha256"] for entry in logged("case.decided")}
    assert len(fingerprints) == 2


def test_a_decision_is_refused_and_nothing_changes_when_the_log_is_broken(
    parking_permit, caseworker
):
    case = CaseFactory()
    break_the_log()
    with pytest.raises(DecisionNotLogged, match="The decision was not saved"):
        decide_case(
            reference=case.reference, outcome=Outcome.APPROVE, reason="", staff=acting(caseworker)
        )
    case.refresh_from_db()
    assert case.status == "submitted"
    assert case.decided_by is None
    assert not Message.objects.filter(template="approved").exists()


def test_a_submission_is_refused_when_the_log_is_broken(parking_permit):
    break_the_log()
    with pytest.raises(LedgerUnavailable):
        # Without a fee the application is logged as it is made.
        submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=None)
    assert Case.objects.count() == 0


def test_a_resident_is_told_nothing_was_saved_when_the_log_is_broken(
    client, parking_permit, payments
):
    complete_questions(client)  # every answer given through the pages, as a resident would
    break_the_log()
    response = client.post(
        "/services/example-borough/resident-parking-permit/declaration/",
        {"version": "1", "confirm": "yes"},
    )
    assert response.status_code == 503
    assert "Nothing has been saved" in response.content.decode()
    assert Case.objects.count() == 0


def test_the_api_says_a_submission_was_not_saved_when_the_log_is_broken(
    client, parking_permit, api_headers, payments
):
    break_the_log()
    answers = valid_answers()  # what the journeys' API tests submit successfully
    response = client.post(
        "/api/v1/services/example-borough/resident-parking-permit/applications",
        json.dumps({"version": 1, "declaration": True, "answers": answers}),
        content_type="application/json",
        headers=api_headers,
    )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Transparency log unavailable"
    assert "Nothing was saved" in response.json()["detail"]
    assert Case.objects.count() == 0


def test_opening_a_case_is_logged_each_time_and_the_page_lists_the_entries(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    client.get(f"/staff/cases/{case.reference}/")
    response = client.get(f"/staff/cases/{case.reference}/")
    views = logged("personal_data.viewed")
    assert len(views) == 2
    assert {view["subject"] for view in views} == {case_subject(case.reference)}
    assert views[0]["payload"]["viewed_by"].startswith("hmac-sha256:")
    page = response.content.decode()
    for view in views:
        assert f'href="/ledger/entries/{view["index"]}/"' in page
    assert "Staff opened an application&#39;s answers" in page


def test_the_answers_stay_hidden_when_opening_them_cannot_be_logged(
    client, parking_permit, caseworker, signed_in
):
    signed_in(caseworker)
    case = CaseFactory()
    break_the_log()
    response = client.get(f"/staff/cases/{case.reference}/")
    assert response.status_code == 503
    page = response.content.decode()
    assert "The answers are hidden" in page
    assert "12 Station Road" not in page
    assert "What to do next" not in page
    response = client.post(
        f"/staff/cases/{case.reference}/",
        {"transition": "approve", "version": case.version, "step": "confirm"},
    )
    assert "The decision was not saved" in response.content.decode()
    assert Case.objects.get().status == "submitted"


def test_a_payment_made_while_the_log_is_broken_is_taken_and_confirmed_once_it_is_mended(
    client, parking_permit, payments, smtp_inbox
):
    from civitas.ledger.services import clear_broken
    from civitas.pay.models import Payment
    from tests.pay_sandbox import pay_without_browser

    complete_questions(client)
    sent = client.post(
        "/services/example-borough/resident-parking-permit/check-answers/",
        {"version": "1", "confirm": "yes"},
    )
    reference = client.session["submitted:example-borough/resident-parking-permit"]
    answer = pay_without_browser(sent.headers["Location"])
    integrate_pending()
    kept = list(Node.objects.values_list("id", "hash"))
    break_the_log()
    back = client.get(answer.headers["Location"].replace("http://testserver", ""))
    # The money is taken and the case goes on: never "nothing was saved".
    assert back.status_code == 302
    assert back.headers["Location"].endswith(f"/confirmation/{reference}/")
    assert Payment.objects.get().status == "success"
    assert Case.objects.get(reference=reference).status != "awaiting_payment"
    # Its confirmation waits for its log entry, which waits for the log.
    run_queued_jobs()
    message = Message.objects.get(template="submitted")
    assert message.late_fields is not None
    assert message.sent_at is None
    assert message.attempts == 0  # waiting for the log is not a failed delivery
    assert logged("case.submitted") == []

    # Restored from a backup, then what `civitas ledger check --full --clear-broken` does.
    for node_id, digest in kept:
        Node.objects.filter(id=node_id).update(hash=digest)
    clear_broken()
    Message.objects.update(retry_at=timezone.now())
    run_queued_jobs()
    [entry] = logged("case.submitted")
    assert entry["subject"] == case_subject(reference)
    [email] = [
        email
        for email in smtp_inbox.wait_for(2)
        if email["Subject"].startswith("We have received your parking permit application")
    ]
    assert f"/ledger/entries/{entry['index']}/" in email.as_string()
