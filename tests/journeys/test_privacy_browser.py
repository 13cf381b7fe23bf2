"""Privacy in a real browser, checked with axe-core for WCAG 2.2 A and AA: the platform's
privacy notice from the footer, in English and Welsh, and a caseworker showing a case's
sensitive answers with the deliberate button (a plain form post)."""

import pytest
from playwright.sync_api import expect

from civitas.cases.services import submit_application
from civitas.platform.models import AuditEvent
from conftest import SERVICES, current_code, make_staff, publish_example
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_privacy_notice_is_reached_from_the_footer_in_english_and_welsh(live_server):
    publish_example(SERVICES / "blue-badge" / "service.yaml")
    base = live_server.url
    with browser_page(width=375) as page:
        page.goto(f"{base}/")
        page.locator(".govuk-footer").get_by_role("link", name="Privacy").click()
        expect(page.get_by_role("heading", name="Privacy notice", level=1)).to_be_visible()
        expect(page.get_by_text("3 years after the application is closed")).to_be_visible()
        expect(
            page.get_by_role("link", name="complain to the Information Commissioner's Office (ICO)")
        ).to_be_visible()
        assert_accessible(page, "privacy-01-notice")
        page.goto(f"{base}/language/cy/?next=/privacy")
        expect(page.get_by_role("heading", name="Hysbysiad preifatrwydd", level=1)).to_be_visible()
        expect(page.get_by_text("Sut i gwyno")).to_be_visible()
        assert_accessible(page, "privacy-02-notice-welsh")


def test_a_caseworker_shows_a_cases_sensitive_answers_on_purpose(live_server):
    service = publish_example(SERVICES / "blue-badge" / "service.yaml")
    case = submit_application(
        service=service,
        answers={
            "applying_for": "myself",
            "holder_name": "Siân Jones",
            "date_of_birth": "1960-03-27",
            "national_insurance_number": "QQ123456C",
            "address": "1 Station Road\nEastbury\nEB1 1AA",
            "email": "holder@example.com",
            "benefit": "none",
            "walking_distance": "under_50m",
            "walking_description": "I use a frame",
        },
        fee_pence=1000,
    )
    worker = make_staff("worker@example.gov.uk", "caseworker")
    base = live_server.url
    with browser_page() as page:
        page.goto(f"{base}/staff/")
        page.get_by_label("Email address").fill(worker.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()
        page.goto(f"{base}/staff/cases/{case.reference}/")
        expect(page.get_by_text("Siân Jones")).to_be_visible()
        expect(page.get_by_text("I use a frame")).to_have_count(0)
        assert_accessible(page, "privacy-03-case-hidden")
        page.get_by_role("button", name="Show sensitive answers").click()
        expect(page.get_by_role("heading", name="Sensitive answers")).to_be_visible()
        expect(page.get_by_text("I use a frame")).to_be_visible()
        assert_accessible(page, "privacy-04-sensitive-shown")
    assert AuditEvent.objects.filter(action="case.sensitive_answers_shown").count() == 1
