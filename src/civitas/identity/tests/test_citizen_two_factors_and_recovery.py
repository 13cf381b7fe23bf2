"""A citizen's two factors (an authenticator app and ten recovery codes), resetting a
forgotten password, changing the password, and moving the account to a new address,
which the old address is always told of."""

import re
import time

import pyotp
import pytest
from django.db import connection
from django.test import Client

from civitas.identity.models import CitizenAccount, RecoveryCode
from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory
from civitas.identity.tests.test_citizen_accounts import emailed_link, plain_text
from conftest import run_queued_jobs

SIGN_IN, CODE, TWO_FACTOR = "/account/sign-in", "/account/sign-in/code", "/account/two-factor"


def code_of(account: CitizenAccount, *, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(account.totp_secret).at(time.time() + 30 * steps_ahead)


def sign_in(client, email: str = "resident@example.com", password: str = PASSWORD):
    return client.post(SIGN_IN, {"email": email, "password": password})


@pytest.fixture
def account(db) -> CitizenAccount:
    return CitizenAccountFactory(email="resident@example.com")


@pytest.fixture
def protected(db) -> CitizenAccount:
    return CitizenAccountFactory(email="resident@example.com", with_two_factors=True)


def test_a_citizen_sets_up_an_authenticator_app_from_a_qr_code_and_gets_ten_recovery_codes(
    client, account
):
    sign_in(client)
    assert "Set up two-factor authentication" in client.get(TWO_FACTOR).content.decode()
    page = client.post(TWO_FACTOR, {"action": "start"})
    body = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in body
    account.refresh_from_db()
    assert not account.has_two_factors
    shown_key = re.search(r'id="secret">([A-Z2-7 ]+)<', body).group(1).replace(" ", "")
    assert shown_key == account.totp_secret

    wrong = client.post(TWO_FACTOR, {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400
    assert "The code is not correct" in wrong.content.decode()

    done = client.post(TWO_FACTOR, {"action": "confirm", "code": code_of(account)})
    assert done.status_code == 200
    codes = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", done.content.decode())
    assert len(set(codes)) == 10
    account.refresh_from_db()
    assert account.has_two_factors
    stored = set(RecoveryCode.objects.filter(account=account).values_list("code_hmac", flat=True))
    assert len(stored) == 10
    assert not stored & {code.replace("-", "") for code in codes}


def test_the_authenticator_secret_is_encrypted_at_rest(protected):
    with connection.cursor() as cursor:
        cursor.execute("SELECT totp_secret FROM identity_citizenaccount")
        (stored,) = cursor.fetchone()
    assert stored.startswith("enc2:")
    assert protected.totp_secret not in stored


def test_with_two_factors_signing_in_asks_for_the_code_and_a_wrong_one_is_refused(
    client, protected
):
    response = sign_in(client)
    assert response["Location"].startswith(CODE)
    assert client.session.get("account:id") is None  # not signed in on the password alone
    assert client.get("/account/")["Location"].startswith(SIGN_IN)
    wrong = client.post(CODE, {"code": "123456"})
    assert wrong.status_code == 400
    assert "The code is not correct or has been used" in wrong.content.decode()
    right = client.post(CODE, {"code": code_of(protected)})
    assert right["Location"] == "/account/"
    assert client.session.get("account:id") == str(protected.pk)


def test_a_code_is_accepted_once_within_its_30_seconds(client, protected):
    code = code_of(protected)
    sign_in(client)
    assert client.post(CODE, {"code": code}).status_code == 302
    other = Client()
    sign_in(other)
    reused = other.post(CODE, {"code": code})
    assert reused.status_code == 400
    assert other.session.get("account:id") is None


def test_a_recovery_code_works_once_instead_of_the_app(client, account):
    sign_in(client)
    client.post(TWO_FACTOR, {"action": "start"})
    account.refresh_from_db()
    done = client.post(TWO_FACTOR, {"action": "confirm", "code": code_of(account)})
    recovery = re.findall(r"<code>([A-Z0-9]{5}-[A-Z0-9]{5})</code>", done.content.decode())[0]

    first = Client()
    sign_in(first)
    # Typed in lower case, with a space: still the code.
    assert first.post(CODE, {"code": recovery.lower().replace("-", " ")})["Location"] == "/account/"
    second = Client()
    sign_in(second)
    assert second.post(CODE, {"code": recovery}).status_code == 400
    assert "9 recovery codes left" in first.get(TWO_FACTOR).content.decode()


def test_guessing_codes_is_held_back(client, protected, settings):
    settings.SECURITY_CODE_RATE_PER_ACCOUNT = "3/15minutes"
    sign_in(client)
    for _ in range(3):
        assert client.post(CODE, {"code": "000000"}).status_code == 400
    refused = client.post(CODE, {"code": code_of(protected)})
    assert refused.status_code == 429
    assert "Try again in 15 minutes" in refused.content.decode()
    assert client.session.get("account:id") is None


def test_the_code_page_needs_a_right_password_first(client, protected):
    assert client.get(CODE)["Location"] == SIGN_IN
    assert client.post(CODE, {"code": code_of(protected)})["Location"] == SIGN_IN
    assert client.session.get("account:id") is None


def test_an_emailed_sign_in_link_also_asks_for_the_second_factor(client, protected, smtp_inbox):
    client.post("/account/sign-in/email-link", {"email": "resident@example.com"})
    response = client.post(emailed_link(smtp_inbox))
    assert response["Location"].startswith(CODE)
    assert client.session.get("account:id") is None


def test_two_factors_are_turned_off_only_with_a_code(client, protected):
    sign_in(client)
    client.post(CODE, {"code": code_of(protected)})
    refused = client.post(TWO_FACTOR, {"action": "turn-off", "code": "000000"})
    assert refused.status_code == 400
    assert (
        client.post(TWO_FACTOR, {"action": "turn-off", "code": code_of(protected, steps_ahead=1)})[
            "Location"
        ]
        == "/account/?two_factor=off"
    )
    protected.refresh_from_db()
    assert not protected.has_two_factors
    assert protected.totp_secret is None


def test_a_forgotten_password_is_reset_by_an_emailed_link_which_ends_other_sessions(
    client, account, smtp_inbox
):
    elsewhere = Client()
    sign_in(elsewhere)
    assert elsewhere.get("/account/").status_code == 200

    response = client.post("/account/reset-password", {"email": "Resident@example.com"})
    assert response["Location"] == "/account/check-your-email?sent=reset-password"
    link = emailed_link(smtp_inbox)
    assert client.get(link).status_code == 200
    too_short = client.post(link, {"password": "short"})
    assert too_short.status_code == 400
    assert "at least 8 characters" in too_short.content.decode()
    done = client.post(link, {"password": "a brand new passphrase"})
    assert done["Location"] == "/account/sign-in?reset=1"

    assert elsewhere.get("/account/")["Location"].startswith(SIGN_IN)
    assert sign_in(Client()).status_code == 400
    assert sign_in(Client(), password="a brand new passphrase")["Location"] == "/account/"
    assert client.post(link, {"password": "yet another passphrase"}).status_code == 410
    run_queued_jobs()
    told = smtp_inbox.wait_for(2)[-1]
    assert "password of your account was changed" in plain_text(told)


def test_a_reset_for_an_unknown_address_answers_the_same_and_sends_nothing(client, db, smtp_inbox):
    response = client.post("/account/reset-password", {"email": "nobody@example.com"})
    assert response["Location"] == "/account/check-your-email?sent=reset-password"
    run_queued_jobs()
    assert smtp_inbox.messages == []


def test_a_reset_does_not_skip_the_second_factor(client, protected, smtp_inbox):
    client.post("/account/reset-password", {"email": "resident@example.com"})
    client.post(emailed_link(smtp_inbox), {"password": "a brand new passphrase"})
    assert sign_in(client, password="a brand new passphrase")["Location"].startswith(CODE)


def test_changing_the_password_needs_the_current_one_and_keeps_this_session(client, account):
    sign_in(client)
    other = Client()
    sign_in(other)
    wrong = client.post(
        "/account/password", {"current_password": "nope", "new_password": "a brand new passphrase"}
    )
    assert wrong.status_code == 400
    assert "Your current password is not correct" in wrong.content.decode()
    weak = client.post(
        "/account/password", {"current_password": PASSWORD, "new_password": "password"}
    )
    assert weak.status_code == 400
    done = client.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a brand new passphrase"},
    )
    assert done["Location"] == "/account/?password=changed"
    assert client.get("/account/").status_code == 200
    assert other.get("/account/").status_code == 302


def test_moving_the_account_to_a_new_address_tells_the_old_one_twice(client, account, smtp_inbox):
    sign_in(client)
    wrong = client.post("/account/email", {"email": "new@example.com", "password": "nope"})
    assert wrong.status_code == 400
    response = client.post("/account/email", {"email": "New@Example.com", "password": PASSWORD})
    assert response["Location"] == "/account/check-your-email?sent=change-email"
    run_queued_jobs()
    received = smtp_inbox.wait_for(2)
    by_recipient = {message["To"]: message for message in received}
    assert "asked to move it to another email address" in plain_text(
        by_recipient["resident@example.com"]
    )
    link = re.search(r"(/account/email/confirm/\S+/)", plain_text(by_recipient["new@example.com"]))
    account.refresh_from_db()
    assert account.email == "resident@example.com"  # nothing moves before the link

    assert client.post(link.group(1))["Location"] == "/account/?email=changed"
    account.refresh_from_db()
    assert account.email == "new@example.com"
    run_queued_jobs()
    last = smtp_inbox.wait_for(3)[-1]
    assert last["To"] == "resident@example.com"
    assert "now uses another email address" in plain_text(last)
    assert sign_in(Client(), email="new@example.com")["Location"] == "/account/"
    assert sign_in(Client()).status_code == 400


def test_an_account_cannot_move_to_an_address_another_account_has(client, account, smtp_inbox):
    CitizenAccountFactory(email="taken@example.com")
    sign_in(client)
    response = client.post("/account/email", {"email": "taken@example.com", "password": PASSWORD})
    assert response["Location"] == "/account/check-your-email?sent=change-email"
    run_queued_jobs()
    received = smtp_inbox.wait_for(2)
    assert {message["To"] for message in received} == {"taken@example.com", "resident@example.com"}
    assert all("/account/email/confirm/" not in plain_text(message) for message in received)
