"""The citizen's feedback pages: the satisfaction question after an application, the
"Is this page not working properly?" report from any page, and the thanks; and the service
owner's list of the comments.

The pages work without JavaScript (the character count only adds a running count). Each
client may send FEEDBACK_RATE; past it, the form comes back with what was typed still in
it and says how long to wait, so nothing genuine is lost. A comment over the limit is cut,
never refused (feedback.py).
"""

import re
from collections.abc import Callable
from functools import partial

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from civitas.catalogue.public import Service, ServiceNotFound, get_live_service
from civitas.identity.public import StaffRequest, staff_member_required
from civitas.insights.feedback import (
    COMMENT_MAX_LENGTH,
    FEEDBACK_RATE,
    clean_page_name,
    list_commented_services,
    list_comments,
    read_comments,
    record_feedback,
)
from civitas.insights.figures import SATISFACTION_LEVELS
from civitas.insights.models import Feedback
from civitas.platform import ratelimit
from civitas.platform.client_address import client_address
from civitas.platform.input_guards import has_unsafe_characters

SATISFACTION_LABELS = {
    "very_satisfied": gettext_lazy("Very satisfied"),
    "satisfied": gettext_lazy("Satisfied"),
    "neither": gettext_lazy("Neither satisfied or dissatisfied"),
    "dissatisfied": gettext_lazy("Dissatisfied"),
    "very_dissatisfied": gettext_lazy("Very dissatisfied"),
}
KIND_LABELS = {
    Feedback.Kind.SATISFACTION: gettext_lazy("Satisfaction"),
    Feedback.Kind.PROBLEM: gettext_lazy("Page not working"),
}
# A posted comment is read no further than this: far past the limit, so what is cut is
# still cut at the limit, and a megabyte of text costs nothing to refuse.
_READ_AT_MOST = COMMENT_MAX_LENGTH * 4
_SCOPE = "insights.feedback"
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}", re.ASCII)


@require_http_methods(["GET", "POST"])
def satisfaction(request: HttpRequest, organisation: str, slug: str) -> HttpResponse:
    """The GOV.UK satisfaction question for one live service, with a comment."""
    service = _live_service_or_404(organisation, slug)
    form = {"satisfaction": "", "comment": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form = {
            "satisfaction": request.POST.get("satisfaction", "")[:40],
            "comment": request.POST.get("comment", "")[:_READ_AT_MOST],
        }
        if form["satisfaction"] not in SATISFACTION_LEVELS:
            errors["satisfaction"] = gettext("Select how you felt about the service")
        errors |= _comment_errors(form["comment"])
        status = _record_unless_refused(
            request,
            errors,
            partial(
                record_feedback,
                kind=Feedback.Kind.SATISFACTION,
                satisfaction=form["satisfaction"],
                comment=form["comment"],
                organisation_id=service.organisation_id,
                service_slug=service.slug,
                page="confirmation",
            ),
        )
        if not errors:
            return redirect("feedback:thanks")
    return render(
        request,
        "insights/feedback_satisfaction.html",
        {
            **_service_chrome(service),
            "form": form,
            "errors": errors,
            "options": [
                {"value": level, "label": SATISFACTION_LABELS[level]}
                for level in SATISFACTION_LEVELS
            ],
            "max_length": COMMENT_MAX_LENGTH,
            "form_has_errors": bool(errors),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def problem(request: HttpRequest) -> HttpResponse:
    """ "Is this page not working properly?": what went wrong, from the page it names. The
    link carries the service (`organisation/slug`) and the page's name, never its path."""
    source = request.POST if request.method == "POST" else request.GET
    service = _named_service(source.get("service", "")[:130])
    page = clean_page_name(source.get("page", ""))
    form = {"comment": ""}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        form["comment"] = request.POST.get("comment", "")[:_READ_AT_MOST]
        if not form["comment"].strip():
            errors["comment"] = gettext("Enter what was not working")
        errors |= _comment_errors(form["comment"])
        status = _record_unless_refused(
            request,
            errors,
            partial(
                record_feedback,
                kind=Feedback.Kind.PROBLEM,
                comment=form["comment"],
                organisation_id=service.organisation_id if service else None,
                service_slug=service.slug if service else "",
                page=page,
            ),
        )
        if not errors:
            return redirect("feedback:thanks")
    return render(
        request,
        "insights/feedback_problem.html",
        {
            **(_service_chrome(service) if service else {}),
            "service_path": service.path if service else "",
            "page": page,
            "form": form,
            "errors": errors,
            "max_length": COMMENT_MAX_LENGTH,
            "form_has_errors": bool(errors),
        },
        status=status,
    )


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "insights/feedback_thanks.html")


@require_GET
@staff_member_required("insights.feedback")
def comments(request: StaffRequest) -> HttpResponse:
    """The comments citizens left about the organisation's services (scrubbed of personal
    data when they were stored), newest first, a page at a time. Reading them is audited."""
    staff = request.staff
    services = list_commented_services(organisation_id=staff.organisation.id)
    service = request.GET.get("service", "")[:60]
    service = service if service in services else ""
    page = list_comments(
        organisation_id=staff.organisation.id,
        service_slug=service,
        cursor=request.GET.get("after", "")[:100],
    )
    read_comments(
        organisation=staff.organisation.slug,
        staff_user_id=str(staff.user.pk),
        service_slug=service,
    )
    return render(
        request,
        "insights/feedback_comments.html",
        {
            "page": page,
            "service": service,
            "services": services,
            "satisfaction_labels": SATISFACTION_LABELS,
            "kind_labels": KIND_LABELS,
        },
    )


def _comment_errors(comment: str) -> dict[str, str]:
    # Newlines and tabs are typed; other control characters, NUL (which PostgreSQL refuses)
    # and bidirectional overrides are not: refused, with what was typed kept in the form.
    if has_unsafe_characters(comment.replace("\r", "").replace("\n", "").replace("\t", "")):
        return {"comment": gettext("Your comment has characters we cannot accept. Remove them")}
    return {}


def _record_unless_refused(
    request: HttpRequest, errors: dict[str, str], record: Callable[..., object]
) -> int:
    """Records valid feedback in the page's language unless the client is past its rate:
    the status to answer with. A refusal is added to `errors`, so the form comes back
    with what was typed still in it."""
    if errors:
        return 400
    refused = _refused(request)
    if refused:
        errors["comment"] = refused
        return 429
    record(language=get_language() or "en")
    return 200


def _refused(request: HttpRequest) -> str:
    """ "" while the client is within FEEDBACK_RATE; otherwise what to tell them."""
    verdict = ratelimit.hit(_SCOPE, client_address(request), FEEDBACK_RATE)
    if verdict.allowed:
        return ""
    return gettext(
        "You have sent a lot of feedback in a short time. "
        "Wait %(seconds)s seconds, then send it again"
    ) % {"seconds": verdict.retry_after_seconds}


def _live_service_or_404(organisation: str, slug: str) -> Service:
    try:
        return get_live_service(organisation, slug)
    except ServiceNotFound:
        raise Http404("no such service") from None


def _named_service(path: str) -> Service | None:
    """The live service `organisation/slug` names; None for anything else."""
    organisation, _, slug = path.partition("/")
    # Only two slugs, as the satisfaction page's route takes them, are looked up: the link
    # is anyone's to edit, and a NUL in a query is an error from PostgreSQL, not a miss.
    if not (_SLUG.fullmatch(organisation) and _SLUG.fullmatch(slug)):
        return None
    try:
        return get_live_service(organisation, slug)
    except ServiceNotFound:
        return None


def _service_chrome(service: Service) -> dict[str, object]:
    return {
        "feedback_service": service,
        "serviceName": service.title,
        "serviceUrl": service.url,
        "organisation_name": service.organisation_name,
        "privacy_url": f"{service.url}privacy/",
    }
