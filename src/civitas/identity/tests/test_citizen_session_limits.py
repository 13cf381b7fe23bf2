"""A citizen's signed-in session ends after ACCOUNT_IDLE_MINUTES without a request and
after ACCOUNT_SESSION_HOURS in all; "sign out everywhere" ends every session of the
account, on every device."""

import time

import pytest
from django.test import Client

from civitas.identity.account_sessions import ACTIVE_AT_KEY, SIGNED_IN_AT_KEY
from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory

pytestmark = pytest.mark.django_db


def _signed_in(account) -> Client:
    client = Client()
    response = client.post("/account/sign-in", {"email": account.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert client.get("/account/").status_code == 200
    return client


def _age(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = int(time.time()) - seconds
    session.save()


def test_a_session_idle_too_long_is_signed_out(settings):
    settings.ACCOUNT_IDLE_MINUTES = 60
    client = _signed_in(CitizenAccountFactory())
    _age(client, ACTIVE_AT_KEY, 59 * 60)
    assert client.get("/account/").status_code == 200  # and counts as activity
    assert client.session[ACTIVE_AT_KEY] >= int(time.time()) - 5
    _age(client, ACTIVE_AT_KEY, 61 * 60)
    assert client.get("/account/")["Location"].startswith("/account/sign-in")


def test_a_session_ends_after_its_whole_span_however_active(settings):
    settings.ACCOUNT_SESSION_HOURS = 12
    client = _signed_in(CitizenAccountFactory())
    _age(client, SIGNED_IN_AT_KEY, 12 * 3600 + 1)
    assert client.get("/account/")["Location"].startswith("/account/sign-in")


def test_a_session_that_does_not_say_when_it_began_is_not_believed():
    client = _signed_in(CitizenAccountFactory())
    session = client.session
    del session[SIGNED_IN_AT_KEY]
    session.save()
    assert client.get("/account/").status_code == 302


def test_signing_out_everywhere_ends_the_sessions_on_other_devices():
    account = CitizenAccountFactory()
    phone, laptop = _signed_in(account), _signed_in(account)
    response = laptop.post("/account/sign-out-everywhere")
    assert response["Location"] == "/account/sign-in?signed_out=1"
    assert phone.get("/account/").status_code == 302
    assert laptop.get("/account/").status_code == 302
    assert _signed_in(account).get("/account/").status_code == 200  # signing in again works


def test_signing_out_everywhere_needs_a_post_and_its_csrf_token():
    account = CitizenAccountFactory()
    client = _signed_in(account)
    assert client.get("/account/sign-out-everywhere").status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.post("/account/sign-in", {"email": account.email, "password": PASSWORD})
    assert strict.post("/account/sign-out-everywhere").status_code == 403


def test_account_pages_carry_the_timeout_warning_with_the_time_left(settings):
    settings.ACCOUNT_IDLE_MINUTES = 60
    client = _signed_in(CitizenAccountFactory())
    page = client.get("/account/").content.decode()
    assert 'id="timeout-warning"' in page
    assert 'data-keep-alive-url="/account/keep-alive"' in page
    left = int(page.split('data-timeout-seconds="')[1].split('"')[0])
    assert 55 * 60 <= left <= 60 * 60
    # A page of someone not signed in has none.
    assert 'id="timeout-warning"' not in Client().get("/account/sign-in").content.decode()


def test_staying_signed_in_keeps_the_session_and_says_how_long_it_has(settings):
    client = _signed_in(CitizenAccountFactory())
    _age(client, ACTIVE_AT_KEY, 50 * 60)
    answer = client.post("/account/keep-alive").json()
    assert answer["alive"] is True
    assert answer["expires_in_seconds"] > 59 * 60
    _age(client, ACTIVE_AT_KEY, 61 * 60)
    assert client.post("/account/keep-alive").json() == {
        "alive": False,
        "timed_out_url": "/account/timed-out",
    }


def test_the_timed_out_page_signs_the_citizen_out():
    client = _signed_in(CitizenAccountFactory())
    page = client.get("/account/timed-out").content.decode()
    assert "You have been signed out" in page
    assert client.get("/account/").status_code == 302
