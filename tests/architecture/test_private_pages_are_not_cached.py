"""Pages that can show personal data tell browsers and proxies to keep no copy."""

import datetime
import json
from email.utils import parsedate_to_datetime

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers

from civitas.cases.tests.factories import CaseFactory
from civitas.journeys.tests.test_api import valid_answers
from civitas.journeys.tests.test_pages import complete_questions
from conftest import permit_address

URL = "/services/example-borough/resident-parking-permit"


def is_not_stored(response) -> bool:
    return "no-store" in response.headers.get("Cache-Control", "")


def test_a_question_page_is_not_stored(client, parking_permit):
    client.post(f"{URL}/address/", {"version": "1", **permit_address()})
    response = client.get(f"{URL}/vehicle/")
    assert response.status_code == 200
    assert is_not_stored(response)
    # An answer that fails validation is shown back to the person: not stored either.
    assert is_not_stored(client.post(f"{URL}/address/", {"version": "1", "address-postcode": "x"}))


def test_check_answers_and_the_confirmation_page_are_not_stored(client, parking_permit, payments):
    complete_questions(client)
    assert is_not_stored(client.get(f"{URL}/check-answers/"))
    client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    reference = client.session["submitted:example-borough/resident-parking-permit"]
    # Before it is paid, the confirmation page says so, with the amount: not stored.
    unpaid = client.get(f"{URL}/confirmation/{reference}/")
    assert unpaid.status_code == 200
    assert "You have not paid yet" in unpaid.text
    assert is_not_stored(unpaid)
    payments.pay(reference)
    confirmation = client.get(f"{URL}/confirmation/{reference}/")
    assert confirmation.status_code == 200
    assert is_not_stored(confirmation)


def test_the_payment_pages_are_not_stored(client, parking_permit, payments):
    complete_questions(client)
    client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    reference = client.session["submitted:example-borough/resident-parking-permit"]
    from civitas.cases.public import case_payment, pay_url

    found = case_payment(reference)
    assert found is not None
    assert is_not_stored(client.get(pay_url(found.service, reference)))


def test_a_staff_case_page_is_not_stored(client, parking_permit, caseworker, signed_in):
    signed_in(caseworker)
    case = CaseFactory()
    response = client.get(f"/staff/cases/{case.reference}/")
    assert response.status_code == 200
    assert is_not_stored(response)
    assert is_not_stored(client.get("/staff/cases/"))
    assert is_not_stored(client.get("/staff/"))


def test_the_sign_in_pages_are_not_stored(client, caseworker):
    assert is_not_stored(client.get("/staff/sign-in"))
    client.post("/staff/sign-in", {"email": caseworker.email, "password": "correct-horse-battery"})
    assert is_not_stored(client.get("/staff/sign-in/code"))


def test_an_api_submission_response_is_not_stored(client, parking_permit, api_headers):
    response = client.post(
        "/api/v1/services/example-borough/resident-parking-permit/applications",
        data=json.dumps({"version": 1, "answers": valid_answers(), "declaration": True}),
        content_type="application/json",
        headers=api_headers,
    )
    assert response.status_code == 201
    assert is_not_stored(response)


def test_a_response_that_says_how_to_cache_itself_keeps_it(rf):
    from django.http import HttpResponse

    from civitas.platform.middleware import NoStoreByDefaultMiddleware

    def public_view(request):
        response = HttpResponse("public")
        response["Cache-Control"] = "public, max-age=31536000, immutable"
        return response

    response = NoStoreByDefaultMiddleware(public_view)(rf.get("/api/v1/ledger/entries/1"))
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert is_not_stored(NoStoreByDefaultMiddleware(lambda r: HttpResponse())(rf.get("/")))


def test_the_headers_are_those_django_writes_for_a_page_never_cached(client, parking_permit):
    response = client.get(f"{URL}/address/")
    django_writes = HttpResponse()
    add_never_cache_headers(django_writes)

    assert response["Cache-Control"] == django_writes["Cache-Control"]
    assert abs(
        parsedate_to_datetime(response["Expires"]) - parsedate_to_datetime(django_writes["Expires"])
    ) <= datetime.timedelta(seconds=2)
