"""Middleware of the platform kernel."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civitas.platform.problems import problem_response, wants_json


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
