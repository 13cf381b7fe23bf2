"""A resident pays the parking permit's fee in a real browser: on the sandbox's card
pages and back, after a declined card, through 3-D Secure, cancelling, and closing the
browser after paying. Every page, ours and the sandbox's, is checked with axe-core for
WCAG 2.2 A and AA."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from civitas.cases.models import Case
from civitas.notify.models import Message
from civitas.pay.models import Payment
from tests.browser import assert_accessible, browser_page
from tests.pay_sandbox import DECLINED, NEEDS_3DS, SUCCEEDS, pay_on_hosted_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATH = "/services/example-borough/resident-parking-permit"


def apply(page, base: str, *, welsh: bool = False) -> None:
    """Answers every question of the permit by the fields' names, to check answers."""
    start = timezone.localdate() + datetime.timedelta(days=10)
    if welsh:
        page.goto(f"{base}/language/cy/?next={PATH}/address/")
    else:
        page.goto(f"{base}{PATH}/address/")
    page.locator("input[name=address-postcode]").fill("EB1 1AA")
    page.locator("button[name=address-action][value=find]").click()
    page.locator("input[name=address-uprn]").first.check()
    page.locator("button[name=address-action][value=continue]").click()
    steps = [
        ("input[name=registration]", "CU57 ABC"),
        ("input[name=co2_band][value=C]", None),
        ("input[name=permit_months][value='12']", None),
        ("start", None),
        ("input[name=permits_in_household][value='0']", None),
        ("input[name=has_blue_badge][value=no]", None),
        ("input[name=email]", "resident@example.com"),
    ]
    for selector, value in steps:
        if selector == "start":
            page.locator("input[name=start_date-day]").fill(str(start.day))
            page.locator("input[name=start_date-month]").fill(str(start.month))
            page.locator("input[name=start_date-year]").fill(str(start.year))
        elif value is None:
            page.locator(selector).check()
        else:
            page.locator(selector).fill(value)
        page.locator(
            "main button.govuk-button[type=submit], main button.govuk-button"
        ).first.click()


def accept_and_pay(page) -> None:
    page.locator("input[name=confirm]").check()
    page.get_by_role("button", name="Accept and pay").click()


def test_a_resident_pays_and_gets_a_receipt(live_server, parking_permit, payments):
    with browser_page() as page:
        apply(page, live_server.url)
        expect(page.get_by_role("button", name="Accept and pay")).to_be_visible()
        assert_accessible(page, "pay-01-check-answers")
        accept_and_pay(page)
        # On the provider's card page, with the amount the rules decided.
        assert page.url.startswith(payments.sandbox.url)
        expect(page.get_by_text("£140")).to_be_visible()
        assert_accessible(page, "pay-02-card-page")
        pay_on_hosted_page(page, SUCCEEDS)
        expect(page.get_by_role("heading", name="Application complete")).to_be_visible()
        expect(page.locator("#payment-status")).to_contain_text(
            "We have received your payment of £140"
        )
        assert_accessible(page, "pay-03-confirmation")
        reference = page.locator(".civitas-reference").inner_text()
    case = Case.objects.get(reference=reference)
    assert case.status == "submitted"
    assert sorted(Message.objects.filter(about=reference).values_list("template", flat=True)) == [
        "payment-received",
        "submitted",
    ]


def test_a_declined_card_then_another_through_3d_secure(live_server, parking_permit, payments):
    with browser_page(width=375) as page:
        apply(page, live_server.url)
        accept_and_pay(page)
        pay_on_hosted_page(page, DECLINED)
        # The sandbox says it was declined, and links back to the service.
        assert_accessible(page, "pay-04-declined-at-provider")
        page.locator("main a.govuk-link").first.click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Your payment was declined. No money has been taken."
        )
        assert page.title().startswith("Error:")
        assert_accessible(page, "pay-05-declined")
        page.get_by_role("button", name="Try paying again").click()
        pay_on_hosted_page(page, NEEDS_3DS)
        expect(page.get_by_role("heading", name="Application complete")).to_be_visible()
        reference = page.locator(".civitas-reference").inner_text()
    statuses = sorted(
        Payment.objects.filter(case_reference=reference).values_list("status", flat=True)
    )
    assert statuses == ["failed", "success"]


def test_a_resident_who_cancels_can_pay_later_from_the_confirmation_page(
    live_server, parking_permit, payments
):
    with browser_page() as page:
        apply(page, live_server.url)
        accept_and_pay(page)
        pay_on_hosted_page(page, SUCCEEDS, confirm=False)
        expect(page.locator(".govuk-error-summary")).to_contain_text("You cancelled your payment")
        reference = Case.objects.get().reference
        page.goto(f"{live_server.url}{PATH}/confirmation/{reference}/")
        expect(page.get_by_role("heading", name="You have not paid yet")).to_be_visible()
        assert_accessible(page, "pay-06-not-paid-yet")
        page.get_by_role("button", name="Continue to payment").click()
        pay_on_hosted_page(page, SUCCEEDS)
        expect(page.get_by_role("heading", name="Application complete")).to_be_visible()
    assert Case.objects.get().status == "submitted"


def test_a_resident_who_closes_the_browser_after_paying_is_still_sent_on(
    live_server, parking_permit, payments
):
    from civitas.pay.public import poll_due_payments

    with browser_page() as page:
        apply(page, live_server.url)
        accept_and_pay(page)

        # Pays, and the browser is closed before the provider sends it back: the
        # provider's answer to "Confirm payment" (its redirect back) never reaches it.
        def confirm_then_close(route):
            answer = route.fetch(max_redirects=0)
            assert answer.status in (302, 303)
            route.fulfill(status=200, body="closed", content_type="text/plain")

        page.route("**/confirm", confirm_then_close)
        pay_on_hosted_page(page, SUCCEEDS)
    case = Case.objects.get()
    assert case.status == "awaiting_payment"
    Payment.objects.update(next_check_at=timezone.now())
    assert poll_due_payments(budget_seconds=10) == 1
    case.refresh_from_db()
    assert case.status == "submitted"
    assert Message.objects.filter(about=case.reference).count() == 2


def test_a_welsh_resident_pays_on_welsh_card_pages(live_server, parking_permit, payments):
    with browser_page() as page:
        apply(page, live_server.url, welsh=True)
        page.locator("input[name=confirm]").check()
        page.get_by_role("button", name="Derbyn a thalu").click()
        assert page.url.startswith(payments.sandbox.url)
        assert page.locator("html").get_attribute("lang") == "cy"
        assert_accessible(page, "pay-07-card-page-welsh")
        pay_on_hosted_page(page, SUCCEEDS)
        expect(page.locator("#payment-status")).to_contain_text("Rydym wedi cael eich taliad")
        assert_accessible(page, "pay-08-confirmation-welsh")
