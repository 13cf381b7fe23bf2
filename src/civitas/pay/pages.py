"""What the pages that send people to the provider's card pages need."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse


def payment_pages_origin() -> str:
    """The origin of the provider's card pages: the pages that send people there must
    let their forms lead to it (CSP form-action applies to a form's redirects)."""
    parts = urlsplit(settings.PAY_PAGES_URL or settings.PAY_API_URL)
    return f"{parts.scheme}://{parts.netloc}"


def allow_payment_redirect(response: HttpResponse) -> HttpResponse:
    response._csp_update = {"form-action": [payment_pages_origin()]}  # type: ignore[attr-defined]
    return response
