"""Middleware of the platform kernel."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


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
