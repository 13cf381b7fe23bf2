"""The confirmation email carries the transparency log's signed promise for the entry that
records the application: as text the applicant can keep and check, and in the link to
the entry's page, which checks it. Sent over real SMTP."""

import re

import pytest

from civitas.cases.public import submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.ledger.keys import log_keys
from civitas.ledger.models import Entry
from civitas.ledger.promise import decode_promise, verify_promise
from civitas.ledger.services import integrate_pending
from conftest import run_queued_jobs

pytestmark = pytest.mark.django_db


def _text_of(email) -> str:
    return next(
        part.get_payload(decode=True).decode()
        for part in email.walk()
        if part.get_content_type() == "text/plain"
    )


def test_the_confirmation_email_carries_the_logs_signed_promise(
    client, parking_permit, payments, smtp_inbox
):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=13000)
    payments.pay(case.reference)
    run_queued_jobs()
    [email] = [
        email
        for email in smtp_inbox.wait_for(2)
        if email["Subject"].startswith("We have received your parking permit application")
    ]
    text = _text_of(email)
    entry = Entry.objects.get(kind="case.submitted")
    shown = re.search(
        r"The log's signed promise to keep that record, which anyone can check: (\S+)", text
    )
    assert shown, text
    promise = decode_promise(shown.group(1))
    keys = log_keys()
    verify_promise(promise, keys.origin, keys.verifiers)
    assert (promise.index, promise.leaf_hash) == (entry.index, bytes(entry.leaf_hash))
    assert bytes(entry.promise) == promise.to_bytes()
    link = f"/ledger/entries/{entry.index}/?promise={shown.group(1)}"
    assert link in text

    integrate_pending()
    page = client.get(link).content.decode()
    assert "This records that your application was received on" in page
    assert "Promise kept" in page
