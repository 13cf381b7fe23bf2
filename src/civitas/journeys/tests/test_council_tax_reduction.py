"""Council Tax Reduction: the applicant and each member of the household reach the
statutory working-age rules person by person, and the rules' estimate is shown before the
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
RULES = REPO / "services" / "rules" / "council-tax-reduction.rules.yaml"
URL = "/api/v1/services/example-borough/council-tax-reduction/applications"


@pytest.fixture
def council_tax_reduction(db):
    return publish_example(SERVICE)


def _born(years_ago: int) -> str:
    today = datetime.date.today()
    return today.replace(year=today.year - years_ago, day=1).isoformat()


def member(
    name,
    relationship,
    years_old,
    earnings=0,
    savings=0,
    *,
    hours=0,
    other_income=0,
    support=("none",),
    student="no",
) -> dict:
    return {
        "member_name": name,
        "relationship": relationship,
        "member_date_of_birth": _born(years_old),
        "member_earnings": str(earnings),
        "member_hours": str(hours),
        "member_other_income": str(other_income),
        "member_savings": str(savings),
        "member_support": list(support),
        "member_student": student,
    }


def household_answers() -> dict:
    """A working couple with a child and a grown-up son at home; savings over the lower
    limit."""
    return {
        "full_name": "Sam Jones",
        "date_of_birth": _born(40),
        "national_insurance_number": "AB123456C",
        "address": "1 Station Road\nEastbury\nEB1 1AA",
        "email": "sam@example.com",
        "council_tax_band": "C",
        "household": [
            member("Alex Jones", "partner", 38, 5000, 100000, hours=10),
            member("Robin Jones", "child", 9),
            member("Kit Jones", "other_adult", 21, 30000, 50000, hours=37),
        ],
        "childcare": "0",
        "benefit": "none",
        "earnings": "15000",
        "hours_worked": "20",
        "other_income": "2000",
        "savings": "700000",
        "support": ["none"],
    }


def rules_member(role, years_old, **inputs) -> dict:
    return {"role": role, "date_of_birth": datetime.date.fromisoformat(_born(years_old))} | inputs


def expected_decision(**changes):
    """What the statutory rules decide for the same household, its members given directly."""
    members = [
        rules_member(
            "claimant",
            40,
            earnings_pence=15000,
            hours_worked=20,
            other_income_pence=2000,
            capital_pence=700000,
            benefit="none",
            blind=False,
            gets_carers_allowance=False,
            has_paid_carer=False,
            disability_benefit="none",
        ),
        rules_member(
            "partner",
            38,
            earnings_pence=5000,
            hours_worked=10,
            other_income_pence=0,
            capital_pence=100000,
            blind=False,
            gets_carers_allowance=False,
            has_paid_carer=False,
            disability_benefit="none",
            student=False,
        ),
        rules_member(
            "dependant",
            9,
            earnings_pence=0,
            hours_worked=0,
            other_income_pence=0,
            capital_pence=0,
            blind=False,
            gets_carers_allowance=False,
            has_paid_carer=False,
            disability_benefit="none",
            student=False,
        ),
        rules_member(
            "non_dependant",
            21,
            earnings_pence=30000,
            hours_worked=37,
            other_income_pence=0,
            capital_pence=50000,
            blind=False,
            gets_carers_allowance=False,
            has_paid_carer=False,
            disability_benefit="none",
            student=False,
        ),
    ]
    for index, change in changes.items():
        members[int(index.removeprefix("member_"))] |= change
    return decide(
        load_rule_set(RULES),
        {
            "weekly_council_tax_pence": 3887,  # band C
            "childcare_charges_pence": 0,
            "members": members,
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


def test_each_person_in_the_household_reaches_the_statutory_rules(council_tax_reduction):
    estimate = estimate_of(council_tax_reduction, household_answers())
    expected = expected_decision()
    assert estimate is not None
    assert estimate.pence == expected.outputs["annual_reduction_pence"]
    assert estimate.pence > 0
    assert estimate.decision["inputs"] == expected.to_dict(trace=False)["inputs"]
    assert estimate.decision["rule_set"]["name"] == "council-tax-reduction"
    assert estimate.explanation == expected.explanation
    assert str(estimate.label) == "Estimated Council Tax Reduction for a year"
    roles = [m["role"] for m in estimate.decision["inputs"]["members"]]
    assert roles == ["claimant", "partner", "dependant", "non_dependant"]


def test_a_passporting_benefit_takes_no_income_off_the_reduction(council_tax_reduction):
    answers = household_answers() | {"other_income": "90000"}
    means_tested = estimate_of(council_tax_reduction, answers)
    passported = estimate_of(council_tax_reduction, answers | {"benefit": "income_support"})
    assert means_tested is not None
    assert passported is not None
    assert passported.decision["inputs"]["members"][0]["benefit"] == "income_support"
    assert passported.pence > means_tested.pence


def test_someone_living_alone_is_the_only_member_of_the_household(council_tax_reduction):
    answers = household_answers() | {"household": []}
    del answers["childcare"]  # asked only of a household with children
    estimate = estimate_of(council_tax_reduction, answers)
    assert estimate is not None
    members = estimate.decision["inputs"]["members"]
    assert [m["role"] for m in members] == ["claimant"]
    assert members[0]["earnings_pence"] == 15000


def test_the_hours_question_is_skipped_without_earnings_and_the_rules_take_none(
    council_tax_reduction,
):
    answers = household_answers() | {"earnings": "0"}
    del answers["hours_worked"]
    estimate = estimate_of(council_tax_reduction, answers)
    expected = expected_decision(member_0={"earnings_pence": 0})
    assert estimate is not None
    assert estimate.decision["inputs"]["members"][0]["hours_worked"] == 0  # the default
    assert estimate.pence == expected.outputs["annual_reduction_pence"]


def test_the_disability_and_care_boxes_ticked_give_each_persons_benefit_and_status(
    council_tax_reduction,
):
    answers = household_answers() | {"support": ["blind", "carers_allowance"]}
    # The partner ticks both parts of PIP: the daily living part is the one that counts.
    answers["household"][0] = member(
        "Alex Jones",
        "partner",
        38,
        5000,
        100000,
        hours=10,
        support=["pip_daily_living_standard", "pip_mobility_only", "paid_carer"],
    )
    estimate = estimate_of(council_tax_reduction, answers)
    applicant, partner = estimate.decision["inputs"]["members"][:2]
    assert (applicant["blind"], applicant["gets_carers_allowance"]) == (True, True)
    assert applicant["disability_benefit"] == "none"  # neither box is a benefit: the default
    assert partner["disability_benefit"] == "pip_daily_living_standard"
    assert partner["has_paid_carer"] is True
    expected = expected_decision(
        member_0={"blind": True, "gets_carers_allowance": True},
        member_1={"disability_benefit": "pip_daily_living_standard", "has_paid_carer": True},
    )
    assert estimate.pence == expected.outputs["annual_reduction_pence"]
    # A partner on the daily living part of PIP: no deduction for the grown-up son.
    assert expected.values["non_dependant_deductions_pence"] == 0
    assert estimate.pence > expected_decision().outputs["annual_reduction_pence"]


def test_a_grown_up_student_at_home_brings_no_deduction(council_tax_reduction):
    answers = household_answers()
    answers["household"][2] = member(
        "Kit Jones", "other_adult", 21, 30000, 50000, hours=37, student="yes"
    )
    estimate = estimate_of(council_tax_reduction, answers)
    expected = expected_decision(member_3={"student": True})
    assert estimate is not None
    assert estimate.pence == expected.outputs["annual_reduction_pence"]
    assert estimate.pence > expected_decision().outputs["annual_reduction_pence"]


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
    assert [m["role"] for m in case.fee_decision["inputs"]["members"]].count("dependant") == 1
    assert case.fee_decision["outputs"] == expected.to_dict(trace=False)["outputs"]


def test_the_api_refuses_a_household_with_two_partners(client, council_tax_reduction, api_headers):
    answers = household_answers()
    answers["household"].append(member("Jo Smith", "partner", 40))
    response = post(client, api_headers, answers)
    assert response.status_code == 422
    assert problem_errors(response)["benefit"].startswith(
        "You have told us about more than one partner"
    )


def test_the_api_refuses_a_child_aged_20_or_over(client, council_tax_reduction, api_headers):
    answers = household_answers()
    answers["household"][1] = member("Robin Jones", "child", 25)
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
    assert "Dependent children" in shown  # computed from the household, which is sensitive


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
