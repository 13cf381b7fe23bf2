"""A service owner looks at the messaging component's pages in the browser: the sending
services with their use against their limits, one service, and a template's previews.
Every page is checked with axe-core for WCAG 2.2 A and AA."""

import pytest
from playwright.sync_api import expect

from conftest import current_code
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_service_owner_reads_the_sending_services_and_previews_a_template(
    live_server, parking_permit, service_owner
):
    with browser_page() as page:
        page.goto(f"{live_server.url}/staff/")
        page.get_by_label("Email address").fill(service_owner.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()
        page.goto(f"{live_server.url}/staff/messages/services/")
        assert_accessible(page, "messaging-01-services")
        page.get_by_role("link", name="Apply for a resident parking permit").click()
        expect(page.get_by_role("heading", name="Templates")).to_be_visible()
        assert_accessible(page, "messaging-02-service")
        page.get_by_role("link", name="Permit expiring", exact=True).click()
        expect(page.get_by_text("Preview in Welsh")).to_be_visible()
        assert_accessible(page, "messaging-03-template")
        page.go_back()
        page.get_by_role("link", name="Permit expiring text").click()
        expect(page.get_by_text("Charged as").first).to_be_visible()
        assert_accessible(page, "messaging-04-text-template")
