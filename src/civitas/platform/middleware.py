"""Middleware of the platform kernel."""

import functools
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

from civitas.platform.files.kinds import describe_size
from civitas.platform.problems import problem_response, wants_json
from civitas.platform.views import healthz

LOOPBACK_ADDRESSES = frozenset({"127.0.0.1", "::1"})
# A reverse proxy on the same host connects from loopback too, but says whom it speaks for.
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_FORWARDED")


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
            add_never_cache_headers(response)
        return response


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
        if length > settings.UPLOAD_MAX_REQUEST_BYTES:
            return _too_large(request)
        return self.get_response(request)


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
