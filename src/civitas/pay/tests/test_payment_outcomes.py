"""What happens around a payment: the provider's webhook, the poller and the return page
racing, a case refused or closed unpaid, a payment that does not match, and a payment
taken by telephone. Against the sandbox, on SQLite and PostgreSQL."""

import datetime
import json
import re
import threading

import pytest
from django.db import connection
from django.utils import timezone

from civitas.cases.models import Case
from civitas.cases.services import submit_application
from civitas.cases.tests.factories import ANSWERS
from civitas.cases.transitions import apply_due_timers, make_transition
from civitas.ledger.models import Entry
from civitas.notify.models import Message
from civitas.pay.models import Payment, Refund
from civitas.pay.payments import apply_provider_state, handle_webhook, payment_for_return
from civitas.pay.providers import payment_provider
from civitas.pay.public import poll_due_payments, send_due_refunds
from civitas.platform.audit import AuditEvent
from conftest import acting, run_queued_jobs
from tests.pay_sandbox import SUCCEEDS, pay_without_browser, signature

FEE = 8500


@pytest.fixture
def waiting_case(parking_permit):
    return submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=FEE)


def paid_at_provider(payments, reference: str) -> Payment:
    """The citizen paid on the card pages; nobody has told Civitas yet."""
    started = payments.start(reference)
    answer = pay_without_browser(started.next_url, SUCCEEDS)
    assert answer.status_code in (302, 303)
    return Payment.objects.get(pk=started.id)


def test_a_signed_webhook_moves_the_case_on_and_a_bad_signature_is_refused(
    client, waiting_case, payments, settings, caplog
):
    settings.PAY_WEBHOOK_SECRET = "webhook-secret"
    from civitas.pay.providers import forget_providers

    forget_providers()
    payment = paid_at_provider(payments, waiting_case.reference)
    body = json.dumps(
        {
            "webhook_message_id": "m1",
            "resource_id": payment.provider_payment_id,
            "resource_type": "payment",
            "event_type": "card_payment_succeeded",
            "resource": {"state": {"status": "success"}},
        }
    ).encode()
    forged = client.post(
        "/pay/webhooks/govuk-pay/",
        data=body,
        content_type="application/json",
        headers={"Pay-Signature": signature(body, "another-secret")},
    )
    assert forged.status_code == 401
    assert forged.headers["Content-Type"] == "application/problem+json"
    assert "payment.webhook_refused" in caplog.text
    assert Case.objects.get().status == "awaiting_payment"

    good = client.post(
        "/pay/webhooks/govuk-pay/",
        data=body,
        content_type="application/json",
        headers={"Pay-Signature": signature(body, "webhook-secret")},
    )
    assert good.status_code == 200
    assert Case.objects.get().status == "submitted"
    # A replay, or garbage with a good signature, changes nothing.
    for replay in (body, b"not json", b'{"resource_type": "payment", "resource_id": 7}'):
        answer = client.post(
            "/pay/webhooks/govuk-pay/",
            data=replay,
            content_type="application/json",
            headers={"Pay-Signature": signature(replay, "webhook-secret")},
        )
        assert answer.status_code == 200
    assert Message.objects.filter(about=waiting_case.reference).count() == 2


def test_a_webhook_claiming_success_for_an_unpaid_payment_marks_nothing_paid(
    client, waiting_case, payments, settings
):
    settings.PAY_WEBHOOK_SECRET = "webhook-secret"
    from civitas.pay.providers import forget_providers

    forget_providers()
    started = payments.start(waiting_case.reference)
    row = Payment.objects.get(pk=started.id)
    body = json.dumps(
        {
            "resource_id": row.provider_payment_id,
            "resource_type": "payment",
            "resource": {"state": {"status": "success", "finished": True}},
        }
    ).encode()
    assert handle_webhook(body, signature(body, "webhook-secret"))
    row.refresh_from_db()
    assert row.status != "success"
    assert Case.objects.get().status == "awaiting_payment"


@pytest.mark.django_db(transaction=True)
def test_the_poller_the_webhook_and_the_return_racing_announce_one_success(
    parking_permit, payments
):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=FEE)
    payment = paid_at_provider(payments, case.reference)
    found = payment_provider().get_payment(payment.provider_payment_id)
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def record() -> None:
        try:
            row = Payment.objects.select_related("organisation").get(pk=payment.pk)
            barrier.wait(timeout=10)
            apply_provider_state(row, found)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert Case.objects.get().status == "submitted"
    assert AuditEvent.objects.filter(action="payment.succeeded").count() == 1
    assert Message.objects.filter(about=case.reference).count() == 2
    run_queued_jobs()  # the entry is appended as its confirmation goes out
    assert Entry.objects.filter(kind="case.submitted").count() == 1


def test_a_refused_application_is_refunded_less_the_administration_fee(
    waiting_case, payments, caseworker
):
    payments.pay(waiting_case.reference)
    staff = acting(caseworker)
    make_transition(
        reference=waiting_case.reference,
        transition_id="refuse",
        reason="The vehicle is not registered at the address",
        staff=staff,
        confirmed=True,
    )
    refund = Refund.objects.get()
    assert (refund.kind, refund.amount_pence) == ("refused", FEE - 1000)
    send_due_refunds()
    refund.refresh_from_db()
    assert refund.status == "success"
    assert (
        payments.sandbox.get_payment(refund.payment.provider_payment_id)["refund_summary"][
            "amount_available"
        ]
        == 1000
    )
    entry = Entry.objects.get(kind="payment.refunded")
    logged = bytes(entry.leaf_data).decode()
    assert '"amount_pence":' in logged
    assert "vehicle" not in logged
    assert waiting_case.reference not in logged
    refused = Message.objects.get(about=waiting_case.reference, template="refused")
    assert "administration fee" in refused.body_text


def test_an_unpaid_case_closes_after_a_day_its_payment_cancelled_and_the_applicant_told(
    waiting_case, payments
):
    started = payments.start(waiting_case.reference)
    later = timezone.now() + datetime.timedelta(hours=25)
    assert apply_due_timers(now=later) == 1
    case = Case.objects.get()
    assert case.status == "closed_not_paid"
    not_paid = Message.objects.get(about=case.reference, template="not-paid")
    assert f"/pay/{case.reference}/" in not_paid.body_text
    # The poller cancels the payment left open at the provider.
    poll_due_payments(budget_seconds=10)
    row = Payment.objects.get(pk=started.id)
    assert (row.status, row.finished) == ("cancelled", True)
    assert payments.sandbox.get_payment(row.provider_payment_id)["state"]["status"] == "cancelled"
    # Paying from the email's link reopens it, as the workflow says.
    payments.pay(case.reference)
    assert Case.objects.get().status == "submitted"


def test_a_payment_whose_amount_differs_at_the_provider_is_never_counted(
    waiting_case, payments, caplog
):
    payment = paid_at_provider(payments, waiting_case.reference)
    # Our record says a different amount than the provider took (tampered, or a bug).
    Payment.objects.filter(pk=payment.pk).update(amount_pence=1)
    view = payment_for_return(payment_id=str(payment.pk), case_reference=waiting_case.reference)
    assert view.status == "error"
    assert not view.paid
    assert Case.objects.get().status == "awaiting_payment"
    assert "payment.mismatch" in caplog.text


def test_a_caseworker_takes_a_callers_payment_by_telephone(
    client, waiting_case, payments, caseworker, signed_in
):
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{waiting_case.reference}/")
    assert "Take a payment by telephone" in page.text
    assert payments.sandbox.url in page.headers["Content-Security-Policy"]
    response = client.post(f"/staff/cases/{waiting_case.reference}/telephone-payment/")
    assert response.status_code == 302
    row = Payment.objects.get()
    assert (row.moto, row.taken_by_id) == (True, caseworker.pk)
    assert payments.sandbox.get_payment(row.provider_payment_id)["moto"] is True
    answer = pay_without_browser(response.headers["Location"], SUCCEEDS)
    back = client.get(answer.headers["Location"].replace("http://testserver", ""))
    assert back.headers["Location"].endswith("?payment=paid#payments")
    assert Case.objects.get().status == "submitted"
    assert AuditEvent.objects.filter(action="payment.telephone_started").count() == 1


def test_staff_of_another_council_cannot_take_a_payment(
    client, waiting_case, payments, other_council_caseworker, signed_in
):
    signed_in(other_council_caseworker)
    response = client.post(f"/staff/cases/{waiting_case.reference}/telephone-payment/")
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_refund_whose_answer_was_lost_is_found_not_made_twice(waiting_case, payments, settings):
    from civitas.pay.providers import forget_providers
    from civitas.pay.refunds import refund_refused_application

    payments.pay(waiting_case.reference)
    settings.PAY_TIMEOUT_SECONDS = 1
    forget_providers()
    refund_refused_application(
        organisation_id=waiting_case.organisation_id,
        case_reference=waiting_case.reference,
        keep_pence=0,
    )
    payments.sandbox.faults(hang_seconds=3, count=1)  # made, but the answer is lost
    Refund.objects.update(next_attempt_at=timezone.now())
    send_due_refunds()
    refund = Refund.objects.get()
    assert refund.status == "pending"
    Refund.objects.update(next_attempt_at=timezone.now())
    send_due_refunds()
    refund.refresh_from_db()
    assert refund.status == "success"
    provider_id = refund.payment.provider_payment_id
    at_provider = payments.sandbox.get_payment(provider_id)["refund_summary"]
    assert at_provider["amount_submitted"] == FEE  # once, not twice


def test_health_says_payments_are_delayed_when_nobody_polls(client, waiting_case, payments):
    from civitas.platform.health import run_health_checks

    payments.start(waiting_case.reference)
    before = client.get("/healthz")
    assert before.json()["payments"]["status"] == "ok"
    Payment.objects.update(next_check_at=timezone.now() - datetime.timedelta(minutes=11))
    after = client.get("/healthz")
    assert after.json()["payments"]["status"] == "delayed"
    assert after.json()["payments"]["oldest_overdue_seconds"] >= 660
    # Late, not lost: it degrades /healthz, never takes it down by itself.
    assert after.status_code == before.status_code
    assert run_health_checks().parts["payments"].status == "delayed"


def test_the_poller_records_what_moved_and_asks_again_later_about_the_rest(
    parking_permit, payments, settings
):
    settings.PAY_POLL_FIRST_SECONDS = 60
    waiting = [
        submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=FEE)
        for _ in range(3)
    ]
    for case in waiting:
        payments.start(case.reference)
    paid = paid_at_provider(payments, waiting[0].reference)
    Payment.objects.update(next_check_at=timezone.now())
    assert poll_due_payments(budget_seconds=10) == 3
    assert Payment.objects.get(pk=paid.pk).status == "success"
    assert Case.objects.get(reference=waiting[0].reference).status == "submitted"
    later = Payment.objects.exclude(pk=paid.pk)
    assert [row.status for row in later] == ["created", "created"]
    for row in later:
        wait = row.next_check_at - timezone.now()
        assert datetime.timedelta(seconds=50) < wait <= datetime.timedelta(seconds=60)
    # Nothing is due now: a second round asks nobody.
    assert poll_due_payments(budget_seconds=10) == 0


def test_a_webhook_too_large_or_unsigned_is_refused_with_a_problem(client, payments):
    huge = b"{" + b" " * (70 * 1024) + b"}"
    answer = client.post("/pay/webhooks/govuk-pay/", data=huge, content_type="application/json")
    assert answer.status_code == 413
    assert answer.headers["Content-Type"] == "application/problem+json"
    unsigned = client.post("/pay/webhooks/govuk-pay/", data=b"{}", content_type="application/json")
    assert unsigned.status_code == 401
    assert client.get("/pay/webhooks/govuk-pay/").status_code == 405


def test_the_tracking_page_offers_to_pay_while_the_application_waits(
    client, waiting_case, payments
):
    import time

    from civitas.cases.tracking_views import GRANTED

    session = client.session
    session[GRANTED] = {waiting_case.reference: int(time.time()) + 600}
    session.save()
    page = client.get(f"/applications/{waiting_case.reference}/")
    assert page.status_code == 200
    assert "We are waiting for the fee of £85" in page.text
    assert "Pay now" in page.text
    # Its form leads to the provider's card page: the page's CSP lets it.
    assert payments.sandbox.url in page.headers["Content-Security-Policy"]
    pay_page = re.search(r'action="([^"]+/pay/[^"]+)"', page.text).group(1)
    onward = client.post(pay_page)
    assert onward.headers["Location"].startswith(payments.sandbox.url)
    payments.pay(waiting_case.reference)
    paid = client.get(f"/applications/{waiting_case.reference}/")
    assert "You paid £85" in paid.text
    assert "Pay now" not in paid.text
