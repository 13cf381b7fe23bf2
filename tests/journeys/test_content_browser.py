"""The pages a service's own content makes, in a real browser, checked with axe-core for
WCAG 2.2 A and AA: check answers with the declaration (and its error), the privacy
notice, and the confirmation with what happens next."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import assert_accessible, browser_page
from tests.pay_sandbox import pay_on_hosted_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = "/services/example-borough/resident-parking-permit"


def _answer_every_question(page, base: str) -> None:
    start = timezone.localdate() + datetime.timedelta(days=10)
    page.goto(f"{base}{SERVICE}/address/")
    page.get_by_label("Postcode").fill("EB1 1AA")
    page.get_by_role("button", name="Find address").click()
    page.get_by_label("1 Station Road, Eastbury").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("What is your vehicle's registration number?").fill("cu57abc")
    page.get_by_role("button", name="Continue").click()
    for choice in ("Band C: 111 to 120g/km", "12 months"):
        page.get_by_label(choice).check()
        page.get_by_role("button", name="Continue").click()
    page.get_by_label("Day").fill(str(start.day))
    page.get_by_label("Month").fill(str(start.month))
    page.get_by_label("Year").fill(str(start.year))
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("None").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("No").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Email address").fill("resident@example.com")
    page.get_by_role("button", name="Continue").click()


def test_the_content_pages_are_accessible_and_the_declaration_is_on_check_answers(
    live_server, parking_permit, payments
):
    base = live_server.url
    with browser_page() as page:
        page.goto(f"{base}{SERVICE}/")
        page.get_by_role("link", name="How we use your information (privacy notice)").click()
        expect(page.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
        expect(page.get_by_text("Registration number")).to_be_visible()
        assert page.title() == (
            "Privacy notice – Apply for a resident parking permit – Example Borough Council"
        )
        assert_accessible(page, "content-01-privacy")

        _answer_every_question(page, base)
        expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
        expect(page.get_by_text("CU57 ABC")).to_be_visible()
        expect(page.get_by_role("heading", name="Permit fee")).to_be_visible()
        assert_accessible(page, "content-02-check-answers")

        # Sending without the declaration ticked: the GOV.UK error, on check answers.
        page.get_by_role("button", name="Accept and pay").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert page.title().startswith("Error: Check your answers")
        assert_accessible(page, "content-03-check-answers-error")
        page.get_by_role(
            "link", name="Confirm that the information you have given is correct"
        ).click()
        page.get_by_label("I confirm the information I have given is correct").check()
        page.get_by_role("button", name="Accept and pay").click()
        pay_on_hosted_page(page)

        expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
        expect(page.get_by_text("within 5 working days")).to_be_visible()
        assert_accessible(page, "content-04-confirmation")

        # Check answers after sending (a bookmark, or Back to a page the browser had not
        # posted) shows the confirmation, never a blank application.
        page.goto(f"{base}{SERVICE}/check-answers/")
        expect(page.get_by_role("heading", name="What happens next")).to_be_visible()
