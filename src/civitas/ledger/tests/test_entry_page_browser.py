"""The public entry page in the browser, as an applicant opens it from their email: what
the record means for them first, in English and in Welsh, then whether the log kept its
signed promise, with the proof below. The page passes axe-core's WCAG 2.2 A and AA
rules in both languages, on a phone."""

import urllib.parse

import pytest
from playwright.sync_api import expect

from civitas.ledger.services import integrate_pending
from civitas.ledger.tests.factories import LedgerEntryFactory
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_applicant_reads_their_record_and_its_kept_promise_in_english_and_welsh(
    live_server, settings
):
    settings.PUBLIC_BASE_URL = live_server.url
    receipt = LedgerEntryFactory(
        kind="case.submitted",
        role="applicant",
        about_a_resident=True,
        payload={"service": "resident-parking-permit@1", "channel": "online"},
    )
    integrate_pending()
    path = f"/ledger/entries/{receipt.index}/?promise={receipt.promise}"
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}{path}")
        expect(page.get_by_role("heading", name="Application submitted", level=1)).to_be_visible()
        expect(
            page.get_by_text("This records that your application was received on")
        ).to_be_visible()
        expect(page.get_by_text("Nobody, including the council, can change")).to_be_visible()
        expect(page.get_by_text("Promise kept")).to_be_visible()
        expect(page.get_by_role("heading", name="Technical details", level=2)).to_be_visible()
        page.get_by_text("Checking with other tools").click()
        assert_accessible(page, "ledger-entry")

        next_path = urllib.parse.quote(path, safe="/")
        page.goto(f"{live_server.url}/language/cy/?next={next_path}")
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        expect(
            page.get_by_text("Mae hwn yn cofnodi bod eich cais wedi dod i law ar")
        ).to_be_visible()
        expect(page.get_by_text("Addewid wedi'i gadw")).to_be_visible()
        expect(page.get_by_role("heading", name="Manylion technegol", level=2)).to_be_visible()
        assert_accessible(page, "ledger-entry-cy")
