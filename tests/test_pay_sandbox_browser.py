"""The payment sandbox's card pages in a browser: paying, the error summary, 3-D Secure
and the confirm page, each passing axe-core's WCAG 2.2 A and AA rules, with and without
JavaScript (the pages have none)."""

import pytest
from playwright.sync_api import expect

from tests.browser import assert_accessible, browser_page
from tests.pay_sandbox import NEEDS_3DS, SUCCEEDS, pay_on_hosted_page

pytestmark = pytest.mark.browser


def _service_page(sandbox) -> str:
    """A page to come back to: any the sandbox serves will do for the test."""
    return f"{sandbox.url}/static/govuk/assets/manifest.json"


def test_a_payer_pays_on_accessible_card_and_confirm_pages(pay_sandbox):
    payment = pay_sandbox.create_payment(return_url=_service_page(pay_sandbox))
    with browser_page() as page:
        page.goto(payment["_links"]["next_url"]["href"])
        expect(page.get_by_role("heading", name="Enter card details")).to_be_visible()
        expect(page.get_by_text("£12.50")).to_be_visible()
        assert_accessible(page, "pay-sandbox-card-details")

        page.get_by_label("Card number").fill(SUCCEEDS)
        page.get_by_label("Month").fill("12")
        page.get_by_label("Year").fill("2040")
        page.get_by_label("Name on card").fill("Sam Payer")
        page.get_by_label("Card security code").fill("123")
        page.get_by_label("Address line 1").fill("12 Station Road")
        page.get_by_label("Town or city").fill("Example Town")
        page.get_by_label("Postcode").fill("EB1 1AA")
        page.get_by_label("Email").fill("sam.payer@example.com")
        page.get_by_role("button", name="Continue").click()

        expect(page.get_by_role("heading", name="Confirm your payment")).to_be_visible()
        expect(page.get_by_text("Card ending in 1111")).to_be_visible()
        assert_accessible(page, "pay-sandbox-confirm")
        page.get_by_role("button", name="Confirm payment").click()

        expect(page).to_have_url(_service_page(pay_sandbox))
    assert pay_sandbox.get_payment(payment["payment_id"])["state"]["status"] == "success"


def test_the_error_summary_is_accessible_and_links_to_each_field(pay_sandbox):
    payment = pay_sandbox.create_payment()
    with browser_page(width=375) as page:
        page.goto(payment["_links"]["next_url"]["href"])
        page.get_by_role("button", name="Continue").click()

        summary = page.locator(".govuk-error-summary")
        expect(summary.get_by_role("link", name="Enter a card number")).to_be_visible()
        expect(page).to_have_title("Error: Enter card details – Pay")
        assert_accessible(page, "pay-sandbox-card-details-errors")
        summary.get_by_role("link", name="Enter the name as it appears on the card").click()
        expect(page.get_by_label("Name on card")).to_be_focused()


def test_the_3ds_page_is_accessible_and_lets_the_payer_through(pay_sandbox):
    payment = pay_sandbox.create_payment(return_url=_service_page(pay_sandbox))
    with browser_page() as page:
        page.goto(payment["_links"]["next_url"]["href"])
        page.locator("#card_number").fill(NEEDS_3DS)
        for selector, value in [
            ("#expiry_month", "12"),
            ("#expiry_year", "2040"),
            ("#cardholder_name", "Sam Payer"),
            ("#security_code", "123"),
            ("#address_line_1", "12 Station Road"),
            ("#address_city", "Example Town"),
            ("#address_postcode", "EB1 1AA"),
            ("#email", "sam.payer@example.com"),
        ]:
            page.locator(selector).fill(value)
        page.get_by_role("button", name="Continue").click()

        expect(page.get_by_role("heading", name="Confirm it’s you")).to_be_visible()
        assert_accessible(page, "pay-sandbox-3ds")
        page.get_by_role("button", name="Complete authentication").click()
        expect(page.get_by_role("heading", name="Confirm your payment")).to_be_visible()


def test_the_helper_pays_in_welsh_through_3ds(pay_sandbox):
    payment = pay_sandbox.create_payment(language="cy", return_url=_service_page(pay_sandbox))
    with browser_page() as page:
        page.goto(payment["_links"]["next_url"]["href"])
        expect(page.get_by_role("heading", name="Rhowch fanylion y cerdyn")).to_be_visible()
        assert_accessible(page, "pay-sandbox-card-details-welsh")

        pay_on_hosted_page(page, NEEDS_3DS)

        expect(page).to_have_url(_service_page(pay_sandbox))
    assert pay_sandbox.get_payment(payment["payment_id"])["state"]["status"] == "success"


def test_the_ended_and_declined_pages_are_accessible(pay_sandbox):
    payment = pay_sandbox.create_payment(return_url=_service_page(pay_sandbox))
    with browser_page() as page:
        page.goto(payment["_links"]["next_url"]["href"])
        pay_on_hosted_page(page, "4000000000000002")
        expect(page.get_by_role("heading", name="Your payment has been declined")).to_be_visible()
        assert_accessible(page, "pay-sandbox-declined")

        page.goto(payment["_links"]["next_url"]["href"])
        expect(page.get_by_role("heading", name="Your payment session has ended")).to_be_visible()
        assert_accessible(page, "pay-sandbox-ended")


def test_paying_needs_no_javascript(pay_sandbox):
    payment = pay_sandbox.create_payment(return_url=_service_page(pay_sandbox))
    with browser_page(javascript=False) as page:
        page.goto(payment["_links"]["next_url"]["href"])

        pay_on_hosted_page(page, SUCCEEDS)

        expect(page).to_have_url(_service_page(pay_sandbox))
    assert pay_sandbox.get_payment(payment["payment_id"])["state"]["status"] == "success"
