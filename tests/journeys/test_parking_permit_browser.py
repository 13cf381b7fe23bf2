"""A resident applies for a parking permit in a real browser; a caseworker approves it.

Every page visited is checked with axe-core for WCAG 2.2 A and AA.
"""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import current_code, run_queued_jobs
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_applies_and_caseworker_approves(
    live_server, parking_permit, caseworker, smtp_inbox
):
    base = live_server.url
    start = timezone.localdate() + datetime.timedelta(days=10)
    with browser_page() as page:
        page.goto(f"{base}/services/example-borough/resident-parking-permit/")
        assert_accessible(page, "01-start")
        page.get_by_role("button", name="Start now").click()

        # A mistake first: the error summary appears, linked to the field.
        assert_accessible(page, "02-postcode")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert page.title().startswith("Error:")
        assert_accessible(page, "03-postcode-error")
        page.get_by_label("What is the postcode").fill("eb1 1aa")
        page.get_by_role("button", name="Continue").click()

        page.get_by_label("What is the first line of your address?").fill("12 Station Road")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("What is your vehicle's registration number?").fill("CU57 ABC")
        page.get_by_role("button", name="Continue").click()
        assert_accessible(page, "04-emissions")
        page.get_by_label("Band C: 111 to 120g/km").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("12 months").check()
        page.get_by_role("button", name="Continue").click()
        assert_accessible(page, "05-start-date")
        page.get_by_label("Day").fill(str(start.day))
        page.get_by_label("Month").fill(str(start.month))
        page.get_by_label("Year").fill(str(start.year))
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("None").check()
        page.get_by_role("button", name="Continue").click()
        assert_accessible(page, "05-blue-badge")
        page.get_by_label("No").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("What is your email address?").fill("resident@example.com")
        page.get_by_role("button", name="Continue").click()

        # Check answers shows the fee from the rules, and how it was worked out.
        expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
        fee = page.locator("#fee-explanation")
        assert "£140" in page.content()
        expect(fee.get_by_role("heading", name="How we worked out the fee")).to_be_visible()
        expect(
            fee.get_by_text(
                "The fee for a 12-month permit for a band C vehicle from 1 April 2026 is £140."
            )
        ).to_be_visible()
        expect(fee.get_by_text("Fee to pay: £140.")).to_be_visible()
        expect(
            fee.get_by_text(f"as they apply on {start.day} {start:%B} {start.year}")
        ).to_be_visible()
        assert_accessible(page, "06-check-answers")

        # Changing an answer the rules take changes the fee and its explanation.
        page.get_by_role("link", name="Change Blue Badge").click()
        page.get_by_label("Yes").check()
        page.get_by_role("button", name="Continue").click()
        expect(
            fee.get_by_text("As you hold a Blue Badge, the fee is reduced by 50% (£70).")
        ).to_be_visible()
        page.get_by_role("link", name="Change CO2 emissions band").click()
        page.get_by_label("Fully electric").check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
        assert "Fully electric" in page.content()
        expect(fee.get_by_text("Fee to pay: £15.")).to_be_visible()
        assert_accessible(page, "06-check-answers-changed")

        # The declaration is on check answers, under "Now send your application".
        expect(page.get_by_role("heading", name="Now send your application")).to_be_visible()
        page.get_by_label("I confirm the information I have given is correct").check()
        page.get_by_role("button", name="Accept and send").click()
        assert_accessible(page, "08-confirmation")
        reference = page.locator(".civitas-reference").inner_text()
        assert re.fullmatch(r"[2-9A-Y]{3}-[2-9A-Y]{3}-[2-9A-Y]{3}", reference)

        run_queued_jobs()
        [received] = smtp_inbox.wait_for(1)
        assert reference in received["Subject"]

        # The caseworker signs in with a password and a code, and approves.
        page.goto(f"{base}/staff/")
        assert_accessible(page, "09-sign-in")
        page.get_by_label("Email address").fill(caseworker.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        assert_accessible(page, "10-code")
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("link", name="Cases").first.click()
        assert_accessible(page, "11-cases")
        page.get_by_role("link", name=reference).click()
        # Waits for the page to load: its content sampled at once can be half parsed.
        expect(page.get_by_text("resident@example.com").first).to_be_visible()
        assert_accessible(page, "12-case")
        page.get_by_label("Approve").check()
        page.get_by_role("button", name="Save decision").click()
        expect(page.get_by_text("Approved by")).to_be_visible()
        assert_accessible(page, "13-case-decided")

        run_queued_jobs()
        messages = smtp_inbox.wait_for(2)
        assert "has been approved" in messages[1]["Subject"]

        page.goto(f"{base}/staff/messages/")
        assert_accessible(page, "14-sent-emails")
        expect(
            page.get_by_text(f"Your parking permit application {reference} has been approved")
        ).to_be_visible()


def test_a_household_at_the_permit_limit_is_told_why_it_cannot_apply(live_server, parking_permit):
    start = timezone.localdate() + datetime.timedelta(days=3)
    with browser_page() as page:
        page.goto(f"{live_server.url}/services/example-borough/resident-parking-permit/postcode/")
        steps = [
            ("What is the postcode", "EB1 1AA"),
            ("What is the first line of your address?", "12 Station Road"),
            ("What is your vehicle's registration number?", "CU57 ABC"),
        ]
        for label, text in steps:
            page.get_by_label(label).fill(text)
            page.get_by_role("button", name="Continue").click()
        page.get_by_label("Band A: up to 100g/km").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("6 months").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Day").fill(str(start.day))
        page.get_by_label("Month").fill(str(start.month))
        page.get_by_label("Year").fill(str(start.year))
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("3 or more").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("No").check()
        page.get_by_role("button", name="Continue").click()

        expect(
            page.get_by_role("heading", name="You cannot have a resident parking permit")
        ).to_be_visible()
        why = page.locator("#rules-explanation")
        expect(
            why.get_by_text(
                "Your household already has 3 permits, and a household can have at most 3."
            )
        ).to_be_visible()
        assert_accessible(page, "15-cannot-have-a-permit")

        # Going back and correcting the answer carries on to the rest of the questions.
        page.get_by_role("link", name="Back", exact=True).click()
        page.get_by_role("link", name="Back", exact=True).click()
        page.get_by_label("1", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_role("button", name="Continue").click()  # Blue Badge: still "No"
        expect(page.get_by_label("What is your email address?")).to_be_visible()


def test_the_journey_reads_well_on_a_phone(live_server, parking_permit):
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}/services/example-borough/resident-parking-permit/")
        page.get_by_role("button", name="Start now").click()
        assert_accessible(page, "phone-postcode")
        # No horizontal scrolling at 375 CSS pixels (WCAG 1.4.10 reflow).
        assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_page_chrome_switches_to_welsh(live_server, parking_permit):
    with browser_page() as page:
        page.goto(f"{live_server.url}/services/example-borough/resident-parking-permit/")
        page.get_by_role("link", name="Cymraeg").click()
        assert page.locator("html").get_attribute("lang") == "cy"
        expect(page.get_by_role("button", name="Dechrau nawr")).to_be_visible()
        assert "Datganiad hygyrchedd" in page.content()
        assert_accessible(page, "welsh-start")
