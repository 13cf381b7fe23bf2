"""Hostile JSON to the submission API of every example service: any JSON value where an
application goes, any value for each answer, hostile headers beside it; and hostile
multipart/form-data, with its files, to the Blue Badge. The answer is a 4xx problem every
time, never a 5xx; what is refused stores nothing at all, not even a file."""

import json
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civitas.cases.models import Case
from civitas.catalogue.tests.test_question_types_hostile import HOSTILE_TEXT
from civitas.journeys.models import IdempotentSubmission, Upload
from civitas.notify.models import Message
from civitas.platform.tests.clamd_sandbox import EICAR
from conftest import SERVICES, publish_example
from tests.browser import PDF, PNG

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


# Multipart: what a hostile client makes of the parts of an application with its files.
HOSTILE = object()
PART_NAMES = st.sampled_from(
    ["application", "photo", "proof_of_identity", "benefit_letter", "email", HOSTILE]
)
FILE_NAMES = st.sampled_from([None, "jane.png", "a.pdf", "", "../../x.pdf", HOSTILE])
CONTENTS = (
    st.sampled_from([PDF, PNG, b"", b"{}", EICAR])
    | st.binary(max_size=256)
    | JSON_VALUES.map(lambda value: json.dumps(value).encode())
)


def _blue_badge_application(data) -> bytes:
    """Mostly an application that would do, but for one answer drawn at random."""
    answers = {
        "applying_for": "myself",
        "holder_name": "Jane Doe",
        "date_of_birth": "1960-03-27",
        "address": "1 Station Road\nEastbury\nEB1 1AA",
        "email": "jane@example.com",
        "benefit": "dla_higher_mobility",
    }
    answers[data.draw(st.sampled_from([*answers, "photo", "x"]))] = data.draw(JSON_VALUES)
    body = {"version": 1, "declaration": True, "answers": answers}
    return json.dumps(body).encode()


def _encoded(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def _hostile(data, value):
    return data.draw(HOSTILE_TEXT) if value is HOSTILE else value


def _part(data, boundary: str, name: str) -> bytes:
    file_name = _hostile(data, data.draw(FILE_NAMES))
    if name == "application" and data.draw(st.booleans()):
        content = _blue_badge_application(data)
    else:
        content = data.draw(CONTENTS)
    disposition = b'form-data; name="' + _encoded(name) + b'"'
    if file_name is not None:
        disposition += b'; filename="' + _encoded(file_name) + b'"'
    headers = b"Content-Disposition: " + disposition + b"\r\n"
    headers += data.draw(st.sampled_from([b"", b"Content-Type: application/json\r\n"]))
    headers += data.draw(st.sampled_from([*[b""] * 7, b"Content-Transfer-Encoding: base64\r\n"]))
    return b"--" + _encoded(boundary) + b"\r\n" + headers + b"\r\n" + content + b"\r\n"


def _multipart_body(data, boundary: str) -> bytes:
    """Parts much as a client writes them (the application first, mostly), with hostile
    names, file names and contents, cut short or followed by garbage now and then."""
    names = [_hostile(data, name) for name in data.draw(st.lists(PART_NAMES, max_size=4))]
    if data.draw(st.integers(0, 3)):
        names.insert(0, "application")
    body = b"".join(_part(data, boundary, name) for name in names)
    body += data.draw(st.sampled_from([b"--" + _encoded(boundary) + b"--\r\n", b""]))
    if not data.draw(st.integers(0, 3)):
        body = body[: data.draw(st.integers(0, len(body)))]
    return body + data.draw(st.sampled_from([b"", b"\r\n--", b"\x00" * 8]))


@pytest.fixture
def blue_badge(organisations):
    return publish_example(SERVICES / "blue-badge" / "service.yaml")


def _stored() -> tuple[int, int, set]:
    root = Path(django_settings.UPLOAD_ROOT)
    files = {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()
    return Case.objects.count(), Upload.objects.count(), files


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_multipart_is_a_4xx_problem_and_leaves_nothing_behind(
    blue_badge, api_headers, data
):
    boundary = data.draw(st.sampled_from(["b0und4ry", "x" * 70, "a'()+_,-./:=?"]))
    if not data.draw(st.integers(0, 7)):
        # What a header can hold: WSGI gives header values as latin-1 text.
        boundary = data.draw(st.text(st.characters(codec="latin-1"), max_size=80))
    content_type = data.draw(
        st.sampled_from(
            [
                *[f"multipart/form-data; boundary={boundary}"] * 3,
                f'multipart/form-data; boundary="{boundary}"',
                "multipart/form-data",
                f"multipart/form-data; boundary={boundary}; charset=utf-8",
            ]
        )
    )
    garbage = not data.draw(st.integers(0, 7))
    body = data.draw(st.binary()) if garbage else _multipart_body(data, boundary)
    cases, uploads, files = _stored()

    response = Client().post(
        f"/api/v1/services/{blue_badge.path}/applications",
        data=body,
        content_type=content_type,
        headers=api_headers,
    )

    assert response.status_code < 500, (response.status_code, response.content[:500])
    assert Upload.objects.count() == uploads  # the request's own files never outlive it
    if response.status_code == 201:
        # Garbage can happen to be a whole application: then it is one case, and its files.
        assert Case.objects.count() == cases + 1
        assert {path.parent.name for path in _stored()[2] - files} <= {"cases"}
        return
    assert 400 <= response.status_code < 500
    assert response["Content-Type"] == "application/problem+json"
    assert _stored() == (cases, uploads, files)
