"""Finance staff in the browser: the payments, one payment, a refund typed wrongly then
rightly, and the day's reconciliation. Every page is checked with axe-core for WCAG 2.2
A and AA."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civitas.pay.tests.factories import PaymentFactory
from conftest import current_code, make_staff
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_finance_refunds_a_payment_and_reads_the_reconciliation(live_server, govuk_pay):
    finance = make_staff("finance@example.gov.uk", "finance")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    payment = PaymentFactory(succeeded=True, amount_pence=4000)
    govuk_pay.hold_payment(
        payment.provider_payment_id, 4000, payment.case_reference, settled_on=yesterday
    )
    with browser_page() as page:
        page.goto(f"{live_server.url}/staff/")
        page.get_by_label("Email address").fill(finance.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("link", name="Payments").first.click()
        expect(page.get_by_role("heading", name="Payments")).to_be_visible()
        assert_accessible(page, "finance-01-payments")

        page.locator(f'a[href="/staff/payments/{payment.id}/"]').click()
        expect(page.get_by_text("Left to refund")).to_be_visible()
        assert_accessible(page, "finance-02-payment")

        page.get_by_label("Amount to refund").fill("12.505")
        page.get_by_role("button", name="Refund").click()
        expect(page.get_by_text("There is a problem")).to_be_visible()
        assert_accessible(page, "finance-03-refund-errors")

        page.get_by_label("Amount to refund").fill("12.50")
        page.get_by_label("Reason for the refund").fill("Paid twice")
        page.get_by_role("button", name="Refund").click()
        expect(page.get_by_text("Refund of £12.50 requested")).to_be_visible()
        assert_accessible(page, "finance-04-refunded")

        page.goto(f"{live_server.url}/staff/payments/reconciliation/")
        expect(page.get_by_role("heading", name="Matched")).to_be_visible()
        assert_accessible(page, "finance-05-reconciliation")
