"""Estimate your Income Tax: a service whose rules decide over a tax year, not on a day,
shows the estimated tax and its band-by-band explanation on check answers, and keeps it."""

import json

import pytest

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import REPO
from civitas.journeys import flow
from civitas.rules.public import DecisionPeriod, decide, load_rule_set
from conftest import publish_example

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
    assert "£2,827.00 at 19%: £537.13; £12,094.00 at 20%: £2,418.80" in page


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
