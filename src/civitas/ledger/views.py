from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext

from civitas.ledger import labels, queries
from civitas.ledger.http import get_or_head


@get_or_head
def entry_page(request: HttpRequest, index: int) -> HttpResponse:
    """One entry, with its inclusion proof checked against the latest signed checkpoint."""
    page = queries.describe_entry(index)
    if page is None:
        raise Http404("no such entry")
    api_url = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/ledger"
    return render(
        request,
        "ledger/entry.html",
        {
            "page": page,
            "api_url": api_url,
            "serviceName": gettext("Transparency log"),
            "kind_label": labels.kind_label,
            "role_label": labels.role_label,
            "field_label": labels.field_label,
            "value_label": labels.value_label,
        },
    )
