"""A key with the read scope reads where its own organisation's applications stand; any
other reference is a 404 that does not say whether it exists."""

import json

import pytest

from civitas.journeys.tests.test_api import URL, valid_answers
from civitas.platform.references import ALPHABET, reference_for


@pytest.fixture
def reference(client, parking_permit, api_headers) -> str:
    response = client.post(
        URL,
        data=json.dumps({"version": 1, "answers": valid_answers(), "declaration": True}),
        content_type="application/json",
        headers=api_headers,
    )
    assert response.status_code == 201, response.content
    return response.json()["reference"]


def status_of(client, reference, headers):
    return client.get(f"/api/v1/applications/{reference}", headers=headers)


def assert_not_found(response) -> None:
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == (
        "There is no application with this reference that this key may read."
    )


@pytest.mark.parametrize("scopes", [["read"], ["read:resident-parking-permit"]])
def test_a_read_key_sees_its_organisations_application(client, reference, api_key, scopes):
    response = status_of(client, reference, api_key(scopes=scopes))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["reference"] == reference
    # The permit's fee is paid online: until it is, the application waits for it.
    assert body["status"] == "awaiting_payment"
    # What a citizen is shown: the workflow state's label, in either language.
    assert body["status_label"] == {"en": "Waiting for payment", "cy": "Yn aros am daliad"}
    assert body["organisation"] == "example-borough"
    assert body["service"] == "resident-parking-permit"
    assert body["submitted_at"]
    assert "answers" not in body


def test_a_reference_is_read_however_it_is_typed(client, reference, api_key):
    typed = reference.lower().replace("-", "")
    assert status_of(client, typed, api_key(scopes=["read"])).json()["reference"] == reference


def test_another_organisations_application_is_not_found(client, reference, api_key):
    assert_not_found(status_of(client, reference, api_key("sample-district", ["read"])))


def test_an_application_of_a_service_the_key_may_not_read_is_not_found(client, reference, api_key):
    assert_not_found(status_of(client, reference, api_key(scopes=["read:street-party"])))


@pytest.mark.parametrize(
    "unknown",
    [
        reference_for(ALPHABET[:8]),
        "K7M-2QH-4XQ",
        "not-a-reference",
        "A" * 10_000,
        "%00",
        "é",
        "K7M 2QH 4XP!",
    ],
)
def test_an_unknown_or_malformed_reference_is_not_found(client, reference, api_key, unknown):
    assert_not_found(status_of(client, unknown, api_key(scopes=["read"])))


def test_a_submit_only_key_may_not_read(client, reference, api_headers):
    response = status_of(client, reference, api_headers)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("authorization", [None, "Bearer nonsense"])
def test_reading_without_a_live_key_is_refused(client, reference, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = status_of(client, reference, headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
