from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civitas.platform.health import run_health_checks
from civitas.platform.problems import problem_response, wants_json
from civitas.platform.redirects import next_url
from civitas.platform.security_log import security_event


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    report = run_health_checks()
    return JsonResponse(report.as_json(), status=report.http_status)


@require_GET
def switch_language(request: HttpRequest, language: str) -> HttpResponse:
    """A plain link switches language, so it works without JavaScript."""
    response = HttpResponseRedirect(next_url(request, default="/"))
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 60 * 60,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    # Django's reason is a sentence that can quote the Origin header: not logged.
    security_event("token.refused", reason="csrf", **_who(request))
    if wants_json(request):
        return problem_response(
            status=403,
            title="Request forgery check failed",
            detail="The form was not sent from this site, or it expired. Nothing was saved.",
            problem_type="csrf",
        )
    return render(request, "platform/csrf.html", status=403)


def _who(request: HttpRequest) -> dict[str, str | int | None]:
    """Who made the request, by ids only: the member of staff, or the API key."""
    user = getattr(request, "user", None)
    api_key = getattr(request, "api_key", None)
    return {
        "staff": user.pk if user is not None and user.is_authenticated else None,
        "api_key": getattr(api_key, "public_id", None),
        "view": getattr(request.resolver_match, "view_name", None) or None,
    }


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    who = _who(request)
    if who["view"] and (who["staff"] or who["api_key"]):
        # A signed-in member of staff or an API key asked a view for something it did not
        # find: another organisation's case looks exactly like this, so it is recorded.
        # Unknown addresses (no view) and citizens' pages are not: they are noise.
        security_event("access.refused", reason="not_found", **who)
    if wants_json(request):
        return problem_response(status=404, title="Not found", problem_type="not-found")
    return render(request, "platform/404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return problem_response(status=500, title="Internal server error")
    return render(request, "platform/500.html", status=500)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return problem_response(status=400, title="Bad request")
    return render(request, "platform/400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return problem_response(status=403, title="Forbidden")
    return render(request, "platform/403.html", status=403)
