"""Council Tax Reduction: the household's members reach the rules through computed values
(counts and sums over the repeating group), and the rules' estimate is shown before the
declaration and kept with the case, the same through the pages and the API."""

import datetime
import json

import pytest

from civitas.cases.models import Case
from civitas.catalogue.tests.memory import REPO
from civitas.journeys import flow
from civitas.rules.public import decide, load_rule_set
from conftest import problem_errors, publish_example

SERVICE = REPO / "services" / "council-tax-reduction" / "service.yaml"
RULES = REPO / "services" / "rules" / "council-tax-reduction-estimate.rules.yaml"
URL = "/api/v1/services/example-borough/council-tax-reduction/applications"


@pytest.fixture
def council_tax_reduction(db):
    return publish_example(SERVICE)


def _born(years_ago: int) -> str:
    today = datetime.date.today()
    return today.replace(year=today.year - years_ago, day=1).isoformat()


def member(name, relationship, years_old, income, savings) -> dict:
    return {
        "member_name": name,
        "relationship": relationship,
        "member_date_of_birth": _born(years_old),
        "member_income": str(income),
        "member_savings": str(savings),
    }


def household_answers() -> dict:
    """A couple with a child and a grown-up son at home; savings over the lower limit."""
    return {
        "full_name": "Sam Jones",
        "date_of_birth": _born(40),
        "national_insurance_number": "AB123456C",
        "address": "1 Station Road\nEastbury\nEB1 1AA",
        "email": "sam@example.com",
        "council_tax_band": "C",
        "household": [
            member("Alex Jones", "partner", 38, 5000, 100000),
            member("Robin Jones", "child", 9, 0, 0),
            member("Kit Jones", "other_adult", 21, 30000, 50000),
        ],
        "benefit": "none",
        "weekly_income": "15000",
        "savings": "700000",
        "disability_premium": "no",
    }


def expected_decision():
    """What the rule set decides for the same household, given its inputs directly."""
    return decide(
        load_rule_set(RULES),
        {
            "claimant_age": 40,
            "has_partner": True,
            "dependent_children": 1,
            "disability_premium_applies": False,
            "receives_passported_benefit": False,
            "weekly_income_pence": 15000 + 5000,  # the applicant's and the partner's
            "capital_pence": 700000 + 100000,
            "weekly_council_tax_pence": 3887,  # band C
            "non_dependants": 1,
            "non_dependant_weekly_income_pence": 30000,
        },
        on=datetime.date.today(),
    )


def estimate_of(service, answers):
    """The estimate for answers checked as an application is (with what they derive)."""
    today = datetime.date.today()
    checked = flow.check_submission(service, answers, today=today)
    assert checked.errors == {}
    return flow.estimate_for(service, checked.answers, today=today)


def post(client, headers, answers):
    body = {"version": 1, "declaration": True, "answers": answers}
    return client.post(URL, data=json.dumps(body), content_type="application/json", headers=headers)


def test_the_households_counts_and_sums_reach_the_rules(council_tax_reduction):
    estimate = estimate_of(council_tax_reduction, household_answers())
    expected = expected_decision()
    assert estimate is not None
    assert estimate.pence == expected.outputs["annual_reduction_pence"]
    assert estimate.pence > 0
    assert estimate.decision["inputs"] == expected.to_dict(trace=False)["inputs"]
    assert estimate.explanation == expected.explanation
    assert str(estimate.label) == "Estimated Council Tax Reduction for a year"


def test_a_passporting_benefit_takes_no_income_off_the_reduction(council_tax_reduction):
    answers = household_answers() | {"weekly_income": "90000"}
    means_tested = estimate_of(council_tax_reduction, answers)
    passported = estimate_of(council_tax_reduction, answers | {"benefit": "income_support"})
    assert means_tested is not None
    assert passported is not None
    assert passported.decision["inputs"]["receives_passported_benefit"] is True
    assert passported.pence > means_tested.pence


def test_someone_living_alone_is_a_single_person_with_no_deductions(council_tax_reduction):
    estimate = estimate_of(council_tax_reduction, household_answers() | {"household": []})
    assert estimate is not None
    inputs = estimate.decision["inputs"]
    assert (inputs["has_partner"], inputs["dependent_children"], inputs["non_dependants"]) == (
        False,
        0,
        0,
    )
    assert inputs["weekly_income_pence"] == 15000


def test_an_application_through_the_api_gets_the_same_estimate_and_keeps_it(
    client, council_tax_reduction, api_headers
):
    response = post(client, api_headers, household_answers())
    assert response.status_code == 201, response.content
    body = response.json()
    expected = expected_decision()
    assert body["fee_pence"] is None
    assert body["estimate"]["pence"] == expected.outputs["annual_reduction_pence"]
    assert body["estimate"]["variable"] == "annual_reduction_pence"
    assert body["estimate"]["explanation"] == list(expected.explanation)
    assert body["estimate"]["rules"]["sha256"] == council_tax_reduction.model.rules.sha256
    case = Case.objects.get(reference=body["reference"])
    assert case.estimate == {
        "variable": "annual_reduction_pence",
        "pence": expected.outputs["annual_reduction_pence"],
    }
    assert case.fee_decision["inputs"]["dependent_children"] == 1
    assert case.fee_decision["outputs"] == expected.to_dict(trace=False)["outputs"]


def test_the_api_refuses_a_household_with_two_partners(client, council_tax_reduction, api_headers):
    answers = household_answers()
    answers["household"].append(member("Jo Smith", "partner", 40, 0, 0))
    response = post(client, api_headers, answers)
    assert response.status_code == 422
    assert problem_errors(response)["benefit"].startswith(
        "You have told us about more than one partner"
    )


def test_the_api_refuses_a_child_aged_20_or_over(client, council_tax_reduction, api_headers):
    answers = household_answers()
    answers["household"][1] = member("Robin Jones", "child", 25, 0, 0)
    response = post(client, api_headers, answers)
    assert response.status_code == 422
    assert problem_errors(response)["household/2/member_date_of_birth"].startswith(
        "A child must be under 20"
    )


def test_the_caseworker_sees_the_estimate_with_the_sensitive_answers_it_comes_from(
    client, council_tax_reduction, api_headers, caseworker, signed_in
):
    response = post(client, api_headers, household_answers())
    reference = response.json()["reference"]
    pounds = response.json()["estimate"]["pence"] // 100
    signed_in(caseworker)
    page = client.get(f"/staff/cases/{reference}/").content.decode()
    # Worked out from the household's income and savings, it says what they are.
    assert "Estimated Council Tax Reduction for a year" not in page
    assert "Age of the applicant" in page  # a computed value from no sensitive answer
    shown = client.post(f"/staff/cases/{reference}/sensitive").content.decode()
    assert "Estimated Council Tax Reduction for a year" in shown
    assert f"£{pounds:,}" in shown
    assert "Dependent children" in shown  # the computed values that fed the rules


def test_a_sum_beyond_what_the_rules_take_leaves_no_estimate_rather_than_failing(
    council_tax_reduction,
):
    today = datetime.date.today()
    answers = flow.check_submission(council_tax_reduction, household_answers(), today=today).answers
    # Past the service's own limits (the API and pages refuse it), and past the rules' £1m.
    answers = {**answers, "savings": "100000001"}
    assert flow.estimate_for(council_tax_reduction, answers, today=today) is None


def test_a_welsh_application_through_the_api_names_the_estimate_in_welsh(
    client, council_tax_reduction, api_headers
):
    body = {"version": 1, "declaration": True, "language": "cy", "answers": household_answers()}
    response = client.post(
        URL, data=json.dumps(body), content_type="application/json", headers=api_headers
    )
    assert response.status_code == 201, response.content
    estimate = response.json()["estimate"]
    assert estimate["label"] == "Amcangyfrif o'r Gostyngiad Treth Gyngor am flwyddyn"
    assert estimate["pence"] == expected_decision().outputs["annual_reduction_pence"]
