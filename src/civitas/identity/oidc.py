"""Citizens' sign-in through a national identity provider over OpenID Connect, as GOV.UK
One Login's relying parties do it (decision 0041).

Authorization code flow with PKCE (S256); the client authenticates to the token endpoint
with `private_key_jwt` (RFC 7523), signing with a key only Civitas holds; `state` and
`nonce` are single-use and kept in the citizen's session; the ID token is verified here
(signature against the provider's published keys, issuer, audience, expiry, nonce) and
its `vot` must meet the vector of trust asked for in `vtr`: `Cl.Cm` for signing in, with
`.P2` when a service needs a proved identity (medium confidence).

Authlib builds the requests and authenticates the client; joserfc, its JOSE library,
verifies the token. Every refusal is a SignInRefused naming why, in words that go to the
security log, never to the citizen.
"""

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

SESSION_KEY = "citizen_oidc"
# A sign-in left at the provider longer than this is started again.
PENDING_SECONDS = 15 * 60
# The provider's discovery document and keys are read at most this often by a process,
# and again at once when a token is signed with a key not among them (a rotation).
METADATA_SECONDS = 3600
HTTP_TIMEOUT_SECONDS = 10
# Levels of identity confidence a service may require, weakest first.
IDENTITY_LEVELS = ("P0", "P1", "P2", "P3")
SIGNED_IN_VECTOR = "Cl.Cm"


class SignInRefused(Exception):
    """The sign-in did not prove who the person is; `reason` is for the security log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def code(self) -> str:
        """The reason as the security log's records name one: `state_does_not_match`."""
        return re.sub(r"[^a-z0-9]+", "_", self.reason.lower()).strip("_")[:63] or "refused"


class IdentityLevelTooLow(SignInRefused):
    """The person signed in, but has not proved their identity to the level asked."""

    def __init__(self, *, asked: str, given: str) -> None:
        super().__init__(f"identity level {given} is below {asked}")
        self.asked = asked
        self.given = given


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who the provider says signed in, from a verified ID token."""

    issuer: str
    subject: str
    email: str
    email_verified: bool
    vector_of_trust: str
    identity_level: str
    """P0 when no identity was proved."""


@dataclass(frozen=True)
class Provider:
    """An OpenID Connect provider Civitas is a client of: the national identity provider
    citizens sign in through, or an organisation's own, for its staff."""

    issuer: str
    client_id: str
    key_file: str
    """Civitas's private key for this client, which signs its `private_key_jwt`."""
    vectors_of_trust: bool
    """Whether it takes `vtr` and answers `vot`, as One Login does."""
    session_key: str
    """Where a sign-in started with it waits in the session."""


def citizen_provider() -> Provider | None:
    """The national identity provider, when one is configured."""
    if not (settings.CITIZEN_OIDC_ISSUER and settings.CITIZEN_OIDC_CLIENT_ID):
        return None
    return Provider(
        issuer=settings.CITIZEN_OIDC_ISSUER.rstrip("/"),
        client_id=settings.CITIZEN_OIDC_CLIENT_ID,
        key_file=settings.CITIZEN_OIDC_CLIENT_KEY_FILE,
        vectors_of_trust=True,
        session_key=SESSION_KEY,
    )


def is_configured() -> bool:
    return citizen_provider() is not None


def start_sign_in(
    request: HttpRequest,
    provider: Provider,
    *,
    redirect_uri: str,
    next_url: str,
    identity_level: str = "P0",
) -> str:
    """The provider's URL to send the person to; what proves the answer is theirs is kept
    in their session."""
    if identity_level not in IDENTITY_LEVELS:
        raise ValueError(f"unknown identity level {identity_level!r}")
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    request.session[provider.session_key] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "level": identity_level,
        "next": next_url,
        "redirect_uri": redirect_uri,
        "issuer": provider.issuer,
        "started": int(time.time()),
    }
    extra: dict[str, str] = {}
    if provider.vectors_of_trust:
        vector = (
            SIGNED_IN_VECTOR if identity_level == "P0" else f"{SIGNED_IN_VECTOR}.{identity_level}"
        )
        extra["vtr"] = json.dumps([vector])
    url, _ = _client(provider, redirect_uri).create_authorization_url(
        _metadata(provider)["authorization_endpoint"],
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        ui_locales=getattr(request, "LANGUAGE_CODE", "en"),
        **extra,
    )
    return str(url)


@dataclass(frozen=True)
class Finished:
    identity: VerifiedIdentity
    next_url: str


def finish_sign_in(request: HttpRequest, provider: Provider) -> Finished:
    """Checks the provider's answer on the redirect back, redeems its code and verifies the
    ID token; raises SignInRefused (IdentityLevelTooLow when only the level falls short).
    The pending sign-in is used up whatever the outcome: an answer is taken once."""
    pending = request.session.pop(provider.session_key, None)
    if not isinstance(pending, dict) or pending.get("issuer") != provider.issuer:
        raise SignInRefused("no sign-in was started in this session")
    if time.time() - pending["started"] > PENDING_SECONDS:
        raise SignInRefused("the sign-in was started too long ago")
    if not hmac.compare_digest(str(request.GET.get("state", "")), pending["state"]):
        raise SignInRefused("state does not match")
    if "error" in request.GET:
        raise SignInRefused(f"provider answered {str(request.GET['error'])[:40]!a}")
    code = request.GET.get("code")
    if not code:
        raise SignInRefused("no code")
    token = _redeem(
        provider, code, verifier=pending["verifier"], redirect_uri=pending["redirect_uri"]
    )
    identity = verify_id_token(
        str(token.get("id_token", "")),
        provider,
        nonce=pending["nonce"],
        identity_level=pending["level"],
    )
    return Finished(identity=identity, next_url=pending["next"])


def verify_id_token(
    id_token: str, provider: Provider, *, nonce: str, identity_level: str = "P0"
) -> VerifiedIdentity:
    """The identity an ID token proves, if it is signed by the provider's key, was issued
    by the provider to this client for this nonce, has not expired, and (for a provider
    of vectors of trust) meets the level."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    try:
        decoded = jwt.decode(
            id_token, _keys(provider, id_token), algorithms=["RS256", "ES256", "PS256"]
        )
    except (JoseError, ValueError) as error:
        raise SignInRefused(f"ID token not verified ({type(error).__name__})") from None
    claims = decoded.claims
    registry = jwt.JWTClaimsRegistry(
        leeway=60,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
    )
    try:
        registry.validate(claims)
    except JoseError as error:
        raise SignInRefused(f"ID token claims refused ({error.error})") from None
    if not isinstance(claims.get("nonce"), str) or not hmac.compare_digest(claims["nonce"], nonce):
        raise SignInRefused("nonce does not match")
    vector = str(claims.get("vot", ""))
    given = _identity_level(vector) if provider.vectors_of_trust else "P0"
    if given is None:
        raise SignInRefused("no vector of trust")
    if IDENTITY_LEVELS.index(given) < IDENTITY_LEVELS.index(identity_level):
        raise IdentityLevelTooLow(asked=identity_level, given=given)
    return VerifiedIdentity(
        issuer=str(claims["iss"]),
        subject=str(claims["sub"]),
        email=str(claims.get("email", "")),
        email_verified=claims.get("email_verified") is True,
        vector_of_trust=vector,
        identity_level=given,
    )


def _identity_level(vector: str) -> str | None:
    """P0 to P3 from a vector such as `Cl.Cm.P2`; None when it does not say the person
    signed in with two factors (`Cl.Cm`)."""
    parts = vector.split(".")
    if parts[:2] != ["Cl", "Cm"]:
        return None
    levels = [part for part in parts[2:] if part in IDENTITY_LEVELS]
    return levels[0] if levels else "P0"


def subject_digest(identity: VerifiedIdentity) -> str:
    """What an account keeps to find the person again: the issuer and subject, hashed
    (the subject is a pseudonym already; hashed, the table names no provider's ids)."""
    return hashlib.sha256(f"{identity.issuer}\n{identity.subject}".encode()).hexdigest()


# --- Talking to the provider -----------------------------------------------------------

_lock = threading.Lock()
_cached: dict[str, tuple[float, Any]] = {}


def forget_provider() -> None:
    """Forgets every provider's metadata and keys (tests; a configuration change)."""
    with _lock:
        _cached.clear()


def _get_json(url: str) -> Any:
    import requests

    try:
        response = requests.get(url, timeout=HTTP_TIMEOUT_SECONDS)
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as error:
        raise SignInRefused(f"provider unreachable ({type(error).__name__})") from None


def _remembered(name: str, read: Any, *, fresh: bool = False) -> Any:
    with _lock:
        held = _cached.get(name)
        if held is not None and not fresh and time.monotonic() - held[0] < METADATA_SECONDS:
            return held[1]
    value = read()
    with _lock:
        _cached[name] = (time.monotonic(), value)
    return value


def _metadata(provider: Provider) -> Mapping[str, Any]:
    issuer = provider.issuer
    metadata = _remembered(
        f"metadata {issuer}", lambda: _get_json(f"{issuer}/.well-known/openid-configuration")
    )
    if metadata.get("issuer", "").rstrip("/") != issuer:
        # OpenID Connect Discovery, 4.3: the document must name the issuer it was read from.
        raise SignInRefused("discovery document names another issuer")
    return metadata  # type: ignore[no-any-return]


def _keys(provider: Provider, id_token: str) -> Any:
    from joserfc.jwk import KeySet

    kid = _header(id_token).get("kid")
    jwks_uri = _metadata(provider)["jwks_uri"]
    name = f"jwks {provider.issuer}"
    keys = _remembered(name, lambda: KeySet.import_key_set(_get_json(jwks_uri)))
    if kid is not None and not any(key.kid == kid for key in keys.keys):
        keys = _remembered(name, lambda: KeySet.import_key_set(_get_json(jwks_uri)), fresh=True)
    return keys


def _header(token: str) -> dict[str, Any]:
    import base64

    try:
        part = token.split(".")[0]
        header = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (ValueError, IndexError):
        raise SignInRefused("ID token is not a JWT") from None
    if not isinstance(header, dict):
        raise SignInRefused("ID token is not a JWT")
    return header


def _client(provider: Provider, redirect_uri: str) -> Any:
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.oauth2.rfc7523 import PrivateKeyJWT

    client = OAuth2Session(
        provider.client_id,
        client_secret=_client_key(provider),
        token_endpoint_auth_method="private_key_jwt",  # noqa: S106 (a method, not a secret)
        redirect_uri=redirect_uri,
        scope="openid email",
        code_challenge_method="S256",
    )
    client.register_client_auth_method(PrivateKeyJWT(_metadata(provider)["token_endpoint"]))
    return client


def _client_key(provider: Provider) -> str:
    try:
        with open(provider.key_file, encoding="ascii") as key:
            return key.read()
    except OSError as error:
        raise SignInRefused(f"client key unreadable ({type(error).__name__})") from None


def _redeem(
    provider: Provider, code: str, *, verifier: str, redirect_uri: str
) -> Mapping[str, Any]:
    from authlib.common.errors import AuthlibBaseError
    from requests import RequestException

    client = _client(provider, redirect_uri)
    try:
        token = client.fetch_token(
            _metadata(provider)["token_endpoint"],
            grant_type="authorization_code",
            code=code,
            code_verifier=verifier,
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except (AuthlibBaseError, RequestException, ValueError) as error:
        raise SignInRefused(f"code not redeemed ({type(error).__name__})") from None
    return token  # type: ignore[no-any-return]
