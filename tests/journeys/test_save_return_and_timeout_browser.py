"""Saving and coming back, the timeout warning and a staff preview, in a real browser.

Every new page is checked with axe-core for WCAG 2.2 A and AA.
"""

import re

import pytest
from playwright.sync_api import expect

from civitas.catalogue.public import publish_service_file
from civitas.journeys.tests.versions import NEW_LABEL, changed_permit
from conftest import current_code, make_staff, run_queued_jobs
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = "/services/example-borough/resident-parking-permit"


def answer_the_address(page, base: str) -> None:
    """The first page: an address found by postcode and chosen from the list."""
    page.goto(f"{base}{SERVICE}/address/")
    page.get_by_label("Postcode").fill("EB1 1AA")
    page.get_by_role("button", name="Find address").click()
    page.get_by_label("1 Station Road, Eastbury").check()
    page.get_by_role("button", name="Continue").click()


def test_a_resident_saves_and_comes_back_through_the_emailed_link(
    live_server, parking_permit, smtp_inbox
):
    base = live_server.url
    with browser_page() as page:
        answer_the_address(page, base)
        page.get_by_role("link", name="Save and come back later").click()
        assert_accessible(page, "save-01-email")
        page.get_by_role("button", name="Save and send link").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(page, "save-02-email-error")
        page.get_by_label("Save your answers and come back later").fill("resident@example.com")
        page.get_by_role("button", name="Save and send link").click()
        expect(page.get_by_role("heading", name="Your answers have been saved")).to_be_visible()
        assert_accessible(page, "save-03-saved")

    run_queued_jobs()
    [received] = smtp_inbox.wait_for(1)
    text = next(
        part.get_payload(decode=True).decode()
        for part in received.walk()
        if part.get_content_type() == "text/plain"
    )
    [link] = re.findall(r"https?://\S+/return/\S+/", text)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    with browser_page() as page:  # another browser: nothing in its session
        page.goto(f"{base}{path}")
        assert_accessible(page, "save-04-return")
        page.get_by_role("button", name="Continue with your application").click()
        expect(page.get_by_label("What is your vehicle's registration number?")).to_be_visible()
        page.goto(f"{base}{path}")
        expect(page.get_by_role("heading", name="This link has already been used")).to_be_visible()
        assert_accessible(page, "save-05-used")


def test_the_timeout_warning_keeps_the_journey_when_the_citizen_continues(
    live_server, parking_permit, settings
):
    settings.JOURNEY_TIMEOUT_MINUTES = 1
    # The warning shows 10 seconds after a page opens, and 10 seconds after Continue.
    settings.JOURNEY_TIMEOUT_WARNING_SECONDS = 50
    with browser_page() as page:
        answer_the_address(page, live_server.url)
        dialog = page.get_by_role("dialog", name="We are about to delete your answers")
        expect(dialog).to_be_visible(timeout=20_000)
        expect(dialog.get_by_role("button", name="Continue with your application")).to_be_focused()
        assert_accessible(page, "timeout-01-warning")
        dialog.get_by_role("button", name="Continue with your application").click()
        expect(dialog).to_be_hidden()
        page.get_by_label("What is your vehicle's registration number?").fill("CU57 ABC")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_text("What is your vehicle's CO2 emissions band?")).to_be_visible()


def test_the_timeout_warning_gives_way_to_the_timed_out_page(live_server, parking_permit, settings):
    settings.JOURNEY_TIMEOUT_MINUTES = 30
    with browser_page() as page:
        page.clock.install()
        answer_the_address(page, live_server.url)
        page.clock.fast_forward("28:00")
        dialog = page.get_by_role("dialog", name="We are about to delete your answers")
        expect(dialog).to_be_visible()
        page.clock.fast_forward("02:00")
        expect(page.get_by_role("heading", name="Your application has timed out")).to_be_visible()
        assert_accessible(page, "timeout-02-timed-out")
        page.go_back()
        # The answers went with the journey.
        expect(page.get_by_label("Postcode")).to_be_visible()


def test_without_javascript_the_page_says_when_answers_go_and_a_page_follows(
    live_server, parking_permit, settings
):
    settings.JOURNEY_TIMEOUT_MINUTES = 1
    with browser_page(javascript=False) as page:
        answer_the_address(page, live_server.url)
        expect(
            page.get_by_text("We will delete your answers if you do nothing for 1 minutes")
        ).to_be_visible()
        expect(page.get_by_role("dialog")).to_have_count(0)
        settings.JOURNEY_TIMEOUT_MINUTES = 0
        page.get_by_label("What is your vehicle's registration number?").fill("CU57 ABC")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="Your application has timed out")).to_be_visible()


def test_a_service_owner_previews_a_draft(live_server, parking_permit, tmp_path):
    owner = make_staff("owner@example.gov.uk", "service_owner")
    publish_service_file(changed_permit(tmp_path), published_by="test", draft=True)
    base = live_server.url
    with browser_page() as page:
        page.goto(f"{base}/staff/preview/resident-parking-permit/2/")
        page.get_by_label("Email address").fill(owner.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_text("This is a preview of draft version 2")).to_be_visible()
        assert_accessible(page, "preview-01-start")
        page.get_by_role("button", name="Start now").click()
        page.get_by_label("Postcode").fill("EB1 1AA")
        page.get_by_role("button", name="Find address").click()
        page.get_by_label("1 Station Road, Eastbury").check()
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_label(NEW_LABEL)).to_be_visible()
        expect(page.get_by_text("This is a preview of draft version 2")).to_be_visible()
        assert_accessible(page, "preview-02-question")
