"""The performance pages: the service owner's dashboard (exact figures, any period that has
started, by channel, with the forecast; audited), and the public's pages per service and
per organisation (small numbers suppressed, periods that have ended only).

Every page, download and API answer is drawn from one `PublishedFigures`
(`civitas.insights.published`), so they cannot disagree. Charts are drawn on the server
(`dashboard.drawn`), which imports matplotlib at the first chart, not before.
"""

from datetime import date, timedelta
from typing import Any, cast

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from civitas.catalogue.public import ServiceNotFound, list_live_services
from civitas.identity.public import StaffRequest, find_organisation, staff_member_required
from civitas.insights import dashboard
from civitas.insights.calendar_suppression import published_year
from civitas.insights.events import PerformanceViewed
from civitas.insights.figures import CHANNELS, Forecast, ServiceFigures
from civitas.insights.forecast import forecast_for
from civitas.insights.open_data import CSV_HEADER, csv_rows, figures_document
from civitas.insights.periods import (
    Period,
    PeriodError,
    PeriodFormError,
    last_complete,
    parse_period,
)
from civitas.insights.published import PublishedFigures, publish
from civitas.insights.services import service_figures
from civitas.platform.csv_export import csv_lines
from civitas.platform.events import publish as publish_event

PERMISSION = "insights.view"
PUBLISHED_YEAR_CACHE_PREFIX = "insights:published-year"
PUBLISHED_YEAR_CACHE_SECONDS = 60 * 60
"""An hour: the figures of ended periods hardly change, but can (a service owner
correcting a month's post volume), so not for ever."""
PERIOD_MAX_LENGTH = 12
"""How much of a refused period is shown back in the form: more than any period's form."""


def find_forecast(service_slug: str, today: date, *, organisation_id: int) -> Forecast | None:
    """The organisation's demand forecast for the service, where one can be made."""
    return forecast_for(service_slug, today, organisation_id=organisation_id)


def public_period(text: str, *, today: date) -> Period:
    """A period the public may see: a month, quarter or year (they nest exactly), and
    over (so that the figures of a period do not change after they are published).
    Raises PeriodError."""
    if not text:
        return last_complete("month", today)
    try:
        # Whole, never cut: "2026-11     x" cut to its first 12 characters is a month.
        period = parse_period(text, today=today)
    except PeriodFormError:
        raise PeriodError(
            _("Enter a period as a month (2026-11), a quarter (2026-Q4) or a year (2026)")
        ) from None
    if period.kind == "week":
        raise PeriodError(
            _(
                "Figures are published by month, quarter or year: a week overlaps two "
                "months, and subtracting weeks from a month would reveal a count for a "
                "few days"
            )
        )
    if not period.has_ended(today):
        raise PeriodError(
            _("The period %(period)s has not ended yet: its figures are published once it is over")
            % {"period": period.label}
        )
    return period


def public_figures(slug: str, period: Period, *, today: date | None = None) -> PublishedFigures:
    """The figures of a service as the public sees them: across every organisation that
    runs it, every channel, suppressed consistently with every other published period of
    its year (`calendar_suppression`). `period` must have ended. Raises ServiceNotFound."""
    today = today or timezone.localdate()
    year = published_year_of(slug, period.start.year, today=today)
    return year[period.label]


def published_year_of(slug: str, year: int, *, today: date) -> dict[str, PublishedFigures]:
    """The published periods of a service's year by label, cached in the shared cache:
    the result up to a given month never changes, so the key names the last month ended."""
    ended = min(today, date(year + 1, 1, 1))
    # The language too: the pages' titles in the figures are in the reader's language.
    key = ":".join(
        (
            PUBLISHED_YEAR_CACHE_PREFIX,
            slug,
            str(year),
            last_complete("month", ended).label,
            get_language() or "",
        )
    )
    cached = cache.get(key)
    if cached is None:
        # Through this module's name, so that tests may serve figures of their own.
        cached = published_year(
            year, today=today, figures_for=lambda period: service_figures(slug, period)
        )
        cache.set(key, cached, PUBLISHED_YEAR_CACHE_SECONDS)
    return cast("dict[str, PublishedFigures]", cached)


# --- The public's pages -------------------------------------------------------------------


@require_GET
def service_performance(request: HttpRequest, slug: str) -> HttpResponse:
    today = timezone.localdate()
    period_text = request.GET.get("period", "").strip()
    try:
        period = public_period(period_text, today=today)
    except PeriodError as error:
        return _public_page(
            request,
            slug,
            last_complete("month", today),
            error=str(error),
            period_text=period_text[:PERIOD_MAX_LENGTH],
        )
    return _public_page(request, slug, period, period_text=period.label)


def _public_page(
    request: HttpRequest, slug: str, period: Period, *, period_text: str, error: str = ""
) -> HttpResponse:
    try:
        figures = public_figures(slug, period)
    except ServiceNotFound:
        raise Http404("no such live service") from None
    context = _figures_context(figures, forecast=None)
    context.update(
        {
            "errors": {"period": error} if error else {},
            "period_text": period_text,
            "json_url": f"/api/v1/performance/{slug}?period={period.label}",
            "csv_url": f"/api/v1/performance/{slug}.csv?period={period.label}",
            "previous_period": period.previous(),
            "next_period": period.next() if period.next().has_ended(timezone.localdate()) else None,
            "form_has_errors": bool(error),
        }
    )
    return render(request, "insights/public_service.html", context, status=400 if error else 200)


@require_GET
def organisation_performance(request: HttpRequest, organisation: str) -> HttpResponse:
    """An organisation's services, each with its KPIs for the period (the same figures as
    each service's own page: across every organisation that runs it)."""
    found = find_organisation(organisation)
    if found is None:
        raise Http404("no such organisation")
    today = timezone.localdate()
    period_text = request.GET.get("period", "").strip()
    error = ""
    try:
        period = public_period(period_text, today=today)
    except PeriodError as problem:
        error, period = str(problem), last_complete("month", today)
    services = [s for s in list_live_services() if s.organisation.slug == found.slug]
    rows = []
    for service in services:
        try:
            figures = public_figures(service.slug, period)
        except ServiceNotFound:
            continue
        rows.append({"service": service, "kpis": dashboard.kpis(figures)})
    return render(
        request,
        "insights/public_organisation.html",
        {
            "organisation_name": found.name,
            "organisation": found,
            "period": period,
            "period_text": period_text[:PERIOD_MAX_LENGTH] if error else period.label,
            "rows": rows,
            "errors": {"period": error} if error else {},
            "form_has_errors": bool(error),
        },
        status=400 if error else 200,
    )


# --- The service owner's dashboard --------------------------------------------------------


@require_GET
@staff_member_required(PERMISSION)
def performance_index(request: StaffRequest) -> HttpResponse:
    """The organisation's live services, each linking to its dashboard."""
    organisation = request.staff.organisation
    services = [s for s in list_live_services() if s.organisation.id == organisation.id]
    return render(request, "insights/staff_index.html", {"services": services})


@require_GET
@staff_member_required(PERMISSION)
def performance_dashboard(request: StaffRequest, slug: str) -> HttpResponse:
    return _dashboard(request, slug, download=False)


@require_GET
@staff_member_required(PERMISSION)
def performance_csv(request: StaffRequest, slug: str) -> HttpResponse:
    return _dashboard(request, slug, download=True)


def _staff_filters(request: HttpRequest, today: date) -> tuple[Period, str | None, dict[str, str]]:
    errors: dict[str, str] = {}
    period_text = request.GET.get("period", "").strip()
    period = last_complete("month", today)
    if period_text:
        try:
            period = parse_period(period_text, today=today)
        except PeriodError as error:
            errors["period"] = str(error)
    channel: str | None = request.GET.get("channel", "").strip() or None
    if channel is not None and channel not in CHANNELS:
        errors["channel"] = _("Choose a channel from the list")
        channel = None
    return period, channel, errors


def _dashboard(request: StaffRequest, slug: str, *, download: bool) -> HttpResponse:
    staff = request.staff
    today = timezone.localdate()
    period, channel, errors = _staff_filters(request, today)
    try:
        # Scoped to the acting organisation: another's service is "not found".
        exact = _staff_figures(slug, period, channel, organisation=staff.organisation.slug)
    except ServiceNotFound:
        raise Http404("no such live service of this organisation") from None
    figures = publish(exact, suppressed=False)
    forecast = (
        find_forecast(slug, today, organisation_id=staff.organisation.id)
        if channel is None
        else None
    )
    if not errors:
        publish_event(
            PerformanceViewed(
                organisation=staff.organisation.slug,
                staff_user_id=str(staff.user.pk),
                service_slug=slug,
                period=period.label,
                channel=channel or "",
                download=download,
            )
        )
    if download and not errors:
        document = figures_document(figures, forecast)
        response = StreamingHttpResponse(
            csv_lines(list(CSV_HEADER), csv_rows(document)),
            content_type="text/csv; charset=utf-8",
        )
        name = f"performance-{staff.organisation.slug}-{slug}-{period.label}"
        if channel:
            name += f"-{channel}"
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        response["X-Content-Type-Options"] = "nosniff"
        return cast("HttpResponse", response)
    context = _figures_context(figures, forecast=forecast)
    query = {"period": period.label, **({"channel": channel} if channel else {})}
    context.update(
        {
            "errors": errors,
            "form_has_errors": bool(errors),
            "period_text": request.GET.get("period", "").strip()[:PERIOD_MAX_LENGTH]
            if errors.get("period")
            else period.label,
            "channel": channel or "",
            "channels": [("", _("All channels"))]
            + [(name, str(dashboard.CHANNEL_LABELS[name])) for name in CHANNELS],
            "csv_query": query,
            "errors_by_question": sorted(
                figures.errors_by_question.items(),
                key=lambda item: -(item[1].value or 0),
            )[:10],
        }
    )
    return render(request, "insights/staff_dashboard.html", context, status=400 if errors else 200)


def _staff_figures(
    slug: str, period: Period, channel: str | None, *, organisation: str
) -> ServiceFigures:
    return service_figures(slug, period, channel, organisation=organisation)


def _figures_context(figures: PublishedFigures, *, forecast: Forecast | None) -> dict[str, Any]:
    return {
        "figures": figures,
        "period": figures.period,
        "last_day": figures.period.end - timedelta(days=1),
        "serviceName": figures.service_name,
        "kpis": dashboard.kpis(figures),
        "timings": dashboard.timings(figures),
        "decisions": dashboard.decisions(figures),
        "charts": dashboard.drawn(dashboard.charts(figures, forecast)),
        "forecast": forecast,
    }
