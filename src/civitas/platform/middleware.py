"""Middleware of the platform kernel."""

import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import http_date

from civitas.platform.files.kinds import describe_size
from civitas.platform.problems import problem_response, wants_json
from civitas.platform.views import healthz

LOOPBACK_ADDRESSES = frozenset({"127.0.0.1", "::1"})
# A reverse proxy on the same host connects from loopback too, but says whom it speaks for.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_FORWARDED")


class PermissionsPolicyMiddleware:
    """Adds the Permissions-Policy header to every response, static files and errors too.

    No page of the platform uses the camera, the microphone, the location, payment
    handlers or the like, so every powerful feature is off, for the page and for anything
    embedded in it: a script injected past the other defences cannot ask for them, and a
    browser never prompts a citizen for them. The policy is the setting PERMISSIONS_POLICY.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.PERMISSIONS_POLICY and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = settings.PERMISSIONS_POLICY
        return response


class LocalHealthProbeMiddleware:
    """Answers /healthz to a probe on the same host, over plain HTTP, whatever its Host.

    In production every other request is redirected to https and must name an allowed
    host; a probe beside the process (a container's health check, a supervisor) speaks
    plain HTTP to 127.0.0.1 and can do neither. So it goes first, ahead of the redirect
    and the host check. What it answers is what /healthz answers anyone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == _healthz_path() and _is_local_probe(request):
            return healthz(request)
        return self.get_response(request)


@functools.cache
def _healthz_path() -> str:
    return reverse("platform:healthz")


def _is_local_probe(request: HttpRequest) -> bool:
    if request.META.get("REMOTE_ADDR") not in LOOPBACK_ADDRESSES:
        return False
    return not any(header in request.META for header in PROXY_HEADERS)


class NoStoreByDefaultMiddleware:
    """Tells browsers and proxies to keep no copy of a response that does not say otherwise.

    Journey pages, staff pages and API answers can show personal data, and a page kept in a
    shared computer's browser cache or a proxy can be read by the next person. Keeping no
    copy is the default, so a new page cannot forget it; a response that is safe to cache
    (the public ledger, static files) sets its own Cache-Control and keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            # What add_never_cache_headers writes on a response without Cache-Control,
            # with the date formatted once a second rather than on every response.
            if not response.has_header("Expires"):
                response.headers["Expires"] = _http_date(int(time.time()))
            response.headers["Cache-Control"] = NEVER_CACHE
        return response


NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


@functools.lru_cache(maxsize=4)
def _http_date(epoch_seconds: int) -> str:
    return http_date(epoch_seconds)


class MethodNotAllowedProblemMiddleware:
    """Gives the API's 405s the shape of its other errors: a problem document naming the
    methods the route takes.

    Django's method decorators answer 405 with an empty body, and Django has no handler
    for it as it has for 400, 403, 404 and 500. A 405 that already has a body of its own
    (the Notify-compatible API's) is left as it is; a page's 405 is too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not wants_json(request):
            return response
        if getattr(response, "streaming", False) or response.content:
            return response
        allowed = response.get("Allow", "")
        problem = problem_response(
            status=405,
            title="Method not allowed",
            problem_type="method-not-allowed",
            detail=f"{request.method} is not allowed here: use {allowed}",
        )
        problem["Allow"] = allowed
        if request.method == "HEAD":
            problem.content = b""
        return problem


class RequireUtf8Middleware:
    """Refuses a request that declares a character set other than UTF-8, with a 415.

    Django decodes the query string and form fields in whatever character set a request
    declares. Some make text no page or database can hold (UTF-7 and `unicode_escape`
    write lone surrogates, `\\x00` and the like) and some are not character sets at all
    (`rot13`), which would be a server error on the first read of `request.GET`. Browsers
    send UTF-8 to UTF-8 pages, and JSON is UTF-8 (RFC 8259): nobody is turned away.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        charset = request.content_params.get("charset") if request.content_params else None
        if charset is not None and charset.strip().lower() != "utf-8":
            return _unsupported_charset(request)
        return self.get_response(request)


def _unsupported_charset(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return problem_response(
            status=415,
            title="Unsupported character set",
            problem_type="unsupported-charset",
            detail="Send text as UTF-8.",
        )
    return render(request, "platform/400.html", status=415)


class RequestSizeLimitMiddleware:
    """Refuses a request body larger than UPLOAD_MAX_REQUEST_BYTES with a 413, unread.

    Django limits the form fields it keeps in memory, not the files: the CSRF check reads
    request.POST, which would parse (and spool to disk) an upload of any size before a
    view could refuse it. The declared length is checked first; the WSGI server reads no
    more than it, so a body cannot be larger than it says.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.UPLOAD_MAX_REQUEST_BYTES and not _bounds_its_own_body(request):
            return _too_large(request)
        return self.get_response(request)


_View = TypeVar("_View", bound=Callable[..., Any])


def bounds_its_own_body(view: _View) -> _View:
    """Marks a view that checks the declared length of its body itself, before anything
    reads it, against a limit of its own (the API takes all of an application's files in
    one request, which may be more than one page's upload): RequestSizeLimitMiddleware
    lets its requests through. The view must be exempt from the CSRF check, which would
    read the body first. Put this decorator outermost."""
    view.bounds_its_own_body = True  # type: ignore[attr-defined]
    return view


def _bounds_its_own_body(request: HttpRequest) -> bool:
    # Resolved only for a body over the limit, which is rare: most requests never pay.
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "bounds_its_own_body", False) is True


def _too_large(request: HttpRequest) -> HttpResponse:
    largest = describe_size(settings.UPLOAD_MAX_BYTES)
    if wants_json(request):
        return problem_response(
            status=413,
            title="Request too large",
            problem_type="request-too-large",
            detail=f"A request, with its files, must be smaller than {largest}.",
        )
    return render(request, "platform/413.html", {"largest": largest}, status=413)


# Attributes django-csp's decorators set on a response that changes or drops the policy.
_OWN_POLICY_ATTRIBUTES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
_NONCE_MARK = "\x00nonce\x00"


# The settings objects the policy was built from, and what was built: compared by identity,
# so a test's override_settings (a new object) is seen at once, and the objects are held
# so that no other object can take their identity.
_built_policy: tuple[object, object, tuple[str, str, str] | None] | None = None


def _site_policy() -> tuple[str, str, str] | None:
    """The site's policy as django-csp writes it: without a nonce, and the parts either
    side of one. None when the settings ask for what only django-csp's own path does
    (a report-only policy, excluded URL prefixes)."""
    global _built_policy
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None)
    report_only = getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
    built = _built_policy
    if built is not None and built[0] is policy and built[1] is report_only:
        return built[2]
    parts = None
    if policy and not report_only and not policy.get("EXCLUDE_URL_PREFIXES"):
        before, _, after = build_policy(nonce=_NONCE_MARK).partition(_NONCE_MARK)
        parts = (build_policy(), before, after)
    _built_policy = (policy, report_only, parts)
    return parts


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the site's policy written out once per process.

    django-csp builds the policy from the settings twice per response (the policy and the
    report-only one), which cost more than the rest of the page's headers together. A
    response whose view changed the policy with django-csp's decorators, and any setting
    this does not handle, go through django-csp itself; the header is the same either way.
    """

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        site_policy = None if settings.DEBUG else _site_policy()
        if (
            site_policy is None
            or HEADER in response
            or HEADER_REPORT_ONLY in response
            or any(hasattr(response, name) for name in _OWN_POLICY_ATTRIBUTES)
        ):
            return super().process_response(request, response)
        without_nonce, before, after = site_policy
        nonce = getattr(request, "_csp_nonce", None)
        response[HEADER] = f"{before}{nonce}{after}" if nonce else without_nonce
        if nonce is None:
            # As django-csp does: a nonce asked for after the header is written is an error.
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
