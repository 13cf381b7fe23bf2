"""A cross-field check in the browser: the error summary names the problem, its link goes
to the field that can fix it, and the page passes axe-core's WCAG 2.2 A and AA rules."""

import textwrap

import pytest
from playwright.sync_api import expect

from civitas.catalogue.public import publish_service_file
from civitas.journeys.tests.test_logic import STREET_PARTY
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def street_party(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(STREET_PARTY))
    publish_service_file(path, published_by="test")


def test_a_failed_check_is_shown_at_the_field_that_can_fix_it(live_server, street_party):
    base = f"{live_server.url}/services/example-borough/street-party"

    def answer(label: str, value: str) -> None:
        page.get_by_label(label).fill(value)
        page.get_by_role("button", name="Continue").click()

    with browser_page(width=375) as page:
        page.goto(f"{base}/vehicles/")
        answer("How many vehicles need moving?", "3")
        page.get_by_label("Residential").check()
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Day").fill("6")
        page.get_by_label("Month").fill("6")
        page.get_by_label("Year").fill("2030")
        page.get_by_role("button", name="Continue").click()
        answer("What time does it start?", "14:00")
        answer("What time does it end?", "1pm")

        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("The end time must be after the start time")
        expect(page.locator("#end_time-error")).to_contain_text(
            "The end time must be after the start time"
        )
        assert_accessible(page, "cross-field-check-error")
        summary.get_by_role("link", name="The end time must be after the start time").click()
        expect(page.get_by_label("What time does it end?")).to_be_focused()

        page.get_by_label("What time does it end?").fill("6pm")
        page.get_by_role("button", name="Continue").click()
        expect(page.get_by_role("heading", name="What is your date of birth?")).to_be_visible()
