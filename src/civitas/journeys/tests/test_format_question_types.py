"""The typed formats (a text pattern, National Insurance number, phone and time) through
publishing, the pages, check answers, the caseworker's case page and the API."""

import textwrap

import pytest

from civitas.cases.models import Case
from civitas.catalogue.public import publish_service_file
from civitas.catalogue.tests.test_model import SMALL
from conftest import problem_errors

URL = "/services/example-borough/small"
API = "/api/v1/services/example-borough/small"

FORMATS = SMALL.replace(
    'question: {id: email, type: email, label: "Your email?"}',
    'question: {id: email, type: email, label: "Your email?"}\n'
    "      - id: member\n"
    "        question:\n"
    "          id: member\n"
    "          type: text\n"
    "          label: Your membership number?\n"
    "          pattern: '[A-Z]{2}[0-9]{4}'\n"
    "          error_messages: {invalid: Enter a membership number like AB1234}\n"
    "      - id: nino\n"
    '        question: {id: nino, type: national_insurance_number, label: "Your NI number?"}\n'
    "      - id: phone\n"
    '        question: {id: phone, type: phone, label: "Your phone number?"}\n'
    "      - id: arrival\n"
    '        question: {id: arrival, type: time, label: "Your arrival time?"}',
)


@pytest.fixture
def formats_service(organisations, tmp_path):
    path = tmp_path / "service.yaml"
    path.write_text(textwrap.dedent(FORMATS))
    publish_service_file(path, published_by="test")


def _post(client, page, data):
    return client.post(f"{URL}/{page}/", {"version": "1", **data})


def test_the_formats_work_through_the_pages_and_the_case_page(
    client, formats_service, caseworker, signed_in
):
    _post(client, "colour", {"colour": "blue"})
    _post(client, "email", {"email": "someone@example.com"})
    assert _post(client, "member", {"member": "AB1234"}).status_code == 302
    refused = _post(client, "nino", {"nino": "QQ 12 34 56 C"})
    assert refused.status_code == 400
    assert "Enter a National Insurance number in the correct format" in refused.content.decode()
    assert _post(client, "nino", {"nino": "ab 12 34 56 c"}).status_code == 302
    page = client.get(f"{URL}/phone/").content.decode()
    assert 'type="tel"' in page
    assert 'autocomplete="tel"' in page
    assert _post(client, "phone", {"phone": "07700 900982"}).status_code == 302
    assert _post(client, "arrival", {"arrival": "2.30pm"}).status_code == 302
    summary = client.get(f"{URL}/check-answers/").content.decode()
    for shown in ["AB1234", "AB 12 34 56 C", "07700 900982", "2:30pm"]:
        assert shown in summary
    response = client.post(f"{URL}/declaration/", {"version": "1", "confirm": "yes"})
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.answers == {
        "colour": "blue",
        "email": "someone@example.com",
        "member": "AB1234",
        "nino": "AB123456C",
        "phone": "+447700900982",
        "arrival": "14:30",
    }
    signed_in(caseworker)
    case_page = client.get(f"/staff/cases/{case.reference}/").content.decode()
    for shown in ["AB 12 34 56 C", "07700 900982", "2:30pm"]:
        assert shown in case_page


def test_the_formats_work_through_the_api(client, formats_service, api_headers):
    schema = client.get(API).json()["answers_schema"]["properties"]
    assert schema["member"]["pattern"] == "^(?:[A-Z]{2}[0-9]{4})$"
    assert schema["arrival"]["pattern"] == "^([01][0-9]|2[0-3]):([0-5][0-9])$"
    answers = {
        "colour": "blue",
        "email": "someone@example.com",
        "member": "ab1234",
        "nino": "GB 12 34 56 A",
        "phone": "+33 1 23 45 67 89",
        "arrival": "25:00",
    }
    body = {"version": 1, "declaration": True, "answers": answers}
    response = client.post(
        f"{API}/applications", body, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 422
    assert set(problem_errors(response)) == {"member", "nino", "phone", "arrival"}
    body["answers"] = {
        **answers,
        "member": "AB1234",
        "nino": "AB 12 34 56 C",
        "phone": "020 7946 0000",
        "arrival": "midday",
    }
    response = client.post(
        f"{API}/applications", body, content_type="application/json", headers=api_headers
    )
    assert response.status_code == 201, response.content
    stored = Case.objects.get().answers
    assert (stored["nino"], stored["phone"], stored["arrival"]) == (
        "AB123456C",
        "+442079460000",
        "12:00",
    )
