"""A question type added by one class (the test-only Colour) works through everything:
publishing, the pages, check answers, the API and the caseworker's case page."""

import textwrap

import pytest

from civitas.cases.models import Case
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.questions import registered
from civitas.catalogue.tests.test_question_types import WITH_A_COLOUR, Colour
from conftest import problem_errors

URL = "/services/example-borough/small"
API = "/api/v1/services/example-borough/small"


@pytest.fixture
def colour_service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(WITH_A_COLOUR))
    with registered(Colour):
        publish_service_file(path, published_by="test")
        yield


def _post(client, page, data):
    return client.post(f"{URL}/{page}/", {"version": "1", **data})


def test_a_new_question_type_works_through_the_pages_and_the_case_page(
    client, colour_service, caseworker, signed_in
):
    assert _post(client, "colour", {"colour": "blue"}).headers["Location"] == f"{URL}/favourite/"
    page = client.get(f"{URL}/favourite/").content.decode()
    assert 'class="govuk-input govuk-input--width-10" id="favourite" name="favourite"' in page
    refused = _post(client, "favourite", {"favourite": "green"})
    assert refused.status_code == 400
    assert 'href="#favourite"' in refused.content.decode()
    assert "Enter a colour like #00FF00" in refused.content.decode()
    assert _post(client, "favourite", {"favourite": "#ff0000"}).headers["Location"] == (
        f"{URL}/email/"
    )
    assert 'value="#FF0000"' in client.get(f"{URL}/favourite/").content.decode()
    _post(client, "email", {"email": "someone@example.com"})
    summary = client.get(f"{URL}/check-answers/").content.decode()
    assert "Red (#FF0000)" in summary
    assert "£2.50" in summary
    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.answers == {
        "colour": "blue",
        "favourite": "#FF0000",
        "email": "someone@example.com",
    }
    assert case.fee_pence == 250

    signed_in(caseworker)
    case_page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    assert "Your favourite colour?" in case_page
    assert "Red (#FF0000)" in case_page


def test_a_new_question_type_works_through_the_api(client, colour_service, api_headers):
    schema = client.get(API).json()["answers_schema"]
    assert schema["properties"]["favourite"] == {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"}
    answers = {"colour": "red", "favourite": "#0000ff", "email": "someone@example.com"}
    body = {"version": 1, "declaration": True, "answers": answers}
    response = client.post(
        f"{API}/applications", body, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 422  # red leads to the exit page
    assert problem_errors(response)[""] == "the answers lead to 'no-red': We have no red"
    body["answers"] = {**answers, "colour": "blue", "favourite": "blue"}
    response = client.post(
        f"{API}/applications", body, content_type="application/json", headers=api_headers
    )
    assert problem_errors(response)["favourite"] == "Enter a colour like #00FF00"
    body["answers"] = {**answers, "colour": "blue"}
    response = client.post(
        f"{API}/applications", body, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 201, response.content
    assert Case.objects.get().answers["favourite"] == "#0000FF"
