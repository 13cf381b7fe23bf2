"""The second step of signing in: a code from an authenticator app, limited in a bounded window."""

import json
import logging
import time

import pyotp

from conftest import CASEWORKER_TOTP, current_code

RIGHT = "correct-horse-battery"


def wrong_code() -> str:
    right = {pyotp.TOTP(CASEWORKER_TOTP).at(time.time() + step * 30) for step in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in right)


def enter_password(client, user) -> None:
    response = client.post("/staff/sign-in", {"email": user.email, "password": RIGHT})
    assert response.status_code == 302


def test_a_right_code_straight_after_a_wrong_one_is_accepted(client, caseworker):
    enter_password(client, caseworker)
    assert client.post("/staff/sign-in/code", {"code": wrong_code()}).status_code == 400
    assert client.post("/staff/sign-in/code", {"code": current_code()}).status_code == 302
    assert client.get("/staff/").status_code == 200


def test_ten_wrong_codes_hold_the_account_back_only_until_the_window_ends(
    client, caseworker, settings
):
    settings.SECURITY_CODE_RATE_PER_ACCOUNT = "5/2seconds"
    enter_password(client, caseworker)
    for _ in range(10):
        client.post("/staff/sign-in/code", {"code": wrong_code()})
    response = client.post("/staff/sign-in/code", {"code": current_code()})
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    time.sleep(int(response.headers["Retry-After"]) + 0.1)
    assert client.post("/staff/sign-in/code", {"code": current_code()}).status_code == 302


def test_ten_wrong_codes_mean_a_wait_of_fifteen_minutes_at_most(client, caseworker):
    enter_password(client, caseworker)
    for _ in range(10):
        response = client.post("/staff/sign-in/code", {"code": wrong_code()})
    assert response.status_code == 429
    assert b"Too many attempts. Try again in 15 minutes" in response.content
    assert int(response.headers["Retry-After"]) <= 15 * 60


def test_a_wrong_code_is_in_the_security_log_without_personal_data(client, caseworker, caplog):
    enter_password(client, caseworker)
    with caplog.at_level(logging.INFO, logger="civitas.security"):
        client.post("/staff/sign-in/code", {"code": wrong_code()})
    lines = [r.getMessage() for r in caplog.records if r.name == "civitas.security"]
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["reason"] == "wrong_security_code"
    assert record["staff"] == caseworker.pk
    assert caseworker.email not in lines[0]
    assert "127.0.0.1" not in lines[0]


def test_the_session_id_changes_when_the_code_is_accepted(client, caseworker):
    enter_password(client, caseworker)
    after_password = client.cookies["sessionid"].value
    assert client.post("/staff/sign-in/code", {"code": current_code()}).status_code == 302
    after_code = client.cookies["sessionid"].value
    assert after_code != after_password
    assert client.get("/staff/").status_code == 200


def test_nothing_says_who_is_signed_in_before_the_code_is_accepted(client, caseworker):
    enter_password(client, caseworker)
    page = client.get("/staff/sign-in/code").content.decode()
    assert "Signed in as" not in page
    assert caseworker.display_name not in page
    assert "Sign out" in page  # a person at the code page can still give up and sign out
    client.post("/staff/sign-in/code", {"code": current_code()})
    page = client.get("/staff/").content.decode()
    assert f"Signed in as {caseworker.display_name}" in page
