"""A resident gives their address on a phone: found by postcode and chosen from the list,
or entered by hand when it is not there; with JavaScript and without. Every step of the
address page is checked with axe-core for WCAG 2.2 A and AA."""

import pytest
from playwright.sync_api import expect

from civitas.catalogue.tests.memory import REPO
from conftest import publish_example
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BULKY_WASTE = REPO / "services" / "bulky-waste-collection" / "service.yaml"
ADDRESS = "What is the address we should collect from?"


@pytest.fixture
def bulky_waste(db):
    return publish_example(BULKY_WASTE)


def _finish(page) -> None:
    page.get_by_label("What items should we collect?").fill("A sofa")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("What is your email address?").fill("resident@example.com")
    page.get_by_role("button", name="Continue").click()


def test_a_resident_finds_their_address_and_chooses_it_on_a_phone(live_server, bulky_waste):
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}/services/example-borough/bulky-waste-collection/address/")
        expect(page.get_by_role("heading", name=ADDRESS)).to_be_visible()
        assert_accessible(page, "address-01-find")

        page.get_by_role("button", name="Find address").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a postcode")
        assert_accessible(page, "address-02-find-error")

        page.get_by_label("Postcode").fill("eb9 9zz")
        page.get_by_role("button", name="Find address").click()
        expect(page.get_by_text("We could not find an address for EB9 9ZZ")).to_be_visible()
        assert_accessible(page, "address-03-none-found")

        page.get_by_label("Postcode").fill("eb1 1aa")
        page.get_by_role("button", name="Find address").click()
        expect(page.get_by_text("6 addresses found for EB1 1AA")).to_be_visible()
        assert_accessible(page, "address-04-select-radios")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Select an address")
        assert_accessible(page, "address-05-select-error")
        page.get_by_role("link", name="Select an address").click()
        page.get_by_label("Flat 1, 3 Station Road, Eastbury").check()
        page.get_by_role("button", name="Continue").click()

        expect(page.get_by_label("What items should we collect?")).to_be_visible()
        page.goto(f"{live_server.url}/services/example-borough/bulky-waste-collection/address/")
        # The answer given is shown as manual entry, to change or find again.
        expect(page.get_by_label("Address line 1")).to_have_value("Flat 1")
        assert_accessible(page, "address-06-manual")
        page.get_by_label("Town or city").fill("")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter town or city")
        assert_accessible(page, "address-07-manual-error")
        page.get_by_role("button", name="Find the address by postcode").click()
        page.get_by_label("Postcode").fill("EB1 1BD")
        page.get_by_role("button", name="Find address").click()
        assert_accessible(page, "address-08-select-list")
        page.get_by_label("Select an address").select_option(
            label="The Old Bakery, 24 Mill Lane, Eastbury"
        )
        page.get_by_role("button", name="Continue").click()
        _finish(page)

        row = page.locator(".govuk-summary-list__row", has_text="Collection address")
        expect(row).to_have_count(1)
        expect(row.locator(".govuk-summary-list__value")).to_contain_text("24 Mill Lane")
        assert_accessible(page, "address-09-check-answers")


def test_a_resident_enters_their_address_by_hand_without_javascript(live_server, bulky_waste):
    with browser_page(width=375, javascript=False) as page:
        page.goto(f"{live_server.url}/services/example-borough/bulky-waste-collection/address/")
        page.get_by_label("Postcode").fill("EB1 1AA")
        page.get_by_label("Building name or number (optional)").fill("4")
        page.get_by_role("button", name="Find address").click()
        expect(page.get_by_text("1 address found for EB1 1AA")).to_be_visible()
        page.get_by_role("button", name="I cannot find the address in the list").click()

        expect(page.get_by_label("Postcode")).to_have_value("EB1 1AA")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Enter address line 1, typically the building and street"
        )
        page.get_by_label("Address line 1").fill("4a Station Road")
        page.get_by_label("Town or city").fill("Eastbury")
        page.get_by_role("button", name="Continue").click()
        _finish(page)

        row = page.locator(".govuk-summary-list__row", has_text="Collection address")
        value = row.locator(".govuk-summary-list__value")
        expect(value).to_contain_text("4a Station Road")
        assert "4a Station Road<br>Eastbury<br>EB1 1AA" in value.inner_html()
