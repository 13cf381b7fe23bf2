"""docs/openapi.yaml describes answers as the question types do."""

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile

from civitas.catalogue.model import Option, Question
from civitas.catalogue.questions import question_type, question_type_names
from civitas.catalogue.tests.memory import parking_permit as parking_permit_in_memory
from civitas.journeys.api import APPLICATION_PART
from civitas.journeys.tests.test_api import URL, valid_answers
from civitas.journeys.tests.test_api_uploads import files, send
from conftest import SERVICES, publish_example
from tests.browser import PDF

OPENAPI = Path(__file__).resolve().parents[4] / "docs" / "openapi.yaml"


def _openapi() -> dict:
    return yaml.safe_load(OPENAPI.read_text())


def _submission_schema() -> dict:
    operation = _openapi()["paths"]["/api/v1/services/{organisation}/{slug}/applications"]
    return operation["post"]["requestBody"]["content"]["application/json"]["schema"]


def test_every_question_types_answer_is_what_the_api_document_says_an_answer_is():
    documented = _submission_schema()["properties"]["answers"]["additionalProperties"]
    for name in question_type_names():
        options = (Option("a", "A"), Option("b", "B")) if question_type(name).takes_options else ()
        schema = Question(id="q", type=name, label="Q?", options=options).answer_schema()
        assert schema["type"] in documented["type"], name


def test_the_documented_example_is_a_valid_application_for_the_example_service():
    answers_schema = parking_permit_in_memory().model.answers_schema()
    [example] = _submission_schema()["properties"]["answers"]["examples"]
    jsonschema.validate(example, answers_schema)


def test_the_service_document_describes_its_answers_schema():
    operation = _openapi()["paths"]["/api/v1/services/{organisation}/{slug}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert "answers_schema" in schema["required"]
    jsonschema.Draft202012Validator.check_schema(parking_permit_in_memory().model.answers_schema())


def _documented_problem(operation: dict, status: str) -> dict:
    document = _openapi()
    response = operation["responses"][status]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response


def test_submitting_is_documented_as_taking_a_bearer_key():
    document = _openapi()
    operation = document["paths"]["/api/v1/services/{organisation}/{slug}/applications"]["post"]
    [requirement] = operation["security"]
    [scheme] = requirement
    assert document["components"]["securitySchemes"][scheme]["type"] == "http"
    assert document["components"]["securitySchemes"][scheme]["scheme"] == "bearer"
    assert {"401", "403", "429"} <= operation["responses"].keys()
    assert "WWW-Authenticate" in _documented_problem(operation, "401")["headers"]
    assert "Retry-After" in _documented_problem(operation, "429")["headers"]
    # Reading stays open.
    assert "security" not in document["paths"]["/api/v1/services/{organisation}/{slug}"]["get"]


@pytest.mark.parametrize(
    ("scopes", "organisation", "rate", "status"),
    [
        (None, None, "600/minute", "401"),
        (["submit"], "sample-district", "600/minute", "403"),
        (["read"], "example-borough", "600/minute", "403"),
        (["submit"], "example-borough", "0/minute", "429"),
    ],
)
def test_refusals_of_a_submission_are_the_documented_problems(
    client, parking_permit, api_key, settings, scopes, organisation, rate, status
):
    settings.API_KEY_RATE = rate
    headers = api_key(organisation, scopes) if scopes else {}
    operation = _openapi()["paths"]["/api/v1/services/{organisation}/{slug}/applications"]["post"]
    response = client.post(
        "/api/v1/services/example-borough/resident-parking-permit/applications",
        data="{}",
        content_type="application/json",
        headers=headers,
    )
    assert str(response.status_code) == status
    documented = _documented_problem(operation, status)
    assert response["Content-Type"] in documented["content"]
    problem_schema = _openapi()["components"]["schemas"]["Problem"]
    jsonschema.validate(response.json(), problem_schema)
    for header in documented.get("headers", {}):
        assert response.has_header(header), header


def test_an_application_status_is_the_documented_document(client, parking_permit, api_key):
    created = client.post(
        URL,
        data=json.dumps({"version": 1, "answers": valid_answers(), "declaration": True}),
        content_type="application/json",
        headers=api_key(),
    )
    reference = created.json()["reference"]
    response = client.get(f"/api/v1/applications/{reference}", headers=api_key(scopes=["read"]))
    assert response.status_code == 200
    operation = _openapi()["paths"]["/api/v1/applications/{reference}"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), schema)
    assert operation["security"] == [{"apiKey": []}]


@pytest.mark.parametrize(
    "body",
    [
        {"version": "1", "answers": {}, "declaration": True},
        {"version": 1, "answers": valid_answers(), "declaration": True, "language": "fr"},
        {"version": 1, "answers": {**valid_answers(), "email": "nope"}, "declaration": True},
    ],
    ids=["version", "language", "answers"],
)
def test_a_submissions_field_errors_are_the_documented_problem(
    client, parking_permit, api_headers, body
):
    response = client.post(
        URL, data=json.dumps(body), content_type="application/json", headers=api_headers
    )

    assert response.status_code in (400, 422)
    jsonschema.validate(response.json(), _openapi()["components"]["schemas"]["Problem"])
    [error] = response.json()["errors"]
    assert error["pointer"] in ("#/version", "#/language", "#/answers/email")


def test_a_submission_with_files_is_documented_as_multipart_with_its_application_part():
    operation = _openapi()["paths"]["/api/v1/services/{organisation}/{slug}/applications"]
    multipart = operation["post"]["requestBody"]["content"]["multipart/form-data"]
    assert multipart["schema"]["required"] == [APPLICATION_PART]
    assert multipart["encoding"][APPLICATION_PART]["contentType"] == "application/json"


def test_a_multipart_submission_and_a_refused_file_are_the_documented_documents(
    client, api_headers, organisations
):
    publish_example(SERVICES / "blue-badge" / "service.yaml")
    operation = _openapi()["paths"]["/api/v1/services/{organisation}/{slug}/applications"]
    responses = operation["post"]["responses"]

    created = send(client, api_headers)
    assert created.status_code == 201
    jsonschema.validate(created.json(), responses["201"]["content"]["application/json"]["schema"])

    refused = send(client, api_headers, sent=files(photo=SimpleUploadedFile("a.pdf", PDF)))
    assert refused.status_code == 422
    assert refused["Content-Type"] in responses["422"]["content"]
    jsonschema.validate(refused.json(), _openapi()["components"]["schemas"]["Problem"])
    assert [error["pointer"] for error in refused.json()["errors"]] == ["#/answers/photo"]
