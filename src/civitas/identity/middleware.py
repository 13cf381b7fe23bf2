"""Tells the page whether a citizen is signed in, for the header's account link."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from civitas.identity.account_sessions import is_signed_in


class CitizenAccountMiddleware:
    """Sets `request.citizen_signed_in`, worked out only when a page reads it (the
    session is then loaded; a request without a session cookie loads nothing)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.citizen_signed_in = SimpleLazyObject(lambda: is_signed_in(request))  # type: ignore[attr-defined]
        return self.get_response(request)
