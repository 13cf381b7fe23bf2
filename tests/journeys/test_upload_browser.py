"""A citizen uploads a file in the browser, with and without JavaScript: each refusal is
a GOV.UK error, the file is shown on check answers, and every page passes axe-core."""

import textwrap

import pytest
from playwright.sync_api import expect

from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from civitas.journeys.tests.test_uploads import PAGES, PDF, PNG
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(SMALL.replace("      - id: email\n", PAGES, 1)))
    publish_service_file(path, published_by="test")


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_citizen_uploads_a_file_and_sees_it_on_check_answers(
    live_server, service, tmp_path, javascript
):
    lying = tmp_path / "statement.pdf"
    lying.write_bytes(PNG)
    real = tmp_path / "council tax bill.pdf"
    real.write_bytes(PDF)
    name = "js" if javascript else "nojs"

    def check(page, screen: str) -> None:
        # axe-core is a script: it runs where scripts do. The markup is the same without.
        if javascript:
            assert_accessible(page, screen)

    with browser_page(width=375, javascript=javascript) as page:
        page.goto(f"{live_server.url}/services/example-borough/small/colour/")
        page.get_by_label("Blue").check()
        page.get_by_role("button", name="Continue").click()

        expect(page.get_by_role("heading", name="Upload proof of your address")).to_be_visible()
        check(page, f"upload-{name}")
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-summary")).to_contain_text("Select a file")
        check(page, f"upload-{name}-none-chosen")

        page.get_by_label("Upload proof of your address").set_input_files(str(lying))
        page.get_by_role("button", name="Continue").click()
        expect(page.locator(".govuk-error-message")).to_contain_text(
            "The selected file must be a PDF, JPG or PNG"
        )
        check(page, f"upload-{name}-wrong-type")
        # The error summary's link takes the citizen to the file input.
        page.locator(".govuk-error-summary a").click()

        page.get_by_label("Upload proof of your address").set_input_files(str(real))
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("Your email?").fill("someone@example.com")
        page.get_by_role("button", name="Continue").click()

        expect(page.locator(".govuk-summary-list")).to_contain_text("council tax bill.pdf")
        check(page, f"upload-{name}-check-answers")
        page.get_by_role("link", name="Change Proof of address").click()
        expect(page.locator(".govuk-inset-text")).to_contain_text(
            "You have uploaded council tax bill.pdf"
        )
        check(page, f"upload-{name}-change")
        # Continue with no new file keeps the one uploaded.
        page.get_by_role("button", name="Continue").click()
        expect(page).to_have_url(f"{live_server.url}/services/example-borough/small/check-answers/")
        expect(page.locator(".govuk-summary-list")).to_contain_text("council tax bill.pdf")
