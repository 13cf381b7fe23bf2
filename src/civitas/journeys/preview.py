"""Staff walk through a draft version of their organisation's service before it goes live.

The preview runs the citizen's own views on the draft (web.PREVIEW_ATTRIBUTE), under
/staff/preview/<service>/<version>/, with a preview banner on every page; its answers are
kept apart from any real application in the session, and sending it stores no case and
emails no one. A draft of another organisation, or a version that is not a draft, is a 404.
"""

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

from civitas.catalogue.public import ServiceNotFound, get_draft_service
from civitas.identity.public import staff_member_required
from civitas.journeys import repeat_views, returning, views, web

PREVIEW_PERMISSION = "services.preview"


def _previewing(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @staff_member_required(PREVIEW_PERMISSION)
    def wrapped(request: HttpRequest, slug: str, version: int, **kwargs: Any) -> HttpResponse:
        staff = request.staff  # type: ignore[attr-defined]
        try:
            service = get_draft_service(staff.organisation.id, slug, version)
        except ServiceNotFound:
            raise Http404("no such draft") from None
        setattr(request, web.PREVIEW_ATTRIBUTE, service)
        return view(request, service.organisation, service.slug, **kwargs)

    wrapped.__name__ = wrapped.__qualname__ = f"preview_{view.__name__}"
    return wrapped


start = _previewing(views.start)
question_page = _previewing(views.question_page)
check_answers = _previewing(views.check_answers)
declaration = _previewing(views.declaration)
confirmation = _previewing(views.confirmation)
privacy_notice = _previewing(views.privacy_notice)
repeat_item = _previewing(repeat_views.repeat_item)
remove_item = _previewing(repeat_views.remove_item)
# The timeout warning works in a preview as it does for citizens; saving does not (a
# preview is never stored).
timed_out = _previewing(returning.timed_out)
keep_alive = _previewing(returning.keep_alive)

__all__ = [
    "check_answers",
    "confirmation",
    "declaration",
    "keep_alive",
    "privacy_notice",
    "question_page",
    "remove_item",
    "repeat_item",
    "start",
    "timed_out",
]
