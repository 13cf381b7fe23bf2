"""A refund and a reconciliation from end to end, against the payment sandbox (a separate
process speaking GOV.UK Pay's API): a citizen pays the parking permit's fee on its card
pages, finance refunds part of it from the payment's page, the sandbox makes the refund,
and the day's reconciliation matches both."""

import pytest
from django.test import Client
from django.utils import timezone

from civitas.pay.models import Payment, Refund
from civitas.pay.refunds import send_due_refunds
from civitas.pay.tests.test_paying_in_the_journey import accept_and_pay, come_back
from conftest import make_staff
from tests.pay_sandbox import SUCCEEDS, pay_without_browser

pytestmark = pytest.mark.django_db


def test_finance_refunds_a_paid_fee_and_the_day_reconciles(
    client, signed_in, parking_permit, payments
):
    citizen = Client()
    reference, card_page = accept_and_pay(citizen)
    assert come_back(citizen, pay_without_browser(card_page, SUCCEEDS)).status_code == 302
    payment = Payment.objects.get(case_reference=reference)
    assert payment.status == "success"

    signed_in(make_staff("finance@example.gov.uk", "finance"))
    response = client.post(
        f"/staff/payments/{payment.id}/refund", {"amount": "5.00", "reason": "Overcharged"}
    )
    assert response.status_code == 302
    send_due_refunds()  # what the periodic job does, whether or not the page's nudge did
    refund = Refund.objects.get()
    assert (refund.status, refund.amount_pence) == ("success", 500)
    at_the_sandbox = payments.sandbox.get_payment(payment.provider_payment_id)
    assert at_the_sandbox["refund_summary"]["amount_submitted"] == 500

    # The sandbox settles the same day; the session's sandbox holds other tests'
    # payments too, so only this case's lines are looked at.
    today = timezone.localdate().isoformat()
    page = client.get(f"/staff/payments/reconciliation.csv?day={today}")
    assert page.status_code == 200
    lines = [
        line.split(",")
        for line in b"".join(page.streaming_content).decode().splitlines()
        if reference in line
    ]
    assert sorted((line[1], line[2], line[4], line[5], line[8]) for line in lines) == sorted(
        [
            (
                "payment",
                payment.provider_payment_id,
                str(payment.amount_pence),
                str(payment.amount_pence),
                "matched",
            ),
            ("refund", refund.provider_refund_id, "500", "500", "matched"),
        ]
    )
