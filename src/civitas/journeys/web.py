"""What every citizen page view shares: the service a request is for (live, the version a
journey began on, or a draft in preview), the journey in the session, the page chrome's
context, URLs, and refusals."""

import datetime
import time
from collections.abc import Hashable, Mapping
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from civitas.catalogue.public import (
    FieldError,
    QuestionPage,
    Service,
    ServiceNotFound,
    Widget,
    get_live_service,
    get_published_service,
    is_file_question,
)
from civitas.catalogue.public import Question as CatalogueQuestion
from civitas.identity.public import identity_sign_in_url, is_signed_in, meets_identity_level
from civitas.journeys import flow
from civitas.journeys.sessions import Journey, forget_journey, load_journey, save_journey
from civitas.platform.skeletons import render_from_skeleton

PREVIEW_ATTRIBUTE = "civitas_preview_service"
"""Set on a request by the staff preview (preview.py): the draft version it walks through."""
QUESTION_FORM = "journeys/_question_form.html"
"""The parts of a question page drawn for each visit (the rest is kept as a skeleton)."""


def service_or_404(request: HttpRequest, organisation: str, slug: str) -> Service:
    preview: Service | None = getattr(request, PREVIEW_ATTRIBUTE, None)
    if preview is not None:
        return preview
    try:
        return get_live_service(organisation, slug)
    except ServiceNotFound:
        raise Http404("no such service") from None


def today() -> datetime.date:
    return timezone.localdate()


def page_context(service: Service, **extra: Any) -> dict[str, Any]:
    return {
        "service": service,
        "serviceName": service.title,
        "serviceUrl": service.url,
        # The page chrome names the organisation that runs the service.
        "organisation_name": service.organisation_name,
        "is_preview": service.is_preview,
        **_timeout_context(),
        # The footer's privacy link goes to the service's own notice.
        "privacy_url": f"{service.url}privacy/",
        **extra,
    }


def _timeout_context() -> dict[str, int]:
    return {
        "journey_timeout_minutes": settings.JOURNEY_TIMEOUT_MINUTES,
        # The dialog counts from the page's opening, which may be up to the write interval
        # after the last recorded activity: it warns that much early, never late.
        "journey_timeout_client_seconds": settings.JOURNEY_TIMEOUT_MINUTES * 60
        - activity_write_seconds(),
        "journey_timeout_warning_seconds": settings.JOURNEY_TIMEOUT_WARNING_SECONDS,
    }


def rejected(
    request: HttpRequest, service: Service, *, title: str, detail: str, status: int = 400
) -> HttpResponse:
    """A clear refusal of a request the journey could not have produced. Nothing is stored."""
    return render(
        request,
        "journeys/rejected.html",
        page_context(service, title=title, detail=detail),
        status=status,
    )


def current_journey(request: HttpRequest, live: Service) -> tuple[Service, Journey] | HttpResponse:
    """The citizen's journey and the version of the service it runs on; for a service
    that needs its applicants signed in (its definition's `sign_in`), a redirect to sign
    in first when they are not, or not to the identity level it needs.
    """
    found = _current_journey(request, live)
    if isinstance(found, HttpResponse):
        return found
    service, _journey = found
    level = service.model.sign_in_level
    if level is not None and not service.is_preview and not meets_identity_level(request, level):
        return redirect(identity_sign_in_url(level=level, next_url=request.get_full_path()))
    return found


def _current_journey(request: HttpRequest, live: Service) -> tuple[Service, Journey] | HttpResponse:
    """The citizen's journey and the version of the service it runs on.

    A journey finishes on the version it began with, whatever has been published since
    (docs/decisions/0020). One left alone past JOURNEY_TIMEOUT_MINUTES is deleted and
    the citizen is sent to the timed-out page; one whose version was withdrawn starts
    again on the live version, and the citizen is told why.
    """
    journey = load_journey(request, live.journey_key)
    if journey is None:
        return live, Journey(service_path=live.journey_key, version=live.version)
    if is_timed_out(journey):
        forget_journey(request, live.journey_key)
        return redirect(f"{live.url}timed-out/")
    if journey.active_at is not None and time.time() - journey.active_at > activity_write_seconds():
        # Reading a page is doing something: keep the journey, writing it at most so often.
        save_journey(request, journey)
    if journey.version == live.version or live.is_preview:
        return live, journey
    try:
        return get_published_service(live.organisation, live.slug, journey.version), journey
    except ServiceNotFound:
        forget_journey(request, live.journey_key)
        return rejected(
            request,
            live,
            status=409,
            title=_("This service has changed since you started"),
            detail=_(
                "The version of the service you started on has been withdrawn, so we "
                "deleted your answers. Start again to apply with the current version."
            ),
        )


def activity_write_seconds() -> int:
    """How stale a journey's last activity may be before reading a page writes it again:
    a minute, or a tenth of a shorter timeout. Page views then rarely write the session,
    and the warning shown is never later than the real timeout by more than this."""
    return min(60, settings.JOURNEY_TIMEOUT_MINUTES * 6)


def is_timed_out(journey: Journey) -> bool:
    return (
        journey.active_at is not None
        and time.time() - journey.active_at > settings.JOURNEY_TIMEOUT_MINUTES * 60
    )


def version_changed(request: HttpRequest, service: Service) -> HttpResponse:
    return rejected(
        request,
        service,
        status=409,
        title=_("This service has changed since you started"),
        detail=_("Start again to use the current version. Nothing was saved."),
    )


def posted_version_is_the_journeys(request: HttpRequest, service: Service) -> bool:
    """The page posted was served for the journey's version. The version the journey runs
    on is the session's, never the form's: a forged number is refused, not followed."""
    return request.POST.get("version") == str(service.version)


def file_questions(page: QuestionPage) -> list[CatalogueQuestion]:
    """The questions of a page answered with a file: such a page posts multipart."""
    return [question for question in page.questions if is_file_question(question)]


def page_url(service: Service, page_id: str) -> str:
    return f"{service.url}{page_id}/"


def back_link(service: Service, route: flow.Route, page_id: str) -> str:
    position = route.pages.index(page_id)
    if position == 0:
        return service.url
    return page_url(service, route.pages[position - 1])


def render_question_page(
    request: HttpRequest,
    service: Service,
    page: QuestionPage,
    *,
    fields: Mapping[str, str],
    errors: Mapping[str, FieldError],
    is_change: bool,
    back: str,
    action: str = "",
    caption: str = "",
    status: int = 200,
) -> HttpResponse:
    """A page's questions drawn by their types, each with its own error; the error
    summary lists every error of the page at once.

    Only the summary and the form's fields are drawn for each visit: the rest of the page
    is the same for every citizen of this version, and is kept (platform/skeletons.py).
    """
    action = (action or page_url(service, page.id)) + ("?change=1" if is_change else "")
    # The header links to the citizen's account or to signing in: part of the key.
    # (None on a preview, which staff walk through.)
    account_link = (
        "" if service.is_preview else "signed-in" if is_signed_in(request) else "signed-out"
    )
    widgets = [
        question.widget(fields, errors.get(question.id), heading=not page.is_group)
        for question in page.questions
    ]
    key = (
        service.path,
        service.version,
        service.sha256,
        service.organisation_name,
        service.is_preview,
        page.id,
        action,
        caption,
        bool(errors),
        account_link,
        *_timeout_context().values(),
    )
    parts = get_template(QUESTION_FORM).template.module  # type: ignore[attr-defined]
    return render_from_skeleton(
        request,
        "journeys/question.html",
        # What the fixed context below is made of, and nothing else.
        key=key,
        fixed=page_context(
            service,
            page=page,
            form_has_errors=bool(errors),
            action=action,
            multipart=bool(file_questions(page)),
            account_link=account_link,
        ),
        slots={
            "back": back,
            "error_summary_html": parts.error_summary(
                {error.field: error.message for error in errors.values()}
            ),
            "form_fields": _form_fields(
                parts, key, page, widgets, caption=caption, has_errors=bool(errors)
            ),
        },
        status=status,
    )


# Kept form fields: a few per choice page, version and language; the bound only guards.
KEPT_FORM_FIELDS_SIZE = 4096
_kept_form_fields: dict[tuple[Hashable, ...], str] = {}


def _form_fields(
    parts: Any,
    page_key: tuple[Hashable, ...],
    page: QuestionPage,
    widgets: list[Widget],
    *,
    caption: str,
    has_errors: bool,
) -> str:
    """The inside of the page's form. Without errors, a page whose every question is a
    choice among its own options (radios, yes or no, a select, checkboxes) has a few
    possible forms, each determined by the choices: those are kept. Anything a citizen
    typed, and any error, is drawn anew."""
    markup_keys = tuple(widget.markup_key for widget in widgets)
    keep = not (has_errors or settings.DEBUG or None in markup_keys)
    kept_key = (*page_key, translation.get_language(), markup_keys)
    if keep and (kept := _kept_form_fields.get(kept_key)) is not None:
        return kept
    html: str = parts.form_fields(
        page,
        widgets,
        # A "Remove file" button comes before Continue: a hidden Continue first stays the
        # button Enter presses in a text input of the page.
        any(
            widget.arguments.get("removable") and widget.arguments.get("current")
            for widget in widgets
        ),
        caption,
    )
    if keep:
        if len(_kept_form_fields) >= KEPT_FORM_FIELDS_SIZE:
            _kept_form_fields.clear()
        _kept_form_fields[kept_key] = html
    return html


def off_the_route(request: HttpRequest, service: Service, route: flow.Route) -> HttpResponse:
    """The answer to a request for a page the answers given do not reach: a post is
    refused (nothing is stored), a visit goes where the citizen is up to."""
    if request.method == "POST":
        return rejected(
            request,
            service,
            title=_("You cannot answer this question yet"),
            detail=_("Answer the questions in order. Nothing was saved."),
        )
    return redirect(page_url(service, route.stop or "check-answers"))
