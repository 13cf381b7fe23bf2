"""Submitting through the API takes a live key of the service's organisation, allowed to
submit to that service; reading definitions stays open to anyone."""

import json
import logging

import pytest

from civitas.cases.models import Case
from civitas.identity.public import create_api_key, revoke_api_key
from civitas.journeys.tests.test_api import URL, valid_answers
from civitas.platform.models import AuditEvent

APPLICATION = {"version": 1, "answers": valid_answers(), "declaration": True}


def post(client, headers, body=None):
    return client.post(
        URL,
        data=json.dumps(APPLICATION if body is None else body),
        content_type="application/json",
        headers=headers,
    )


def assert_unauthorised(response) -> None:
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["type"].endswith("/unauthorized")
    assert not Case.objects.exists()


def test_a_valid_key_submits_an_application(client, parking_permit, api_headers):
    response = post(client, api_headers)
    assert response.status_code == 201, response.content
    assert Case.objects.filter(reference=response.json()["reference"]).exists()


def test_a_submission_without_a_key_is_refused(client, parking_permit):
    response = post(client, {})
    assert_unauthorised(response)
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer not-a-key",
        "Bearer civitas_0123456789ab_" + "A" * 43,  # the right shape, but no such key
        "Bearer civitas_0123456789ab_" + "A" * 100_000,
        "Bearer " + "civitas_" * 10_000,
        "Bearer civitas_0123456789ab_" + "é" * 43,
        "Bearer civitas_０１２３４５６７８９ab_" + "A" * 43,
        "Bearer civitas_0123456789ab_" + "A" * 42 + "\x00",
    ],
)
def test_a_malformed_or_unknown_key_is_refused(client, parking_permit, authorization):
    response = post(client, {"Authorization": authorization})
    assert_unauthorised(response)


def test_a_key_sent_twice_in_one_header_is_refused(client, parking_permit, api_headers):
    secret = api_headers["Authorization"]
    response = post(client, {"Authorization": f"{secret}, {secret}"})
    assert_unauthorised(response)


def test_a_key_with_a_changed_secret_is_refused(client, parking_permit, api_headers):
    authorization = api_headers["Authorization"]
    changed = authorization[:-1] + ("B" if authorization[-1] != "B" else "C")
    assert_unauthorised(post(client, {"Authorization": changed}))


def test_a_revoked_key_is_refused(client, parking_permit, organisations):
    key, secret = create_api_key(
        organisation_slug="example-borough", name="Old", scopes=["submit"], created_by="test"
    )
    revoke_api_key(key.public_id, revoked_by="test")
    response = post(client, {"Authorization": f"Bearer {secret}"})
    assert_unauthorised(response)
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_the_bearer_scheme_is_read_in_any_case(client, parking_permit, api_headers):
    secret = api_headers["Authorization"].removeprefix("Bearer ")
    assert post(client, {"Authorization": f"bearer {secret}"}).status_code == 201


def assert_forbidden(response) -> None:
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"].endswith("/forbidden")
    assert not Case.objects.exists()


def test_another_organisations_key_is_forbidden(client, parking_permit, api_key):
    assert_forbidden(post(client, api_key("sample-district")))


def test_a_key_for_another_service_is_forbidden(client, parking_permit, api_key):
    assert_forbidden(post(client, api_key(scopes=["submit:bulky-waste-collection"])))


def test_a_key_for_this_service_submits(client, parking_permit, api_key):
    response = post(client, api_key(scopes=["submit:resident-parking-permit"]))
    assert response.status_code == 201, response.content


def test_a_read_only_key_cannot_submit(client, parking_permit, api_key):
    assert_forbidden(post(client, api_key(scopes=["read", "read:resident-parking-permit"])))


def test_the_key_is_checked_before_the_body_is_read(client, parking_permit):
    response = client.post(URL, data="{not json", content_type="application/json")
    assert_unauthorised(response)
    response = client.post(URL, data="x" * 100_000, content_type="text/plain")
    assert_unauthorised(response)


def test_too_many_submissions_with_one_key_are_a_429_problem(
    client, parking_permit, api_key, settings
):
    settings.API_KEY_RATE = "2/minute"
    headers = api_key()
    assert post(client, headers).status_code == 201
    assert post(client, headers, {}).status_code == 400
    response = post(client, headers)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert 0 < int(response["Retry-After"]) <= 60
    assert Case.objects.count() == 1
    # Another key of the same organisation has its own count.
    assert post(client, api_key()).status_code == 201


def test_the_secret_appears_in_no_log_and_no_audit_record(
    client, parking_permit, organisations, caplog
):
    caplog.set_level(logging.DEBUG)
    key, secret = create_api_key(
        organisation_slug="example-borough", name="Logged", scopes=["submit"], created_by="test"
    )
    random_part = secret.split("_", 2)[2]
    assert post(client, {"Authorization": f"Bearer {secret}"}).status_code == 201
    assert post(client, {"Authorization": f"Bearer {secret}x"}).status_code == 401
    revoke_api_key(key.public_id, revoked_by="test")
    assert post(client, {"Authorization": f"Bearer {secret}"}).status_code == 401
    assert random_part not in caplog.text
    audit = list(AuditEvent.objects.filter(object_type="api_key").values())
    assert [event["action"] for event in audit] == ["api_key.created", "api_key.revoked"]
    assert random_part not in repr(audit)


def test_reading_definitions_needs_no_key(client, parking_permit):
    assert client.get("/api/v1/services").status_code == 200
    assert client.get("/api/v1/services/example-borough/resident-parking-permit").status_code == 200
