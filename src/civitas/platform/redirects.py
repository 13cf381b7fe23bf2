"""Where to send someone next, from a `next` a request carries: only a path on this site,
never another (an open redirect would lend the platform's name to a phishing link)."""

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, *, default: str) -> str:
    """The request's `next` (posted or in the query) when it stays on this site, else
    `default`."""
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
