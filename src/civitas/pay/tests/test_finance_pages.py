"""The finance team's pages: the organisation's payments a page at a time, one payment
with its refunds, and who sees them. Another organisation's payments are never found."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civitas.identity.tests.factories import OrganisationFactory
from civitas.pay.models import Payment
from civitas.pay.tests.factories import PaymentFactory, RefundFactory
from conftest import make_staff

pytestmark = pytest.mark.django_db
CASE_LINK = re.compile(r'href="/staff/cases/([2-9A-Z]{3}-[2-9A-Z]{3}-[2-9A-Z]{3})/"')


@pytest.fixture
def finance(db):
    return make_staff("finance@example.gov.uk", "finance")


@pytest.fixture
def auditor(db):
    return make_staff("auditor@example.gov.uk", "auditor")


def other_councils_payment() -> Payment:
    return PaymentFactory(organisation=OrganisationFactory(other_council=True), succeeded=True)


def test_finance_sees_the_organisations_payments_newest_first(client, signed_in, finance):
    now = timezone.now()
    older = PaymentFactory(succeeded=True, created_at=now - datetime.timedelta(hours=2))
    newer = PaymentFactory(
        succeeded=True, amount_pence=12550, created_at=now - datetime.timedelta(hours=1)
    )
    RefundFactory(payment=newer, amount_pence=550)
    theirs = other_councils_payment()
    signed_in(finance)
    response = client.get("/staff/payments/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.index(newer.case_reference) < page.index(older.case_reference)
    assert f'href="/staff/cases/{newer.case_reference}/"' in page
    assert "£125.50" in page
    assert "£5.50" in page
    assert "PK100 / 4410" in page
    assert theirs.case_reference not in page


def test_another_organisations_payment_is_not_found_by_a_guessed_address(
    client, signed_in, finance
):
    theirs = other_councils_payment()
    signed_in(finance)
    assert client.get(f"/staff/payments/{theirs.id}/").status_code == 404
    assert client.get("/staff/payments/not-a-payment/").status_code == 404
    response = client.post(
        f"/staff/payments/{theirs.id}/refund", {"amount": "1.00", "reason": "Paid twice"}
    )
    assert response.status_code == 404
    assert not theirs.refunds.exists()


def test_the_list_pages_by_key_and_filters_by_status_and_service(client, signed_in, finance):
    now = timezone.now()
    for n in range(53):
        PaymentFactory(
            created_at=now - datetime.timedelta(minutes=n),
            succeeded=n % 2 == 0,
            service_slug="garden-waste" if n % 3 == 0 else "resident-parking-permit",
        )
    # Two payments made in the same microsecond: the id breaks the tie, neither is lost.
    same_time = now - datetime.timedelta(minutes=30, seconds=30)
    twins = {PaymentFactory(created_at=same_time).case_reference for _ in range(2)}
    signed_in(finance)
    first = client.get("/staff/payments/").content.decode()
    cursor = re.search(r'href="\?([^"]*before=[^"]*)"', first)
    assert cursor is not None
    second = client.get("/staff/payments/?" + cursor.group(1).replace("&amp;", "&"))
    references = CASE_LINK.findall(first) + CASE_LINK.findall(second.content.decode())
    assert len(references) == len(set(references)) == 55
    assert twins <= set(references)
    assert "Older payments" not in second.content.decode()

    paid = client.get("/staff/payments/?status=success").content.decode()
    assert len(CASE_LINK.findall(paid)) == 27
    garden = client.get("/staff/payments/?service=garden-waste").content.decode()
    assert len(CASE_LINK.findall(garden)) == 18


@pytest.mark.parametrize(
    "query",
    [
        "status=<script>",
        "status=success' OR 1=1--",
        "service=%00",
        "service=" + "x" * 5000,
        "before=garbage",
        "before=2026-01-01T00:00:00_not-a-uuid",
        "before=2026-01-01T00:00:00_00000000-0000-0000-0000-000000000000",
        "before=" + "9" * 5000,
    ],
)
def test_hostile_list_filters_show_the_first_page(client, signed_in, finance, query):
    payment = PaymentFactory(succeeded=True)
    signed_in(finance)
    response = client.get(f"/staff/payments/?{query}")
    assert response.status_code == 200
    assert payment.case_reference in response.content.decode()
    assert "<script>" not in response.content.decode().split("</h1>", 1)[1]


def test_a_payment_shows_its_refunds(client, signed_in, finance):
    payment = PaymentFactory(succeeded=True, amount_pence=5000)
    RefundFactory(payment=payment, amount_pence=1250, settled_on=datetime.date(2026, 3, 4))
    RefundFactory(
        payment=payment,
        amount_pence=300,
        status="error",
        settled_on=None,
        last_error="P0603: The payment is not available for refund",
    )
    signed_in(finance)
    page = client.get(f"/staff/payments/{payment.id}/").content.decode()
    assert "£12.50" in page
    assert "£3" in page
    assert "4 March 2026" in page
    assert "P0603: The payment is not available for refund" in page
    assert "Paid twice" not in page  # the reasons stay sealed
    assert "Left to refund" in page
    assert "£34.50" in page
    assert 'name="amount"' in page


def test_finance_and_auditors_find_payments_in_the_menu_and_caseworkers_do_not(
    client, signed_in, finance, auditor, caseworker
):
    for person, shown in ((finance, True), (auditor, True), (caseworker, False)):
        client.logout()
        signed_in(person)
        page = client.get("/staff/").content.decode()
        assert ('href="/staff/payments/"' in page) is shown


def test_an_auditor_reads_payments_but_is_offered_no_refund(client, signed_in, auditor):
    payment = PaymentFactory(succeeded=True)
    signed_in(auditor)
    assert client.get("/staff/payments/").status_code == 200
    page = client.get(f"/staff/payments/{payment.id}/").content.decode()
    assert 'name="amount"' not in page
    response = client.post(
        f"/staff/payments/{payment.id}/refund", {"amount": "1.00", "reason": "Paid twice"}
    )
    assert response.status_code == 403
    assert not payment.refunds.exists()


def test_a_caseworker_cannot_see_payments(client, signed_in, caseworker):
    payment = PaymentFactory(succeeded=True)
    signed_in(caseworker)
    assert client.get("/staff/payments/").status_code == 403
    assert client.get(f"/staff/payments/{payment.id}/").status_code == 403
    assert client.get("/staff/payments/reconciliation/").status_code == 403


def test_the_list_takes_as_many_queries_for_fifty_payments_as_for_one(client, signed_in, finance):
    PaymentFactory(succeeded=True)
    signed_in(finance)
    with CaptureQueriesContext(connection) as one:
        client.get("/staff/payments/")
    for _ in range(49):
        RefundFactory(payment=PaymentFactory(succeeded=True), amount_pence=100)
    with CaptureQueriesContext(connection) as fifty:
        page = client.get("/staff/payments/").content.decode()
    assert len(CASE_LINK.findall(page)) == 50
    assert len(fifty) == len(one)
