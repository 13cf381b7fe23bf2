"""Open data: a service's figures for one fixed calendar period, as JSON or CSV, with
small numbers suppressed (decision 0059). Open to anyone, like the public pages.

Errors are RFC 9457 problem documents: a period in the wrong form, one that has not
ended, or a service that no organisation runs live.
"""

from typing import Any, cast

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from civitas.catalogue.public import ServiceNotFound
from civitas.insights.open_data import CSV_HEADER, csv_rows, figures_document
from civitas.insights.periods import PeriodError
from civitas.insights.views import public_figures, public_period
from civitas.platform.csv_export import csv_lines
from civitas.platform.problems import problem_response


def _document(request: HttpRequest, slug: str) -> dict[str, Any] | JsonResponse:
    try:
        period = public_period(request.GET.get("period", "").strip(), today=timezone.localdate())
    except PeriodError as error:
        return problem_response(
            status=400,
            title="Invalid period",
            detail=str(error),
            problem_type="invalid-period",
        )
    try:
        figures = public_figures(slug, period)
    except ServiceNotFound:
        return problem_response(
            status=404,
            title="Service not found",
            detail=f"No organisation runs a live service called {slug!r}",
            problem_type="not-found",
        )
    return figures_document(figures)


@require_GET
def performance(request: HttpRequest, slug: str) -> JsonResponse:
    """GET /api/v1/performance/<slug>?period=2026-11"""
    document = _document(request, slug)
    if isinstance(document, JsonResponse):
        return document
    response = JsonResponse(document)
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def performance_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """GET /api/v1/performance/<slug>.csv?period=2026-11: the same figures as rows."""
    document = _document(request, slug)
    if isinstance(document, JsonResponse):
        return document
    response = StreamingHttpResponse(
        csv_lines(list(CSV_HEADER), csv_rows(document)), content_type="text/csv; charset=utf-8"
    )
    period = document["period"]["label"]
    response["Content-Disposition"] = f'attachment; filename="performance-{slug}-{period}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Access-Control-Allow-Origin"] = "*"
    return cast("HttpResponse", response)
