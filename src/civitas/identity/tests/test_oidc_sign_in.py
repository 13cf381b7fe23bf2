"""Citizens sign in through the national identity provider over OpenID Connect (decision
0041): here the local provider, django-oauth-toolkit in its own process. Every answer
that does not prove who signed in, and for whom, is refused and nothing is granted."""

import logging
import time
import urllib.parse
import uuid

import pytest
import requests

from civitas.identity import oidc
from civitas.identity.account_sessions import ACCOUNT_KEY, IDENTITY_LEVEL_KEY
from civitas.identity.models import CitizenAccount
from tests.identity_provider import (
    CLIENT_ID,
    NOT_PROVED,
    PROVED,
    make_key_pair,
    sign_in_at_provider,
)

START = "/account/sign-in/identity-provider/"
pytestmark = pytest.mark.django_db


def started(client, query: str = "") -> str:
    response = client.get(f"{START}{query}")
    assert response.status_code == 302, response.content
    return response["Location"]


def returned(client, back_url: str):
    split = urllib.parse.urlsplit(back_url)
    return client.get(f"{split.path}?{split.query}")


def test_a_citizen_signs_in_through_the_identity_provider(client, citizen_oidc):
    authorize = started(client, "?next=/services/")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize).query)
    assert authorize.startswith(f"{citizen_oidc.url}/authorize/")
    assert query["code_challenge_method"] == ["S256"]
    assert query["vtr"] == ['["Cl.Cm"]']
    assert query["client_id"] == [CLIENT_ID]
    assert len(query["nonce"][0]) >= 32

    response = returned(client, sign_in_at_provider(authorize, PROVED))

    assert response.status_code == 302
    assert response["Location"] == "/services/"
    assert client.session[IDENTITY_LEVEL_KEY] == "P0"
    account = CitizenAccount.objects.get(pk=client.session[ACCOUNT_KEY])
    assert len(account.identity_subject) == 64  # a digest, not the provider's id
    assert account.email == PROVED
    assert account.is_verified  # the provider vouched for the address
    assert account.password == ""  # it signs in through the provider, or by emailed link


def test_a_service_that_needs_a_proved_identity_gets_it(client, citizen_oidc):
    authorize = started(client, "?level=P2")
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(authorize).query)["vtr"] == ['["Cl.Cm.P2"]']
    returned(client, sign_in_at_provider(authorize, PROVED))
    assert client.session[IDENTITY_LEVEL_KEY] == "P2"


def test_a_person_who_has_not_proved_their_identity_is_told_how_to(client, citizen_oidc, caplog):
    authorize = started(client, "?level=P2")
    with caplog.at_level(logging.WARNING, logger="civitas.security"):
        response = returned(client, sign_in_at_provider(authorize, NOT_PROVED))
    assert response.status_code == 403
    assert "You need to prove your identity" in response.content.decode()
    assert "level=P2" in response.content.decode()
    assert ACCOUNT_KEY not in client.session
    assert '"reason": "identity_level_p0_is_below_p2"' in caplog.text
    assert NOT_PROVED not in caplog.text


def test_signing_in_gives_a_new_session_id(client, citizen_oidc):
    client.get("/")  # a session before signing in, as a fixation attack would plant
    authorize = started(client)
    before = client.session.session_key
    returned(client, sign_in_at_provider(authorize, PROVED))
    assert client.session.session_key != before


def test_an_answer_is_taken_once(client, citizen_oidc):
    back = sign_in_at_provider(started(client), PROVED)
    assert returned(client, back).status_code == 302
    client.session.flush()
    again = returned(client, back)
    assert again.status_code == 400
    assert ACCOUNT_KEY not in client.session


@pytest.mark.parametrize(
    "tamper",
    [
        lambda query: {**query, "state": ["forged"]},
        lambda query: {key: value for key, value in query.items() if key != "state"},
        lambda query: {**query, "code": ["forged"]},
        lambda query: {key: value for key, value in query.items() if key != "code"},
        lambda query: {"state": query["state"], "error": ["access_denied"]},
    ],
    ids=["forged state", "no state", "forged code", "no code", "provider error"],
)
def test_a_tampered_answer_is_refused(client, citizen_oidc, tamper, caplog):
    back = urllib.parse.urlsplit(sign_in_at_provider(started(client), PROVED))
    query = tamper(urllib.parse.parse_qs(back.query))
    with caplog.at_level(logging.WARNING, logger="civitas.security"):
        response = client.get(f"{back.path}?{urllib.parse.urlencode(query, doseq=True)}")
    assert response.status_code == 400
    assert "Sorry, we could not sign you in" in response.content.decode()
    assert ACCOUNT_KEY not in client.session
    assert '"event": "oidc.sign_in_refused"' in caplog.text


def test_an_answer_to_a_sign_in_another_browser_started_is_refused(client, citizen_oidc):
    from django.test import Client

    back = sign_in_at_provider(started(client), PROVED)
    attacker = Client()
    assert returned(attacker, back).status_code == 400
    assert ACCOUNT_KEY not in attacker.session


def test_a_client_key_the_provider_does_not_hold_cannot_redeem_the_code(
    client, citizen_oidc, settings, tmp_path
):
    back = sign_in_at_provider(started(client), PROVED)
    other_key, _ = make_key_pair(tmp_path)
    settings.CITIZEN_OIDC_CLIENT_KEY_FILE = str(other_key)
    assert returned(client, back).status_code == 400
    assert ACCOUNT_KEY not in client.session


def test_where_to_go_next_stays_on_this_site(client, citizen_oidc):
    authorize = started(client, "?next=https://evil.example/")
    assert returned(client, sign_in_at_provider(authorize, PROVED))["Location"] == "/"


def test_signing_in_is_not_offered_when_no_provider_is_set(client, db):
    assert client.get(START).status_code == 404


def test_an_unreachable_provider_is_a_page_that_says_so(client, citizen_oidc, settings):
    settings.CITIZEN_OIDC_ISSUER = "http://127.0.0.1:9"
    oidc.forget_provider()
    response = client.get(START)
    assert response.status_code == 503
    assert "not available" in response.content.decode()


# --- ID tokens that must not be believed -----------------------------------------------


def _kid(provider) -> str:
    jwks = requests.get(f"{provider.url}/.well-known/jwks.json", timeout=5).json()
    return jwks["keys"][0]["kid"]


def _token(provider, *, key_file=None, header=None, **claims) -> str:
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    key = RSAKey.import_key((key_file or provider.signing_key_file).read_bytes())
    now = int(time.time())
    body = {
        "iss": provider.url,
        "aud": CLIENT_ID,
        "sub": "subject-1",
        "iat": now,
        "exp": now + 300,
        "nonce": "the-nonce",
        "vot": "Cl.Cm.P2",
        "email": PROVED,
        **claims,
    }
    body = {name: value for name, value in body.items() if value is not None}
    return jwt.encode({"alg": "RS256", "kid": _kid(provider), **(header or {})}, body, key)


def test_a_token_signed_by_the_provider_for_us_is_believed(citizen_oidc):
    identity = oidc.verify_id_token(
        _token(citizen_oidc), oidc.citizen_provider(), nonce="the-nonce", identity_level="P2"
    )
    assert identity.subject == "subject-1"
    assert identity.identity_level == "P2"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": "another-client"}, "claims refused"),
        ({"iss": "http://127.0.0.1:1"}, "claims refused"),
        ({"exp": int(time.time()) - 600}, "claims refused"),
        ({"sub": None}, "claims refused"),
        ({"nonce": "an-earlier-nonce"}, "nonce does not match"),
        ({"nonce": None}, "nonce does not match"),
        ({"vot": None}, "no vector of trust"),
        ({"vot": "Cl"}, "no vector of trust"),
        ({"vot": "Cl.Cm"}, "identity level P0 is below P2"),
    ],
    ids=[
        "wrong audience",
        "wrong issuer",
        "expired",
        "no subject",
        "replayed nonce",
        "no nonce",
        "no vot",
        "one factor",
        "vot lower than asked",
    ],
)
def test_a_token_with_a_wrong_claim_is_refused(citizen_oidc, claims, reason):
    with pytest.raises(oidc.SignInRefused, match=reason):
        oidc.verify_id_token(
            _token(citizen_oidc, **claims),
            oidc.citizen_provider(),
            nonce="the-nonce",
            identity_level="P2",
        )


def test_a_token_signed_with_another_key_is_refused(citizen_oidc, tmp_path):
    forger_key, _ = make_key_pair(tmp_path)
    with pytest.raises(oidc.SignInRefused, match="not verified"):
        oidc.verify_id_token(
            _token(citizen_oidc, key_file=forger_key),
            oidc.citizen_provider(),
            nonce="the-nonce",
            identity_level="P0",
        )


@pytest.mark.parametrize(
    "token",
    ["", "not.a.jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", str(uuid.uuid4())],
    ids=["empty", "garbage", "alg none", "uuid"],
)
def test_garbage_instead_of_a_token_is_refused(citizen_oidc, token):
    with pytest.raises(oidc.SignInRefused):
        oidc.verify_id_token(token, oidc.citizen_provider(), nonce="the-nonce", identity_level="P0")


def test_signing_in_again_finds_the_same_account(client, citizen_oidc):
    returned(client, sign_in_at_provider(started(client), PROVED))
    first = client.session[ACCOUNT_KEY]
    client.session.flush()
    returned(client, sign_in_at_provider(started(client), PROVED))
    assert client.session[ACCOUNT_KEY] == first
    assert CitizenAccount.objects.count() == 1


def test_an_account_with_the_address_is_joined_and_its_owner_told(client, citizen_oidc, smtp_inbox):
    from civitas.identity.tests.factories import CitizenAccountFactory
    from conftest import run_queued_jobs

    existing = CitizenAccountFactory(email=PROVED)
    returned(client, sign_in_at_provider(started(client), PROVED))
    assert client.session[ACCOUNT_KEY] == str(existing.pk)
    existing.refresh_from_db()
    assert existing.identity_subject is not None
    run_queued_jobs()
    assert any(
        "You signed in with the identity service" in message["Subject"]
        for message in smtp_inbox.messages
    )


def test_an_address_another_identitys_account_has_is_refused(client, citizen_oidc):
    from civitas.identity.tests.factories import CitizenAccountFactory

    CitizenAccountFactory(email=PROVED, identity_subject="f" * 64)
    response = returned(client, sign_in_at_provider(started(client), PROVED))
    assert response.status_code == 400
    assert ACCOUNT_KEY not in client.session


def test_signing_in_by_password_afterwards_carries_no_identity_level(client, citizen_oidc):
    from civitas.identity.account_sessions import start_account_session
    from civitas.identity.accounts import find_account

    returned(client, sign_in_at_provider(started(client), PROVED))
    account = find_account(client.session[ACCOUNT_KEY])
    request = type("Request", (), {"session": client.session})()
    start_account_session(request, account, language="en")
    assert IDENTITY_LEVEL_KEY not in request.session


def test_the_account_sign_in_page_offers_the_identity_service_when_there_is_one(
    client, citizen_oidc, settings
):
    page = client.get("/account/sign-in?next=/account/your-data").content.decode()
    assert "Sign in with the identity service" in page
    assert "/account/sign-in/identity-provider/?next=%2Faccount%2Fyour-data" in page
    settings.CITIZEN_OIDC_ISSUER = ""
    assert (
        "Sign in with the identity service" not in client.get("/account/sign-in").content.decode()
    )
