"""Middleware of the platform kernel."""

import functools
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers

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
