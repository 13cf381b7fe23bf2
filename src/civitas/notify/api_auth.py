"""Who is calling the Notify-compatible API: a JWT signed with one of a sending service's
keys, checked as GOV.UK Notify checks it (docs/decisions/0043).

The token's `iss` names the sending service; each of its keys is tried until one's secret
verifies the HS256 signature. A signature that verifies with a revoked key is refused as
revoked; one that verifies with none as "API key not found". The token's `iat` must be
within 30 seconds of now, either way: PyJWT never bounds a token's age, so that is checked
here. Then the service's requests-per-minute limit, counted per key type as Notify does.
"""

import functools
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from django.http import HttpRequest, HttpResponse

from civitas.identity.public import (
    API_KEY_ATTRIBUTE,
    NotifyKey,
    mark_notify_key_used,
    notify_keys_of,
)
from civitas.notify.api_errors import ApiError, auth_error
from civitas.notify.api_limits import check_request_rate
from civitas.notify.models import SendingService
from civitas.platform.security_log import security_event

logger = logging.getLogger(__name__)

CLOCK_SKEW_SECONDS = 30
# Anything longer is no token the official clients make (theirs are about 150 characters).
MAX_TOKEN_LENGTH = 2000
UNREADABLE_AUTHORISATION = (
    "Invalid token: make sure your API token matches the example at "
    "https://docs.notifications.service.gov.uk/rest-api.html#authorisation-header"
)
# A sending service, once found, is remembered this long by each process (the bench's 80
# requests a second from one service then cost no query for it).
SERVICE_MEMORY_SECONDS = 1.0
_services: dict[str, tuple[float, SendingService | None]] = {}


@dataclass(frozen=True)
class Caller:
    """The sending service a request acts for, and the key that signed it."""

    service: SendingService
    key: NotifyKey

    @property
    def key_type(self) -> str:
        return self.key.ref.notify_key_type

    @property
    def api_key_id(self) -> int:
        return self.key.ref.id


class NotifyApiRequest(HttpRequest):
    notify_caller: Caller


def _sending_service(service_id: str) -> SendingService | None:
    now = time.monotonic()
    remembered = _services.get(service_id)
    if remembered is not None and now - remembered[0] < SERVICE_MEMORY_SECONDS:
        return remembered[1]
    service = SendingService.objects.filter(pk=service_id).first()
    if len(_services) > 1000:
        _services.clear()
    _services[service_id] = (now, service)
    return service


def forget_sending_services() -> None:
    """Forgets the sending services this process remembers (tests change their limits)."""
    _services.clear()


def authenticate(authorization: str | None, *, now: float | None = None) -> Caller:
    """The caller whose token is in this `Authorization` value; ApiError (401 or 403,
    Notify's AuthError and words) otherwise."""
    if not authorization:
        raise auth_error("Unauthorized: authentication token must be provided", status_code=401)
    if authorization[:7].title() != "Bearer ":
        raise auth_error("Unauthorized: authentication bearer scheme must be used", status_code=401)
    token = authorization[7:].strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise auth_error(UNREADABLE_AUTHORISATION)
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise auth_error(UNREADABLE_AUTHORISATION) from None
    issuer = claims.get("iss")
    if not issuer:
        raise auth_error("Invalid token: iss field not provided")
    try:
        service_id = str(uuid.UUID(str(issuer)))
    except ValueError:
        raise auth_error("Invalid token: service id is not the right data type") from None
    service = _sending_service(service_id)
    if service is None:
        raise auth_error("Invalid token: service not found")
    keys = notify_keys_of(service_id)
    if not keys:
        raise auth_error("Invalid token: service has no API keys")
    for key in keys:
        try:
            verified = jwt.decode(
                token,
                key.secret,
                algorithms=["HS256"],
                # The age is checked below, both ways: PyJWT checks only the future.
                options={"require": ["iss", "iat"], "verify_iat": False, "verify_exp": False},
            )
        except jwt.InvalidSignatureError:
            continue
        except jwt.InvalidAlgorithmError:
            raise auth_error("Invalid token: algorithm used is not HS256") from None
        except jwt.PyJWTError:
            raise auth_error(UNREADABLE_AUTHORISATION) from None
        if key.is_revoked:
            raise auth_error("Invalid token: API key revoked")
        issued_at = verified.get("iat")
        if isinstance(issued_at, bool) or not isinstance(issued_at, int | float):
            raise auth_error(UNREADABLE_AUTHORISATION)
        if abs((now if now is not None else time.time()) - issued_at) > CLOCK_SKEW_SECONDS:
            raise auth_error("Error: Your system clock must be accurate to within 30 seconds")
        return Caller(service=service, key=key)
    raise auth_error("Invalid token: API key not found")


def notify_key_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Runs the view with `request.notify_caller` for a valid token within the service's
    rate; answers Notify's AuthError or RateLimitError otherwise, and turns an ApiError
    the view raises into its response."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            caller = authenticate(request.headers.get("Authorization"))
        except ApiError as error:
            security_event("token.refused", reason="notify_token_invalid")
            return error.response()
        try:
            check_request_rate(caller.service, caller.key_type)
            mark_notify_key_used(caller.key.ref)
            request.notify_caller = caller  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)
        except ApiError as error:
            return error.response()

    setattr(wrapped, API_KEY_ATTRIBUTE, True)
    return wrapped
