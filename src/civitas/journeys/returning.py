"""The pages of saving and coming back later, and of timing out.

Save: the citizen gives an email address (the service's contact answer, when given, is
offered) and gets a single-use link back to their answers (saving.py). Return: the link
opens a page with a button, and only the button's POST spends the link, so that a mail
scanner that fetches links does not use it up. Timed out: where a journey left alone too
long is sent; keep-alive: what the timeout warning's "Continue" calls.
"""

import time
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civitas.catalogue.public import (
    Service,
    ServiceNotFound,
    active_language,
    get_published_service,
    get_service_version,
    in_language,
)
from civitas.identity.public import signed_in_account_id
from civitas.journeys import flow, saving
from civitas.journeys.sessions import Journey, forget_journey, load_journey, save_journey
from civitas.journeys.web import (
    current_journey,
    is_timed_out,
    page_context,
    page_url,
    service_or_404,
    today,
)
from civitas.platform.client_address import client_address

EMAIL_MAX_LENGTH = 254


def saved_key(service: Service) -> str:
    return f"saved:{service.journey_key}"


def _clean_email(raw: str) -> tuple[str, str | None]:
    email = raw.strip()
    if not email:
        return email, "Enter your email address"
    if len(email) > EMAIL_MAX_LENGTH or any(ord(c) < 32 or ord(c) == 127 for c in email):
        return email, "Enter an email address in the correct format, like name@example.com"
    try:
        validate_email(email)
    except ValidationError:
        return email, "Enter an email address in the correct format, like name@example.com"
    return email, None


@require_http_methods(["GET", "POST"])
def save_for_later(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    found = current_journey(request, service_or_404(request, organisation, slug))
    if isinstance(found, HttpResponse):
        return found
    service, journey = found
    if service.is_preview:
        # A preview's answers are never stored.
        return redirect(service.url)
    route = flow.route(service, journey.answers, today=today())
    back = page_url(service, route.stop or "check-answers")
    contact = journey.answers.get(service.contact_email_answer)
    email = contact if isinstance(contact, str) else ""
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        email, error = _clean_email(request.POST.get("email", ""))
        if error is not None:
            errors["email"], status = error, 400
        else:
            result = saving.save_for_later(
                service=service,
                answers=journey.answers,
                drafts=journey.drafts,
                email=email,
                client=client_address(request),
                account_id=signed_in_account_id(request),
            )
            if isinstance(result, saving.TooManySaves):
                minutes = max(1, -(-result.retry_after_seconds // 60))
                errors["email"] = (
                    "You have asked for too many links. Try again in "
                    f"{minutes} minute{'s' if minutes != 1 else ''}"
                )
                status = 429
            else:
                request.session[saved_key(service)] = True
                return render(
                    request,
                    "journeys/saved.html",
                    page_context(
                        service,
                        email=email,
                        expires_on=timezone.localtime(result.expires_at).strftime("%-d %B %Y"),
                        back=back,
                    ),
                )
    return render(
        request,
        "journeys/save.html",
        page_context(
            service,
            email=email,
            errors=errors,
            form_has_errors=bool(errors),
            back=back,
            days=settings.SAVED_JOURNEY_DAYS,
        ),
        status=status,
    )


@require_http_methods(["GET", "POST"])
def return_to_saved(request: HttpRequest, organisation: str, slug: str, token: str) -> HttpResponse:
    live = service_or_404(request, organisation, slug)
    try:
        if request.method == "GET":
            saving.find_saved_link(service=live, token=token)
            return render(request, "journeys/return.html", page_context(live))
        restored = saving.use_saved_link(service=live, token=token)
    except saving.LinkUnusable as unusable:
        return render(
            request,
            "journeys/return_unusable.html",
            page_context(live, why=unusable.why, days=settings.SAVED_JOURNEY_DAYS),
            status=404 if unusable.why == "unknown" else 410,
        )
    return _resume(request, live, restored)


def _resume(request: HttpRequest, live: Service, restored: saving.Restored) -> HttpResponse:
    """Puts restored answers back in the session, on the version they were given on, and
    goes to where the citizen left off."""
    try:
        service = (
            live
            if restored.version == live.version
            else get_published_service(live.organisation, live.slug, restored.version)
        )
    except ServiceNotFound:
        return render(
            request,
            "journeys/rejected.html",
            page_context(
                live,
                title=_("This service has changed since you saved your answers"),
                detail=_(
                    "The version of the service you saved your answers on has been "
                    "withdrawn, so we deleted them. Start again to apply with the current "
                    "version."
                ),
            ),
            status=409,
        )
    journey = Journey(
        service_path=live.journey_key,
        version=service.version,
        answers=restored.answers,
        drafts=restored.drafts,
    )
    save_journey(request, journey)
    request.session.pop(saved_key(live), None)
    route = flow.route(service, journey.answers, today=today())
    return redirect(page_url(service, route.stop or "check-answers"))


@require_GET
def saved_for_account(request: HttpRequest) -> HttpResponse:
    """A signed-in citizen's saved answers, each to carry on with a button."""
    account_id = signed_in_account_id(request)
    if account_id is None:
        return redirect(f"/account/sign-in?{urlencode({'next': '/account/saved'})}")
    saved = []
    for row in saving.list_saved_for_account(account_id):
        try:
            service = get_service_version(
                row.organisation_id, row.service_slug, row.service_version
            )
        except ServiceNotFound:
            continue
        saved.append({"row": row, "title": in_language(service.title, active_language())})
    return render(request, "journeys/saved_for_account.html", {"saved": saved})


@require_POST
def continue_saved(request: HttpRequest, saved_id: uuid.UUID) -> HttpResponse:
    """Carries on with the account's saved answers, spending them as their link would."""
    account_id = signed_in_account_id(request)
    if account_id is None:
        return redirect(f"/account/sign-in?{urlencode({'next': '/account/saved'})}")
    row = next(
        (r for r in saving.list_saved_for_account(account_id) if r.id == str(saved_id)), None
    )
    if row is None:
        return redirect("/account/saved")
    try:
        saved_on = get_service_version(row.organisation_id, row.service_slug, row.service_version)
        # The live version first: a service no longer offered spends nothing.
        live = service_or_404(request, saved_on.organisation, saved_on.slug)
        restored = saving.use_saved_for_account(
            saved_id=row.id, account_id=account_id, service=live
        )
    except (saving.LinkUnusable, ServiceNotFound):
        return redirect("/account/saved")
    return _resume(request, live, restored)


@require_GET
def timed_out(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    service = service_or_404(request, organisation, slug)
    # The dialog sends the citizen here at its own count, a little before the journey's
    # own timeout: the page says the answers are deleted, so they are.
    forget_journey(request, service.journey_key)
    return render(
        request,
        "journeys/timed_out.html",
        page_context(
            service,
            saved=bool(request.session.get(saved_key(service))),
            minutes=settings.JOURNEY_TIMEOUT_MINUTES,
        ),
    )


@require_POST
def keep_alive(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    """Keeps a journey going (the timeout warning's "Continue"); says how long it now has."""
    service = service_or_404(request, organisation, slug)
    journey = load_journey(request, service.journey_key)
    if journey is None or is_timed_out(journey):
        return JsonResponse({"alive": False, "timed_out_url": f"{service.url}timed-out/"})
    save_journey(request, journey)
    assert journey.active_at is not None
    return JsonResponse(
        {
            "alive": True,
            "expires_in_seconds": int(
                journey.active_at + settings.JOURNEY_TIMEOUT_MINUTES * 60 - time.time()
            ),
        }
    )
