"""Asking the council to correct or delete your data, from start to confirmation in the
browser, in English and in Welsh, with one validation error each; every page kind is
checked with axe-core. The request becomes a case for the data protection team."""

import pytest
from playwright.sync_api import expect

from civitas.cases.models import Case
from conftest import SERVICES, publish_example
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PATH = "/services/example-borough/data-rights-request"


@pytest.fixture
def data_rights(db):
    return publish_example(SERVICES / "data-rights-request" / "service.yaml")


def _continue(page, label: str) -> None:
    page.get_by_role("button", name=label, exact=True).click()


def test_a_resident_asks_to_correct_their_data_in_english(live_server, data_rights):
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}{PATH}/")
        assert_accessible(page, "data-rights-00-start")
        page.get_by_role("button", name="Start now").click()
        page.get_by_label("Correct information that is wrong").check()
        _continue(page, "Continue")
        page.get_by_label("What is the reference of the application it is about?").fill("nonsense!")
        _continue(page, "Continue")
        expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a reference like")
        assert_accessible(page, "data-rights-01-reference-error")
        page.get_by_label("What is the reference of the application it is about?").fill("")
        _continue(page, "Continue")
        page.get_by_label("What should we correct or delete, and why?").fill(
            "My registration number is CU57 ABD, not CU57 ABC."
        )
        _continue(page, "Continue")
        page.get_by_label("What is your email address?").fill("resident@example.com")
        _continue(page, "Continue")
        assert_accessible(page, "data-rights-02-check-answers")
        page.get_by_label("I confirm the information I have given is correct").check()
        page.get_by_role("button", name="Accept and send").click()
        expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
        assert_accessible(page, "data-rights-03-confirmation")
    case = Case.objects.get()
    assert case.answers["request_type"] == "correct"
    assert case.team.slug == "data-protection"


def test_a_resident_asks_to_delete_their_data_in_welsh(live_server, data_rights):
    with browser_page() as page:
        page.goto(f"{live_server.url}{PATH}/")
        page.get_by_role("link", name="Cymraeg").click()
        page.get_by_role("button", name="Dechrau nawr").click()
        _continue(page, "Parhau")
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Dewiswch beth rydych chi eisiau i ni ei wneud"
        )
        assert_accessible(page, "data-rights-cy-01-error")
        page.get_by_label("Dileu gwybodaeth").check()
        _continue(page, "Parhau")
        _continue(page, "Parhau")
        page.get_by_label("Beth ddylem ni ei gywiro neu ei ddileu, a pham?").fill(
            "Dilëwch fy nghais, os gwelwch yn dda."
        )
        _continue(page, "Parhau")
        page.get_by_label("Beth yw eich cyfeiriad e-bost?").fill("preswylydd@example.com")
        _continue(page, "Parhau")
        page.get_by_label("Rwy'n cadarnhau bod yr wybodaeth a roddais yn gywir").check()
        page.get_by_role("button", name="Derbyn ac anfon").click()
        expect(page.get_by_role("heading", name="Cais wedi'i anfon")).to_be_visible()
        assert_accessible(page, "data-rights-cy-02-confirmation")
    assert Case.objects.get().language == "cy"
