"""Hostile JSON to the submission API of every example service: any JSON value where an
application goes, any value for each answer, hostile headers beside it. The answer is a
4xx problem every time, never a 5xx; what is refused stores nothing at all."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitas.cases.models import Case
from civitas.catalogue.tests.test_question_types_hostile import HOSTILE_TEXT
from civitas.journeys.models import IdempotentSubmission
from civitas.notify.models import Message
from conftest import SERVICES, publish_example

EXAMPLES = ["resident-parking-permit", "street-party", "report-a-problem", "blue-badge"]

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | HOSTILE_TEXT,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(HOSTILE_TEXT, children, max_size=3)
    ),
    max_leaves=8,
)


def _answer_ids(service) -> list[str]:
    return [*sorted(question.id for question in service.model.questions), "not_a_question"]


@pytest.fixture(params=EXAMPLES)
def example(request, db):
    return publish_example(SERVICES / request.param / "service.yaml")


def _no_trace_left() -> None:
    assert not Case.objects.exists()
    assert not Message.objects.exists()
    assert not IdempotentSubmission.objects.exists()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_answers_are_a_4xx_problem_and_store_nothing(example, api_headers, data):
    answers = data.draw(
        st.dictionaries(st.sampled_from(_answer_ids(example)), JSON_VALUES, max_size=6)
    )
    body = {
        "version": data.draw(st.sampled_from([1, "1", 1.0, True, None, 2])),
        "declaration": data.draw(st.sampled_from([True, "true", 1, None])),
        "answers": answers,
        **data.draw(st.dictionaries(st.sampled_from(["language", "x"]), JSON_VALUES, max_size=1)),
    }
    idempotency_key = data.draw(st.none() | st.text(st.characters(max_codepoint=126), max_size=5))
    headers = {**api_headers}
    if idempotency_key is not None and "\n" not in idempotency_key and "\r" not in idempotency_key:
        headers["Idempotency-Key"] = idempotency_key

    response = Client().post(
        f"/api/v1/services/{example.path}/applications",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )

    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    assert response["Content-Type"] == "application/problem+json"
    _no_trace_left()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=JSON_VALUES)
def test_any_json_where_an_application_goes_is_a_4xx_problem(example, api_headers, body):
    response = Client().post(
        f"/api/v1/services/{example.path}/applications",
        data=json.dumps(body),
        content_type="application/json",
        headers=api_headers,
    )

    assert 400 <= response.status_code < 500, (response.status_code, response.content[:500])
    _no_trace_left()
