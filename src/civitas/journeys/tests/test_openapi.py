"""docs/openapi.yaml describes answers as the question types do."""

from pathlib import Path

import jsonschema
import yaml

from civitas.catalogue.model import Option, Question
from civitas.catalogue.questions import question_type, question_type_names
from civitas.catalogue.tests.memory import parking_permit as parking_permit_in_memory

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
