"""Your data: a signed-in citizen sees everything held from their applications, every
look at it by staff with its log entry to verify, and downloads it as JSON; no one else's
data, and nothing without signing in."""

import json

import pytest

from civitas.cases.conversation import send_message
from civitas.cases.models import Case
from civitas.cases.services import record_personal_data_view
from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory
from civitas.journeys.tests.test_pages import URL, complete_questions
from conftest import acting, pay_from_check_answers

pytestmark = pytest.mark.django_db


def sign_in(client, account) -> None:
    response = client.post("/account/sign-in", {"email": account.email, "password": PASSWORD})
    assert response.status_code == 302, response.content


@pytest.fixture
def account(db):
    return CitizenAccountFactory(email="resident@example.com")


@pytest.fixture
def case(client, parking_permit, account, payments):
    sign_in(client, account)
    complete_questions(client)
    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert pay_from_check_answers(client, response).status_code == 302
    return Case.objects.get()


def test_the_citizen_sees_their_answers_and_status(client, case):
    page = client.get("/account/your-data").content.decode()
    assert "Your data" in page
    assert case.reference in page
    assert "Apply for a resident parking permit" in page
    assert "CU57 ABC" in page  # an answer, as check answers showed it
    assert "No one has looked at your data yet." in page


def test_a_look_by_staff_is_listed_with_who_why_and_its_log_entry(client, case, caseworker):
    receipt = record_personal_data_view(case=case, staff=acting(caseworker))
    page = client.get("/account/your-data").content.decode()
    assert "Caseworker, Example Borough Council" in page
    assert "To work on your application" in page
    assert f'/ledger/entries/{receipt.index}/">Log entry {receipt.index}<' in page
    assert "No one has looked at your data yet." not in page
    assert caseworker.email not in page  # the organisation and role, not the person


def test_messages_with_the_organisation_are_part_of_it(client, case, caseworker):
    send_message(
        reference=case.reference, staff=acting(caseworker), text="Please send a photo of the car."
    )
    page = client.get("/account/your-data").content.decode()
    assert "Please send a photo of the car." in page


def test_the_download_is_the_same_data_as_json(client, case, caseworker):
    receipt = record_personal_data_view(case=case, staff=acting(caseworker))
    response = client.get("/account/your-data.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="your-data.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == "resident@example.com"
    [application] = data["applications"]
    assert application["reference"] == case.reference
    assert {"question": "Registration number", "answer": "CU57 ABC"} in application["answers"]
    looks = {look["entry"]: look for look in application["log"]}
    assert looks[receipt.index]["verify"].endswith(f"/ledger/entries/{receipt.index}/")
    assert looks[receipt.index]["role"] == "Caseworker"


def test_another_citizens_applications_are_not_shown(client, case):
    other = CitizenAccountFactory(email="neighbour@example.com")
    client.post("/account/sign-out")
    sign_in(client, other)
    page = client.get("/account/your-data").content.decode()
    assert case.reference not in page
    assert json.loads(client.get("/account/your-data.json").content)["applications"] == []


@pytest.mark.parametrize("path", ["/account/your-data", "/account/your-data.json"])
def test_without_signing_in_there_is_nothing_to_see(client, case, path):
    client.post("/account/sign-out")
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/sign-in")


def test_the_page_is_read_in_welsh(client, case):
    client.cookies["django_language"] = "cy"
    page = client.get("/account/your-data").content.decode()
    assert 'lang="cy"' in page


def test_each_application_links_to_its_councils_data_rights_service(client, case):
    from conftest import SERVICES, publish_example

    page = client.get("/account/your-data").content.decode()
    assert "correct or delete this" not in page  # the council takes no such request online
    publish_example(SERVICES / "data-rights-request" / "service.yaml")
    page = client.get("/account/your-data").content.decode()
    assert 'href="/services/example-borough/data-rights-request/"' in page
    assert "Ask Example Borough Council to correct or delete this" in page


def test_a_request_to_delete_data_becomes_a_case_for_the_data_protection_team(
    client, case, organisations
):
    from conftest import SERVICES, publish_example

    publish_example(SERVICES / "data-rights-request" / "service.yaml")
    service = "/services/example-borough/data-rights-request"
    steps = [
        ("request", {"request_type": "delete"}),
        ("application", {"application_reference": case.reference}),
        ("details", {"details": "Delete my application: I moved away."}),
        ("email", {"email": "resident@example.com"}),
    ]
    for page, answers in steps:
        response = client.post(f"{service}/{page}/", {"version": "1", **answers})
        assert response.status_code == 302, (page, response.content[:1500])
    response = client.post(f"{service}/declaration/", {"version": "1", "confirm": "yes"})
    assert response.status_code == 302, response.content[:2000]
    request = Case.objects.get(service_slug="data-rights-request")
    assert request.team.slug == "data-protection"
    assert str(request.account_id) == str(case.account_id)  # in the citizen's applications
