"""Reporting a problem in the street, a service written in English and Welsh, from start
to confirmation in the browser: anonymously in English on a phone, by map coordinates and
with a photo; and in Welsh, by postcode, asking to be told when it is dealt with. One
validation error each, every page kind checked with axe-core."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import REPO
from civitas.notify.models import Message
from conftest import publish_example, submit_again_through_the_api
from tests.browser import PNG, assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = REPO / "services" / "report-a-problem" / "service.yaml"
PATH = "/services/example-borough/report-a-problem"


@pytest.fixture
def report_a_problem(db):
    return publish_example(SERVICE)


def _continue(page, label: str = "Continue") -> None:
    page.get_by_role("button", name=label, exact=True).click()


def test_a_resident_reports_a_pothole_anonymously_in_english(
    live_server, report_a_problem, tmp_path, client, api_headers
):
    photo = tmp_path / "pothole.png"
    photo.write_bytes(PNG)

    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}{PATH}/")
        assert_accessible(page, "report-00-start")
        page.get_by_role("button", name="Start now").click()

        _continue(page)
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Select what you want to report"
        )
        assert_accessible(page, "report-01-problem-error")
        page.get_by_label("A pothole").check()
        _continue(page)

        page.get_by_label("With map coordinates").check()
        _continue(page)
        page.get_by_label("What are the map coordinates of the problem?").fill("51.5, west")
        _continue(page)
        expect(page.locator(".govuk-error-summary")).to_contain_text("in the correct format")
        assert_accessible(page, "report-02-coordinates-error")
        page.get_by_label("What are the map coordinates of the problem?").fill("51.50101, -0.14156")
        _continue(page)

        page.get_by_label("Describe where the problem is").fill("By the bus stop on Mill Lane")
        _continue(page)
        page.get_by_label("Larger than a dinner plate").check()
        _continue(page)
        page.get_by_label("Tell us more about the problem (optional)").fill(
            "A cyclist nearly fell off."
        )
        _continue(page)
        page.get_by_label("Upload a photo of the problem (optional)").set_input_files(str(photo))
        _continue(page)
        page.get_by_label("No").check()
        _continue(page)

        expect(page.get_by_text("51.50101, -0.14156")).to_be_visible()
        expect(page.get_by_text("pothole.png")).to_be_visible()
        assert_accessible(page, "report-03-check-answers")
        page.get_by_label("I confirm the information I have given is correct").check()
        page.get_by_role("button", name="Accept and send").click()
        expect(page.get_by_role("heading", name="Report sent")).to_be_visible()
        assert_accessible(page, "report-04-confirmation")

    case = Case.objects.get()
    assert case.answers["problem_type"] == "pothole"
    assert case.answers["coordinates"] == "51.50101, -0.14156"
    assert case.answers["wants_updates"] == "no"
    assert "email" not in case.answers
    assert case.language == "en"
    assert not Message.objects.exists()  # anonymous: nobody to email
    photo_again = SimpleUploadedFile(photo.name, PNG, "image/png")
    submit_again_through_the_api(client, case, api_headers, files={"photo": photo_again})


def test_a_resident_reports_a_street_light_in_welsh_and_asks_for_updates(
    live_server, report_a_problem, client, api_headers
):
    with browser_page(width=1024) as page:
        page.goto(f"{live_server.url}/language/cy/?next={PATH}/")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Rhoi gwybod am broblem ar y stryd"
        )
        assert_accessible(page, "report-cy-00-start")
        page.get_by_role("button", name="Dechrau nawr").click()

        page.get_by_label("Golau stryd nad yw'n gweithio").check()
        _continue(page, "Parhau")
        page.get_by_label("Gyda chod post").check()
        _continue(page, "Parhau")
        page.get_by_label("Beth yw'r cod post agosaf at y broblem?").fill("EB1 1AA")
        _continue(page, "Parhau")
        page.get_by_label("Disgrifiwch ble mae'r broblem").fill("Y tu allan i rif 12")
        _continue(page, "Parhau")

        # A page of two questions, one optional: the required one left out is the error.
        page.get_by_label("Rhif y golau stryd").fill("EB-0417")
        _continue(page, "Parhau")
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Dewiswch beth sydd o'i le ar y golau stryd"
        )
        assert_accessible(page, "report-cy-01-street-light-error")
        page.get_by_label("Mae wedi diffodd yn y nos").check()
        _continue(page, "Parhau")

        _continue(page, "Parhau")  # no more to say
        _continue(page, "Parhau")  # no photo
        page.locator("input[name=wants_updates][value=yes]").check()
        _continue(page, "Parhau")
        page.get_by_label("Cyfeiriad e-bost").fill("preswylydd@example.com")
        _continue(page, "Parhau")

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gwiriwch eich adroddiad cyn ei anfon"
        )
        answers = page.locator(".govuk-summary-list")
        for welsh in ("Golau stryd nad yw'n gweithio", "Gyda chod post", "Heb ei roi", "Ie"):
            expect(answers).to_contain_text(welsh)
        for english in ("A street light", "With a postcode", "Not given", "Yes"):
            expect(answers).not_to_contain_text(english)
        assert_accessible(page, "report-cy-02-check-answers")
        page.get_by_label("Rwy'n cadarnhau bod yr wybodaeth rydw i wedi'i rhoi yn gywir").check()
        page.locator("form[action$='check-answers/'] button[type=submit]").click()
        expect(page.get_by_role("heading", name="Adroddiad wedi'i anfon")).to_be_visible()
        assert_accessible(page, "report-cy-03-confirmation")

    case = Case.objects.get()
    assert case.language == "cy"
    assert case.answers["light_fault"] == "off_at_night"
    message = Message.objects.get()
    assert message.subject == f"Rydym wedi cael eich adroddiad {case.reference}"
    assert "Golau stryd nad yw'n gweithio" in message.body_text
    submit_again_through_the_api(client, case, api_headers)
