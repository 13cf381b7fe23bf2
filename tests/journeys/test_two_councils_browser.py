"""Two councils run a service of the same name; a citizen finds theirs, and a member of
staff who works for both chooses one at a time. Every page is checked with axe-core."""

import pytest
from playwright.sync_api import expect

from conftest import current_code, make_staff
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_chooses_their_council_and_staff_work_for_one_council_at_a_time(
    live_server, parking_permit, other_council_permit
):
    make_staff("shared@example.gov.uk", "caseworker", "example-borough")
    person = make_staff("shared@example.gov.uk", "caseworker", "sample-district")
    base = live_server.url
    with browser_page(width=375) as page:
        page.goto(f"{base}/services/resident-parking-permit/")
        assert_accessible(page, "two-councils-choose")
        page.get_by_role("link", name="Sample District Council").click()
        expect(page.locator(".govuk-header__product-name")).to_have_text("Sample District Council")
        assert_accessible(page, "two-councils-start")

        page.goto(f"{base}/staff/sign-in")
        page.get_by_label("Email address").fill(person.email)
        page.get_by_label("Password").fill("correct-horse-battery")
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Enter your security code").fill(current_code())
        page.get_by_role("button", name="Continue").click()

        expect(page.get_by_role("heading", name="Which organisation are you working for?"))
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        assert_accessible(page, "two-councils-staff-choose-error")
        page.get_by_label("Sample District Council").check()
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-header__product-name")).to_have_text("Sample District Council")
        assert_accessible(page, "two-councils-staff-home")

        page.get_by_role("link", name="Switch organisation").click()
        page.get_by_label("Example Borough Council").check()
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-header__product-name")).to_have_text("Example Borough Council")
