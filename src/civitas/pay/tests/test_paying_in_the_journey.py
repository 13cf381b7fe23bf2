"""Paying the parking permit's fee as a citizen does: through the pages, to the sandbox's
card pages and back, on SQLite and PostgreSQL. Nothing inside the application is mocked:
the sandbox is a separate process speaking GOV.UK Pay's API."""

import html
import re
import urllib.parse

import pytest
from django.utils import timezone

from civitas.cases.models import Case
from civitas.journeys.tests.test_pages import complete_questions
from civitas.ledger.models import Entry
from civitas.notify.models import Message
from civitas.pay.models import Payment
from conftest import run_queued_jobs
from tests.pay_sandbox import DECLINED, SUCCEEDS, pay_without_browser

URL = "/services/example-borough/resident-parking-permit"
JOURNEY = "submitted:example-borough/resident-parking-permit"

pytestmark = pytest.mark.django_db(transaction=False)


def accept_and_pay(client) -> tuple[str, str]:
    """Answers every question, accepts on check answers; returns the case reference and
    the card page the citizen was sent to."""
    complete_questions(client)
    response = client.post(f"{URL}/check-answers/", {"version": "1", "confirm": "yes"})
    assert response.status_code == 302, response.content[:500]
    return client.session[JOURNEY], response.headers["Location"]


def come_back(client, sandbox_answer):
    """Follows the sandbox's way back to our return page (its redirect, or the link on
    its declined page), with the citizen's browser."""
    if sandbox_answer.status_code == 200:
        link = re.search(r'href="(http://testserver/[^"]+/return/[^"]+)"', sandbox_answer.text)
        assert link, sandbox_answer.text[:2000]
        target = urllib.parse.urlsplit(html.unescape(link.group(1)))
        return client.get(target.path)
    assert sandbox_answer.status_code in (302, 303), sandbox_answer.text[:500]
    target = urllib.parse.urlsplit(sandbox_answer.headers["Location"])
    assert target.netloc == "testserver"
    return client.get(target.path)


def test_a_paid_application_is_sent_with_its_confirmation_receipt_and_log_entry(
    client, parking_permit, payments
):
    reference, card_page = accept_and_pay(client)
    assert card_page.startswith(payments.sandbox.url)
    case = Case.objects.get(reference=reference)
    assert case.status == "awaiting_payment"
    # Nothing is confirmed, or logged as submitted, before the fee is paid.
    assert not Message.objects.filter(about=reference).exists()
    assert not Entry.objects.filter(kind="case.submitted").exists()

    back = come_back(client, pay_without_browser(card_page, SUCCEEDS))
    assert back.status_code == 302
    assert back.headers["Location"] == f"{URL}/confirmation/{reference}/"
    confirmation = client.get(back.headers["Location"])
    assert "We have received your payment of £" in confirmation.text

    case.refresh_from_db()
    assert case.status == "submitted"
    payment = Payment.objects.get(case_reference=reference)
    assert (payment.status, payment.outcome) == ("success", "counted")
    assert payment.amount_pence == case.fee_pence
    assert (payment.cost_centre, payment.ledger_code) == ("PK-4100", "8210")
    assert payment.last_digits == "1111"
    sent = sorted(message.template for message in Message.objects.filter(about=reference))
    assert sent == ["payment-received", "submitted"]
    run_queued_jobs()  # the entry is appended as its confirmation goes out
    assert Entry.objects.filter(kind="case.submitted").count() == 1


def test_a_declined_card_leaves_the_case_waiting_and_a_second_card_pays(
    client, parking_permit, payments
):
    reference, card_page = accept_and_pay(client)
    back = come_back(client, pay_without_browser(card_page, DECLINED))
    assert back.status_code == 200
    assert "Your payment was declined. No money has been taken." in back.text
    assert "Try paying again" in back.text
    assert Case.objects.get(reference=reference).status == "awaiting_payment"

    # Trying again makes a second payment: the first one ended.
    pay_page = urllib.parse.urlsplit(back.wsgi_request.path).path.rsplit("return/", 1)[0]
    again = client.post(pay_page)
    assert again.status_code == 302
    assert again.headers["Location"] != card_page
    back = come_back(client, pay_without_browser(again.headers["Location"], SUCCEEDS))
    assert back.headers["Location"] == f"{URL}/confirmation/{reference}/"
    statuses = sorted(
        Payment.objects.filter(case_reference=reference).values_list("status", flat=True)
    )
    assert statuses == ["failed", "success"]
    assert Case.objects.get(reference=reference).status == "submitted"


def test_a_double_clicked_pay_makes_one_payment(client, parking_permit, payments):
    reference, card_page = accept_and_pay(client)
    confirmation = client.get(f"{URL}/confirmation/{reference}/")
    assert "You have not paid yet" in confirmation.text
    found = Payment.objects.get(case_reference=reference)
    from civitas.cases.public import case_payment, pay_url

    page = pay_url(case_payment(reference).service, reference)
    first = client.post(page)
    second = client.post(page)
    assert first.headers["Location"] == second.headers["Location"] == card_page
    assert Payment.objects.filter(case_reference=reference).count() == 1
    assert Payment.objects.get().pk == found.pk


def test_a_citizen_who_closes_the_browser_after_paying_is_still_sent_on(
    client, parking_permit, payments, settings
):
    from civitas.pay.public import poll_due_payments

    reference, card_page = accept_and_pay(client)
    answer = pay_without_browser(card_page, SUCCEEDS)
    assert answer.status_code in (302, 303)  # ...and the browser never comes back
    assert Case.objects.get(reference=reference).status == "awaiting_payment"
    Payment.objects.update(next_check_at=timezone.now())
    assert poll_due_payments(budget_seconds=10) == 1
    assert Case.objects.get(reference=reference).status == "submitted"
    assert Message.objects.filter(about=reference).count() == 2
    # Coming back later changes nothing more.
    come_back(client, answer)
    assert Message.objects.filter(about=reference).count() == 2


def test_a_return_for_another_cases_payment_is_refused_and_logged(
    client, parking_permit, payments, caplog
):
    reference, _ = accept_and_pay(client)
    other = Payment.objects.get(case_reference=reference)
    mine, _card_page = accept_and_pay(client)
    from civitas.cases.public import case_payment, pay_url

    my_page = pay_url(case_payment(mine).service, mine)
    response = client.get(f"{my_page}return/{other.pk}/")
    assert response.status_code == 404
    assert "payment.return_refused" in caplog.text
    for forged in ("not-a-uuid", "00000000-0000-0000-0000-000000000000", "../../x"):
        assert client.get(f"{my_page}return/{forged}/").status_code == 404


def test_a_forged_payment_link_finds_nothing(client, parking_permit, payments, caplog):
    reference, _ = accept_and_pay(client)
    for token in ("0" * 32, "x", "a" * 200):
        response = client.get(f"{URL}/pay/{reference}/{token}/")
        assert response.status_code == 404
    assert client.get(f"{URL}/pay/AAA-AAA-AAA/{'0' * 32}/").status_code == 404
    assert "payment.link_refused" in caplog.text


def test_a_replayed_return_shows_the_outcome_and_changes_nothing(client, parking_permit, payments):
    reference, card_page = accept_and_pay(client)
    answer = pay_without_browser(card_page, SUCCEEDS)
    come_back(client, answer)
    version = Payment.objects.get().version
    again = come_back(client, answer)
    assert again.status_code == 302
    assert Payment.objects.get().version == version
    assert Message.objects.filter(about=reference).count() == 2


def test_the_provider_down_at_the_start_loses_nothing_and_says_so(client, parking_permit, payments):
    payments.sandbox.faults(fail_with=503, count=1)
    complete_questions(client)
    response = client.post(f"{URL}/check-answers/", {"version": "1", "confirm": "yes"})
    # Sent (the application is kept), then told on its payment page.
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert "The payment service is not available at the moment" in page.text
    reference = client.session[JOURNEY]
    assert Case.objects.get(reference=reference).status == "awaiting_payment"
    # Its payment row waits for the poller, which asks again with the same key.
    payment = Payment.objects.get(case_reference=reference)
    assert payment.status == "new"


def test_a_creation_whose_answer_was_lost_is_asked_again_and_made_once(
    client, parking_permit, payments, settings
):
    from civitas.pay.public import poll_due_payments

    settings.PAY_TIMEOUT_SECONDS = 1
    from civitas.pay.providers import forget_providers

    forget_providers()
    payments.sandbox.faults(hang_seconds=3, count=1)  # made, but the answer comes too late
    complete_questions(client)
    response = client.post(f"{URL}/check-answers/", {"version": "1", "confirm": "yes"})
    assert "/pay/" in response.headers["Location"]
    reference = client.session[JOURNEY]
    Payment.objects.update(next_check_at=timezone.now())
    assert poll_due_payments(budget_seconds=10) == 1
    payment = Payment.objects.get(case_reference=reference)
    assert payment.provider_payment_id
    assert payment.status == "created"
    listed = payments.sandbox.search(reference=reference)
    assert listed["total"] == 1  # the provider made it once


def test_a_payment_for_a_case_that_cannot_take_it_is_refunded_in_full(
    client, parking_permit, payments
):
    from civitas.pay.models import Refund
    from civitas.pay.public import send_due_refunds

    reference, card_page = accept_and_pay(client)
    # The case closes (withdrawn by staff, say) while the citizen is on the card page.
    Case.objects.filter(reference=reference).update(status="refused", status_kind="closed-refused")
    come_back(client, pay_without_browser(card_page, SUCCEEDS))
    payment = Payment.objects.get(case_reference=reference)
    assert (payment.status, payment.outcome) == ("success", "refund_due")
    refund = Refund.objects.get(payment=payment)
    assert (refund.kind, refund.amount_pence) == ("not_needed", payment.amount_pence)
    send_due_refunds()
    refund.refresh_from_db()
    assert refund.status == "success"
    assert Entry.objects.filter(kind="payment.refunded").count() == 1
    assert not Message.objects.filter(about=reference).exists()


def test_a_fee_the_rules_exempt_is_not_taken(client, parking_permit, payments):
    from civitas.cases.services import submit_application

    case = submit_application(
        service=parking_permit, answers={"email": "a@example.com"}, fee_pence=0
    )
    assert case.status == "submitted"
    assert not Payment.objects.exists()


def test_the_api_answers_the_amount_due_and_the_link_to_pay_it(
    client, parking_permit, api_headers, payments
):
    from civitas.journeys.tests.test_api import post, valid_answers

    response = post(
        client, api_headers, {"version": 1, "answers": valid_answers(), "declaration": True}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "awaiting_payment"
    payment = body["payment"]
    assert payment["amount_due_pence"] == body["fee_pence"] > 0
    pay_page = urllib.parse.urlsplit(payment["pay_url"]).path
    # The link works from any browser: it sends the payer to the card page.
    from django.test import Client

    stranger = Client()
    page = stranger.get(pay_page)
    assert page.status_code == 200
    assert body["reference"] in page.text
    onward = stranger.post(pay_page)
    assert onward.status_code == 302
    assert onward.headers["Location"].startswith(payments.sandbox.url)


def test_a_provider_refusing_the_check_on_return_is_a_page_that_says_we_are_checking(
    client, parking_permit, payments
):
    _, card_page = accept_and_pay(client)
    answer = pay_without_browser(card_page, SUCCEEDS)
    payments.sandbox.faults(fail_with=400, count=1)  # a refusal, not an outage
    back = come_back(client, answer)
    assert back.status_code == 200
    assert "We are checking your payment" in back.text
