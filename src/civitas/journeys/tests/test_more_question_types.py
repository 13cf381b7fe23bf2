"""The number, money, yes_no, select and long_text question types through publishing,
the pages, check answers, the submitted case and the caseworker's case page."""

import textwrap

import pytest

from civitas.cases.models import Case
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from conftest import problem_errors

URL = "/services/example-borough/small"

PAGES = """\
      - id: children
        question: {id: children, type: number, label: "How many children?", min: 0, max: 20,
                   suffix: children}
      - id: rent
        question: {id: rent, type: money, label: "Monthly rent?", max: 500000}
      - id: car
        question: {id: car, type: yes_no, label: "Do you have a car?"}
      - id: council
        question:
          id: council
          type: select
          label: Your council?
          options:
            - {value: north, label: North District Council}
            - {value: south, label: South District Council}
      - id: details
        question: {id: details, type: long_text, label: "Anything else?", max_length: 20}
      - id: email
"""


@pytest.fixture
def service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(SMALL.replace("      - id: email\n", PAGES, 1)))
    publish_service_file(path, published_by="test")


def _post(client, page, data):
    return client.post(f"{URL}/{page}/", {"version": "1", **data})


def test_the_new_types_work_through_the_pages_and_the_case_page(
    client, service, caseworker, signed_in
):
    _post(client, "colour", {"colour": "blue"})
    refused = _post(client, "children", {"children": "2.5"})
    assert refused.status_code == 400
    assert "The answer must be a whole number" in refused.content.decode()
    assert _post(client, "children", {"children": "1e400"}).status_code == 400
    assert _post(client, "children", {"children": "21"}).status_code == 400
    assert _post(client, "children", {"children": "2"}).status_code == 302
    page = client.get(f"{URL}/rent/").content.decode()
    assert '<div class="govuk-input__prefix" aria-hidden="true">£</div>' in page
    assert _post(client, "rent", {"rent": "£1,250.5"}).status_code == 302
    assert 'value="1250.50"' in client.get(f"{URL}/rent/").content.decode()
    assert _post(client, "car", {"car": "maybe"}).status_code == 400
    assert _post(client, "car", {"car": "yes"}).status_code == 302
    assert _post(client, "council", {"council": "east"}).status_code == 400
    assert _post(client, "council", {"council": "south"}).status_code == 302
    too_long = _post(client, "details", {"details": "x" * 23}).content.decode()
    assert "You have 3 characters too many" in too_long
    assert _post(client, "details", {"details": "Two\r\nlines"}).status_code == 302
    _post(client, "email", {"email": "someone@example.com"})
    summary = client.get(f"{URL}/check-answers/").content.decode()
    for shown in ["2 children", "£1,250.50", "Yes", "South District Council", "Two<br>lines"]:
        assert shown in summary
    assert client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"}).status_code == 302
    case = Case.objects.get()
    assert case.answers == {
        "colour": "blue",
        "children": "2",
        "rent": "125050",
        "car": "yes",
        "council": "south",
        "details": "Two\nlines",
        "email": "someone@example.com",
    }
    signed_in(caseworker)
    case_page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    for shown in ["2 children", "£1,250.50", "South District Council", "Two<br>lines"]:
        assert shown in case_page


def test_the_new_types_work_through_the_api(client, service, api_headers):
    api = "/api/v1/services/example-borough/small"
    schema = client.get(api).json()["answers_schema"]["properties"]
    assert schema["rent"]["pattern"] == "^(0|[1-9][0-9]{0,14})$"
    assert schema["car"] == {"type": "string", "enum": ["yes", "no"]}
    assert schema["children"]["pattern"] == "^(0|[1-9][0-9]*)$"
    answers = {
        "colour": "blue",
        "children": "2",
        "rent": "12.50",
        "car": "no",
        "council": "north",
        "details": "None",
        "email": "someone@example.com",
    }
    body = {"version": 1, "declaration": True, "answers": answers}
    response = client.post(
        f"{api}/applications", body, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 422
    assert problem_errors(response)["rent"] == "Enter an amount in pounds and pence, like 12.50", (
        response.json()
    )
    body["answers"] = {**answers, "rent": "1250", "children": "NaN"}
    response = client.post(
        f"{api}/applications", body, content_type="application/json", headers=api_headers
    )
    assert problem_errors(response)["children"] == "The answer must be a number"
    body["answers"] = {**answers, "rent": "1250"}
    response = client.post(
        f"{api}/applications", body, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 201, response.content
    assert Case.objects.get().answers["rent"] == "1250"
