"""Sign-in attempts are limited per account and per address, before any password is hashed."""

import json
import logging

from django.contrib.auth.hashers import MD5PasswordHasher

from civitas.platform.models import AuditEvent

RIGHT = "correct-horse-battery"


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting the hashes it works out (verifying is hashing)."""

    hashes = 0

    def encode(self, password, salt):
        CountingHasher.hashes += 1
        return super().encode(password, salt)


def sign_in(client, email: str, password: str, *, address: str = "127.0.0.1"):
    return client.post(
        "/staff/sign-in", {"email": email, "password": password}, REMOTE_ADDR=address
    )


def test_forty_wrong_passwords_lock_the_account_even_against_the_right_one(client, caseworker):
    for _ in range(40):
        sign_in(client, caseworker.email, "wrong-password")
    response = sign_in(client, caseworker.email, RIGHT)
    assert response.status_code == 429
    assert b"Too many attempts. Try again in 15 minutes" in response.content
    assert b"govuk-error-summary" in response.content
    assert 14 * 60 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session


def test_the_account_limit_applies_however_the_email_address_is_written(client, caseworker):
    for attempt in range(10):
        email = caseworker.email.upper() if attempt % 2 else f"  {caseworker.email} "
        sign_in(client, email, "wrong-password")
    assert sign_in(client, caseworker.email, RIGHT).status_code == 429


def test_wrong_passwords_from_one_address_are_limited_across_accounts(
    client, caseworker, service_owner, settings
):
    settings.SIGN_IN_RATE_PER_ADDRESS = "5/15minutes"
    for number in range(5):
        sign_in(client, f"guess-{number}@example.gov.uk", "wrong-password", address="203.0.113.9")
    response = sign_in(client, service_owner.email, RIGHT, address="203.0.113.9")
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    # Another address is not held back by this one's attempts.
    assert sign_in(client, caseworker.email, RIGHT, address="198.51.100.4").status_code == 302


def test_a_locked_out_attempt_does_not_hash_the_password(client, caseworker, settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    for _ in range(10):
        sign_in(client, caseworker.email, "wrong-password")
    CountingHasher.hashes = 0
    for _ in range(5):
        assert sign_in(client, caseworker.email, "wrong-password").status_code == 429
        assert sign_in(client, "nobody@example.gov.uk", "wrong-password").status_code == 400
    assert CountingHasher.hashes == 5  # only the attempts on the other account were hashed


def test_a_failed_attempt_is_in_the_security_log_without_the_email_address(
    client, caseworker, caplog
):
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        sign_in(client, caseworker.email, "wrong-password", address="203.0.113.9")
    lines = [r.getMessage() for r in caplog.records if r.name == "civitas.security"]
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event"] == "sign_in.failed"
    assert record["reason"] == "wrong_password"
    assert record["account"]
    assert record["source"]
    assert caseworker.email not in lines[0]
    assert "caseworker" not in lines[0]
    assert "203.0.113.9" not in lines[0]


def test_the_security_log_names_the_same_account_the_same_way_each_time(client, caseworker, caplog):
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        sign_in(client, caseworker.email, "wrong-password")
        sign_in(client, caseworker.email.upper(), "also-wrong")
        sign_in(client, "someone-else@example.gov.uk", "wrong-password")
    accounts = [
        json.loads(r.getMessage())["account"]
        for r in caplog.records
        if r.name == "civitas.security"
    ]
    assert accounts[0] == accounts[1] != accounts[2]


def test_a_refused_attempt_is_logged_but_not_written_to_the_audit_trail(client, caseworker, caplog):
    for _ in range(10):
        sign_in(client, caseworker.email, "wrong-password")
    audited = AuditEvent.objects.filter(action="staff.password_checked").count()
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        sign_in(client, caseworker.email, "wrong-password")
    assert AuditEvent.objects.filter(action="staff.password_checked").count() == audited
    assert any(
        json.loads(r.getMessage())["event"] == "sign_in.locked_out"
        for r in caplog.records
        if r.name == "civitas.security"
    )
