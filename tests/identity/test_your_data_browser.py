"""A citizen's data in the browser: signed in, they open "Your data" from their account,
see a caseworker's look at their application with its log entry, and follow it to the
public log. The pages pass axe-core's WCAG 2.2 A and AA rules, on a phone too."""

import pytest
from playwright.sync_api import expect

from civitas.cases.services import record_personal_data_view
from civitas.cases.tests.factories import CaseFactory
from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory
from conftest import PARKING_PERMIT, acting, make_staff, publish_example
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_sees_who_looked_at_their_application_and_checks_the_log(live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url  # log entries are linked by their public URL
    publish_example(PARKING_PERMIT)
    account = CitizenAccountFactory(email="resident@example.com")
    case = CaseFactory(account_id=account.pk)
    caseworker = make_staff("caseworker@example.gov.uk", "caseworker")
    receipt = record_personal_data_view(case=case, staff=acting(caseworker))
    base = live_server.url
    with browser_page(width=375) as page:
        page.goto(f"{base}/account/sign-in")
        page.get_by_label("Email address").fill(account.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="See everything we hold about you").click()
        expect(page.get_by_role("heading", name="Your data", level=1)).to_be_visible()
        expect(page.get_by_text("Caseworker, Example Borough Council")).to_be_visible()
        assert_accessible(page, "your-data")
        page.get_by_role("link", name=f"Log entry {receipt.index}").click()
        expect(page).to_have_url(f"{base}/ledger/entries/{receipt.index}/")
