"""Estimating Income Tax, a service in English and Welsh whose rules decide over a tax year,
from start to confirmation in the browser: in English on a phone, someone in England with
£30,000 of wages; in Welsh, someone in Scotland with wages and dividends. One validation
error each, every page checked with axe-core; check answers shows the estimated tax with
its band-by-band working, and the case keeps it."""

import pytest
from playwright.sync_api import expect

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import REPO
from conftest import publish_example, submit_again_through_the_api
from tests.browser import assert_accessible, browser_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = REPO / "services" / "estimate-income-tax" / "service.yaml"
PATH = "/services/example-borough/estimate-income-tax"
TAX_YEAR = {"from": "2025-04-06", "to": "2026-04-05"}


@pytest.fixture
def income_tax_service(db):
    return publish_example(SERVICE)


def _continue(page, label: str = "Continue") -> None:
    page.get_by_role("button", name=label, exact=True).click()


def test_someone_in_england_with_30000_of_wages_sees_their_estimated_tax(
    live_server, income_tax_service, client, api_headers
):
    with browser_page(width=375) as page:
        page.goto(f"{live_server.url}{PATH}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Estimate your Income Tax")
        assert_accessible(page, "income-tax-00-start")
        page.get_by_role("button", name="Start now").click()

        expect(page.get_by_role("heading", level=1)).to_have_text("Where do you live?")
        assert_accessible(page, "income-tax-01-where-you-live")
        page.get_by_label("England, Wales or Northern Ireland").check()
        _continue(page)

        # An amount that is not money is the one error.
        page.get_by_label("What is your income from employment and pensions").fill("thirty")
        _continue(page)
        expect(page.locator(".govuk-error-summary")).to_contain_text(
            "Income must be an amount in pounds and pence, like 30000.00"
        )
        assert_accessible(page, "income-tax-02-income-error")
        page.get_by_label("What is your income from employment and pensions").fill("30,000")
        _continue(page)

        assert_accessible(page, "income-tax-03-dividends")
        page.get_by_label("How much did you receive in dividends").fill("0")
        _continue(page)
        page.get_by_label("What is your email address?").fill("sam@example.com")
        _continue(page)

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Check your answers and your estimate"
        )
        answers = page.locator(".govuk-summary-list")
        expect(answers).to_contain_text("England, Wales or Northern Ireland")
        expect(answers).to_contain_text("£30,000")
        expect(
            page.get_by_role(
                "heading", name="Estimated Income Tax for 6 April 2025 to 5 April 2026"
            )
        ).to_be_visible()
        expect(page.locator("#estimate")).to_contain_text("£3,486")
        working = page.locator("#estimate-explanation")
        expect(working).to_contain_text("Your personal allowance is £12,570.")
        expect(working).to_contain_text("£17,430 at 20%: £3,486")
        expect(working).to_contain_text("pension would be taxed at 20%.")
        expect(working).to_contain_text("HM Revenue and Customs works out the tax you owe.")
        expect(working).to_contain_text(
            "Rules used: Income Tax estimate, 2025-26, "
            "for the tax year 6 April 2025 to 5 April 2026."
        )
        expect(working).not_to_contain_text("We will check your application")
        expect(
            page.get_by_role("heading", name="Now send your answers and your estimate")
        ).to_be_visible()
        assert_accessible(page, "income-tax-04-check-answers")
        page.get_by_label("I understand this is an estimate").check()
        page.get_by_role("button", name="Accept and send").click()

        expect(page.get_by_role("heading", name="Estimate sent")).to_be_visible()
        assert_accessible(page, "income-tax-05-confirmation")

    case = Case.objects.get()
    assert case.language == "en"
    assert case.answers["income"] == "3000000"
    assert case.estimate == {"variable": "income_tax", "pence": 348600}
    assert case.fee_decision["period"] == TAX_YEAR
    submit_again_through_the_api(client, case, api_headers)


def test_someone_in_scotland_with_dividends_estimates_their_tax_in_welsh(
    live_server, income_tax_service, client, api_headers
):
    with browser_page(width=1024) as page:
        page.goto(f"{live_server.url}/language/cy/?next={PATH}/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Amcangyfrif eich Treth Incwm")
        assert_accessible(page, "income-tax-cy-00-start")
        page.get_by_role("link", name="hysbysiad preifatrwydd").click()
        expect(page.locator("main")).to_contain_text("am flwyddyn ar ôl i ni gau eich achos")
        # No fee, so no payment records to keep.
        expect(page.locator("#kept")).not_to_contain_text("Cofnodion taliadau")
        assert_accessible(page, "income-tax-cy-00-privacy")
        page.go_back()
        page.get_by_role("button", name="Dechrau nawr").click()

        # No answer is the one error, in Welsh.
        _continue(page, "Parhau")
        expect(page.locator(".govuk-error-summary")).to_contain_text("Dewiswch ble rydych yn byw")
        assert_accessible(page, "income-tax-cy-01-where-you-live-error")
        page.get_by_label("Yr Alban").check()
        _continue(page, "Parhau")

        page.get_by_label("Beth yw eich incwm o gyflogaeth a phensiynau").fill("30000")
        assert_accessible(page, "income-tax-cy-02-income")
        _continue(page, "Parhau")
        page.get_by_label("Faint a gawsoch mewn difidendau").fill("1000")
        _continue(page, "Parhau")
        page.get_by_label("Beth yw eich cyfeiriad e-bost?").fill("alun@example.com")
        assert_accessible(page, "income-tax-cy-03-email")
        _continue(page, "Parhau")

        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gwiriwch eich atebion a'ch amcangyfrif"
        )
        answers = page.locator(".govuk-summary-list")
        expect(answers).to_contain_text("Yr Alban")
        expect(answers).to_contain_text("Difidendau")
        expect(
            page.get_by_role(
                "heading", name="Amcangyfrif o'r Dreth Incwm ar gyfer 6 Ebrill 2025 i 5 Ebrill 2026"
            )
        ).to_be_visible()
        # Scottish rates on £17,430 of wages: £3,482.82; £1,000 of dividends, £500 at 0%
        # and £500 at the UK's ordinary rate of 8.75%: £43.75.
        expect(page.locator("#estimate")).to_contain_text("Ein hamcangyfrif:")
        expect(page.locator("#estimate")).to_contain_text("£3,526.57")
        # The rules explain themselves in Welsh too.
        working = page.locator("#estimate-explanation")
        expect(working).to_contain_text("£2,827 ar 19%: £537.13; £12,094 ar 20%: £2,418.80")
        expect(working).to_contain_text("£500 ar 8.75%: £43.75")
        expect(working).to_contain_text(
            "Eich Treth Incwm amcangyfrifedig ar gyfer y flwyddyn yw £3,526.57."
        )
        # The rule set's title has no Welsh: it is marked as English.
        expect(working).to_contain_text(
            "Y rheolau a ddefnyddiwyd: Income Tax estimate, 2025-26, "
            "ar gyfer y flwyddyn dreth 6 Ebrill 2025 i 5 Ebrill 2026."
        )
        expect(working.locator("span[lang=en]")).to_have_text("Income Tax estimate, 2025-26")
        expect(working).to_contain_text("Cyllid a Thollau EF sy'n cyfrifo'r dreth sydd arnoch.")
        expect(
            page.get_by_role("heading", name="Nawr anfonwch eich atebion a'ch amcangyfrif")
        ).to_be_visible()
        assert_accessible(page, "income-tax-cy-04-check-answers")
        page.get_by_label("Rwy'n deall mai amcangyfrif yw hwn").check()
        page.locator("form[action$='check-answers/'] button[type=submit]").click()

        expect(page.get_by_role("heading", name="Amcangyfrif wedi'i anfon")).to_be_visible()
        assert_accessible(page, "income-tax-cy-05-confirmation")

    case = Case.objects.get()
    assert case.language == "cy"
    assert case.answers["residence"] == "scotland"
    assert case.estimate == {"variable": "income_tax", "pence": 352657}
    assert case.fee_decision["period"] == TAX_YEAR
    submit_again_through_the_api(client, case, api_headers)
