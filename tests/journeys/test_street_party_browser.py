"""Closing a road for a street party, a service written only in YAML, from start to
confirmation in the browser: a page of several questions, an address, an optional answer,
a cross-field check between two times, checkboxes with "none of these", an upload and
"add another"; once on a phone with JavaScript, meeting one error on each kind of page and
checking every page with axe-core, and once without JavaScript."""

import datetime

import pytest
from playwright.sync_api import expect

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import REPO
from conftest import publish_example
from tests.browser import PDF, assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = REPO / "services" / "street-party" / "service.yaml"
PATH = "/services/example-borough/street-party"


@pytest.fixture
def street_party(db):
    return publish_example(SERVICE)


def _continue(page) -> None:
    page.get_by_role("button", name="Continue").click()


def _error(page, text: str, name: str | None) -> None:
    expect(page.locator(".govuk-error-summary")).to_contain_text(text)
    if name:
        assert_accessible(page, name)


def _check(page, name: str | None) -> None:
    if name:
        assert_accessible(page, name)


def _party_date(page, day: datetime.date) -> None:
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_an_organiser_applies_to_close_their_road(live_server, street_party, tmp_path, javascript):
    certificate = tmp_path / "insurance certificate.pdf"
    certificate.write_bytes(PDF)
    party_day = datetime.date.today() + datetime.timedelta(days=60)

    def shot(name: str) -> str | None:
        # axe-core is a script: it runs where scripts do. The markup is the same without.
        return f"street-party-{name}" if javascript else None

    with browser_page(width=375, javascript=javascript) as page:
        page.goto(f"{live_server.url}{PATH}/")
        _check(page, shot("00-start"))
        page.get_by_role("button", name="Start now").click()

        # A page of several questions
        page.get_by_label("First name").fill("Sam")
        _continue(page)
        _error(page, "Enter last name", shot("01-name-error"))
        page.get_by_label("Last name").fill("Organiser")
        _continue(page)

        # An address, entered by hand
        page.get_by_role("button", name="Enter the address manually").click()
        page.get_by_label("Address line 1").fill("12 Station Road")
        _continue(page)
        _error(page, "Enter town or city", shot("02-address-error"))
        page.get_by_label("Town or city").fill("Eastbury")
        page.get_by_label("Postcode").fill("EB1 1AA")
        _continue(page)

        page.get_by_label("What is your email address?").fill("sam@example.com")
        _continue(page)

        # An optional phone number: a wrong one is an error, none at all is not
        page.get_by_label("What is your phone number? (optional)").fill("12")
        _continue(page)
        _error(page, "phone number", shot("03-phone-error"))
        page.get_by_label("What is your phone number? (optional)").fill("")
        _continue(page)

        page.get_by_label("Which road do you want to close?").fill("Station Road")
        _continue(page)
        page.get_by_label("From").fill("Mill Lane")
        page.get_by_label("To (").fill("Church Street")
        _continue(page)

        # A date too soon names the real limit
        _party_date(page, datetime.date.today() + datetime.timedelta(days=3))
        _continue(page)
        _error(page, "The party must be on or after", shot("04-date-error"))
        _party_date(page, party_day)
        _continue(page)

        # A cross-field check between two times
        page.get_by_label("Closure starts").fill("6pm")
        page.get_by_label("Closure ends").fill("10am")
        _continue(page)
        _error(page, "must be after the time it starts", shot("05-times-error"))
        page.get_by_label("Closure starts").fill("10am")
        page.get_by_label("Closure ends").fill("6pm")
        _continue(page)

        page.get_by_label("How many people do you expect to come?").fill("80")
        _continue(page)

        # Checkboxes: "none of these" with another is an error without JavaScript; with
        # it, ticking "none" unticks the others
        page.get_by_label("Amplified music").check()
        page.get_by_label("None of these").check()
        if not javascript:
            _continue(page)
            _error(page, "", None)
            page.get_by_label("Amplified music").uncheck()
            page.get_by_label("None of these").check()
        else:
            expect(page.get_by_label("Amplified music")).not_to_be_checked()
            _check(page, shot("06-activities"))
        _continue(page)

        # An optional upload, removed and uploaded again
        page.get_by_label("Upload your public liability insurance certificate").set_input_files(
            str(certificate)
        )
        _continue(page)
        page.goto(f"{live_server.url}{PATH}/insurance/")
        expect(page.get_by_text("You have uploaded insurance certificate.pdf")).to_be_visible()
        _check(page, shot("06a-insurance-uploaded"))
        page.get_by_role("button", name="Remove file").click()
        expect(page.get_by_text("You have uploaded")).to_have_count(0)
        expect(page.get_by_role("button", name="Remove file")).to_have_count(0)
        page.get_by_label("Upload your public liability insurance certificate").set_input_files(
            str(certificate)
        )
        _continue(page)

        # "Add another": at least 2 neighbours
        _continue(page)
        _error(page, "Enter", shot("07-neighbour-error"))
        page.get_by_label("Neighbour's name").fill("Alex Neighbour")
        page.get_by_label("House number or name").fill("14")
        _continue(page)
        page.get_by_label("No").check()
        _continue(page)
        _error(page, "2", shot("08-neighbours-too-few"))
        page.get_by_label("Yes").check()
        _continue(page)
        page.get_by_label("Neighbour's name").fill("Jo Neighbour")
        page.get_by_label("House number or name").fill("16")
        _continue(page)
        _check(page, shot("09-neighbours-list"))
        page.get_by_label("No").check()
        _continue(page)

        expect(page.get_by_text("Jo Neighbour")).to_be_visible()
        expect(page.get_by_text("insurance certificate.pdf")).to_be_visible()
        _check(page, shot("10-check-answers"))
        page.get_by_role("button", name="Accept and send").click()
        _error(page, "Confirm", shot("11-declaration-error"))
        page.get_by_label("I confirm the information I have given is correct").check()
        page.get_by_role("button", name="Accept and send").click()
        expect(page.get_by_role("heading", name="Application sent")).to_be_visible()
        _check(page, shot("12-confirmation"))

    case = Case.objects.get()
    assert [item["neighbour_name"] for item in case.answers["neighbours"]] == [
        "Alex Neighbour",
        "Jo Neighbour",
    ]
    assert case.answers["activities"] == ["none"]
    assert case.answers["phone"] is None
