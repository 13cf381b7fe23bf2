"""What the page's scripts write reads in Welsh on a Welsh page: the character count as
the resident types, and the time-out warning's countdown and what screen readers hear.
Every new page state is checked with axe-core for WCAG 2.2 A and AA."""

import re

import pytest
from playwright.sync_api import expect

from civitas.catalogue.tests.memory import REPO
from conftest import publish_example
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BULKY_WASTE = REPO / "services" / "bulky-waste-collection" / "service.yaml"
SERVICE = "/services/example-borough/bulky-waste-collection"
# "1 munud 30 eiliad", "1 munud", "45 eiliad": Welsh keeps the noun singular after digits.
WELSH_TIME_LEFT = re.compile(r"^(\d+ munud( \d+ eiliad)?|\d+ eiliad)$")


@pytest.fixture
def bulky_waste(db):
    return publish_example(BULKY_WASTE)


def _welsh_items_page(page, base: str) -> None:
    """Switches to Welsh and chooses an address, which leads to the items question (a
    long text with a 500 character limit)."""
    page.goto(f"{base}/language/cy/?next={SERVICE}/address/")
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    page.get_by_label("Cod post").fill("EB1 1AA")
    page.locator("button[value=find]").click()
    page.locator("input[name='collection_address-uprn']").first.check()
    page.locator("button[value=continue]").click()
    expect(page.locator("textarea")).to_be_visible()


def test_the_character_count_counts_in_welsh(live_server, bulky_waste):
    with browser_page() as page:
        _welsh_items_page(page, live_server.url)
        status = page.locator(".govuk-character-count__status")
        expect(status).to_have_text("Mae gennych 500 nod ar ôl")
        page.locator("textarea").fill("Soffa")
        expect(status).to_have_text("Mae gennych 495 nod ar ôl")
        page.locator("textarea").fill("x" * 502)
        expect(status).to_have_text("Mae gennych 2 nod yn ormod")
        page.locator("textarea").fill("x" * 500)
        expect(status).to_have_text("Mae gennych 0 nod ar ôl")
        page.locator("textarea").fill("x" * 499)
        expect(status).to_have_text("Mae gennych 1 nod ar ôl")
        assert_accessible(page, "welsh-01-character-count")


def test_the_time_out_warning_counts_down_in_welsh(live_server, bulky_waste, settings):
    settings.JOURNEY_TIMEOUT_MINUTES = 30
    with browser_page() as page:
        page.clock.install()
        _welsh_items_page(page, live_server.url)
        page.clock.fast_forward("28:00")
        dialog = page.get_by_role("dialog", name="Rydym ar fin dileu eich atebion")
        expect(dialog).to_be_visible()
        # The clock runs on, so the time left is whatever it is by now: its words are
        # what is checked.
        countdown = dialog.locator("[data-countdown]")
        expect(countdown).to_have_text(WELSH_TIME_LEFT)
        expect(dialog.locator("[data-countdown-announcement]")).to_have_text(
            re.compile(rf"^Byddwn yn dileu eich atebion ymhen {WELSH_TIME_LEFT.pattern[1:-1]}\.$")
        )
        page.clock.run_for(20_000)
        expect(countdown).to_have_text(re.compile(r"^\d+ eiliad$"))
        expect(dialog).not_to_contain_text("minute")
        expect(dialog).not_to_contain_text("second")
        assert_accessible(page, "welsh-02-timeout-warning")
