"""Submitting a whole application through the API; errors are RFC 9457 problems."""

import datetime
import json

from django.utils import timezone

from civitas.cases.models import Case
from civitas.notify.models import Message
from conftest import problem_errors

URL = "/api/v1/services/example-borough/resident-parking-permit/applications"


def valid_answers() -> dict:
    return {
        "address": "12 Station Road\nEastbury\neb1 1aa",
        "registration": "CU57 ABC",
        "co2_band": "C",
        "permit_months": "6",
        "start_date": (timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        "permits_in_household": "0",
        "has_blue_badge": "no",
        "email": "resident@example.com",
    }


def post(client, headers, body, content_type="application/json"):
    data = json.dumps(body) if not isinstance(body, str) else body
    return client.post(URL, data=data, content_type=content_type, headers=headers)


def test_a_valid_application_creates_a_case(client, parking_permit, api_headers, payments):
    response = post(
        client, api_headers, {"version": 1, "answers": valid_answers(), "declaration": True}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    case = Case.objects.get(reference=body["reference"])
    assert case.channel == "api"
    assert case.answers["zone"] == "A"
    assert body["fee_pence"] == 7700  # a 6-month band C permit on the 2026 tariff
    # The fee is paid online before the application is submitted: the client is told
    # how much and where, and the applicant is sent nothing until it is paid.
    assert (body["status"], case.status) == ("awaiting_payment", "awaiting_payment")
    pay_page = f"http://127.0.0.1:8000{parking_permit.url}pay/{case.reference}/"
    assert body["payment"]["pay_url"].startswith(pay_page)
    assert body["payment"] == {
        "amount_due_pence": 7700,
        "status": "waiting-for-payment",
        "pay_url": body["payment"]["pay_url"],
    }
    assert not Message.objects.filter(about=case.reference).exists()

    payments.pay(case.reference)
    case.refresh_from_db()
    assert case.status == "submitted"
    assert set(Message.objects.filter(about=case.reference).values_list("template", flat=True)) == {
        "submitted",
        "payment-received",
    }


def test_the_response_explains_the_fee_and_names_the_rules(client, parking_permit, api_headers):
    response = post(
        client, api_headers, {"version": 1, "answers": valid_answers(), "declaration": True}
    )
    body = response.json()
    assert body["fee_explanation"][-1] == "Fee to pay: £77."
    assert body["fee_rules"]["name"] == "parking-permit-fee"
    assert body["fee_rules"]["sha256"] == parking_permit.model.rules.sha256
    assert body["fee_rules"]["on"] == valid_answers()["start_date"]
    case = Case.objects.get(reference=body["reference"])
    assert case.fee_decision["explanation"] == body["fee_explanation"]


def test_the_fee_is_explained_in_the_applicants_language(client, parking_permit, api_headers):
    body = {"version": 1, "answers": valid_answers(), "declaration": True, "language": "cy"}
    response = post(client, api_headers, body)
    assert response.status_code == 201, response.content
    explained = response.json()["fee_explanation"]
    assert explained[-1] == "Ffi i'w thalu: £77."
    case = Case.objects.get(reference=response.json()["reference"])
    assert case.fee_decision["language"] == "cy"
    assert case.fee_decision["explanation"] == explained


def test_an_application_the_rules_refuse_is_a_422_problem(client, parking_permit, api_headers):
    answers = {**valid_answers(), "permits_in_household": "3"}
    response = post(client, api_headers, {"version": 1, "answers": answers, "declaration": True})
    assert response.status_code == 422
    errors = problem_errors(response)
    assert errors[""] == (
        "the answers lead to 'cannot-have-a-permit': You cannot have a resident parking permit"
    )
    assert not Case.objects.exists()


def test_invalid_answers_are_a_422_problem_naming_the_question(client, parking_permit, api_headers):
    answers = {**valid_answers(), "registration": "not a plate!"}
    response = post(client, api_headers, {"version": 1, "answers": answers, "declaration": True})
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "registration" in problem_errors(response)
    assert not Case.objects.exists()


def test_answers_that_lead_off_the_route_are_refused_with_one_error(
    client, parking_permit, api_headers
):
    answers = {**valid_answers(), "address": "1 Orchard Way\nWestfield\nEB9 9ZZ"}
    response = post(client, api_headers, {"version": 1, "answers": answers, "declaration": True})
    assert response.status_code == 422
    # Where the route ends, not an error for each answer after it.
    [(answer, message)] = problem_errors(response).items()
    assert answer == ""
    assert message.startswith("the answers lead to 'not-in-a-zone'")


def test_an_unknown_option_value_is_refused(client, parking_permit, api_headers):
    answers = {**valid_answers(), "co2_band": "Z"}
    response = post(client, api_headers, {"version": 1, "answers": answers, "declaration": True})
    assert response.status_code == 422
    assert not Case.objects.exists()


def test_a_version_that_is_not_live_is_a_409(client, parking_permit, api_headers):
    response = post(
        client, api_headers, {"version": 7, "answers": valid_answers(), "declaration": True}
    )
    assert response.status_code == 409
    assert response.json()["live_version"] == 1


def test_the_declaration_is_required(client, parking_permit, api_headers):
    response = post(client, api_headers, {"version": 1, "answers": valid_answers()})
    assert response.status_code == 422


def test_malformed_json_is_a_400_problem(client, parking_permit, api_headers):
    response = post(client, api_headers, "{not json")
    assert response.status_code == 400
    assert response.json()["title"] == "Malformed JSON"


def test_a_url_encoded_form_post_is_refused(client, parking_permit, api_headers):
    response = post(client, api_headers, "version=1", "application/x-www-form-urlencoded")
    assert response.status_code == 415


def test_a_form_post_of_fields_is_refused_naming_the_part_it_does_not_take(
    client, parking_permit, api_headers
):
    response = client.post(URL, {"version": "1"}, headers=api_headers)  # multipart
    assert response.status_code == 400
    assert response.json()["title"] == "Unknown part"
    assert "'version'" in response.json()["detail"]
    assert not Case.objects.exists()


def test_an_unknown_service_is_a_404_problem(client, api_headers):
    response = client.post(
        "/api/v1/services/example-borough/nope/applications",
        data="{}",
        content_type="application/json",
        headers=api_headers,
    )
    assert response.status_code == 404
    assert response.json()["type"].endswith("not-found")


def test_the_definition_is_readable(client, parking_permit):
    response = client.get("/api/v1/services/example-borough/resident-parking-permit")
    assert response.status_code == 200
    assert response.json()["definition"]["slug"] == "resident-parking-permit"
    assert "_data" not in response.json()["definition"]
    assert response.json()["answers_schema"] == parking_permit.model.answers_schema()
