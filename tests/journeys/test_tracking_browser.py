"""A citizen tracks their application in the browser: reference, emailed code, progress.
Every page is checked with axe-core for WCAG 2.2 A and AA."""

import re

import pytest
from playwright.sync_api import expect

from civitas.cases.services import submit_application
from civitas.cases.tests.factories import ANSWERS
from conftest import run_queued_jobs
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_tracks_their_application_on_a_phone(
    live_server, parking_permit, smtp_inbox, payments
):
    case = submit_application(service=parking_permit, answers=dict(ANSWERS), fee_pence=100)
    payments.pay(case.reference)
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}/applications/")
        assert_accessible(page, "track-01-reference")
        page.get_by_role("button", name="Send me a code").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter your application reference"
        )
        assert_accessible(page, "track-02-reference-error")
        page.get_by_label("Track your application").fill(case.reference)
        page.get_by_role("button", name="Send me a code").click()
        expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
        assert_accessible(page, "track-03-code")

        run_queued_jobs()
        # The application's own emails (sent once it was paid, with the receipt), then the code.
        received = next(
            message
            for message in smtp_inbox.wait_for(3)
            if message["Subject"] == "Your code to see your application"
        )
        text = next(
            part.get_payload(decode=True).decode()
            for part in received.walk()
            if part.get_content_type() == "text/plain"
        )
        code = re.search(r"\b(\d{6})\b", text).group(1)
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".civitas-reference")).to_have_text(case.reference)
        expect(page.get_by_text("We received your application on")).to_be_visible()
        assert_accessible(page, "track-04-progress")
