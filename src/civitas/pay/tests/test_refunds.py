"""Refunds asked for by finance staff: in full or in part, never more than was paid,
always with a reason; audited and logged without the reason or the case; sent to the
provider with their own id as the idempotency key, retried while it is down, and given
back to what can be refunded when it refuses."""

import datetime
import hashlib
import json
import re
import threading

import pytest
from django.db import connection
from django.utils import timezone

from civitas.identity.tests.factories import OrganisationFactory
from civitas.ledger.models import Entry
from civitas.pay.amounts import AmountInvalid, pence_from_pounds
from civitas.pay.models import Payment, Refund
from civitas.pay.payments import PaymentNotFound
from civitas.pay.refunds import RefundInvalid, request_refund, send_due_refunds
from civitas.pay.tests.factories import PaymentFactory
from civitas.pay.tests.govuk_pay_server import FakeGovukPay
from civitas.platform.models import AuditEvent
from conftest import acting, make_staff


@pytest.fixture
def finance(db):
    return make_staff("finance@example.gov.uk", "finance")


def held_payment(fake: FakeGovukPay, amount_pence: int = 4000, **values) -> Payment:
    """A successful payment, here and at the provider."""
    payment = PaymentFactory(succeeded=True, amount_pence=amount_pence, **values)
    fake.hold_payment(payment.provider_payment_id, amount_pence, payment.case_reference)
    return payment


def refund_through_the_page(client, payment: Payment, amount: str, reason: str = "Paid twice"):
    return client.post(f"/staff/payments/{payment.id}/refund", {"amount": amount, "reason": reason})


def make_due_now() -> None:
    Refund.objects.exclude(next_attempt_at=None).update(next_attempt_at=timezone.now())


# --- Amounts, as staff type them ---------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "pence"),
    [
        ("12.50", 1250),
        ("12", 1200),
        ("12.5", 1250),
        ("0.01", 1),
        (" 40.00 ", 4000),
        ("£12", 1200),
        ("£ 12.50", 1250),
        ("1,250.00", 125000),
    ],
)
def test_it_reads_pounds_and_pence(typed, pence):
    assert pence_from_pounds(typed) == pence


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the amount to refund"),
        ("£", "Enter the amount to refund"),
        ("0", "The amount must be at least 1p"),
        ("0.00", "The amount must be at least 1p"),
        ("-1", "The amount must be at least 1p"),
        ("12.505", "Enter the amount in pounds and pence, like 12.50"),
        ("abc", "Enter the amount in pounds and pence, like 12.50"),
        ("1e3", "Enter the amount in pounds and pence, like 12.50"),
        ("12.5.0", "Enter the amount in pounds and pence, like 12.50"),
        ("1,25.00", "Enter the amount in pounds and pence, like 12.50"),
        ("\u0661\u0662", "Enter the amount in pounds and pence, like 12.50"),
        ("12\x00", "Enter the amount in pounds and pence, like 12.50"),
        ("9" * 50, "Enter the amount in pounds and pence, like 12.50"),
        ("1000000", "The amount must be £999,999.99 or less"),
    ],
)
def test_it_refuses_amounts_that_are_not_pounds_and_pence(typed, message):
    with pytest.raises(AmountInvalid) as refused:
        pence_from_pounds(typed)
    assert str(refused.value) == message


# --- Asking for a refund -----------------------------------------------------------------


@pytest.mark.django_db
def test_finance_refunds_a_payment_in_full_and_it_is_audited_and_logged(
    client, signed_in, finance, govuk_pay
):
    payment = held_payment(govuk_pay)
    signed_in(finance)
    response = refund_through_the_page(client, payment, "40", "Paid twice by Jo Bloggs")
    refund = Refund.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/staff/payments/{payment.id}/?refunded={refund.id}"
    page = client.get(response["Location"]).content.decode()
    assert "Refund of £40 requested" in page
    assert (refund.amount_pence, refund.kind, refund.status) == (4000, "staff", "pending")
    assert refund.requested_by_id == finance.pk
    payment.refresh_from_db()
    assert payment.refunded_pence == 4000

    event = AuditEvent.objects.get(action="payment.refund_requested")
    assert (event.actor_type, event.actor_id) == ("staff", str(finance.pk))
    assert event.object_id == str(payment.id)
    assert event.details["amount_pence"] == 4000
    assert "Jo Bloggs" not in json.dumps(event.details)

    [leaf] = [json.loads(bytes(data)) for data in Entry.objects.values_list("leaf_data", flat=True)]
    assert leaf["kind"] == "payment.refunded"
    assert leaf["role"] == "finance"
    assert leaf["payload"]["amount_pence"] == 4000
    # A keyed fingerprint: hashing a guessed reason does not confirm it.
    fingerprint = leaf["payload"]["reason_hmac_sha256"]
    assert re.fullmatch("[0-9a-f]{64}", fingerprint)
    assert fingerprint != hashlib.sha256(b"Paid twice by Jo Bloggs").hexdigest()
    logged = json.dumps(leaf)
    assert "Jo Bloggs" not in logged
    assert "Paid twice" not in logged
    assert payment.case_reference not in logged


@pytest.mark.django_db
def test_the_refund_goes_to_the_provider_with_its_id_as_the_idempotency_key(
    client, signed_in, finance, govuk_pay, django_capture_on_commit_callbacks
):
    payment = held_payment(govuk_pay)
    signed_in(finance)
    # Sent straight after the transaction that decided it commits.
    with django_capture_on_commit_callbacks(execute=True):
        refund_through_the_page(client, payment, "12.50")
    refund = Refund.objects.get()
    [sent] = govuk_pay.refund_requests()
    assert sent.path == f"/v1/payments/{payment.provider_payment_id}/refunds"
    assert sent.headers["idempotency-key"] == str(refund.id)
    assert sent.body == {"amount": 1250, "refund_amount_available": 4000}
    assert (refund.status, refund.next_attempt_at) == ("success", None)
    assert refund.provider_refund_id in govuk_pay.refunds


@pytest.mark.django_db
def test_two_partial_refunds_then_one_over_what_is_left_is_refused(
    client, signed_in, finance, govuk_pay
):
    payment = held_payment(govuk_pay, 5000)
    signed_in(finance)
    assert refund_through_the_page(client, payment, "12.50").status_code == 302
    assert refund_through_the_page(client, payment, "20").status_code == 302
    send_due_refunds()
    response = refund_through_the_page(client, payment, "17.51")
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The refund cannot be more than what is left of the payment (£17.50)" in page
    assert 'href="#amount"' in page
    assert 'value="17.51"' in page  # what was typed is kept
    assert sorted(Refund.objects.values_list("amount_pence", flat=True)) == [1250, 2000]
    assert [sent.body["refund_amount_available"] for sent in govuk_pay.refund_requests()] in (
        [5000, 3750],
        [3750, 5000],
    )
    assert refund_through_the_page(client, payment, "17.50").status_code == 302
    payment.refresh_from_db()
    assert payment.refunded_pence == 5000


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["", "0", "-1", "abc", "12.505", "<script>", "1" * 100])
def test_an_amount_that_is_not_one_is_refused_with_an_error(
    client, signed_in, finance, govuk_pay, amount
):
    payment = held_payment(govuk_pay)
    signed_in(finance)
    response = refund_through_the_page(client, payment, amount)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "<script>" not in page.split("</h1>", 1)[1]
    assert not Refund.objects.exists()
    assert not AuditEvent.objects.filter(action="payment.refund_requested").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Enter the reason for the refund"),
        ("   \n ", "Enter the reason for the refund"),
        ("x" * 501, "The reason must be 500 characters or fewer"),
    ],
)
def test_a_refund_needs_a_reason_of_500_characters_or_fewer(
    client, signed_in, finance, govuk_pay, reason, message
):
    payment = held_payment(govuk_pay)
    signed_in(finance)
    response = refund_through_the_page(client, payment, "1", reason)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'href="#reason"' in response.content.decode()
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_a_payment_that_did_not_succeed_cannot_be_refunded(finance):
    payment = PaymentFactory(failed=True)
    with pytest.raises(RefundInvalid, match="Only a payment that succeeded"):
        request_refund(
            staff=acting(finance), payment_id=str(payment.id), amount_pence=100, reason="x"
        )


@pytest.mark.django_db
def test_another_organisations_payment_is_not_found_by_the_service(finance):
    theirs = PaymentFactory(succeeded=True, organisation=OrganisationFactory(other_council=True))
    for payment_id in (str(theirs.id), "not-a-payment"):
        with pytest.raises(PaymentNotFound):
            request_refund(
                staff=acting(finance), payment_id=payment_id, amount_pence=100, reason="x"
            )
    assert not Refund.objects.exists()


@pytest.mark.django_db
def test_a_caseworker_cannot_refund(client, signed_in, caseworker, govuk_pay):
    payment = held_payment(govuk_pay)
    signed_in(caseworker)
    assert refund_through_the_page(client, payment, "1").status_code == 403
    assert not Refund.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_refunds_racing_cannot_take_more_than_was_paid(finance, govuk_pay):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs two connections writing")
    payment = held_payment(govuk_pay, 4000)
    staff = acting(finance)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def refund() -> None:
        start.wait()
        try:
            request_refund(
                staff=staff, payment_id=str(payment.id), amount_pence=3000, reason="Paid twice"
            )
            outcomes.append("refunded")
        except RefundInvalid:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=refund) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refunded", "refused"]
    payment.refresh_from_db()
    assert payment.refunded_pence == 3000
    assert list(Refund.objects.values_list("amount_pence", flat=True)) == [3000]
    assert AuditEvent.objects.filter(action="payment.refund_requested").count() == 1


# --- Sending it --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refund_the_provider_could_not_take_stays_pending_and_is_sent_again(finance, govuk_pay):
    payment = held_payment(govuk_pay)
    refund = request_refund(
        staff=acting(finance), payment_id=str(payment.id), amount_pence=1000, reason="x"
    )
    govuk_pay.answer_next(503, {"message": "down for maintenance"})
    assert send_due_refunds() == 0
    row = Refund.objects.get()
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "HTTP 503")
    assert row.next_attempt_at > timezone.now()
    assert send_due_refunds() == 0  # not due again yet

    make_due_now()
    assert send_due_refunds() == 1
    row.refresh_from_db()
    assert (row.status, row.last_error, row.next_attempt_at) == ("success", "", None)
    keys = {sent.headers["idempotency-key"] for sent in govuk_pay.refund_requests()}
    assert keys == {refund.id}
    assert len(govuk_pay.refunds) == 1


@pytest.mark.django_db
def test_a_refund_whose_answer_was_lost_is_found_not_made_twice(finance, govuk_pay):
    """The provider made it, and the worker died before recording its answer: the next
    attempt finds it at the provider rather than sending it again."""
    payment = held_payment(govuk_pay)
    request_refund(staff=acting(finance), payment_id=str(payment.id), amount_pence=1000, reason="x")
    send_due_refunds()
    made = Refund.objects.get().provider_refund_id
    Refund.objects.update(status="pending", provider_refund_id="", next_attempt_at=timezone.now())
    send_due_refunds()
    assert len(govuk_pay.refund_requests()) == 1
    assert list(govuk_pay.refunds) == [made]
    assert Refund.objects.values_list("status", "provider_refund_id").get() == ("success", made)


@pytest.mark.django_db
def test_a_refund_the_provider_refuses_is_an_error_and_its_amount_can_be_refunded_again(
    client, signed_in, finance, govuk_pay
):
    payment = held_payment(govuk_pay)
    request_refund(staff=acting(finance), payment_id=str(payment.id), amount_pence=1500, reason="x")
    govuk_pay.answer_next(400, {"code": "P0603", "description": "Not available for refund"})
    assert send_due_refunds() == 1
    row = Refund.objects.get()
    assert (row.status, row.next_attempt_at) == ("error", None)
    assert row.last_error == "P0603: Not available for refund"
    payment.refresh_from_db()
    assert (payment.refunded_pence, payment.refundable_pence) == (0, 4000)

    signed_in(finance)
    page = client.get(f"/staff/payments/{payment.id}/").content.decode()
    assert "P0603: Not available for refund" in page
    assert refund_through_the_page(client, payment, "40").status_code == 302


@pytest.mark.django_db
def test_a_refund_the_provider_has_not_finished_is_checked_until_it_has(finance, govuk_pay):
    govuk_pay.refund_status = "submitted"
    payment = held_payment(govuk_pay)
    request_refund(staff=acting(finance), payment_id=str(payment.id), amount_pence=1000, reason="x")
    assert send_due_refunds() == 0
    row = Refund.objects.get()
    assert row.status == "submitted"
    assert row.next_attempt_at is not None

    held = govuk_pay.refunds[row.provider_refund_id]
    held.status, held.settled_on = "success", datetime.date(2026, 3, 4)
    make_due_now()
    assert send_due_refunds() == 1
    row.refresh_from_db()
    assert (row.status, row.settled_on, row.next_attempt_at) == (
        "success",
        datetime.date(2026, 3, 4),
        None,
    )
    assert [seen.method for seen in govuk_pay.requests] == ["POST", "GET"]


@pytest.mark.django_db
def test_a_refund_sent_while_another_of_its_payment_is_unrecorded_waits_for_it(finance, govuk_pay):
    """A worker died after the provider made refund A, before recording it: A is still
    pending here, so B is sent with more available than the provider has (412, P0604).
    B is tried again once A is recorded, rather than failed."""
    payment = held_payment(govuk_pay, 4000)
    staff = acting(finance)
    first = request_refund(staff=staff, payment_id=str(payment.id), amount_pence=1000, reason="x")
    second = request_refund(staff=staff, payment_id=str(payment.id), amount_pence=500, reason="x")
    govuk_pay.hold_refund("madebeforetheworkerdied01", payment.provider_payment_id, 1000)
    Refund.objects.filter(pk=first.id).update(next_attempt_at=None)

    assert send_due_refunds() == 0
    waiting = Refund.objects.get(pk=second.id)
    assert (waiting.status, waiting.last_error) == (
        "pending",
        "P0604: Refund amount available mismatch",
    )
    payment.refresh_from_db()
    assert payment.refunded_pence == 1500  # nothing given back to refund twice

    # The periodic job's next rounds: A is found at the provider, then B goes through.
    Refund.objects.filter(pk=first.id).update(next_attempt_at=timezone.now())
    for _ in range(3):
        make_due_now()
        send_due_refunds()
    assert dict(Refund.objects.values_list("amount_pence", "status")) == {
        1000: "success",
        500: "success",
    }
    assert len(govuk_pay.refunds) == 2


@pytest.mark.django_db
def test_a_refund_the_provider_keeps_finding_too_large_ends_as_an_error(finance, govuk_pay):
    """Refunded outside Civitas (in the provider's own admin tool), the payment has less
    left at the provider than here for good: after a few tries the refund is an error."""
    payment = held_payment(govuk_pay, 4000)
    govuk_pay.hold_refund("madeinthepayadmintool0001", payment.provider_payment_id, 4000)
    request_refund(staff=acting(finance), payment_id=str(payment.id), amount_pence=500, reason="x")
    for _ in range(10):
        make_due_now()
        send_due_refunds()
    row = Refund.objects.get()
    assert (row.status, row.next_attempt_at) == ("error", None)
    assert row.last_error.startswith("P0604")
    payment.refresh_from_db()
    assert payment.refunded_pence == 0
