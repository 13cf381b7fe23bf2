"""Registering to vote, a service written only in YAML, from start to confirmation in the
browser: once on a phone with JavaScript, meeting one error on each kind of page and
checking every page with axe-core, and once without JavaScript."""

import datetime

import pytest
from playwright.sync_api import expect

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import REPO
from conftest import publish_example
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = REPO / "services" / "register-to-vote" / "service.yaml"
PATH = "/services/sample-district/register-to-vote"


@pytest.fixture
def register_to_vote(db):
    return publish_example(SERVICE)


def _continue(page) -> None:
    page.get_by_role("button", name="Continue").click()


def _error(page, text: str, name: str) -> None:
    expect(page.locator(".govuk-error-summary")).to_contain_text(text)
    assert_accessible(page, name)


def _date(page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_a_resident_registers_to_vote_meeting_an_error_on_each_kind_of_page(
    live_server, register_to_vote
):
    today = datetime.date.today()
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}{PATH}/")
        assert_accessible(page, "vote-00-start")
        page.get_by_role("button", name="Start now").click()

        # Checkboxes with "none of these"
        _continue(page)
        _error(page, "Select", "vote-01-nationality-error")
        page.get_by_label("British").check()
        _continue(page)

        # A date whose year is missing names the part
        _date(page, "What is your date of birth?", datetime.date(1990, 5, 17))
        page.get_by_label("Year").fill("")
        _continue(page)
        _error(page, "must include a year", "vote-02-date-of-birth-error")
        page.get_by_label("Year").fill("1990")
        _continue(page)

        # A page of several questions, one of them optional
        _continue(page)
        _error(page, "Enter first name", "vote-03-name-error")
        page.get_by_label("First name").fill("Aled")
        page.get_by_label("Last name").fill("Jones")
        _continue(page)

        # Yes or no, then "add another"
        page.get_by_label("Yes").check()
        _continue(page)
        _continue(page)
        _error(page, "Enter", "vote-04-previous-name-error")
        page.get_by_label("Previous full name").fill("Aled Smith")
        _date(page, "Date you changed it", today - datetime.timedelta(days=100))
        _continue(page)
        expect(page.get_by_text("Aled Smith")).to_be_visible()
        assert_accessible(page, "vote-05-previous-names-list")
        page.get_by_label("No").check()
        _continue(page)

        # An optional National Insurance number left blank
        assert_accessible(page, "vote-06-nino")
        _continue(page)

        # The address found by postcode
        page.get_by_label("Postcode").fill("sd1 2ab")
        page.get_by_role("button", name="Find address").click()
        page.get_by_label("3 Mill Lane, Sampleton").check()
        _continue(page)

        # A cross-field check: moving in before being born
        _date(page, "When did you move to this address?", datetime.date(1980, 1, 1))
        _continue(page)
        _error(page, "after your date of birth", "vote-07-moved-in-error")
        _date(page, "When did you move to this address?", today - datetime.timedelta(days=30))
        _continue(page)

        # Moved in the last year: the previous address, entered by hand
        page.get_by_role("button", name="Enter the address manually").click()
        page.get_by_label("Address line 1").fill("9 High Street")
        page.get_by_label("Town or city").fill("Elsewhere")
        page.get_by_label("Postcode").fill("EB1 1AA")
        _continue(page)

        page.get_by_label("No").check()
        _continue(page)
        page.get_by_label("Yes").check()
        _continue(page)
        page.get_by_label("What is your email address?").fill("not an email")
        _continue(page)
        _error(page, "email address", "vote-08-email-error")
        page.get_by_label("What is your email address?").fill("aled@example.com")
        _continue(page)

        expect(page.get_by_text("Aled Smith")).to_be_visible()
        expect(page.get_by_text("9 High Street")).to_be_visible()
        assert_accessible(page, "vote-09-check-answers")
        page.get_by_role("button", name="Accept and send").click()
        _error(page, "Confirm", "vote-10-declaration-error")
        page.get_by_label("I confirm the information I have given is true").check()
        page.get_by_role("button", name="Accept and send").click()
        expect(page.get_by_role("heading", name="Application sent")).to_be_visible()
        assert_accessible(page, "vote-11-confirmation")

    case = Case.objects.get()
    assert case.answers["previous-names"][0]["previous_name"] == "Aled Smith"
    assert case.answers["national_insurance_number"] is None


def test_a_resident_registers_to_vote_without_javascript(live_server, register_to_vote):
    today = datetime.date.today()
    with browser_page(javascript=False) as page:
        page.goto(f"{live_server.url}{PATH}/nationality/")
        page.get_by_label("Irish").check()
        _continue(page)
        _date(page, "What is your date of birth?", datetime.date(2001, 2, 3))
        _continue(page)
        page.get_by_label("First name").fill("Siân")
        page.get_by_label("Last name").fill("Evans")
        _continue(page)
        page.get_by_label("No").check()
        _continue(page)
        page.get_by_label("What is your National Insurance number?").fill("JH 12 34 56 C")
        _continue(page)
        page.get_by_label("Postcode").fill("SD2 4FG")
        page.get_by_role("button", name="Find address").click()
        page.get_by_label("2 Orchard Close, Little Sampling").check()
        _continue(page)
        _date(page, "When did you move to this address?", today - datetime.timedelta(days=800))
        _continue(page)
        # Lived here more than a year: no previous address asked.
        expect(
            page.get_by_role("heading", name="Do you want your name and address")
        ).to_be_visible()
        page.get_by_label("Yes").check()
        _continue(page)
        page.get_by_label("No").check()
        _continue(page)
        page.get_by_label("What is your email address?").fill("sian@example.com")
        _continue(page)
        page.get_by_label("I confirm the information I have given is true").check()
        page.get_by_role("button", name="Accept and send").click()
        expect(page.get_by_role("heading", name="Application sent")).to_be_visible()

    case = Case.objects.get()
    assert case.answers["address"].startswith("2 Orchard Close")
    assert "previous_address" not in case.answers
