"""A tampered session cookie signs no one in: the session it names does not exist, so the
request is anonymous, answered as any other, never with an error."""

import pytest

from civitas.identity.tests.factories import PASSWORD, CitizenAccountFactory

pytestmark = pytest.mark.django_db


def _tamper(client) -> None:
    key = client.cookies["sessionid"].value
    client.cookies["sessionid"] = key[:-4] + ("aaaa" if not key.endswith("aaaa") else "bbbb")


@pytest.mark.parametrize(
    "value", ["", "x", "../../etc/passwd", "a" * 5000, "' OR '1'='1", "\u00e9\u00e9"]
)
def test_a_forged_cookie_is_an_anonymous_visit(client, value):
    client.cookies["sessionid"] = value
    assert client.get("/account/")["Location"].startswith("/account/sign-in")
    assert client.get("/staff/")["Location"].startswith("/staff/sign-in")


def test_a_citizens_cookie_changed_by_a_character_signs_no_one_in(client):
    account = CitizenAccountFactory()
    client.post("/account/sign-in", {"email": account.email, "password": PASSWORD})
    assert client.get("/account/").status_code == 200
    _tamper(client)
    assert client.get("/account/")["Location"].startswith("/account/sign-in")


def test_a_staff_cookie_changed_by_a_character_signs_no_one_in(client, caseworker, signed_in):
    signed_in(caseworker)
    assert client.get("/staff/").status_code == 200
    _tamper(client)
    assert client.get("/staff/")["Location"].startswith("/staff/sign-in")
