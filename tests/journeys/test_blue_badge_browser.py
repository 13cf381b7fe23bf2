"""Applying for a Blue Badge, a service written in English and Welsh, from start to
confirmation in the browser: in English on a phone, for someone else who gets a benefit
that qualifies (a benefit letter, a photo and proof of identity uploaded); in Welsh, for
oneself, through the walking assessment. One validation error each, every page kind
checked with axe-core; the fee is shown before sending."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import REPO
from conftest import publish_example, submit_again_through_the_api
from tests.browser import PDF, PNG, assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = REPO / "services" / "blue-badge" / "service.yaml"
PATH = "/services/example-borough/blue-badge"


@pytest.fixture
def blue_badge(db):
    return publish_example(SERVICE)


@pytest.fixture
def files(tmp_path):
    photo, letter = tmp_path / "face.png", tmp_path / "benefit letter.pdf"
    photo.write_bytes(PNG)
    letter.write_bytes(PDF)
    return photo, letter


def _continue(page, label: str = "Continue") -> None:
    page.get_by_role("button", name=label, exact=True).click()


def _date(page, day: datetime.date) -> None:
    page.locator("input[name=date_of_birth-day]").fill(str(day.day))
    page.locator("input[name=date_of_birth-month]").fill(str(day.month))
    page.locator("input[name=date_of_birth-year]").fill(str(day.year))


def _address(page) -> None:
    """Found by postcode and chosen from the list, by the fields' names (any language)."""
    page.locator("input[name=address-postcode]").fill("EB1 1AA")
    page.locator("button[name=address-action][value=find]").click()
    page.locator("input[name=address-uprn]").first.check()
    page.locator("button[name=address-action][value=continue]").click()


def _address_and_email(page, email: str) -> None:
    _address(page)
    page.get_by_label("What email address should we use to contact you?").fill(email)
    _continue(page)


def test_a_carer_applies_for_someone_who_gets_a_qualifying_benefit(
    live_server, blue_badge, files, client, api_headers
):
    photo, letter = files
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}{PATH}/")
        assert_accessible(page, "badge-00-start")
        page.get_by_role("button", name="Start now").click()

        page.get_by_label("Someone else").check()
        _continue(page)
        page.get_by_label("Your full name").fill("Sam Carer")
        page.get_by_label("Your relationship to the person").fill("Daughter")
        _continue(page)

        # A date of birth in the future is the one error.
        page.get_by_label("Full name").fill("Pat Holder")
        _date(page, datetime.date.today() + datetime.timedelta(days=30))
        _continue(page)
        expect(page.locator(".govuk-error-summary")).to_contain_text("must be on or before")
        assert_accessible(page, "badge-01-date-of-birth-error")
        _date(page, datetime.date(1948, 3, 27))
        _continue(page)

        _address_and_email(page, "sam@example.com")
        page.get_by_label("Disability Living Allowance, higher rate").check()
        _continue(page)
        page.get_by_label("Upload the letter about the benefit").set_input_files(str(letter))
        _continue(page)
        page.get_by_label("Upload a photo of the person's face").set_input_files(str(photo))
        _continue(page)
        page.get_by_label("Upload their proof of identity").set_input_files(str(letter))
        _continue(page)

        expect(page.get_by_text("Pat Holder")).to_be_visible()
        expect(page.locator("#fee")).to_contain_text("£10")
        assert_accessible(page, "badge-02-check-answers")
        page.get_by_label("I confirm the information I have given is correct").check()
        page.get_by_role("button", name="Accept and send").click()
        expect(page.get_by_role("heading", name="Application sent")).to_be_visible()

    case = Case.objects.get()
    assert case.answers["applying_for"] == "someone_else"
    assert case.answers["benefit"] == "dla_higher_mobility"
    assert "walking_distance" not in case.answers
    assert case.fee_pence == 1000
    # The same answers and files through the API make the same application.
    sent = {
        "benefit_letter": SimpleUploadedFile(letter.name, PDF, "application/pdf"),
        "photo": SimpleUploadedFile(photo.name, PNG, "image/png"),
        "proof_of_identity": SimpleUploadedFile(letter.name, PDF, "application/pdf"),
    }
    again = submit_again_through_the_api(client, case, api_headers, files=sent)
    assert again.files.count() == case.files.count() == 3


def test_a_resident_applies_for_themselves_in_welsh_through_the_walking_assessment(
    live_server, blue_badge, files
):
    photo, letter = files
    with browser_page(width=1024) as page:
        page.goto(f"{live_server.url}/language/cy/?next={PATH}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Gwneud cais am Fathodyn Glas")
        page.get_by_role("button", name="Dechrau nawr").click()

        page.get_by_label("Fi fy hun").check()
        _continue(page, "Parhau")
        page.get_by_label("Enw llawn").fill("Alun Jones")
        _date(page, datetime.date(1950, 6, 1))
        _continue(page, "Parhau")
        _address(page)
        page.get_by_label("Pa gyfeiriad e-bost y dylem ei ddefnyddio i gysylltu â chi?").fill(
            "alun@example.com"
        )
        _continue(page, "Parhau")
        page.get_by_label("Dim un o'r rhain").check()
        _continue(page, "Parhau")
        page.get_by_label("Llai na 50 metr").check()
        _continue(page, "Parhau")

        # Nothing ticked is the one error, in Welsh.
        page.get_by_label("Disgrifiwch sut mae cerdded yn effeithio arnynt").fill(
            "Mae gen i arthritis yn fy mhengliniau."
        )
        _continue(page, "Parhau")
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Dewiswch beth sy'n digwydd pan fydd y person yn cerdded"
        )
        assert_accessible(page, "badge-cy-01-walking-error")
        page.get_by_label("Poen difrifol").check()
        _continue(page, "Parhau")

        page.get_by_label("Uwchlwythwch lun o wyneb y person").set_input_files(str(photo))
        _continue(page, "Parhau")
        page.get_by_label("Uwchlwythwch eu prawf adnabod").set_input_files(str(letter))
        _continue(page, "Parhau")

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gwiriwch eich atebion cyn anfon eich cais"
        )
        expect(page.locator(".govuk-summary-list")).to_contain_text("Llai na 50 metr")
        assert_accessible(page, "badge-cy-02-check-answers")
        page.get_by_label("Rwy'n cadarnhau bod yr wybodaeth rydw i wedi'i rhoi yn gywir").check()
        page.locator("form[action$='check-answers/'] button[type=submit]").click()
        expect(page.get_by_role("heading", name="Cais wedi'i anfon")).to_be_visible()
        assert_accessible(page, "badge-cy-03-confirmation")

    case = Case.objects.get()
    assert case.language == "cy"
    assert case.answers["walking_problems"] == ["pain"]
    assert "benefit_letter" not in case.answers


def test_someone_who_walks_more_than_100_metres_is_told_they_are_unlikely_to_qualify(
    live_server, blue_badge
):
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}{PATH}/")
        page.get_by_role("button", name="Start now").click()
        page.get_by_label("Myself").check()
        _continue(page)
        page.get_by_label("Full name").fill("Pat Holder")
        _date(page, datetime.date(1970, 1, 1))
        _continue(page)
        _address_and_email(page, "pat@example.com")
        page.get_by_label("None of these").check()
        _continue(page)
        page.get_by_label("More than 100 metres").check()
        _continue(page)

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "The person is unlikely to get a Blue Badge"
        )
        assert_accessible(page, "badge-03-not-eligible")
    assert not Case.objects.exists()
