"""Assisted digital: a member of staff completes a service on a caller's behalf.

The caller's application goes through the same journey as anyone's (the same pages,
checks and rules); it is recorded as made on the assisted channel, with who helped. A
member of staff starts it from `/staff/assist/`, which marks the journey in their
session; at sending, the mark counts only while they are still signed in with their
second factor and hold `cases.assist` in the service's organisation. A mark a citizen
could forge in their own session proves nothing without that sign-in.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from civitas.catalogue.public import (
    Service,
    ServiceNotFound,
    get_live_service,
    list_live_services,
)
from civitas.identity.public import StaffRequest, staff_context_for, staff_member_required
from civitas.journeys.sessions import forget_journey

ASSIST_PERMISSION = "cases.assist"


def _marker(service: Service) -> str:
    return f"assisted:{service.journey_key}"


def assisted_by(request: HttpRequest, service: Service) -> int | None:
    """The id of the member of staff completing this journey for a caller, or None when
    it is the citizen's own (or the mark no longer holds: signed out, no second factor, no
    longer allowed to assist in the service's organisation)."""
    marked = request.session.get(_marker(service))
    user = request.user
    if marked is None or marked != user.pk:
        return None
    is_verified = getattr(user, "is_verified", None)
    if not callable(is_verified) or not is_verified():
        return None
    staff = staff_context_for(user, service.organisation_id)
    return user.pk if staff is not None and staff.can(ASSIST_PERMISSION) else None


def is_marked_assisted(request: HttpRequest, service: Service) -> bool:
    """Whether the journey is marked as completed by staff for a caller. Only the mark,
    read from the session without a query: enough to count the journey as assisted, never
    to send it as such (that is `assisted_by`)."""
    return request.session.get(_marker(service)) is not None


def forget_assisting(request: HttpRequest, service: Service) -> None:
    request.session.pop(_marker(service), None)


@require_GET
@staff_member_required(ASSIST_PERMISSION)
def assist_list(request: StaffRequest) -> HttpResponse:
    """The organisation's live services, each to start on a caller's behalf."""
    organisation = request.staff.organisation
    services = [
        service for service in list_live_services() if service.organisation.id == organisation.id
    ]
    return render(request, "journeys/assist.html", {"services": services})


@require_POST
@staff_member_required(ASSIST_PERMISSION)
def assist_start(request: StaffRequest, slug: str) -> HttpResponse:
    """Starts the service for a caller: a fresh journey, marked as assisted."""
    try:
        service = get_live_service(request.staff.organisation.slug, slug)
    except ServiceNotFound:
        raise Http404("no such service") from None
    forget_journey(request, service.journey_key)  # never carry on someone else's answers
    request.session.pop(f"submitted:{service.journey_key}", None)
    request.session[_marker(service)] = request.user.pk
    return redirect(service.url)
