"""Estimate your Income Tax: a service whose rules decide over a tax year, not on a day,
shows the estimated tax and its band-by-band explanation on check answers, and keeps it."""

import json
import re
import shutil

import pytest

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import REPO
from civitas.journeys import flow
from civitas.rules.public import DecisionPeriod, decide, load_rule_set
from conftest import publish_example
from tests.i18n.test_welsh_pages import english_in

SERVICE = REPO / "services" / "estimate-income-tax" / "service.yaml"
RULES = REPO / "services" / "rules" / "income-tax.rules.yaml"
URL = "/services/example-borough/estimate-income-tax"
API = "/api/v1/services/example-borough/estimate-income-tax/applications"

ANSWERS = {
    "residence": "rest_of_uk",
    "income": "6000000",
    "dividends": "200000",
    "email": "sam@example.com",
}


@pytest.fixture
def income_tax_service(db):
    return publish_example(SERVICE)


def expected():
    return decide(
        load_rule_set(RULES),
        {"residence": "rest_of_uk", "non_savings_income": 6000000, "dividends": 200000},
        period=DecisionPeriod.tax_year(2025),
    )


def test_the_estimate_is_decided_over_the_tax_year_whatever_the_day(income_tax_service):
    checked = flow.check_submission(income_tax_service, ANSWERS, today=None)
    assert checked.errors == {}
    estimate = flow.estimate_for(income_tax_service, checked.answers, today=None)
    assert estimate is not None
    assert estimate.pence == 1193825  # £11,432.00 on wages, £506.25 on dividends
    assert estimate.explanation == expected().explanation
    assert estimate.decision["period"] == {"from": "2025-04-06", "to": "2026-04-05"}
    assert str(estimate.label) == "Estimated Income Tax for 6 April 2025 to 5 April 2026"


def test_check_answers_shows_the_estimated_tax_and_how_it_was_worked_out(
    client, income_tax_service
):
    for page, data in (
        ("where-you-live", {"residence": "scotland"}),
        ("income", {"income": "30000"}),
        ("dividends", {"dividends": "0"}),
        ("email", {"email": "sam@example.com"}),
    ):
        response = client.post(f"{URL}/{page}/", {"version": "1", **data})
        assert response.status_code == 302, response.content.decode()
    page = client.get(f"{URL}/check-answers/").content.decode()
    assert "Estimated Income Tax for 6 April 2025 to 5 April 2026" in page
    assert "£3,482.82" in page
    assert "£2,827 at 19%: £537.13; £12,094 at 20%: £2,418.80" in page


def _answer_every_page(client, url: str = URL) -> str:
    for page, data in (
        ("where-you-live", {"residence": "rest_of_uk"}),
        ("income", {"income": "30000"}),
        ("dividends", {"dividends": "0"}),
        ("email", {"email": "sam@example.com"}),
    ):
        response = client.post(f"{url}/{page}/", {"version": "1", **data})
        assert response.status_code == 302, response.content.decode()
    return client.get(f"{url}/check-answers/").content.decode()


def test_check_answers_names_the_tax_year_and_says_what_the_estimate_is_in_the_services_words(
    client, income_tax_service
):
    page = _answer_every_page(client)
    assert (
        "Rules used: Income Tax estimate, 2025-26, "
        "for the tax year 6 April 2025 to 5 April 2026." in page
    )
    assert "as they apply on" not in page
    assert "HM Revenue and Customs works out the tax you owe." in page
    assert "We will check your application" not in page
    assert '<h2 class="govuk-heading-m">Now send your answers and your estimate</h2>' in page
    assert "Now send your application" not in page
    # An English page needs no language marked on English texts.
    assert 'lang="en"' not in page.split("<main", 1)[1]


def test_in_welsh_the_explanation_is_welsh_and_the_english_rules_title_is_marked_english(
    client, income_tax_service
):
    assert client.get("/language/cy/?next=/").status_code == 302
    page = _answer_every_page(client)
    assert english_in(page) == []
    assert (
        'Y rheolau a ddefnyddiwyd: <span lang="en">Income Tax estimate, 2025-26</span>, '
        "ar gyfer y flwyddyn dreth 6 Ebrill 2025 i 5 Ebrill 2026." in page
    )
    # The income tax rules explain themselves in Welsh; only their title is English.
    assert '<ul class="govuk-list govuk-list--bullet" lang="en">' not in page
    assert "Your personal allowance" not in page
    assert "£12,570" in page
    assert "Cyllid a Thollau EF sy&#39;n cyfrifo&#39;r dreth sydd arnoch." in page
    assert "Nawr anfonwch eich atebion a&#39;ch amcangyfrif</h2>" in page


def test_a_period_that_is_not_a_tax_year_is_named_by_its_dates_and_the_platforms_words_stay(
    client, db, tmp_path
):
    # The same service over part of the tax year, without its own note or heading.
    (tmp_path / "rules").mkdir()
    shutil.copy(RULES, tmp_path / "rules" / RULES.name)
    text = SERVICE.read_text(encoding="utf-8")
    text = text.replace(
        'period: {tax_year: "2025-26"}', "period: {from: 2025-04-06, to: 2025-12-31}"
    )
    text = re.sub(r"    note:\n.*\n.*\n", "", text, count=1)  # the estimate's note
    text = re.sub(r"  title:\n    en: Now send.*\n.*\n", "", text, count=1)  # the heading
    assert "note:" not in text
    assert "Now send" not in text
    (tmp_path / "service").mkdir()
    (tmp_path / "service" / "service.yaml").write_text(text, encoding="utf-8")
    publish_example(tmp_path / "service" / "service.yaml")
    page = _answer_every_page(client)
    assert "for the period 6 April 2025 to 31 December 2025." in page
    assert "for the tax year" not in page
    assert "We will check your application and tell you what you will get." in page
    assert '<h2 class="govuk-heading-m">Now send your application</h2>' in page


def test_an_application_through_the_api_keeps_the_estimate_and_its_period(
    client, income_tax_service, api_headers
):
    body = {"version": 1, "declaration": True, "answers": ANSWERS}
    response = client.post(
        API, data=json.dumps(body), content_type="application/json", headers=api_headers
    )
    assert response.status_code == 201, response.content
    estimate = response.json()["estimate"]
    assert estimate["pence"] == 1193825
    assert estimate["variable"] == "income_tax"
    assert estimate["explanation"] == list(expected().explanation)
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.estimate == {"variable": "income_tax", "pence": 1193825}
    assert case.fee_decision["period"] == {"from": "2025-04-06", "to": "2026-04-05"}
