from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from civitas.ledger import labels, queries
from civitas.ledger.http import get_or_head
from civitas.ledger.promise_checks import PromiseCheck, check_promise, check_stored_promise

MAX_PROMISE_CHARS = 400
"""A promise is 162 characters; anything much longer is not one, and is not decoded."""


@get_or_head
def entry_page(request: HttpRequest, index: int) -> HttpResponse:
    """One entry: what it means for the person it is about, whether the log kept the
    promise it signed for it (the one in the link from their email, or the one stored),
    then the technical proof, checked against the latest signed checkpoint."""
    page = queries.describe_entry(index)
    if page is None:
        raise Http404("no such entry")
    from_link = request.GET.get("promise", "")
    promise: PromiseCheck | None = None
    if from_link:
        promise = (
            check_promise(from_link)
            if len(from_link) <= MAX_PROMISE_CHARS
            else PromiseCheck(None, "unreadable", "too long")
        )
    elif page.entry is not None and page.entry.promise:
        promise = check_stored_promise(index, page.entry.promise)
    parsed = page.entry.parsed if page.entry else None
    api_url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/ledger"
    return render(
        request,
        "ledger/entry.html",
        {
            "page": page,
            "api_url": api_url,
            "serviceName": gettext("Transparency log"),
            "what_it_records": (
                labels.what_it_records(parsed.kind, parsed.time, parsed.payload) if parsed else ""
            ),
            "promise": promise,
            "promise_from_link": bool(from_link),
            "promise_for_other_entry": (
                bool(from_link)
                and promise is not None
                and promise.promise is not None
                and promise.promise.index != index
            ),
            "written_moment": labels.written_moment,
            "kind_label": labels.kind_label,
            "role_label": labels.role_label,
            "field_label": labels.field_label,
            "value_label": labels.value_label,
        },
    )
