"""The API's half of the one permission check: a live key of the organisation, in its rate.

Every API endpoint that reads or changes an organisation's data is wrapped in
`api_key_required`, as every staff page is in `staff_member_required`; the guard-rail test
(tests/architecture/test_every_view_is_guarded.py) finds the ones that are not.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from civitas.identity.api_keys import ApiKeyRef
from civitas.identity.services import authenticate_api_key
from civitas.platform import ratelimit
from civitas.platform.problems import problem_response
from civitas.platform.security_log import security_event

API_KEY_ATTRIBUTE = "civitas_api_key_required"
"""Set on every view wrapped by `api_key_required`, for the guard-rail test."""


class ApiRequest(HttpRequest):
    """The request a view wrapped in `api_key_required` receives."""

    api_key: ApiKeyRef


def api_key_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answers a 401 problem without a live key, a 429 past the key's rate; otherwise
    runs the view with the key in `request.api_key`. The view still checks the key's
    organisation and scopes against what it is asked for."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authorization = request.headers.get("Authorization")
        key = authenticate_api_key(authorization)
        if key is None:
            if authorization:
                security_event("token.refused", reason="api_key_invalid")
            response = problem_response(
                status=401,
                title="API key required",
                problem_type="unauthorized",
                detail="Send a live API key of the service's organisation as "
                "'Authorization: Bearer <key>'.",
            )
            # RFC 6750: say that a key was sent but not accepted, never why.
            response["WWW-Authenticate"] = (
                'Bearer error="invalid_token"' if authorization else "Bearer"
            )
            return response
        verdict = ratelimit.hit("api.key", key.public_id, settings.API_KEY_RATE, leased=True)
        if not verdict.allowed:
            security_event("api.rate_limited", reason="too_many_requests", api_key=key.public_id)
            response = problem_response(
                status=429,
                title="Too many requests",
                problem_type="too-many-requests",
                detail="Too many requests with this key. Try again in "
                f"{verdict.retry_after_seconds} seconds.",
            )
            response["Retry-After"] = str(verdict.retry_after_seconds)
            return response
        request.api_key = key  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    setattr(wrapped, API_KEY_ATTRIBUTE, True)
    return wrapped
