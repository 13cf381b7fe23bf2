"""Turns LedgerUnavailable into a clear 503 wherever it surfaces (a page or the API).

A change that must be logged is refused when the log cannot take it; the citizen or
caseworker is told that nothing was saved, rather than shown a generic error.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from civitas.ledger.services import LedgerUnavailable
from civitas.platform.problems import problem_response, wants_json


class LedgerUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, LedgerUnavailable):
            return None
        if wants_json(request):
            return problem_response(
                status=503,
                title="Transparency log unavailable",
                problem_type="ledger-unavailable",
                detail="This change must be recorded in the transparency log, which is not "
                "accepting entries. Nothing was saved; try again later.",
            )
        return render(request, "ledger/unavailable.html", status=503)
