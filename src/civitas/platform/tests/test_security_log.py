"""The security log: one JSON record per event, with ids and pseudonyms and nothing else."""

import json
import logging

import pytest

from civitas.platform.security_log import NotAReference, security_event


def _records(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "civitas.security"]


def test_an_event_is_one_json_record_with_its_fields(caplog):
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        security_event("sign_in.failed", reason="wrong_password", staff=12, account="ab12cd34")
    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert json.loads(record.getMessage()) == {
        "event": "sign_in.failed",
        "reason": "wrong_password",
        "staff": 12,
        "account": "ab12cd34",
    }
    assert record.security["staff"] == 12


@pytest.mark.parametrize(
    "value",
    [
        "caseworker@example.gov.uk",
        "Alex Smith",
        "EB1 1AA",
        "203.0.113.9",
        "2001:db8::1",
        "/staff/cases/?q=Smith",
        "x" * 101,
    ],
)
def test_a_value_that_is_not_an_id_or_a_pseudonym_is_refused(value, caplog):
    with caplog.at_level(logging.INFO, logger="civitas.security"), pytest.raises(NotAReference):
        security_event("sign_in.failed", reason="wrong_password", account=value)
    assert caplog.records == []


def test_the_event_and_the_reason_are_names_of_ours():
    with pytest.raises(NotAReference):
        security_event("Sign in failed for alex@example.org", reason="wrong")
    with pytest.raises(NotAReference):
        security_event("sign_in.failed", reason="Alex typed it wrong")


def test_an_unknown_address_is_not_a_security_event(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        assert client.get("/no/such/page/").status_code == 404
    assert _records(caplog) == []


def test_a_forged_api_key_is_recorded(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        response = client.get(
            "/api/v1/applications/ABC-123",
            headers={"Authorization": "Bearer civ_forged_000000000000000000000000"},
        )
    assert response.status_code == 401
    assert _records(caplog) == [{"event": "token.refused", "reason": "api_key_invalid"}]


def test_a_form_without_its_csrf_token_is_recorded(db, caseworker, caplog):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        response = strict.post("/staff/sign-in", {"email": caseworker.email, "password": "x"})
    assert response.status_code == 403
    assert _records(caplog) == [
        {"event": "token.refused", "reason": "csrf", "view": "identity:sign-in"}
    ]
